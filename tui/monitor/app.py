"""The run monitor on its own: ``sm-wizard run`` and ``sm-wizard watch`` without the wizard.

``run_monitor`` opens it full screen and returns the exit code of docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from runners.base import Engine
from tui.monitor.screen import MonitorScreen
from tui.screens.modals import ConfirmModal
from wizard.plan.dag import Plan


class MonitorApp(App[int]):
    """The monitor screen as the whole app; it exits with the run's exit code."""

    TITLE = "sm-wizard"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q,ctrl+c", "quit", "Quit", show=False, priority=True, id="app.quit"),
    ]

    def __init__(
        self,
        engine: Engine,
        plan: Plan | None = None,
        title: str | None = None,
        **screen_options: Any,
    ) -> None:
        super().__init__()
        self.engine = engine
        self.plan = plan
        self.run_title = title
        self._screen_options = screen_options
        self.monitor: MonitorScreen | None = None

    def on_mount(self) -> None:
        self.monitor = MonitorScreen(self.engine, self.plan, self.run_title, **self._screen_options)
        self.push_screen(self.monitor)

    async def action_quit(self) -> None:
        # Ctrl+Q / Ctrl+C go through the same questions as q: a local run is stopped first.
        if self.monitor is not None and self.monitor.is_current:
            self.monitor.action_quit_monitor()
        elif isinstance(self.screen, ConfirmModal):
            self.screen.dismiss(False)  # a question is open: the answer is no
        elif self.monitor is not None and self.monitor in self.screen_stack:
            self.pop_screen()
        else:
            self.exit(0)

    def on_monitor_screen_closed(self, message: MonitorScreen.Closed) -> None:
        self.exit(message.exit_code, return_code=message.exit_code)


def run_monitor(engine: Engine, plan: Plan | None = None, title: str | None = None) -> int:
    """Open the monitor full screen; when it closes, print one summary line and return
    the exit code of docs/ARCHITECTURE.md."""
    app = MonitorApp(engine, plan, title)
    result = app.run()
    if app.monitor is not None:
        print(app.monitor.summary(), flush=True)
    if app.return_code not in (None, 0):
        return app.return_code
    return result or 0
