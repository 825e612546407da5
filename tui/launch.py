"""Running the pipeline from the wizard: Review's Run opens the monitor in its own mode.

A mixin of ``WizardApp`` (``tui/app.py``). The project is planned and the engine built in a
thread worker (the screen stays responsive); the monitor (``tui/monitor/screen.py``) then
opens as the ``monitor`` mode, so the wizard's screens survive the trip and Esc/q come back.
The engine (``runners.local``) and the monitor are imported only when a run starts.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from textual import work

from wizard.errors import WizardError


class RunLauncher:
    """Review's Run. The app provides ``session``, ``engine_factory``, ``flush_autosave``,
    ``wait_saved``, ``show_error``, ``notify`` and its modes."""

    engine_factory: Any
    _modes: Any

    def run_pipeline(self) -> None:
        """Review's Run: the project is rendered and the engine built in a worker (the screen
        stays responsive), then the monitor mode opens. Runs live beside the config file
        (``<folder>/.sm-wizard/runs``): for an exported project, inside it."""
        if importlib.util.find_spec("tui.monitor.screen") is None:
            self.notify("Running from the wizard is not in this build: use sm-wizard run FILE.")
            return
        config = self.session.config
        if config is None:
            self.notify("Fix the problems listed first.", severity="warning")
            return
        if self.preparing_run:
            self.notify("The run is being prepared…", timeout=2)
            return
        self.flush_autosave(force=True)
        self.preparing_run = True
        self.notify("Preparing the run (rendering the project)…", timeout=3)
        self._prepare_run(config, self.session.save_target)

    preparing_run = False

    @work(thread=True, exclusive=True, group="run", exit_on_error=False)
    def _prepare_run(self, config: Any, target: Path) -> None:
        try:
            self.wait_saved()
            from wizard.plan import build_plan  # the domain: after the first frame

            plan = build_plan(config)
            if self.engine_factory is not None:
                engine = self.engine_factory(target)
            else:
                from runners.local import local_engine_for  # the engine: only when a run starts

                try:
                    engine = local_engine_for(target)
                except OSError as exc:  # the run folder cannot be made beside the file
                    raise WizardError(
                        f"cannot make the run folder beside {target}: {exc.strerror or exc}; "
                        "save the answers in a folder you can write to (ctrl+p, “Save to a file…”)",
                        "Cannot run",
                    ) from None
        except Exception as exc:
            self.call_from_thread(self._run_failed, exc)
            return
        self.call_from_thread(self._open_monitor, engine, plan)

    def _run_failed(self, exc: BaseException) -> None:
        self.preparing_run = False
        self.show_error(exc, title="Cannot run")

    def _open_monitor(self, engine: Any, plan: Any) -> None:
        self.preparing_run = False
        from tui.monitor.screen import MonitorScreen  # a screen only a run needs

        if "monitor" in self._modes:
            self.remove_mode("monitor")
        self.add_mode("monitor", lambda: MonitorScreen(engine, plan, plan.pipeline_name))
        self.switch_mode("monitor")

    def on_monitor_screen_closed(self, message: Any) -> None:
        """The person left the monitor: back to the wizard, as it was."""
        self.switch_mode("wizard")
