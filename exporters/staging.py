"""How the exporter puts files on disk so that a failure (a full disk) changes nothing.

``write_files`` first writes every file (and the generation record) to a temporary file
beside its target, and only when all of them are written renames them into place, the record
last. A write that fails (ENOSPC, a quota, permissions) removes what was staged, so every
file is still the old one and the record still describes them. Renames need no new space; if
one fails all the same, the record is rewritten to describe what is then on disk.

``write_fresh`` is for a project folder that does not exist yet: the whole folder is built in
a temporary folder beside it (``.<name>.<random>.tmp``) and renamed into place at the end, so
a failed export leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Mapping, Set
from pathlib import Path

from wizard.errors import WizardError

FILE_MODE = 0o644
RECORD_MODE = 0o644


def os_error_reason(exc: OSError) -> str:
    """Why a write failed, in words: the disk is full, a quota, permissions, or the system's
    own message."""
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EDQUOT:
        return "the disk quota is exceeded"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    return exc.strerror or str(exc)


def write_error(what: str, exc: OSError, *, fresh: bool) -> WizardError:
    """The sentence for a failed write: what, why, that nothing changed, what to do."""
    nothing = "nothing was written" if fresh else "nothing was changed"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return WizardError(
            f"{what}: permission denied. Choose a folder you can write to (--out), or fix its "
            f"permissions; {nothing}",
            "Folder not writable",
        )
    return WizardError(
        f"{what}: {os_error_reason(exc)} ({exc.strerror}); {nothing}. Free some space (or "
        "choose another --out) and export again",
        "Export failed",
    )


def write_files(
    root: Path,
    contents: Mapping[str, tuple[bytes | Path, int]],
    record_path: str,
    record_for: Callable[[Set[str]], str],
    *,
    fresh: bool = False,
    shown: Path | None = None,
) -> None:
    """Put ``contents`` (relative path -> (bytes or a file to copy, mode)) under ``root``
    and the generation record ``record_for(all paths)`` at ``record_path``; all or nothing
    (see the module). Raises ``WizardError`` naming the file and the reason; ``fresh``: the
    folder is a new project's temporary one, ``shown`` in messages instead."""
    shown = shown or root
    staged: list[tuple[str, str, Path]] = []  # (relative, temporary file, target)
    made: list[Path] = []
    record_text = record_for(set(contents))
    items = [*contents.items(), (record_path, (record_text.encode("utf-8"), RECORD_MODE))]
    current = ""
    try:
        for current, (content, mode) in items:
            target = root / current
            made.extend(_make_folders(target.parent))
            durable = current == record_path  # the merge base: never lost
            staged.append((current, _stage(target, content, mode, durable=durable), target))
    except OSError as exc:
        _discard(staged, made)
        raise write_error(f"cannot write {current} in {shown}", exc, fresh=fresh) from None
    done: set[str] = set()
    for index, (relative, tmp, target) in enumerate(staged):
        try:
            os.replace(tmp, target)
        except OSError as exc:
            _discard(staged[index:], [])
            _record_after_failure(root / record_path, record_for(done - {record_path}))
            raise WizardError(
                f"cannot put {relative} in place in {shown}: {os_error_reason(exc)} "
                f"({exc.strerror}). {len(done)} of {len(staged)} files were replaced; the "
                "record lists which, so the next export merges correctly",
                "Export failed",
            ) from None
        done.add(relative)
    for folder in sorted({target.parent for _, _, target in staged}):
        _fsync_dir(folder)


def write_fresh(root: Path, write: Callable[[Path], None]) -> None:
    """Build a project that does not exist yet: ``write(folder)`` writes it into a temporary
    folder beside ``root`` (beside its first missing parent), which is then renamed into
    place. A failure removes the temporary folder: nothing is left."""
    top = root.absolute()
    while not top.parent.exists():
        top = top.parent
    stage = _make_stage(top)
    try:
        write(stage / root.absolute().relative_to(top))
        try:
            os.rename(stage, top)
        except OSError as exc:
            raise write_error(f"cannot move the new project into {top}", exc, fresh=True) from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _fsync_dir(top.parent)


def _make_stage(top: Path) -> Path:
    """A new empty folder beside ``top`` (made with the usual mode, unlike ``mkdtemp``)."""
    while True:
        stage = top.parent / f".{top.name}.{secrets.token_hex(4)}.tmp"
        try:
            stage.mkdir()
        except FileExistsError:
            continue
        except OSError as exc:
            raise write_error(f"cannot create {top}", exc, fresh=True) from None
        return stage


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created (outermost first)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))


def _stage(target: Path, content: bytes | Path, mode: int, *, durable: bool = False) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if isinstance(content, Path):
            os.close(fd)
            shutil.copyfile(content, tmp)
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                if durable:
                    handle.flush()
                    os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _discard(staged: list[tuple[str, str, Path]], made: list[Path]) -> None:
    for _, tmp, _ in staged:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def _record_after_failure(path: Path, text: str) -> None:
    """Best effort: the record of what was replaced before a rename failed."""
    with contextlib.suppress(OSError):
        tmp = _stage(path, text.encode("utf-8"), RECORD_MODE)
        try:
            os.replace(tmp, path)
        except OSError:
            os.unlink(tmp)


def _fsync_dir(folder: Path) -> None:
    """One fsync of the folder makes its renamed entries durable. The files' data is not
    fsynced one by one (ext4 and xfs flush a file renamed over another on their own), so a
    crash can at worst leave a file that looks edited (and is then merged)."""
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
