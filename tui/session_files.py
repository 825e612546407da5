"""Where sessions live on disk: the autosave, the resume note beside it, what the welcome
screen offers to resume, the backup of an autosave that cannot be read, and the text a draft
is written as.

The session (``tui/session.py``) decides what to write; this module knows where and how.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.navigation import PROFILE, screen_title
from wizard import store
from wizard.errors import WizardError
from wizard.store import autosave_path, read_document, state_dir

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


def render_document(doc: dict[str, Any], target: Path | None = None) -> str:
    """The TOML text of a draft for ``target``: a person's config file is edited in place
    (tomlkit: their comments and order kept, a few ms); the autosave is the canonical form."""
    if target is not None and target != autosave_file():
        return store.render_document(target, doc)
    return store.dumps(doc)
