"""The run monitor's screen: one for every engine, in the wizard, on its own or in the browser.

``MonitorScreen(engine, plan, title)`` runs ``engine.run`` (or ``retry``) in one exclusive
thread worker and shows what it reports: the pipeline's levels with live status colours, a step
table (status, duration, cache hit, attempts), the selected step's details and metrics chart,
and a log pane that follows the selected step. Keys follow k9s: Enter drills into a step, ``l``
shows its logs full height, Esc goes back, ``/`` filters the steps. ``s`` stops the run (after
a confirmation), ``r`` retries a failed one when the engine can, ``q`` quits or detaches.
``e`` shows the whole execution (parameters, the whole failure reason); on SageMaker ``c``
and ``u`` copy the selected step's job ARN and console URL, and an execution this tool did
not plan gets its graph from its own definition (``tui/monitor/remote.py``).

What an engine can do beyond ``run`` is read from ``engine.capabilities`` (``runners.base``):
``remote`` (quitting only detaches), ``can_retry``, ``can_detach`` and ``can_select_logs``
(tail only the selected step's logs: the SageMaker watcher). The words it shows are built in
``tui/monitor/text.py``; the step table is ``tui/monitor/step_table.py``.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, DataTable, Footer, Input, Log, Static
from textual.worker import Worker, WorkerState

from runners.base import Engine, definition_of, exit_code_for
from runners.events import TERMINAL_EXECUTION_STATUSES, ExecutionEvent
from runners.run_state import ExecutionState, MetricPoint, StepState
from tui.messages import (
    RING_LINES,
    LogLinesReceived,
    MetricsReceived,
    RunFeed,
    RunFinished,
    StepsUpdated,
)
from tui.monitor.chart import MetricsChart
from tui.monitor.controls import RunControls
from tui.monitor.remote import RemoteAnswers
from tui.monitor.step_table import StepTable
from tui.monitor.text import (
    banner_text,
    details_text,
    follow_target,
    header_text,
    headline_metric,
    step_cells,
    summary_line,
)
from tui.monitor.views import MonitorViews
from tui.widgets.dag_view import DagView, Graph
from tui.widgets.log_pane import LogPane
from tui.widgets.run_dag import RunDag
from wizard.plan.dag import Plan

DRAIN_INTERVAL = 0.1
"""Seconds between two batches of events drawn: at most ~10 redraws a second, even over SSH."""

METRIC_POINTS = 500
"""Points kept per (step, metric) series for the chart."""


class MonitorScreen(MonitorViews, RemoteAnswers, RunControls, Screen[str]):
    """Live view of one execution. Its result (``dismiss``) is the final status."""

    CSS_PATH = "monitor.tcss"
    AUTO_FOCUS = "#steps"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "details", "Details", id="monitor.details"),
        Binding("l", "logs", "Logs", id="monitor.logs"),
        Binding("g", "graph", "Graph", id="monitor.graph"),
        Binding("escape", "back", "Back", id="monitor.back"),
        Binding("slash", "filter", "Filter", id="monitor.filter"),
        Binding("f", "follow", "Follow", id="monitor.follow", show=False),
        Binding("w", "wrap", "Wrap", id="monitor.wrap", show=False),
        Binding("e", "execution", "Execution", id="monitor.execution"),
        Binding("c", "copy_arn", "Copy ARN", id="monitor.copy_arn", show=False),
        Binding("u", "copy_url", "Copy URL", id="monitor.copy_url", show=False),
        Binding("s", "stop", "Stop", id="monitor.stop"),
        Binding("r", "retry", "Retry", id="monitor.retry"),
        Binding("R", "run_from", "Run from here", id="monitor.run_from"),
        Binding("q", "quit_monitor", "Quit", id="monitor.quit"),
        # the app's own ctrl+q still does the quitting; this only keeps the footer from
        # listing "Quit" twice (a screen binding shadows the app's in the footer)
        Binding("ctrl+q", "quit_monitor", "Quit", show=False, priority=True, id="monitor.quit2"),
    ]

    class Closed(Message):
        """The person left the monitor (``q``). ``detached``: the execution goes on elsewhere."""

        def __init__(self, status: str | None, detached: bool) -> None:
            super().__init__()
            self.status = status
            self.detached = detached

        @property
        def exit_code(self) -> int:
            if self.detached or self.status is None:
                return 0
            return exit_code_for(self.status)

    def __init__(
        self,
        engine: Engine,
        plan: Plan | None = None,
        title: str | None = None,
        *,
        autostart: bool = True,
        drain_interval: float = DRAIN_INTERVAL,
        clock: Any = None,
    ) -> None:
        super().__init__(classes="monitor")
        self.engine = engine
        self.plan = plan
        self.run_title = title or (plan.pipeline_name if plan else "pipeline execution")
        self._autostart = autostart
        self._drain_interval = drain_interval
        self._now = clock or (lambda: datetime.now(UTC))
        steps = [(s.name, s.kind) for s in plan.steps] if plan else None
        self.feed = RunFeed(steps)
        self._snapshot: StepsUpdated = self.feed.snapshot()
        self._rings: dict[str, deque[str]] = {}
        self._series: dict[tuple[str, str], deque[float]] = {}
        self._selected: str | None = None
        self._follow = True
        self._filter = ""
        self._stop = threading.Event()
        self._stop_requested = False
        self._quit_when_done = False
        self._busy = False
        self._detached = False
        self._engine_error: str | None = None
        self._final_status: str | None = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static(id="run-header")
        yield Static(id="run-banner")
        with ContentSwitcher(initial="overview", id="views"):
            with Vertical(id="overview"):
                with Vertical(id="top"):
                    if self.plan is not None:
                        yield RunDag(
                            self.plan.levels(),
                            branches={s.name: s.branch for s in self.plan.steps},
                            id="dag",
                        )
                    yield StepTable(
                        id="steps", cursor_type="row", zebra_stripes=False, cell_padding=1
                    )
                yield LogPane(id="log", max_lines=RING_LINES)
            with VerticalScroll(id="details"):
                yield Static(id="detail-text")
                yield MetricsChart(id="chart")
            with VerticalScroll(id="graph"):
                graph = self._make_graph()
                if graph is not None:
                    yield graph
        yield Input(placeholder="filter steps (Enter keeps it, Esc clears)", id="filter")
        yield Footer()

    def _make_graph(self) -> Widget | None:
        """The full graph (the review screen's ``DagView``), for ``g``; ``None`` without a plan."""
        if self.plan is None:
            return None
        return DagView(Graph.from_plan(self.plan), statuses={}, id="graph-view")

    def on_mount(self) -> None:
        self.query_one("#steps", StepTable).add_step_columns()
        self._apply_snapshot(self._snapshot)
        self.set_interval(self._drain_interval, self._drain_feed, name="monitor-drain")
        self.set_interval(1.0, self._tick, name="monitor-clock")
        if self._autostart:
            self.start("run")

    def on_unmount(self) -> None:
        # Nothing may outlive the screen: a local run is asked to stop (the process would
        # otherwise wait for its thread), a remote one is only let go.
        if self._busy:
            self.release_engine()

    # ------------------------------------------------------------------ the worker
    @property
    def busy(self) -> bool:
        """True while the engine's worker runs (or follows) the execution."""
        return self._busy

    def start(self, mode: str = "run") -> None:
        """Run (or retry) the engine in the monitor's exclusive worker."""
        self._stop = threading.Event()
        self._stop_requested = False
        self._engine_error = None
        self._final_status = None
        self._busy = True
        self._drive(mode, self._stop)
        self._refresh_chrome()

    @work(thread=True, exclusive=True, group="monitor", exit_on_error=False)
    def _drive(self, mode: str, stop: threading.Event) -> str:
        call = self.engine.retry if mode == "retry" else self.engine.run  # type: ignore[attr-defined]
        return call(self.feed.emit, stop)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "monitor":
            return
        if event.state == WorkerState.SUCCESS:
            self._finish(str(event.worker.result), None)
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
            self._finish("Failed", message)
        elif event.state == WorkerState.CANCELLED:
            self._finish(self._snapshot.execution.status or "Stopped", None)

    def _finish(self, status: str, error: str | None) -> None:
        execution = self.feed.snapshot().execution
        if execution.status not in TERMINAL_EXECUTION_STATUSES and not self._detached:
            # the engine ended without saying how: say it for it, so the view is never stuck
            self.feed.emit(
                ExecutionEvent(
                    status if status in TERMINAL_EXECUTION_STATUSES else "Failed",  # type: ignore[arg-type]
                    engine=getattr(self.engine, "name", None),
                    reason=error,
                )
            )
        self._busy = False
        self._engine_error = error
        self._final_status = status
        if error:
            self.notify(error, title="The engine stopped with an error", severity="error")
        self._drain_feed()
        self.post_message(RunFinished(status, error))

    def on_run_finished(self, message: RunFinished) -> None:
        self._refresh_chrome()
        if self._quit_when_done:
            self._close(detached=False)

    def release_engine(self) -> None:
        """Let go of the engine: a remote execution is only detached from (it goes on), a
        local one is asked to stop (the process would otherwise wait for its thread)."""
        capabilities = self.engine.capabilities
        if capabilities.remote:
            self._detached = True
            if capabilities.can_detach:
                self.engine.detach()  # type: ignore[attr-defined]
        else:
            self._stop.set()

    # ------------------------------------------------------------------ events → widgets
    def _drain_feed(self) -> None:
        for message in self.feed.drain():
            self.post_message(message)

    def on_steps_updated(self, message: StepsUpdated) -> None:
        previous = self._snapshot.execution.status
        self._apply_snapshot(message)
        if message.execution.status != previous:
            self.refresh_bindings()

    def on_log_lines_received(self, message: LogLinesReceived) -> None:
        for step, lines in message.lines.items():
            ring = self._rings.get(step)
            if ring is None:
                ring = self._rings[step] = deque(maxlen=RING_LINES)
            ring.extend(lines)
            if step == self._selected:
                self.query_one("#log", Log).write_lines(lines)
        if self._selected in message.lines:
            self._title_log()

    def on_metrics_received(self, message: MetricsReceived) -> None:
        touched = False
        for point in message.points:
            key = (point.step, point.name)
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = deque(maxlen=METRIC_POINTS)
            series.append(point.value)
            touched = touched or point.step == self._selected
        if touched and self.view == "details":
            self._draw_chart()

    def _apply_snapshot(self, snapshot: StepsUpdated) -> None:
        self._snapshot = snapshot
        self._draw_rows()
        over = snapshot.execution.finished
        self._ensure_graph()
        if self.query("#dag"):
            statuses = {s.name: s.display_status(over) for s in snapshot.steps}
            self.query_one("#dag", RunDag).set_statuses(statuses)
            for graph in self.query("#graph-view"):
                graph.set_statuses(statuses)  # type: ignore[attr-defined]
        if self._follow:
            target = follow_target(snapshot)
            if target is not None and target != self._selected:
                self._select_row(target)
        if self._selected is None and snapshot.steps:
            self._select_row(self._visible_steps()[0].name if self._visible_steps() else None)
        self._refresh_chrome()
        self._title_log()
        if self.view == "details":
            self._draw_details()

    # ------------------------------------------------------------------ the step table
    def _visible_steps(self) -> list[StepState]:
        needle = self._filter.lower()
        return [s for s in self._snapshot.steps if needle in s.name.lower()]

    def _draw_rows(self) -> None:
        finished, now = self._snapshot.execution.finished, self._now()
        rows = [(s.name, step_cells(s, finished, now)) for s in self._visible_steps()]
        self.query_one("#steps", StepTable).show_rows(rows, keep=self._selected)

    def _select_row(self, step: str | None) -> None:
        if step is None:
            return
        table = self.query_one("#steps", DataTable)
        try:
            index = table.get_row_index(step)
        except Exception:  # the row is filtered out
            self._show_step(step)
            return
        table.move_cursor(row=index, animate=False)
        self._show_step(step)

    @on(DataTable.RowHighlighted, "#steps")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = self.query_one("#steps", StepTable)
        if table.moved_by_user:
            table.moved_by_user = False
            self._follow = False  # the person looks elsewhere: stop following the run
            self._title_log()
        # the step under the cursor now (this message may be older than the cursor)
        if 0 <= table.cursor_row < table.row_count:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            self._show_step(str(row_key.value))

    @on(DataTable.RowSelected, "#steps")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._show_step(str(event.row_key.value))
        self.action_details()

    def _show_step(self, step: str) -> None:
        if step == self._selected:
            return
        self._selected = step
        log = self.query_one("#log", Log)
        log.clear()
        ring = self._rings.get(step)
        if ring:
            log.write_lines(ring)
        self._title_log()
        for dag in self.query("#dag"):
            dag.selected = step  # type: ignore[attr-defined]
        for graph in self.query("#graph-view"):
            graph.selected = step  # type: ignore[attr-defined]
        if self.engine.capabilities.can_select_logs:
            self.engine.select_logs([step])  # type: ignore[attr-defined]
        if self.view == "details":
            self._draw_details()

    def _snapshot_step(self, name: str | None) -> StepState | None:
        if name is None:
            return None
        return next((s for s in self._snapshot.steps if s.name == name), None)

    # ------------------------------------------------------------------ header and banner
    def _tick(self) -> None:
        """Once a second while running: the clocks move."""
        if self._snapshot.execution.finished or self._snapshot.execution.status is None:
            return
        self._draw_rows()
        self._refresh_chrome()

    def _refresh_chrome(self) -> None:
        execution = self._snapshot.execution
        self.query_one("#run-header", Static).update(self._header_text(execution))
        banner = self._banner_text(execution)
        widget = self.query_one("#run-banner", Static)
        widget.update(banner or "")
        widget.set_class(bool(banner), "-shown")

    def _header_text(self, execution: ExecutionState) -> Text:
        return header_text(
            self.run_title,
            self._snapshot,
            busy=self._busy,
            engine_name=self.engine.name,
            now=self._now(),
        )

    def headline_metric(self) -> MetricPoint | None:
        """The metric the pipeline's condition judges (e.g. the evaluation's ``auc``)."""
        return headline_metric(self.plan, self._snapshot.metrics)

    def summary(self) -> str:
        """One plain line for the terminal after the monitor closes."""
        return summary_line(
            self.run_title,
            self._snapshot,
            final_status=self._final_status,
            plan=self.plan,
            remote=self.engine.capabilities.remote,
            run_dir=getattr(self.engine, "run_dir", None),
            execution_arn=getattr(self.engine, "execution_arn", None),
            now=self._now(),
        )

    def _banner_text(self, execution: ExecutionState) -> Text | None:
        return banner_text(
            execution,
            stop_requested=self._stop_requested,
            engine_error=self._engine_error,
            headline=self.headline_metric(),
            now=self._now(),
        )

    # ------------------------------------------------------------------ the filter
    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter = event.value.strip()
        self._draw_rows()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self._close_filter(clear=False)

    def _draw_details(self) -> None:
        step = self._snapshot_step(self._selected)
        if step is None:
            return
        self.query_one("#detail-text", Static).update(self._details_text(step))
        self._draw_chart()

    def _details_text(self, step: StepState) -> Text:
        return details_text(
            step,
            self._snapshot,
            plan=self.plan,
            definition=definition_of(self.engine),
            now=self._now(),
            resource=self._step_resource(step.name),
        )

    def _draw_chart(self) -> None:
        step = self._selected
        series = {name: list(values) for (s, name), values in self._series.items() if s == step}
        self.query_one("#chart", MetricsChart).show(step, series)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return True if self._can_stop() else None
        if action == "retry":
            return True if self._can_retry() else None
        if action == "run_from":
            return self._can_run_from()
        if action == "back":
            filtering = self.query_one("#filter", Input).has_class("-shown")
            return self.view != "overview" or filtering
        if action == "graph":
            return bool(self.query("#graph-view"))
        if action in ("copy_arn", "copy_url"):
            return True if hasattr(self.engine, "step_resource") else None
        return True

    def _close(self, *, detached: bool) -> None:
        status = self._snapshot.execution.status or self._final_status
        self.post_message(self.Closed(status, detached))
        if len(self.app.screen_stack) > 1 and self.app.screen is self:
            self.dismiss(status)
