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

import importlib.util
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer

from tui.screens.welcome import WelcomeScreen

if TYPE_CHECKING:
    from tui.session import Session, SessionInfo

AUTOSAVE_DELAY = 0.3
"""Seconds of quiet after a change before it is written (every change is written)."""


class WizardApp(App[int]):
    TITLE = "sm-wizard"
    DEFAULT_MODE = "wizard"
    CSS_PATH = "wizard.tcss"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "request_quit", "Quit", priority=True, id="app.quit"),
        Binding("ctrl+c", "request_quit", "Quit", show=False, id="app.quit_ctrl_c"),
        Binding("f1", "help", "Keys", show=False, id="app.help"),
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
        self._save_timer: Timer | None = None
        self.exported_to: Path | None = None

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
            from tui.session import Session

            self._session = Session.open_file(self._path)
        if self._session is None:
            return WelcomeScreen()
        self._update_title()
        return self._make_screen(self._session.screen)

    @property
    def screen_order(self) -> tuple[str, ...]:
        from tui.session import screen_order

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

    # ------------------------------------------------------------------ sessions

    def start_from_template(self, name: str, replacing: SessionInfo | None = None) -> None:
        def start(confirmed: bool | None = True) -> None:
            if not confirmed:
                return
            from tui.session import Session

            self._begin(Session.from_template(name))

        if replacing is not None and replacing.file is None:
            from tui.screens.modals import ConfirmModal

            self.push_screen(
                ConfirmModal(
                    "Start a new project?",
                    f"Your autosaved session ({replacing.describe()}) will be replaced. Resume "
                    "it instead, or save it to a file first, to keep it.",
                    yes="Start new",
                    no="Cancel",
                ),
                start,
            )
        else:
            start()

    def resume_session(self, info: SessionInfo) -> None:
        from tui.session import Session

        try:
            session = Session.resume(info)
        except Exception as exc:
            self.show_error(exc)
            return
        self._begin(session, screen=session.screen)

    def action_open_file(self) -> None:
        from tui.screens.modals import PathModal

        def opened(path: Path | None) -> None:
            if path is None:
                return
            from tui.session import Session

            try:
                session = Session.open_file(path)
            except Exception as exc:
                self.show_error(exc)
                return
            self._begin(session, screen=session.screen)

        self.push_screen(
            PathModal(
                "Open a config file",
                "The path of a wizard.toml (tab completes names in this folder). Changes are "
                "saved to it as you make them.",
                "wizard.toml",
                must_exist=True,
                action="Open",
            ),
            opened,
        )

    def _begin(self, session: Session, screen: str = "profile") -> None:
        self._session = session
        self.exported_to = None
        self._update_title()
        self.flush_autosave(force=True)
        self.goto(screen)

    # ------------------------------------------------------------------ navigation

    def _make_screen(self, target: str, focus_path: str | None = None) -> Screen[Any]:
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
        self.switch_screen(screen)

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
        """Digits 1-9 (outside a text field): straight to that stage."""
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

    def session_changed(self) -> None:
        """A screen changed the session: write it soon (every change is written)."""
        self._update_title()
        if self._save_timer is not None:
            self._save_timer.stop()
        if self.autosave_delay <= 0:
            self.flush_autosave()
        else:
            self._save_timer = self.set_timer(self.autosave_delay, self.flush_autosave)

    def flush_autosave(self, force: bool = False) -> None:
        if self._session is None:
            return
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        session = self._session
        if not (session.pending_write or force):
            return
        try:
            if session.pending_write or session.path is None:
                session.write()
            else:
                session.write_meta()
        except Exception as exc:
            if session.last_error != str(exc):
                session.last_error = str(exc)
                self.show_error(exc, title="Not saved")

    def action_save_as(self) -> None:
        if not self.has_session:
            return
        from tui.screens.modals import PathModal

        session = self.session

        def chosen(path: Path | None, then_quit: bool = False) -> None:
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
            if then_quit:
                self.exit(0)

        default = str(session.path) if session.path else "wizard.toml"
        self.push_screen(
            PathModal(
                "Save to a file",
                "Where to keep your answers (a .toml file). From then on every change is "
                "saved there.",
                default,
                action="Save",
            ),
            chosen,
        )

    def exported(self, folder: Path) -> None:
        self.exported_to = folder
        self.session.unsaved_to_file = False

    def _update_title(self) -> None:
        if self._session is None:
            return
        session = self._session
        name = session.project_name or "unnamed project"
        if session.path is not None:
            where = f"saved to {session.path}"
        elif self.exported_to is not None and not session.unsaved_to_file:
            where = f"exported to {self.exported_to}"
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
        if not self.has_session or not self.session.unsaved_to_file:
            self.flush_autosave()
            self.exit(0)
            return
        from tui.screens.modals import PathModal, QuitModal
        from tui.session import autosave_file

        def answered(choice: str | None) -> None:
            if choice == "quit":
                self.flush_autosave(force=True)
                self.exit(0)
            elif choice == "save":

                def saved(path: Path | None) -> None:
                    if path is None:
                        return
                    try:
                        self.session.save_as(path)
                    except Exception as exc:
                        self.show_error(exc, title="Not saved")
                        return
                    self.exit(0)

                self.push_screen(
                    PathModal(
                        "Save to a file",
                        "Where to keep your answers before quitting (a .toml file).",
                        "wizard.toml",
                        action="Save and quit",
                    ),
                    saved,
                )

        self.flush_autosave(force=True)
        self.push_screen(QuitModal(autosave_file()), answered)

    async def action_quit(self) -> None:
        await self.action_request_quit()

    def on_unmount(self) -> None:
        self.flush_autosave()

    # ------------------------------------------------------------------ running

    def run_pipeline(self) -> None:
        """Review's Run: the monitor mode, when the monitor and the local engine are there."""
        if importlib.util.find_spec("tui.monitor") is None:
            self.notify("Running from the wizard is not in this build: use sm-wizard run FILE.")
            return
        config = self.session.config
        if config is None:
            self.notify("Fix the problems listed first.", severity="warning")
            return
        self.flush_autosave(force=True)
        try:
            from tui.monitor import MonitorScreen
            from wizard.plan import build_plan

            plan = build_plan(config)
            if self.engine_factory is not None:
                engine = self.engine_factory(self.session.save_target)
            else:
                from tui.commands.run import local_engine

                engine = local_engine(self.session.save_target, None)
        except Exception as exc:
            self.show_error(exc, title="Cannot run")
            return
        if "monitor" in self._modes:
            self.remove_mode("monitor")
        self.add_mode("monitor", lambda: MonitorScreen(engine, plan, plan.pipeline_name))
        self.switch_mode("monitor")

    def on_monitor_screen_closed(self, message: Any) -> None:
        self.switch_mode("wizard")

    # ------------------------------------------------------------------ messages, palette

    def show_error(self, exc: BaseException | str, title: str | None = None) -> None:
        """Tell the person what went wrong in words (a ``WizardError`` carries its own)."""
        message = getattr(exc, "message", None) or str(exc)
        self.notify(message, title=title or getattr(exc, "title", "Problem"), severity="error")

    def action_help(self) -> None:
        self.action_show_help_panel()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if self.has_session and not screen.is_modal:
            from tui.screens.base import short_title

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
        from tui.session import Session

        session = Session.open_file(path)  # a WizardError here is printed by the CLI
        app = WizardApp(path, session=session)
    else:
        app = WizardApp()
    result = app.run()
    if app.return_code not in (None, 0):
        return int(app.return_code or 1)
    return int(result or 0)
