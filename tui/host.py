"""What the wizard's screens ask of the app: the ``WizardHost`` protocol.

``WizardApp`` (``tui/app.py``) meets it. The screens type ``self.wizard`` against this
instead of importing the app, which imports them (the app builds each screen): the arrows
point one way, app → screens → host.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tui.session import Session
    from tui.session_files import SessionInfo


class WizardHost(Protocol):
    """The app as a wizard screen sees it: the session, navigation, saving, errors."""

    @property
    def session(self) -> Session:
        """The session being edited (there is one on every screen after the welcome)."""
        ...

    @property
    def screen_order(self) -> tuple[str, ...]:
        """Every wizard screen after the welcome, in order."""
        ...

    def stage_states(self) -> dict[str, str]:
        """Per screen, what the stepper shows: unvisited, complete or problems."""
        ...

    def goto(self, target: str, focus_path: str | None = None) -> None:
        """Show a wizard screen (optionally with the focus on one field)."""
        ...

    def session_changed(self) -> None:
        """A screen changed the session: save it, redraw the header."""
        ...

    def show_error(self, exc: BaseException | str, title: str | None = None) -> None:
        """Tell the person what went wrong, in words."""
        ...

    async def drop_left_screens(self) -> None:
        """Remove the screens a switch kept until the new one painted."""
        ...

    def run_pipeline(self) -> None:
        """Review's Run: render, build the engine, open the monitor."""
        ...

    def exported(self, folder: Path) -> None:
        """The export wrote ``folder``: edit its ``wizard.toml`` from now on."""
        ...

    def start_from_template(self, name: str, replacing: SessionInfo | None = None) -> None:
        """Start a new project from a template (asking first if it replaces a session)."""
        ...

    def resume_session(self, info: SessionInfo) -> None:
        """Resume the session the welcome screen offered."""
        ...

    def action_open_file(self) -> None:
        """Ask for a config file and edit it."""
        ...
