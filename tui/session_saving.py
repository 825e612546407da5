"""The session's saving half: where and what it writes, and what it does when another
writer (a second wizard, an editor) changed the file meanwhile.

A mixin of ``Session`` (``tui/session.py``), which holds the draft; this half keeps the
content hash of what the session last read or wrote and the document that held
(``disk_hash``, ``base``). ``text_to_write`` reads the file before each write and, if it
changed, takes the other writer's values where this session has not changed the same keys
since (``tui.session_files.merge_documents``), or refuses with ``SaveConflict`` (naming the
keys and the file) where both did, never overwriting their change silently; ``settle`` then
keeps mine (written over theirs knowingly) or takes theirs (reloaded).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tui.session_files import (
    autosave_file,
    content_hash,
    merge_documents,
    meta_file,
    parse_disk,
    read_disk,
    render_over,
)
from wizard.errors import StoreError
from wizard.store import atomic_write_text, read_document, write_document


class SaveConflict(StoreError):
    """The file was changed by another writer and both changed the same keys: not saved."""

    def __init__(self, path: Path, keys: list[str]) -> None:
        shown = ", ".join(keys[:6]) + (f" and {len(keys) - 6} more" if len(keys) > 6 else "")
        super().__init__(
            f"{path.name} was changed by another program, which also changed {shown}. Keep "
            "mine (overwrite those) or take theirs (reload them)?",
            "Changed by another program",
        )
        self.path = path
        self.keys = keys


@dataclass
class Conflict:
    """What the other writer saved, held until the person decides (``Session.settle``)."""

    path: Path
    keys: list[str]
    theirs: dict[str, Any]
    disk_hash: str


class SessionSaving:
    """Saving for ``Session``, which provides the draft and its history (see the module
    doc)."""

    doc: dict[str, Any]
    path: Path | None
    data_dir: Path | None
    screen: str
    visited: set[str]
    revision: int
    pending_write: bool
    unsaved_to_file: bool
    last_error: str | None
    base: dict[str, Any]
    disk_hash: str | None
    conflict: Conflict | None
    taken: list[str]
    _history: list[dict[str, Any]]
    _before: dict[str, Any]
    _clock: Callable[[], str]

    if TYPE_CHECKING:  # Session's own

        @property
        def base_dir(self) -> Path: ...

        def revalidate(self) -> None: ...

    @property
    def save_target(self) -> Path:
        return self.path if self.path is not None else autosave_file()

    def document_text(self) -> tuple[int, Any]:
        """(revision, a snapshot of the draft) to write elsewhere: the snapshot is a copy,
        safe to serialise on another thread with ``render_document``."""
        return self.revision, copy.deepcopy(self.doc)

    def meta_text(self) -> str:
        meta = {
            "file": str(self.path.resolve()) if self.path is not None else None,
            "screen": self.screen,
            "visited": sorted(self.visited),
            "saved_at": self._clock(),
        }
        return json.dumps(meta, indent=1) + "\n"

    def text_to_write(self) -> tuple[Path, str]:
        """(where, what) to write the draft as, after checking the file on disk: if another
        writer changed it since this session last read or wrote it, their values are taken
        into the draft where this session has not changed the same keys (``taken`` names
        them); where both did, ``SaveConflict`` (and ``conflict`` holds theirs until
        ``settle``). A file that is not valid TOML is never replaced unless it is the
        autosave. About a millisecond: the UI thread calls it for every change."""
        target = self.save_target
        existing = self.check_disk()
        self.conflict = None
        return target, render_over(existing, self.doc, target)

    def check_disk(self) -> bytes | None:
        """Read the save target; if another writer changed it, take their values where this
        session has not changed the same keys (``taken``), or raise ``SaveConflict``.
        Returns the bytes read (None: no file)."""
        target = self.save_target
        existing = read_disk(target)
        now = content_hash(existing)
        if existing is not None and now != self.disk_hash:
            theirs = parse_disk(existing)
            if theirs is None:
                if self.path is not None:
                    raise StoreError(
                        f"{target} exists and is not valid TOML; it was not overwritten. Move "
                        "it aside or fix it first",
                        "Refusing to overwrite",
                    )
            elif self.disk_hash is not None:
                merge = merge_documents(self.base, self.doc, theirs)
                if merge.conflicts:
                    self.conflict = Conflict(target, merge.conflicts, theirs, now)
                    raise SaveConflict(target, merge.conflicts)
                self._rebase(theirs, now, merge.doc)
                self.taken = merge.taken
                if self.doc == theirs:
                    self.pending_write = False  # nothing of ours to add: no write needed
        return existing

    def _rebase(self, theirs: dict[str, Any], disk_hash: str, doc: dict[str, Any]) -> None:
        """The draft becomes ``doc`` (merged with ``theirs``, now the base): undo steps take
        the other writer's values too, so ctrl+z never silently reverts their change."""
        if doc != self.doc:
            self._history = [
                merge_documents(self.base, old, theirs, prefer="theirs").doc
                for old in self._history
            ]
            self.doc = doc
            self._before = copy.deepcopy(doc)
            self.revision += 1
            self.revalidate()
        self.base = copy.deepcopy(theirs)
        self.disk_hash = disk_hash

    def settle(self, keep: Literal["mine", "theirs"]) -> bool:
        """Settle ``conflict``: "mine" keeps this session's values of the keys both changed
        (written over theirs with the next write), "theirs" reloads the other writer's. Their
        other changes are taken either way. Returns whether the draft still needs writing."""
        conflict = self.conflict
        if conflict is None:
            return self.pending_write
        merge = merge_documents(self.base, self.doc, conflict.theirs, prefer=keep)
        self._rebase(conflict.theirs, conflict.disk_hash, merge.doc)
        self.conflict = None
        self.pending_write = self.doc != conflict.theirs
        return self.pending_write

    def wrote(self, text: str, doc: dict[str, Any] | None = None) -> None:
        """``text`` (rendered from ``doc``, default the draft) is now the save target's
        content: remember it as what this session last wrote."""
        self.disk_hash = content_hash(text.encode("utf-8"))
        self.base = copy.deepcopy(self.doc if doc is None else doc)

    def write(self) -> None:
        """Write the draft (atomically, fsynced) where this session saves, and the resume
        note; ``SaveConflict`` if another writer changed the same keys meanwhile."""
        target, text = self.text_to_write()
        atomic_write_text(target, text)
        self.wrote(text)
        self.pending_write = False
        self.last_error = None
        self.write_meta()

    def write_meta(self) -> None:
        atomic_write_text(meta_file(), self.meta_text())

    def save_as(self, path: Path) -> Path | None:
        """Write the draft to ``path`` and keep editing it there from now on. Local input data
        given by a relative path is copied along, so the path still points at it; returns the
        copy made, if any."""
        path = Path(path).expanduser()
        bases = [self.base_dir] + ([self.data_dir] if self.data_dir is not None else [])
        write_document(path, self.doc)
        written = read_disk(path)
        copied = None
        uri = self.doc.get("data_collection", {}).get("input_uri", "")
        if isinstance(uri, str) and uri and "://" not in uri and not os.path.isabs(uri):
            found = [b / uri for b in bases if (b / uri).is_file()]
            source, target = (found[0] if found else None), path.parent / uri
            if ".." not in Path(uri).parts and source is not None and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
                copied = target
        self.path = path
        self.disk_hash = content_hash(written)
        self.base = copy.deepcopy(self.doc)
        self.conflict = None
        self.unsaved_to_file = False
        self.pending_write = False
        self.data_dir = None
        with contextlib.suppress(OSError):  # the resume note is a convenience
            self.write_meta()
        return copied

    def adopt_file(self, path: Path) -> None:
        """Edit ``path`` from now on (the exported ``wizard.toml``): its content becomes the
        draft, so the file and the wizard never disagree."""
        path = Path(path)
        disk_hash = content_hash(read_disk(path))
        self.doc = read_document(path)
        self._before = copy.deepcopy(self.doc)
        self.base = copy.deepcopy(self.doc)
        self.disk_hash = disk_hash
        self.conflict = None
        self.path = path
        self.data_dir = None
        self.unsaved_to_file = False
        self.pending_write = False
        self.last_error = None
        self.revision += 1
        self.revalidate()

    def discard_autosave(self) -> None:
        """Forget the autosaved session (after it was saved to a file or abandoned)."""
        for leftover in (autosave_file(), meta_file()):
            with contextlib.suppress(OSError):
                leftover.unlink()
