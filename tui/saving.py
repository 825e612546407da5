"""The wizard app's saving half: every change written at once, fsynced once the keys pause.

A mixin of ``WizardApp`` (``tui/app.py``). ``session_changed`` hands the draft to the OS on
the UI thread (about a millisecond, so a kill -9 after a paint loses nothing); the writer
thread (``tui/autosave.py``) does the slow fsync and reports back with a ``Saved`` message.
A write that fails keeps the answers in memory and says so in the header until one succeeds.

Before each write the session checks the file on disk (``tui/session_saving.py``): what
another writer (a second wizard, an editor) changed there is taken into the draft and shown
(the screen is rebuilt, a notification names the keys) where this session had not changed the
same keys; where both did, nothing is written, the header says "NOT SAVED" and which keys, and
``ConflictModal`` asks: keep mine (overwrite theirs knowingly) or take theirs (reload).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.autosave import AutosaveWriter, write_now

DISK_CHECK_SECONDS = 1.0
"""How often an idle wizard looks whether another writer changed its file (a ``stat``; the
file is read only when that changed), so their change shows before the person types."""


class ConflictModal(ModalScreen[str]):
    """Another writer changed keys this session changed too: ``mine``, ``theirs`` or
    ``later`` (nothing written; asked again with the next change)."""

    AUTO_FOCUS = ""
    """Nothing focused and no letter keys: it opens while the person types, and a typed
    space, enter or letter must not choose for them (tab, then enter, or a click does)."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss('later')", "Decide later", id="conflict.later"),
    ]

    def __init__(self, message: str) -> None:
        super().__init__(classes="modal")
        self._message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box"):
            yield Static("Changed by another program", classes="modal-title")
            yield Static(self._message, classes="modal-text", markup=False)
            with Horizontal(classes="modal-buttons"):
                yield Button("Keep mine", id="mine", variant="primary")
                yield Button("Take theirs", id="theirs")
                yield Button("Decide later (esc)", id="later")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "later")


class Autosaving:
    """Saving for the app: it provides ``_session``, ``notify``, ``_update_title`` and the
    screen switching used to show values another writer saved."""

    _asking_conflict: bool = False
    _disk_stat: tuple[int, int] | None = None
    disk_check_seconds: float = DISK_CHECK_SECONDS

    _session: Any
    _writer: AutosaveWriter | None
    _writing: dict[Path, int]
    autosave_delay: float
    save_error: str | None
    saved_revision: int

    def _on_mount(self) -> None:
        # Textual calls the Mount handler of every class in the MRO: the app's runs as well
        self.set_interval(self.disk_check_seconds, self._check_disk)  # type: ignore[attr-defined]

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
        from tui.session_saving import SaveConflict  # the domain: after the first frame

        if self.autosave_delay <= 0:
            try:
                if write_doc:
                    session.write()
                else:
                    session.write_meta()
            except SaveConflict as exc:
                self._save_conflict(exc)
            except Exception as exc:
                self._save_failed(session.save_target, exc)
            else:
                self.saved_revision = session.revision
                self._save_ok()
                self._show_taken()
            return
        # The write itself happens here, now (about a millisecond): once a key's change is on
        # screen it is already with the OS, so kill -9 at any moment loses nothing. A writer
        # thread queued it instead at first, and a kill right after the paint could beat the
        # thread to the GIL. Only fsync, the slow part, waits for the thread.
        from tui.session_files import meta_file  # the domain: after the first frame

        writer = self._ensure_writer()
        if write_doc:
            target = session.save_target
            try:
                # reads the file first: another writer's change is merged or refused here
                target, text = session.text_to_write()
                write_now(target, text)
            except SaveConflict as exc:
                self._save_conflict(exc)
            except Exception as exc:
                self._save_failed(target, exc)
            else:
                session.wrote(text)
                session.pending_write = False
                self.saved_revision = session.revision
                writer.written(target)
                self._save_ok()
                self._show_taken()
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

    # ------------------------------------------------------------------ other writers

    def _check_disk(self) -> None:
        """Between changes: take what another writer saved (``Session.check_disk``) and show
        it. Nothing to do while a write or a choice is pending (the next write checks)."""
        session = self._session
        if (
            session is None
            or session.pending_write
            or session.conflict
            or session.disk_hash is None
        ):
            return
        try:
            stat = session.save_target.stat()
        except OSError:
            return
        key = (stat.st_mtime_ns, stat.st_size)
        if key == self._disk_stat:
            return
        self._disk_stat = key
        from tui.session_saving import SaveConflict  # loaded with the session already

        try:
            session.check_disk()
        except SaveConflict as exc:
            self._save_conflict(exc)
        except Exception:
            return  # unreadable now: the next write says so
        else:
            self._show_taken()

    def _show_taken(self) -> None:
        """The last write took another writer's values: say which, and show them."""
        session = self._session
        if session is None or not session.taken:
            return
        keys, session.taken = session.taken, []
        shown = ", ".join(keys[:6]) + (f" and {len(keys) - 6} more" if len(keys) > 6 else "")
        self.notify(
            f"{session.save_target.name} was changed by another program: took its {shown}.",
            title="Reloaded",
            timeout=6,
        )
        self._update_title()
        self.call_later(self._show_reloaded)

    def _show_reloaded(self) -> None:
        """Rebuild the wizard screen on show from the draft (the field in focus keeps it), so
        it shows the values taken from the other writer."""
        from tui.widgets.form import FieldRow  # loaded with the first form already

        screen = self.screen  # type: ignore[attr-defined]
        target = getattr(screen, "screen_id", None)
        if target is None or screen.is_modal or self.current_mode != "wizard":  # type: ignore[attr-defined]
            return
        focus_path = None
        node = self.focused  # type: ignore[attr-defined]
        while node is not None and not isinstance(node, FieldRow):
            node = node.parent
        if isinstance(node, FieldRow):
            focus_path = node.path
        self.commit_screen()  # type: ignore[attr-defined]
        self.replace_screen(self._make_screen(target, focus_path))  # type: ignore[attr-defined]
        if self._session is not None and self._session.pending_write:
            self.flush_autosave()

    def _save_conflict(self, exc: Any) -> None:
        """Both changed the same keys: nothing written; the header says so, the person
        chooses (``ConflictModal``)."""
        session = self._session
        if session is not None:
            session.pending_write = True  # tried again with the next change, or settled
            session.last_error = exc.message
        if self.save_error != exc.message:
            self.save_error = exc.message
            self.notify(exc.message, title=exc.title, severity="error", timeout=10)
        self._update_title()
        if not self._asking_conflict:
            self._asking_conflict = True
            self.push_screen(  # type: ignore[attr-defined]
                ConflictModal(
                    f"{exc.path} was changed by another program since this wizard last "
                    f"saved it, and both of you changed {', '.join(exc.keys)}. Nothing was "
                    "saved. Keep mine writes your values over theirs; take theirs reloads "
                    "their values. Their other changes are kept either way."
                ),
                self._conflict_chosen,
            )

    def _conflict_chosen(self, choice: str | None) -> None:
        self._asking_conflict = False
        session = self._session
        if session is None or session.conflict is None or choice not in ("mine", "theirs"):
            return  # decide later: the header still says NOT SAVED; asked again on a change
        session.settle(choice)  # type: ignore[arg-type]
        self.save_error = None
        session.last_error = None
        self.notify(
            "Kept your values: saving them over theirs."
            if choice == "mine"
            else "Took their values.",
            timeout=4,
        )
        self.flush_autosave()
        self._update_title()
        self.call_later(self._show_reloaded)

    def wait_saved(self, timeout: float = 5.0) -> bool:
        """Block until every queued write reached the disk (quitting)."""
        if self._writer is None:
            return True
        return self._writer.flush(timeout)
