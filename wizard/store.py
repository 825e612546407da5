"""Reading and writing ``wizard.toml``: tomllib in, atomic replace out.

A file that cannot be parsed is reported with its line and never overwritten silently: the
wizard's autosave writes to its own location, and ``write_document`` refuses to replace a
file it could not read unless asked to.

Saving over an existing file edits it in place with tomlkit (``update_toml``): only the keys
whose values changed are rewritten, added or removed, so the person's comments, blank lines
and key order survive a wizard edit. A new file (and the exported ``wizard.toml``) is written
in canonical form with tomli-w (``dumps``): the same document always gives the same bytes.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from .config import SECTION_MODELS, WizardConfig
from .errors import StoreError
from .limits import read_config_bytes
from .validation import validate_or_raise

AUTOSAVE_NAME = "autosave.toml"
NEW_FILE_MODE = 0o644


def state_dir() -> Path:
    """Where interactive sessions autosave: ``$XDG_STATE_HOME/sm-wizard`` (or ~/.local/state)."""
    override = os.environ.get("SM_WIZARD_STATE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "sm-wizard"


def autosave_path() -> Path:
    return state_dir() / AUTOSAVE_NAME


def read_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse a TOML file into a dict; a clear ``StoreError`` for every way that can fail."""
    path = Path(path)
    try:
        raw = read_config_bytes(path)  # regular files only, size and shape bounded
    except FileNotFoundError:
        raise StoreError(
            f"{path}: no such file. Create one with: sm-wizard init --template demo --out "
            f"{shlex.quote(str(path))}",
            "File not found",
        ) from None
    except IsADirectoryError:
        raise StoreError(f"{path} is a folder; give the path of a .toml file") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StoreError(
            f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8", "Unreadable file"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StoreError(
            f"{path}: not valid TOML ({exc}). The file was left untouched; fix it in an editor "
            "or start again with sm-wizard init",
            "Corrupt file",
        ) from None


def load_config(path: str | os.PathLike[str]) -> WizardConfig:
    """Read and fully validate a config file (``ConfigError`` lists every problem)."""
    return validate_or_raise(read_document(path))


def config_to_document(config: WizardConfig) -> dict[str, Any]:
    """A plain dict in the file's canonical order, ready for ``tomli_w``."""
    data = config.model_dump(mode="json")
    ordered: dict[str, Any] = {"schema_version": data["schema_version"]}
    for section in SECTION_MODELS:
        ordered[section] = data[section]
    return ordered


def dumps(doc: dict[str, Any]) -> str:
    """Canonical TOML text: the same document always gives the same bytes."""
    return tomli_w.dumps(_strip_none(doc))


def _strip_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


def update_toml(text: str, doc: dict[str, Any]) -> str | None:
    """``text`` (a TOML file's content) edited in place so that it holds ``doc``.

    Keys whose value is unchanged keep their exact text (and comments); changed values are
    replaced where they stand (a comment at the end of the line stays); new keys are added at
    the end of their table, keys missing from ``doc`` are removed. Returns ``None`` if the
    text cannot be edited this way (tomlkit cannot parse it, or the result would not read
    back as ``doc``): the caller then writes the canonical form instead.
    """
    import tomlkit  # lazily: reading (validate, plan, the TUI's start) never needs it
    import tomlkit.exceptions

    wanted = _strip_none(doc)
    try:
        document = tomlkit.parse(text)
        _update_container(document, wanted)
        result = tomlkit.dumps(document)
    except (tomlkit.exceptions.TOMLKitError, ValueError, TypeError, KeyError):
        return None
    try:
        if tomllib.loads(result) != wanted:
            return None
    except tomllib.TOMLDecodeError:
        return None
    return result


def _update_container(container: Any, wanted: dict[str, Any]) -> None:
    from tomlkit.container import Container
    from tomlkit.items import AoT, Item, Table

    for key in [k for k in container if k not in wanted]:
        del container[key]
    for key, value in wanted.items():
        if key in container:
            current = container[key]
            tables = (Table, Container, dict)
            if (
                isinstance(value, dict)
                and isinstance(current, tables)
                and not isinstance(current, AoT)
            ):
                _update_container(current, value)
                continue
            plain = current.unwrap() if isinstance(current, (Item, Container)) else current
            if plain == value and type(plain) is type(value):
                continue
            container[key] = value
        else:
            _add_key(container, key, value)


def _add_key(container: Any, key: str, value: Any) -> None:
    """A new key goes right after the table's last key, before the comments and blank lines
    that introduce the next table (tomlkit's own append would put it after them)."""
    from tomlkit.container import Container
    from tomlkit.items import AoT, Table

    body = container.value if isinstance(container, Table) else container
    last = None
    if not isinstance(value, dict) and isinstance(body, Container):
        for name, item in body.body:
            if name is not None and not isinstance(item, (Table, AoT)):
                last = name.key
    if last is None:
        container[key] = value
        return
    body._insert_after(last, key, value)


def render_document(path: str | os.PathLike[str], doc: dict[str, Any]) -> str:
    """The text ``write_document`` would write to ``path`` for ``doc``: the existing file
    edited in place (comments kept) when there is one, else the canonical form."""
    path = Path(path)
    try:
        existing = read_config_bytes(path).decode("utf-8")  # bounded: never a FIFO or 1 GB
    except (OSError, UnicodeDecodeError, StoreError):
        return dumps(doc)
    return update_toml(existing, doc) or dumps(doc)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``.

    A new file gets mode 0644; an existing one keeps its mode."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        mode = NEW_FILE_MODE  # mkstemp makes 0600; a config or project file is 0644
        with contextlib.suppress(OSError):
            mode = path.stat().st_mode & 0o777  # an existing file keeps its mode
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def write_document(
    path: str | os.PathLike[str], doc: dict[str, Any], *, replace_unreadable: bool = False
) -> None:
    """Atomically write a (possibly incomplete) document.

    If ``path`` exists but is not valid TOML, refuse unless ``replace_unreadable``: that file
    may hold work the user wants to recover by hand.
    """
    path = Path(path)
    if path.exists() and not replace_unreadable:
        try:
            tomllib.loads(read_config_bytes(path).decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            raise StoreError(
                f"{path} exists and is not valid TOML; it was not overwritten. Move it aside "
                "or fix it first",
                "Refusing to overwrite",
            ) from None
    atomic_write_text(path, render_document(path, doc))


def save_config(path: str | os.PathLike[str], config: WizardConfig) -> None:
    write_document(path, config_to_document(config))
