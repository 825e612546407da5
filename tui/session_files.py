"""Where sessions live on disk: the autosave, the resume note beside it, what the welcome
screen offers to resume, the backup of an autosave that cannot be read, the text a draft
is written as (``render_over``), and what to do when another writer changed the file meanwhile.

The session (``tui/session.py``) decides what to write; this module knows where and how.

Two wizards (or a wizard and an editor) on one file: the session keeps the content hash of
what it last read or wrote (``content_hash``) and, before each write, reads the file again
(``read_disk``). If it changed, ``merge_documents`` puts the other writer's values into the
draft wherever this session has not changed the same keys since (a three-way merge against
what was last read or written) and names the keys both changed, which are never overwritten
without the person's say.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.navigation import PROFILE, screen_title
from wizard import store
from wizard.errors import WizardError
from wizard.limits import read_config_bytes
from wizard.store import autosave_path, read_document, state_dir, update_toml

META_NAME = "session.json"


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What the welcome screen says about the session it can resume."""

    file: Path | None
    project: str
    screen: str
    saved_at: str

    def describe(self) -> str:
        where = str(self.file) if self.file else "the autosave"
        when = self.saved_at.replace("T", " ")[:16] if self.saved_at else "earlier"
        return (
            f"{self.project or 'unnamed project'}, at {screen_title(self.screen)}; saved "
            f"{when} UTC in {where}"
        )


def autosave_file() -> Path:
    """Where a session with no file of its own is kept (in the state folder)."""
    return autosave_path()


def meta_file() -> Path:
    """The resume note: which file, which screen, which stages were visited."""
    return state_dir() / META_NAME


def backup_corrupt_autosave() -> Path | None:
    """Move an autosave that cannot be read aside (``autosave.toml.corrupt-<time>``) before
    anything replaces it; returns the backup's path, or None if there was nothing to keep."""
    source = autosave_file()
    if not source.is_file():
        return None
    try:
        read_document(source)
        return None
    except WizardError:
        pass
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    backup = source.with_name(f"{source.name}.corrupt-{stamp}")
    n = 1
    while backup.exists():
        backup = source.with_name(f"{source.name}.corrupt-{stamp}-{n}")
        n += 1
    os.replace(source, backup)
    return backup


def find_resumable() -> SessionInfo | None:
    """The last session, if it left anything to resume (unreadable leftovers are ignored)."""
    try:
        meta = json.loads(meta_file().read_text("utf-8"))
    except (OSError, ValueError):
        meta = {}
    if not isinstance(meta, dict):
        meta = {}
    raw_file = meta.get("file")
    file = Path(raw_file) if isinstance(raw_file, str) and raw_file else None
    source = file if file is not None else autosave_file()
    if not source.is_file():
        return None
    project = ""
    try:
        doc = read_document(source)
        project = str(doc.get("project", {}).get("name", ""))
    except Exception:
        project = "(unreadable)"
    saved_at = str(meta.get("saved_at", "")) or datetime.fromtimestamp(
        source.stat().st_mtime, UTC
    ).strftime("%Y-%m-%dT%H:%M")
    screen = meta.get("screen") if isinstance(meta.get("screen"), str) else PROFILE
    return SessionInfo(file=file, project=project, screen=str(screen), saved_at=saved_at)


# ---------------------------------------------------------------------- other writers

MISSING_FILE = "missing"
"""The ``content_hash`` of a file that does not exist."""


def content_hash(data: bytes | None) -> str:
    """What a file held, in a few bytes: compared before each write to notice other writers."""
    return MISSING_FILE if data is None else hashlib.sha256(data).hexdigest()


def read_disk(path: Path) -> bytes | None:
    """The file's bytes as they are now (bounded like every config read); None if missing."""
    try:
        return read_config_bytes(path)
    except FileNotFoundError:
        return None


def parse_disk(data: bytes) -> dict[str, Any] | None:
    """The document in ``data``; None if it is not UTF-8 TOML (an editor mid-save)."""
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def render_over(existing: bytes | None, doc: dict[str, Any], target: Path) -> str:
    """``render_document`` from the file's bytes already read (no second read that another
    writer could slip between): a person's file edited in place, the autosave canonical."""
    if existing is not None and target != autosave_file():
        try:
            text = existing.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            edited = update_toml(text, doc)
            if edited is not None:
                return edited
    return store.dumps(doc)


_ABSENT = object()


@dataclass
class Merge:
    """The outcome of ``merge_documents``."""

    doc: dict[str, Any]
    taken: list[str]
    """Keys (``section.key``) whose value came from the other writer."""
    conflicts: list[str]
    """Keys both writers changed, to different values (resolved by ``prefer``)."""


def merge_documents(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any], prefer: str = "mine"
) -> Merge:
    """Three-way merge of two drafts that both started from ``base``: a key only one side
    changed takes that side's value (a removal counts as a change); a key both changed to
    different values is a conflict, given ``prefer``'s value ("mine" or "theirs")."""
    taken: list[str] = []
    conflicts: list[str] = []
    merged = _merge(base, mine, theirs, "", prefer, taken, conflicts)
    return Merge(dict(merged) if isinstance(merged, dict) else {}, taken, conflicts)


def _same(a: Any, b: Any) -> bool:
    if a is _ABSENT or b is _ABSENT:
        return a is b
    return bool(a == b) and type(a) is type(b)


def _merge(
    base: Any,
    mine: Any,
    theirs: Any,
    path: str,
    prefer: str,
    taken: list[str],
    conflicts: list[str],
) -> Any:
    if _same(mine, theirs):
        return mine
    if isinstance(mine, dict) and isinstance(theirs, dict):  # key by key: precise names
        base_table = base if isinstance(base, dict) else {}
        out: dict[str, Any] = {}
        for key in [*mine, *(k for k in theirs if k not in mine)]:
            value = _merge(
                base_table.get(key, _ABSENT),
                mine.get(key, _ABSENT),
                theirs.get(key, _ABSENT),
                f"{path}.{key}" if path else str(key),
                prefer,
                taken,
                conflicts,
            )
            if value is not _ABSENT:
                out[key] = value
        return out
    if _same(mine, base):
        taken.append(path or "(the whole file)")
        return theirs
    if _same(theirs, base):
        return mine
    conflicts.append(path or "(the whole file)")
    return theirs if prefer == "theirs" else mine
