"""The wizard app's saving half: every change written at once, fsynced once the keys pause.

A mixin of ``WizardApp`` (``tui/app.py``). ``session_changed`` hands the draft to the OS on
the UI thread (about a millisecond, so a kill -9 after a paint loses nothing); the writer
thread (``tui/autosave.py``) does the slow fsync and reports back with a ``Saved`` message.
A write that fails keeps the answers in memory and says so in the header until one succeeds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.message import Message

from tui.autosave import AutosaveWriter, write_now


class Autosaving:
    """Saving for the app: it provides ``_session``, ``notify`` and ``_update_title``."""

    _session: Any
    _writer: AutosaveWriter | None
    _writing: dict[Path, int]
    autosave_delay: float
    save_error: str | None
    saved_revision: int

    def session_changed(self) -> None:
        """A screen changed the session: it is written now (handed to the OS, no fsync);
        the writer thread fsyncs it once the keys pause."""
        self._update_title()
        self.flush_autosave()

    def _ensure_writer(self) -> AutosaveWriter:
        if self._writer is None:
            self._writer = AutosaveWriter(self._written, fsync_delay=self.autosave_delay)
        return self._writer

    def flush_autosave(self, force: bool = False) -> None:
        """Write the draft if it changed (``force``: also the resume note)."""
        if self._session is None:
            return
        session = self._session
        if not (session.pending_write or force):
            return
        write_doc = session.pending_write or (force and session.path is None)
        if self.autosave_delay <= 0:
            try:
                if write_doc:
                    session.write()
                else:
                    session.write_meta()
            except Exception as exc:
                self._save_failed(session.save_target, exc)
            else:
                self.saved_revision = session.revision
                self._save_ok()
            return
        # The write itself happens here, now (about a millisecond): once a key's change is on
        # screen it is already with the OS, so kill -9 at any moment loses nothing. A writer
        # thread queued it instead at first, and a kill right after the paint could beat the
        # thread to the GIL. Only fsync, the slow part, waits for the thread.
        from tui.session_files import (  # the domain: after the first frame
            meta_file,
            render_document,
        )

        writer = self._ensure_writer()
        if write_doc:
            target = session.save_target
            try:
                write_now(target, render_document(session.doc, target))
            except Exception as exc:
                self._save_failed(target, exc)
            else:
                session.pending_write = False
                self.saved_revision = session.revision
                writer.written(target)
                self._save_ok()
        if not force:
            return  # the resume note changes with the screen, not with each key
        try:
            write_now(meta_file(), session.meta_text())
        except OSError:
            pass  # the resume note is a convenience: never an alarm
        else:
            writer.written(meta_file())

    def _written(self, path: Path, error: BaseException | None) -> None:
        """The writer thread's report on one file."""
        from tui.session_files import meta_file  # the domain: after the first frame

        if path == meta_file() and error is not None:
            return  # the resume note is a convenience: never an alarm
        revision = self._writing.pop(path, None)
        if error is None and revision is not None:
            self.saved_revision = max(self.saved_revision, revision)
        # post_message is thread-safe and does not wait (call_from_thread would, and the UI
        # may itself be waiting for this writer at quit)
        self.post_message(self.Saved(path, error))

    class Saved(Message):
        def __init__(self, path: Path, error: BaseException | None) -> None:
            super().__init__()
            self.path = path
            self.error = error

    def on_autosaving_saved(self, message: Saved) -> None:
        if message.error is None:
            self._save_ok()
        else:
            self._save_failed(message.path, message.error)

    def _save_ok(self, revision: int | None = None) -> None:
        if revision is not None:
            self.saved_revision = max(self.saved_revision, revision)
        if self.save_error is not None:
            self.save_error = None
            if self._session is not None:
                self._session.last_error = None
            self.notify("Saved again.", timeout=3)
            self._update_title()

    def _save_failed(self, path: Path, exc: BaseException) -> None:
        message = getattr(exc, "message", None) or (
            f"{path}: {exc.strerror}" if isinstance(exc, OSError) and exc.strerror else str(exc)
        )
        if self._session is not None:
            self._session.pending_write = True  # written again with the next change or quit
            self._session.last_error = message
        if self.save_error != message:
            self.save_error = message
            self.notify(
                f"{message}. Your answers are kept in the wizard: save them to another file "
                "(ctrl+p, Save to a file…) before quitting.",
                title="Not saved",
                severity="error",
                timeout=10,
            )
        self._update_title()

    def wait_saved(self, timeout: float = 5.0) -> bool:
        """Block until every queued write reached the disk (quitting)."""
        if self._writer is None:
            return True
        return self._writer.flush(timeout)
