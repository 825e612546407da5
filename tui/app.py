"""The wizard app: holds the session, decides navigation, saves every change.

State flows one way. The ``Session`` (``tui/session.py``) holds the config draft and, derived
from it, each section's validated model and every problem. A screen builds its widgets from the
session when it mounts and hands every edit back (``session.set_value``), then calls
``session_changed``: the app schedules the atomic autosave and the screen redraws problems and
the stepper. Screens are disposable: the app replaces one with the next (``switch_screen``), so
the stack never grows, and the run monitor lives in its own mode so the wizard survives a trip
to it.

Start-up imports Textual and nothing heavy: the welcome screen paints first, the domain loads
right after (and boto3 and the SageMaker SDK only when a run starts).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.autosave import AutosaveWriter
from tui.launch import RunLauncher
from tui.navigation import screen_order, short_title
from tui.saving import Autosaving
from tui.screens.welcome import WelcomeScreen
from tui.starting import SessionStarts

if TYPE_CHECKING:
    from tui.session import Session

AUTOSAVE_DELAY = 0.3
"""Seconds of quiet after a change before it is fsynced. The change itself is written (handed
to the OS) at once, off the UI thread; 0 writes and syncs on the UI thread (pilot tests)."""


def shown_path(path: object) -> str:
    """A path as the header shows it: relative to the folder the wizard was started in when it
    lies inside it, else with ``~`` for the home folder."""
    if not isinstance(path, (str, Path)):
        return str(path)
    absolute = Path(path).absolute()
    with contextlib.suppress(ValueError, OSError):
        return str(absolute.relative_to(Path.cwd()))
    with contextlib.suppress(ValueError, RuntimeError):
        return str(Path("~") / absolute.relative_to(Path.home()))
    return str(absolute)


class WizardApp(SessionStarts, Autosaving, RunLauncher, App[int]):
    """The wizard: navigation, undo, save-as, the header, quitting and the palette here;
    starting sessions (``tui/starting.py``), saving (``tui/saving.py``) and Review's Run
    (``tui/launch.py``) in the mixins it is made of."""

    TITLE = "sm-wizard"
    DEFAULT_MODE = "wizard"
    CSS_PATH = "wizard.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "request_quit", "Quit", priority=True, id="app.quit"),
        Binding("ctrl+c", "request_quit", "Quit", show=False, id="app.quit_ctrl_c"),
        Binding("f1", "help", "Keys", id="app.help"),
        # Esc closes the keys panel when it is open; otherwise (``check_action``) the key goes
        # on to the screen, where it means "the list of steps" or "cancel".
        Binding("escape", "hide_keys", show=False, priority=True, id="app.hide_keys"),
        Binding("ctrl+z", "undo", "Undo", show=False, id="app.undo"),
        # Tab moves the focus the moment the app reads the key, before the keys after it are
        # handed to a widget: with the screen's own (non-priority) binding, keys typed right
        # after Tab could still reach the field being left.
        Binding("tab", "focus_next", show=False, priority=True, id="app.focus_next"),
        Binding("shift+tab", "focus_previous", show=False, priority=True, id="app.focus_prev"),
    ]

    def __init__(
        self,
        path: Path | None = None,
        *,
        session: Session | None = None,
        autosave_delay: float = AUTOSAVE_DELAY,
        cursor_blink: bool = True,
        engine_factory: Any = None,
    ) -> None:
        super().__init__()
        self.cursor_blink = cursor_blink
        self.engine_factory = engine_factory
        """``(config_path) -> Engine`` for Review's Run; default: the local engine."""
        self._path = path
        self._session = session
        self.autosave_delay = autosave_delay
        self._writer: AutosaveWriter | None = None
        self._writing: dict[Path, int] = {}
        self.save_error: str | None = None
        """Why the last write failed (None once a write succeeds): the header says so."""
        self.saved_revision = -1
        self.exported_to: Path | None = None
        self._leaving: list[tuple[str, Screen[Any]]] = []
        """Screens replaced but not yet removed (``replace_screen``)."""

    # ------------------------------------------------------------------ start

    @property
    def session(self) -> Session:
        assert self._session is not None, "no session yet"
        return self._session

    @property
    def has_session(self) -> bool:
        return self._session is not None

    def on_mount(self) -> None:
        if self.console.color_system == "standard":  # a 16-colour terminal: use its palette
            self.theme = "ansi-dark"
        # The wizard is the default mode: its screens replace each other above Textual's
        # default screen (switch_screen cannot replace a mode's bottom screen). The monitor is
        # a mode of its own, added when a run starts. Registering the wizard mode (its stack
        # exists already) lets the monitor switch back to it.
        self.add_mode("wizard", Screen)
        self.push_screen(self._first_screen())

    def _first_screen(self) -> Screen[Any]:
        if self._session is None and self._path is not None:
            from tui.session import Session  # the domain: only once there is a file to open

            self._session = Session.open_file(self._path)
        if self._session is None:
            return WelcomeScreen()
        self._update_title()
        return self._make_screen(self._session.screen)

    @property
    def screen_order(self) -> tuple[str, ...]:
        return screen_order()

    def stage_states(self) -> dict[str, str]:
        session = self.session
        states: dict[str, str] = {s: session.stage_state(s) for s in self.screen_order[:-2]}
        if "review" in session.visited:
            states["review"] = "problems" if session.problems() else "complete"
        else:
            states["review"] = "unvisited"
        states["export"] = "complete" if self.exported_to else "unvisited"
        return states

    # ------------------------------------------------------------------ navigation

    def _make_screen(self, target: str, focus_path: str | None = None) -> Screen[Any]:
        # screens not needed for the first frame (the welcome screen's worker preloads them)
        from tui.screens.export import ExportScreen
        from tui.screens.review import ReviewScreen
        from tui.screens.stage import ProfileScreen, StageScreen

        if target == "profile":
            return ProfileScreen(focus_path)
        if target == "review":
            return ReviewScreen()
        if target == "export":
            return ExportScreen()
        self.session.ensure_section(target)
        return StageScreen(target, focus_path)

    def goto(self, target: str, focus_path: str | None = None) -> None:
        """Show a wizard screen (``profile``, a stage id, ``review``, ``export``)."""
        if target not in self.screen_order:
            return
        session = self.session
        self.commit_screen()
        session.screen = target
        screen = self._make_screen(target, focus_path)
        self.flush_autosave(force=True)
        if self.current_mode != "wizard":
            self.switch_mode("wizard")
        self.replace_screen(screen)

    def replace_screen(self, screen: Screen[Any]) -> None:
        """``switch_screen``, with the screen being left removed only once the new one has
        painted (``drop_left_screens``): removing a form of a hundred widgets takes about as
        long as building one, and the person should not wait for both."""
        leaving = self.screen
        if not leaving.is_modal and not self.is_screen_installed(leaving):
            name = f"-leaving-{id(leaving)}"
            self.install_screen(leaving, name)  # an installed screen is kept when switched away
            self._leaving.append((name, leaving))
        self.switch_screen(screen)

    async def drop_left_screens(self) -> None:
        """Remove the screens ``replace_screen`` kept (a new screen calls this once painted)."""
        while self._leaving:
            name, screen = self._leaving.pop()
            if screen in self.screen_stack:  # shown again meanwhile: it stays
                continue
            self.uninstall_screen(name)
            if screen.is_attached:
                await screen.remove()

    def _current_target(self) -> str | None:
        return getattr(self.screen, "screen_id", None)

    def action_next(self) -> None:
        current = self._current_target()
        if current is None:
            return
        if current == "export":
            action = getattr(self.screen, "action_write", None)
            if action:
                action()
            return
        order = self.screen_order
        problems = self.session.screen_problems(current)
        if problems and current != "review":
            count = len(problems)
            self.notify(
                f"{count} problem{'s' if count != 1 else ''} left here (marked ✗). You can come "
                "back to fix them; Review lists them all.",
                severity="warning",
                timeout=4,
            )
        if current == "review" and self.session.config is None:
            self.notify(
                "Fix the problems listed here before exporting: enter on one jumps to it.",
                severity="warning",
            )
            return
        self.goto(order[order.index(current) + 1])

    def action_back(self) -> None:
        current = self._current_target()
        if current is None:
            return
        order = self.screen_order
        index = order.index(current)
        if index == 0:
            self.notify("This is the first step.", timeout=2)
            return
        self.goto(order[index - 1])

    def action_goto_stage(self, number: int) -> None:
        """alt+1 … alt+9: straight to that stage."""
        if self.has_session and 1 <= number <= 9:
            self.goto(self.screen_order[number])

    def action_review(self) -> None:
        if self.has_session:
            self.goto("review")

    # ------------------------------------------------------------------ saving

    def commit_screen(self) -> None:
        """Take the values the current screen still holds (see ``FormScreen.commit``)."""
        for screen in self.screen_stack:
            commit = getattr(screen, "commit", None)
            if commit is not None:
                commit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "undo":
            return self.has_session  # nothing to undo before a project is open: hidden
        if action == "hide_keys":  # no panel open: Esc is the screen's (and its footer's)
            return bool(self.screen.query("HelpPanel"))
        return True

    def action_undo(self) -> None:
        """ctrl+z: back to the answers before the last change (any key that changed them)."""
        if not self.has_session or self.screen.is_modal:
            return
        session = self.session
        if not session.undo():
            self.notify("Nothing to undo.", timeout=2)
            return
        self.session_changed()
        target = self._current_target()
        if target is not None:
            screen = self._make_screen(target)
            self.replace_screen(screen)
        self.notify("Undone: the answers are as before the last change.", timeout=3)

    @work(group="ask")
    async def action_save_as(self) -> None:
        if not self.has_session:
            return
        from tui.screens.modals import PathModal  # a screen not needed for the first frame

        session = self.session
        default = str(session.path) if session.path else "wizard.toml"
        path = await self.push_screen_wait(
            PathModal(
                "Save to a file",
                "Where to keep your answers (a .toml file). From then on every change is "
                "saved there.",
                default,
                action="Save",
            )
        )
        if path is None:
            return
        try:
            copied = session.save_as(path)
        except Exception as exc:
            self.show_error(exc, title="Not saved")
            return
        extra = f" (and the data it reads: {copied})" if copied else ""
        self.notify(f"Saved to {path}{extra}. Changes now go there as you make them.")
        self._update_title()

    def exported(self, folder: Path) -> None:
        """The export wrote ``folder``: from now on the wizard edits its ``wizard.toml`` (the
        header names it), and runs started here live beside it (``folder/.sm-wizard/runs``)."""
        self.exported_to = folder
        session = self.session
        target = folder / "wizard.toml"
        was_autosave = session.path is None
        if target.is_file():
            try:
                session.adopt_file(target)
            except Exception as exc:
                self.show_error(exc, title="Still editing the old copy")
            else:
                if was_autosave:
                    session.discard_autosave()
                self.flush_autosave(force=True)
        session.unsaved_to_file = False
        self._update_title()

    def _update_title(self) -> None:
        if self._session is None:
            return
        session = self._session
        name = session.project_name or "unnamed project"
        if self.save_error is not None:
            where = f"NOT SAVED to {shown_path(session.save_target)}: {self.save_error}"
        elif session.path is not None:
            where = f"saved to {shown_path(session.path)}"
        elif self.exported_to is not None and not session.unsaved_to_file:
            where = f"exported to {shown_path(self.exported_to)}"
        else:
            where = "autosaved (not in a file yet)"
        self.sub_title = f"{name} · {where}"

    # ------------------------------------------------------------------ quitting

    async def action_request_quit(self) -> None:
        if self.screen.is_modal:
            return
        if self.has_session:
            self.commit_screen()
        if self.current_mode == "monitor":
            action = getattr(self.screen, "action_quit_monitor", None)
            if action is not None:
                action()
                return
        if not self.has_session:
            self.exit(0)
            return
        self.flush_autosave()
        await asyncio.to_thread(self.wait_saved)  # fsync off the UI thread, even now
        failed = self._writer.errors.get(self.session.save_target) if self._writer else None
        if failed is not None and self.save_error is None:
            self._save_failed(self.session.save_target, failed)
        if self.save_error is None and not self.session.unsaved_to_file:
            self.exit(0)
            return
        self._ask_before_quitting()

    @work(group="quit")
    async def _ask_before_quitting(self) -> None:
        """The work is only in the autosave, or the last save failed: save, quit or stay."""
        from tui.screens.modals import PathModal, QuitModal  # not needed for the first frame
        from tui.session_files import autosave_file  # the domain: after the first frame

        if self.save_error is not None:
            modal = QuitModal(
                None,
                failed=f"Your latest changes are NOT saved: {self.save_error}. Save them to "
                "another file, or quit and lose them.",
            )
        else:
            modal = QuitModal(autosave_file())
        choice = await self.push_screen_wait(modal)
        if choice == "quit":
            self.exit(0)
        if choice != "save":
            return
        path = await self.push_screen_wait(
            PathModal(
                "Save to a file",
                "Where to keep your answers before quitting (a .toml file).",
                "wizard.toml",
                action="Save and quit",
            )
        )
        if path is None:
            return
        try:
            self.session.save_as(path)
        except Exception as exc:
            self.show_error(exc, title="Not saved")
            return
        self.exit(0)

    async def action_quit(self) -> None:
        await self.action_request_quit()

    def on_unmount(self) -> None:
        self.flush_autosave()
        if self._writer is not None:
            self._writer.close()

    # ------------------------------------------------------------------ messages, palette

    def show_error(self, exc: BaseException | str, title: str | None = None) -> None:
        """Tell the person what went wrong in words (a ``WizardError`` carries its own)."""
        message = getattr(exc, "message", None) or str(exc)
        self.notify(message, title=title or getattr(exc, "title", "Problem"), severity="error")

    def action_help(self) -> None:
        """F1 opens the keys panel, and closes it again."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_hide_keys(self) -> None:
        self.action_hide_help_panel()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if self.has_session and not screen.is_modal:
            for target in self.screen_order:
                title = short_title(target).lstrip("0123456789 ")
                number = (
                    ""
                    if target in ("profile", "review", "export")
                    else (f"stage {self.screen_order.index(target)}: ")
                )
                yield SystemCommand(
                    f"Go to {number}{title}",
                    f"Open the {title} screen",
                    lambda t=target: self.goto(t),
                )
            yield SystemCommand(
                "Save to a file…", "Keep your answers in a .toml file", self.action_save_as
            )
            yield SystemCommand(
                "Run on this machine", "Run the pipeline locally", self.run_pipeline
            )
        yield SystemCommand("Open a config file…", "Edit a wizard.toml", self.action_open_file)
        yield SystemCommand(
            "Quit", "Leave sm-wizard (asks first if needed)", self.action_request_quit
        )
        yield SystemCommand("Keys", "Show every key of this screen", self.action_show_help_panel)
        for command in super().get_system_commands(screen):
            if command.title in ("Theme", "Screenshot"):
                yield command


def run_app(path: Path | None = None) -> int:
    """Open the wizard (on ``path`` if given); the exit code for ``sm-wizard``."""
    if path is not None:
        from tui.session import Session  # the domain: after the CLI parsed its arguments

        session = Session.open_file(path)  # a WizardError here is printed by the CLI
        app = WizardApp(path, session=session)
    else:
        app = WizardApp()
    result = app.run()
    if app.return_code not in (None, 0):
        return int(app.return_code or 1)
    return int(result or 0)
