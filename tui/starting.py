"""How the wizard app gets a session: a template, the resumed one, or a config file.

A mixin of ``WizardApp`` (``tui/app.py``). Questions (replace the autosaved session? which
file?) are asked in workers that wait for the modal's answer (``push_screen_wait``), so each
flow reads top to bottom. The domain (``tui.session``, pydantic) and the modals are imported
inside the flows: the app module stays light, so the welcome screen paints first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work

if TYPE_CHECKING:
    from tui.session import Session
    from tui.session_files import SessionInfo


class SessionStarts:
    """Starting, resuming and opening sessions. The app provides ``_session``,
    ``exported_to``, ``save_error``, ``goto``, ``show_error``, ``notify``,
    ``flush_autosave``, ``_update_title`` and ``push_screen_wait``."""

    _session: Session | None
    exported_to: Any
    save_error: str | None

    def start_from_template(self, name: str, replacing: SessionInfo | None = None) -> None:
        """Start from a template; asks first when that replaces an autosaved session."""
        if replacing is not None and replacing.file is None:
            self._start_after_asking(name, replacing)
        else:
            self._start_template(name)

    @work(group="confirm")
    async def _start_after_asking(self, name: str, replacing: SessionInfo) -> None:
        from tui.screens.modals import ConfirmModal  # a screen not needed for the first frame

        question = ConfirmModal(
            "Start a new project?",
            f"Your autosaved session ({replacing.describe()}) will be replaced. Resume "
            "it instead, or save it to a file first, to keep it.",
            yes="Start new",
            no="Cancel",
        )
        if await self.push_screen_wait(question):  # type: ignore[attr-defined]
            self._start_template(name)

    def _start_template(self, name: str) -> None:
        from tui.session import Session  # the domain: after the first frame
        from tui.session_files import backup_corrupt_autosave

        notes = []
        try:
            backup = backup_corrupt_autosave()
        except OSError as exc:
            backup = None
            notes.append(f"The autosave cannot be read or moved aside ({exc}).")
        if backup is not None:
            notes.append(
                f"The autosave could not be read; it was kept as {backup} before being replaced."
            )
        try:
            session = Session.from_template(name)
        except Exception as exc:
            self.show_error(exc)  # type: ignore[attr-defined]
            return
        session.notes[:0] = notes
        self._begin(session)

    def resume_session(self, info: SessionInfo) -> None:
        from tui.session import Session  # the domain: after the first frame
        from tui.session_files import backup_corrupt_autosave

        try:
            session = Session.resume(info)
        except Exception as exc:
            if info.file is None:
                try:
                    backup = backup_corrupt_autosave()
                except OSError:
                    backup = None
                if backup is not None:
                    self.show_error(  # type: ignore[attr-defined]
                        f"The autosave could not be read ({getattr(exc, 'message', exc)}). It "
                        f"was kept as {backup}; start a new project or open a file.",
                        title="Cannot resume",
                    )
                    return
            self.show_error(exc)  # type: ignore[attr-defined]
            return
        self._begin(session, screen=session.screen)

    @work(group="ask")
    async def action_open_file(self) -> None:
        """Ask for a config file, then edit it."""
        from tui.screens.modals import PathModal  # a screen not needed for the first frame
        from tui.session import Session  # the domain: after the first frame

        path = await self.push_screen_wait(  # type: ignore[attr-defined]
            PathModal(
                "Open a config file",
                "The path of a wizard.toml (tab completes names in this folder). Changes are "
                "saved to it as you make them.",
                "wizard.toml",
                must_exist=True,
                action="Open",
            )
        )
        if path is None:
            return
        try:
            session = Session.open_file(path)
        except Exception as exc:
            self.show_error(exc)  # type: ignore[attr-defined]
            return
        self._begin(session, screen=session.screen)

    def _begin(self, session: Session, screen: str = "profile") -> None:
        self._session = session
        self.exported_to = None
        self.save_error = None
        self._update_title()  # type: ignore[attr-defined]
        self.flush_autosave(force=True)  # type: ignore[attr-defined]
        self.goto(screen)  # type: ignore[attr-defined]
        self._tell_notes()

    def _tell_notes(self) -> None:
        session = self._session
        if session is None:
            return
        for note in session.notes:
            self.notify(note, severity="warning", timeout=12)  # type: ignore[attr-defined]
        session.notes.clear()
