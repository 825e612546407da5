"""The run monitor: one screen for every engine, from the wizard or on its own.

``MonitorScreen(engine, plan, title)`` runs ``engine.run`` (or ``retry``) in one exclusive
thread worker and shows what it reports: the pipeline's levels with live status colours, a step
table (status, duration, cache hit, attempts), the selected step's details and metrics chart,
and a log pane that follows the selected step. Keys follow k9s: Enter drills into a step, ``l``
shows its logs full height, Esc goes back, ``/`` filters the steps. ``s`` stops the run (after
a confirmation), ``r`` retries a failed one when the engine can, ``q`` quits or detaches.

``MonitorApp(engine, plan)`` wraps the screen for ``sm-wizard run`` and ``sm-wizard watch``
without the wizard; ``run_monitor`` returns DESIGN.md's exit code.

The screen never touches an engine's internals from the UI thread except through duck-typed,
optional hooks an engine may offer: ``select_logs(steps)`` (tail only the selected step's logs:
the SageMaker watcher) and ``detach()`` (stop following without stopping the execution).
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, ContentSwitcher, DataTable, Footer, Input, Label, Log, Static
from textual.worker import Worker, WorkerState

from runners.base import Engine, Retryable, exit_code_for
from runners.events import TERMINAL_EXECUTION_STATUSES, ExecutionEvent
from runners.run_state import (
    STATUS_GLYPHS,
    STATUS_STYLES,
    ExecutionState,
    MetricPoint,
    StepState,
    format_duration,
    status_label,
)
from tui.messages import (
    RING_LINES,
    LogLinesReceived,
    MetricsReceived,
    RunFeed,
    RunFinished,
    StepsUpdated,
)
from tui.widgets.log_pane import LogPane
from tui.widgets.run_dag import RunDag
from wizard.plan.dag import Plan

DRAIN_INTERVAL = 0.1
"""Seconds between two batches of events drawn: at most ~10 redraws a second, even over SSH."""

METRIC_POINTS = 500
"""Points kept per (step, metric) series for the chart."""

RUNNING_STEP_STATUSES = frozenset({"Starting", "Executing", "Stopping"})


def _is_remote(engine: Engine) -> bool:
    """The execution lives outside this process (SageMaker): quitting only detaches."""
    return getattr(engine, "name", "") == "sagemaker"


class MonitorConfirmModal(ModalScreen[bool]):
    """A yes/no question; ``y``/Enter on Yes answers yes, ``n``/Esc answers no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "Yes", no: str = "No") -> None:
        super().__init__(classes="confirm-modal")
        self._question = question
        self._detail = detail
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Label(self._question, id="confirm-question")
            if self._detail:
                yield Static(self._detail, id="confirm-detail")
            with Grid(id="confirm-buttons"):
                yield Button(f"{self._yes} (y)", variant="error", id="confirm-yes")
                yield Button(f"{self._no} (n)", variant="primary", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class StepTable(DataTable):
    """The steps, one row each. Enter drills into the highlighted step; j/k move (k9s).

    ``moved_by_user`` tells a cursor move by keys or mouse from one made by the monitor
    while it follows the run."""

    moved_by_user = False

    def _user_moves(self) -> None:
        self.moved_by_user = True

    def action_cursor_up(self) -> None:
        self._user_moves()
        super().action_cursor_up()

    def action_cursor_down(self) -> None:
        self._user_moves()
        super().action_cursor_down()

    def action_page_up(self) -> None:
        self._user_moves()
        super().action_page_up()

    def action_page_down(self) -> None:
        self._user_moves()
        super().action_page_down()

    def action_scroll_top(self) -> None:
        self._user_moves()
        super().action_scroll_top()

    def action_scroll_bottom(self) -> None:
        self._user_moves()
        super().action_scroll_bottom()

    async def _on_click(self, event: events.Click) -> None:
        self._user_moves()
        await super()._on_click(event)

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Details", id="steps.details"),
        Binding("j", "cursor_down", "Down", show=False, id="steps.down"),
        Binding("k", "cursor_up", "Up", show=False, id="steps.up"),
        Binding("home", "scroll_top", "First", show=False, id="steps.first"),
        Binding("end", "scroll_bottom", "Last", show=False, id="steps.last"),
    ]


class MonitorScreen(Screen[str]):
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
        Binding("s", "stop", "Stop", id="monitor.stop"),
        Binding("r", "retry", "Retry", id="monitor.retry"),
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
        self._drawn_rows: dict[str, tuple[Any, ...]] = {}
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
                yield self._make_chart()
            with VerticalScroll(id="graph"):
                graph = self._make_graph()
                if graph is not None:
                    yield graph
        yield Input(placeholder="filter steps (Enter keeps it, Esc clears)", id="filter")
        yield Footer()

    def _make_chart(self):
        from textual_plotext import PlotextPlot

        return PlotextPlot(id="chart")

    def _make_graph(self):
        """The full graph (the review screen's ``DagView``), for ``g``; ``None`` without a plan."""
        if self.plan is None:
            return None
        try:
            from tui.widgets.dag_view import DagView, Graph
        except ImportError:
            return None
        return DagView(Graph.from_plan(self.plan), statuses={}, id="graph-view")

    def on_mount(self) -> None:
        table = self.query_one("#steps", DataTable)
        # Fixed widths (the step names' column sizes itself when rows are added): a column
        # that resizes while statuses change makes the table jump, and over SSH, flicker.
        table.add_column("Step", key="step")
        table.add_column("Kind", key="kind", width=13)
        table.add_column("Status", key="status", width=11)
        table.add_column("Time", key="time", width=7)
        table.add_column("Cache", key="cache", width=5)
        table.add_column("Try", key="try", width=3)
        self._apply_snapshot(self._snapshot)
        self.set_interval(self._drain_interval, self._drain_feed, name="monitor-drain")
        self.set_interval(1.0, self._tick, name="monitor-clock")
        if self._autostart:
            self.start("run")

    def on_unmount(self) -> None:
        # Nothing may outlive the screen: a local run is asked to stop (the process would
        # otherwise wait for its thread), a remote one is only let go.
        if self._busy:
            self._release_engine()

    # ------------------------------------------------------------------ the worker
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

    def _release_engine(self) -> None:
        if _is_remote(self.engine):
            self._detached = True
            detach = getattr(self.engine, "detach", None)
            if callable(detach):
                detach()
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
        if touched and self._view == "details":
            self._draw_chart()

    def _apply_snapshot(self, snapshot: StepsUpdated) -> None:
        self._snapshot = snapshot
        self._draw_rows()
        over = snapshot.execution.finished
        if self.plan is not None:
            statuses = {s.name: s.display_status(over) for s in snapshot.steps}
            self.query_one("#dag", RunDag).set_statuses(statuses)
            for graph in self.query("#graph-view"):
                graph.set_statuses(statuses)  # type: ignore[attr-defined]
        if self._follow:
            target = self._follow_target(snapshot)
            if target is not None and target != self._selected:
                self._select_row(target)
        if self._selected is None and snapshot.steps:
            self._select_row(self._visible_steps()[0].name if self._visible_steps() else None)
        self._refresh_chrome()
        self._title_log()
        if self._view == "details":
            self._draw_details()

    @staticmethod
    def _follow_target(snapshot: StepsUpdated) -> str | None:
        """The step to show while following: the latest running one, else the failed one,
        else the one that ended last."""
        running = [s for s in snapshot.steps if s.status in RUNNING_STEP_STATUSES]
        if running:
            return max(running, key=lambda s: s.started or "").name
        failed = [s for s in snapshot.steps if s.status == "Failed"]
        if failed:
            return failed[0].name
        ended = [s for s in snapshot.steps if s.ended]
        return max(ended, key=lambda s: s.ended or "").name if ended else None

    # ------------------------------------------------------------------ the step table
    def _visible_steps(self) -> list[StepState]:
        needle = self._filter.lower()
        return [s for s in self._snapshot.steps if needle in s.name.lower()]

    def _cells(self, step: StepState) -> tuple[Any, ...]:
        status = step.display_status(self._snapshot.execution.finished)
        style = STATUS_STYLES.get(status, "")
        return (
            Text(step.name, style="dim" if status in ("Pending", "NotRun") else ""),
            Text(step.kind, style="dim"),
            Text(f"{STATUS_GLYPHS.get(status, '?')} {status_label(status)}", style=style),
            format_duration(step.duration(self._now())),
            Text("hit", style="cyan") if step.cache_hit else "",
            str(step.attempt) if step.attempt else "",
        )

    def _draw_rows(self) -> None:
        table = self.query_one("#steps", DataTable)
        visible = self._visible_steps()
        names = [s.name for s in visible]
        if names != [str(key.value) for key in table.rows]:
            # the set of rows changed (a new step, or the filter): rebuild, keep the cursor
            keep = self._selected
            table.clear()
            self._drawn_rows.clear()
            for step in visible:
                cells = self._cells(step)
                table.add_row(*cells, key=step.name)
                self._drawn_rows[step.name] = cells
            if keep in names:
                table.move_cursor(row=names.index(keep), animate=False)
            return
        columns = ("step", "kind", "status", "time", "cache", "try")
        for step in visible:
            cells = self._cells(step)
            drawn = self._drawn_rows.get(step.name)
            if drawn == cells:
                continue
            for index, (column, value) in enumerate(zip(columns, cells, strict=True)):
                if drawn is None or drawn[index] != value:
                    table.update_cell(step.name, column, value, update_width=column == "step")
            self._drawn_rows[step.name] = cells

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
        if self.plan is not None:
            self.query_one("#dag", RunDag).selected = step
            for graph in self.query("#graph-view"):
                graph.selected = step  # type: ignore[attr-defined]
        select_logs = getattr(self.engine, "select_logs", None)
        if callable(select_logs):
            select_logs([step])
        if self._view == "details":
            self._draw_details()

    def _title_log(self) -> None:
        log = self.query_one("#log", Log)
        step = self._snapshot_step(self._selected)
        if step is None:
            log.border_title = "Logs"
            return
        kept = len(self._rings.get(step.name, ()))
        noun = "line" if step.lines == 1 else "lines"
        count = (
            f"{step.lines:,} {noun}" if step.lines == kept else f"last {kept:,} of {step.lines:,}"
        )
        pane = log if isinstance(log, LogPane) else None
        state = "following" if pane is None or pane.following else "paused · End/f follows"
        wrap = " · wrap" if pane is not None and pane.wrap else ""
        log.border_title = (
            f"Logs · {step.name}" + (f" · {count}" if step.lines else "") + f" · {state}{wrap}"
        )
        log.border_subtitle = "" if self._follow else "f: follow the running step"

    @on(LogPane.FollowChanged)
    def _log_follow_changed(self, event: LogPane.FollowChanged) -> None:
        self._title_log()

    def action_wrap(self) -> None:
        """``w``: wrap long log lines at the pane's width, or scroll them sideways."""
        log = self.query_one("#log", LogPane)
        log.wrap = not log.wrap
        self._title_log()

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
        status = execution.status or ("Starting" if self._busy else "Pending")
        done, total = (
            sum(1 for s in self._snapshot.steps if s.finished),
            len(self._snapshot.steps),
        )
        text = Text()
        text.append(self.run_title, style="bold")
        engine = execution.engine or getattr(self.engine, "name", "")
        if engine:
            text.append(f" · {engine}")
        text.append(" · ")
        text.append(
            f"{STATUS_GLYPHS.get(status, '?')} {status}", style=STATUS_STYLES.get(status, "")
        )
        elapsed = format_duration(execution.duration(self._now()))
        if elapsed:
            text.append(f" · {elapsed}")
        if total:
            text.append(f" · {done}/{total} steps")
        return text

    def headline_metric(self) -> MetricPoint | None:
        """The metric the pipeline's condition judges (e.g. the evaluation's ``auc``)."""
        metric = str(self.plan.condition.get("metric", "")) if self.plan is not None else ""
        if not metric:
            return None
        matches = [
            m
            for m in self._snapshot.metrics
            if m.name == metric or m.name.rsplit(":", 1)[-1] == metric
        ]
        # prefer what the condition reads (the evaluation), over e.g. a validation score
        judged = {
            dep for step in self.plan.steps if step.kind == "Condition" for dep in step.depends_on
        }
        preferred = [m for m in matches if m.step in judged]
        return (preferred or matches or [None])[-1]

    def summary(self) -> str:
        """One plain line for the terminal after the monitor closes."""
        execution = self._snapshot.execution
        status = execution.status or self._final_status or "not started"
        parts = [f"{self.run_title}: {status}"]
        took = format_duration(execution.duration(self._now()))
        if took and execution.finished:
            parts[0] += f" in {took}"
        headline = self.headline_metric()
        if headline is not None and status == "Succeeded":
            parts.append(f"{headline.step} {headline.name} {headline.value:.4g}")
        for step in self._snapshot.steps:
            if step.status == "Failed" and step.reason:
                lines = [line for line in step.reason.strip().splitlines() if line.strip()]
                parts.append(f"{step.name} failed: {lines[-1].strip() if lines else ''}")
        if execution.reason and status != "Succeeded" and len(parts) == 1:
            parts.append(execution.reason)
        run_dir = getattr(self.engine, "run_dir", None)
        if run_dir is not None:
            parts.append(f"run folder {run_dir}")
        arn = execution.id or getattr(self.engine, "execution_arn", None)
        if _is_remote(self.engine) and not execution.finished and arn:
            parts.append(f"it keeps running on SageMaker; watch it again: sm-wizard watch {arn}")
        return " · ".join(parts)

    def _banner_text(self, execution: ExecutionState) -> Text | None:
        status = execution.status
        if self._stop_requested and status not in TERMINAL_EXECUTION_STATUSES:
            return Text(
                "Stopping: asked the engine to stop; running steps end as Stopped…", style="magenta"
            )
        if status == "Failed":
            text = Text("✗ Failed", style="bold red")
            reason = execution.reason or self._engine_error
            if reason:
                lines = [line for line in reason.strip().splitlines() if line.strip()]
                text.append(f": {lines[-1].strip() if lines else reason}")
            return text
        if status == "Stopped":
            text = Text("■ Stopped", style="magenta")
            if execution.reason:
                text.append(f": {execution.reason}")
            return text
        if status == "Succeeded":
            text = Text(
                f"✓ Succeeded in {format_duration(execution.duration(self._now()))}",
                style="green",
            )
            headline = self.headline_metric()
            if headline is not None:
                text.append(f" · {headline.step} {headline.name} {headline.value:.4g}")
            return text
        return None

    # ------------------------------------------------------------------ views
    @property
    def _view(self) -> str:
        try:
            current = self.query_one("#views", ContentSwitcher).current or "overview"
        except NoMatches:
            return "overview"
        if current == "overview" and self.has_class("-logs-only"):
            return "logs"
        return current

    def action_details(self) -> None:
        if self._selected is None:
            return
        self.remove_class("-logs-only")
        self.query_one("#views", ContentSwitcher).current = "details"
        self._draw_details()
        self.query_one("#details").focus()
        self.refresh_bindings()

    def action_graph(self) -> None:
        if not self.query("#graph-view"):
            return
        self.remove_class("-logs-only")
        self.query_one("#views", ContentSwitcher).current = "graph"
        self.query_one("#graph").focus()
        self.refresh_bindings()

    def action_logs(self) -> None:
        self.query_one("#views", ContentSwitcher).current = "overview"
        self.add_class("-logs-only")
        self.query_one("#log", Log).focus()
        self.refresh_bindings()

    def action_back(self) -> None:
        filter_input = self.query_one("#filter", Input)
        if filter_input.has_class("-shown"):
            self._close_filter(clear=True)
            return
        if self._view == "overview":
            return
        self.remove_class("-logs-only")
        self.query_one("#views", ContentSwitcher).current = "overview"
        self.query_one("#steps", DataTable).focus()
        self.refresh_bindings()

    def action_follow(self) -> None:
        self._follow = True
        self.query_one("#log", LogPane).follow()
        target = self._follow_target(self._snapshot)
        if target:
            self._select_row(target)
        self._title_log()

    def action_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.add_class("-shown")
        filter_input.focus()
        self.refresh_bindings()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._filter = event.value.strip()
        self._draw_rows()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self._close_filter(clear=False)

    def _close_filter(self, clear: bool) -> None:
        filter_input = self.query_one("#filter", Input)
        if clear:
            filter_input.value = ""
            self._filter = ""
            self._draw_rows()
        filter_input.remove_class("-shown")
        self.query_one("#steps", DataTable).focus()
        self.refresh_bindings()

    def _draw_details(self) -> None:
        step = self._snapshot_step(self._selected)
        if step is None:
            return
        self.query_one("#detail-text", Static).update(self._details_text(step))
        self._draw_chart()

    def _details_text(self, step: StepState) -> Text:
        over = self._snapshot.execution.finished
        status = step.display_status(over)
        plan_step = None
        if self.plan is not None and self.plan.has(step.name):
            plan_step = self.plan.step(step.name)
        text = Text()
        text.append(step.name, style="bold")
        if step.kind:
            text.append(f"  {step.kind}", style="dim")
        text.append("   ")
        text.append(
            f"{STATUS_GLYPHS.get(status, '?')} {status_label(status)}",
            style=STATUS_STYLES.get(status, ""),
        )
        text.append("\n")
        facts = []
        duration = format_duration(step.duration(self._now()))
        if duration:
            facts.append(f"time {duration}")
        if step.attempt:
            facts.append(f"attempt {step.attempt}")
        if step.cache_hit is not None:
            facts.append("cache hit" if step.cache_hit else "not cached")
        if step.started:
            facts.append(f"started {step.started}")
        if facts:
            text.append(" · ".join(facts) + "\n")
        if step.job:
            text.append("job ", style="dim")
            text.append(f"{step.job}\n")
        defined = None
        if plan_step is None:  # an execution this tool did not plan: its own definition
            steps = getattr(self.engine, "definition", None) or ()
            defined = next((d for d in steps if getattr(d, "name", None) == step.name), None)
        if defined is not None:
            if defined.depends_on:
                text.append("after ", style="dim")
                text.append(", ".join(defined.depends_on) + "\n")
            if defined.condition:
                text.append("runs ", style="dim")
                holds = "holds" if defined.branch == "if" else "fails"
                text.append(f"when {defined.condition} {holds}\n")
        if plan_step is not None:
            text.append(f"{plan_step.description}\n", style="italic")
            if plan_step.depends_on:
                text.append("after ", style="dim")
                text.append(", ".join(plan_step.depends_on) + "\n")
            if plan_step.branch:
                text.append("runs ", style="dim")
                text.append(
                    "when the condition holds\n"
                    if plan_step.branch == "if"
                    else "when the condition fails\n"
                )
            if plan_step.compute is not None:
                c = plan_step.compute
                text.append("compute ", style="dim")
                text.append(f"{c.instance_count} x {c.instance_type}\n")
        if step.reason:
            text.append("reason\n", style="bold red" if status == "Failed" else "bold")
            text.append(f"{step.reason}\n")
        latest = [m for m in self._snapshot.metrics if m.step == step.name]
        if latest:
            text.append("metrics\n", style="bold")
            width = max(len(m.name) for m in latest)
            for m in latest:
                text.append(f"  {m.name:<{width}}  {m.value:.4g}\n")
        return text.rstrip() or text

    def _draw_chart(self) -> None:
        chart = self.query_one("#chart")
        step = self._selected
        series = {name: list(values) for (s, name), values in self._series.items() if s == step}
        plt = chart.plt  # type: ignore[attr-defined]
        plt.clear_data()
        plt.clear_figure()
        if not series:
            chart.display = False
            return
        # a chart only for metrics reported over time (training curves, tuning trials);
        # final values are listed in the details above it
        curves = {name: values for name, values in series.items() if len(values) > 1}
        chart.display = bool(curves)
        if not curves:
            return
        for name, values in list(curves.items())[:4]:
            plt.plot(list(range(1, len(values) + 1)), values, label=name)
        plt.title(f"{step}: metrics as reported")
        plt.xlabel("report")
        chart.refresh()

    # ------------------------------------------------------------------ stop, retry, quit
    def _can_stop(self) -> bool:
        return self._busy and not self._stop_requested

    def _can_retry(self) -> bool:
        return (
            not self._busy
            and self._snapshot.execution.status in ("Failed", "Stopped")
            and isinstance(self.engine, Retryable)
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return True if self._can_stop() else None
        if action == "retry":
            return True if self._can_retry() else None
        if action == "back":
            filtering = self.query_one("#filter", Input).has_class("-shown")
            return self._view != "overview" or filtering
        if action == "graph":
            return bool(self.plan is not None and self.query("#graph-view"))
        return True

    def action_stop(self) -> None:
        if not self._can_stop():
            return
        if _is_remote(self.engine):
            question = "Stop this execution on SageMaker?"
            detail = "Running jobs are stopped; the execution ends as Stopped."
        else:
            question = "Stop the run?"
            detail = "Running steps end as Stopped; outputs and logs stay in the run folder."
        self.app.push_screen(
            MonitorConfirmModal(question, detail, yes="Stop", no="Keep running"),
            self._stop_confirmed,
        )

    def _stop_confirmed(self, answer: bool | None) -> None:
        if answer:
            self.request_stop()

    def request_stop(self) -> None:
        """Ask the engine to stop (no question asked)."""
        if not self._busy:
            return
        self._stop_requested = True
        self._stop.set()
        self._refresh_chrome()
        self.refresh_bindings()

    def action_retry(self) -> None:
        """``r``: asks first, like stop; the elapsed time goes on from the first start."""
        if not self._can_retry():
            return
        if _is_remote(self.engine):
            question = "Retry this execution on SageMaker?"
            detail = "RetryPipelineExecution re-runs the failed steps; steps that succeeded stay."
        else:
            question = "Retry the run?"
            detail = "The failed and stopped steps run again; steps that succeeded are kept."
        self.app.push_screen(
            MonitorConfirmModal(question, detail, yes="Retry", no="Cancel"), self._retry_confirmed
        )

    def _retry_confirmed(self, answer: bool | None) -> None:
        if not answer or not self._can_retry():
            return
        self._follow = True
        self.start("retry")
        self.refresh_bindings()

    def action_quit_monitor(self) -> None:
        if not self._busy:
            self._close(detached=False)
            return
        if self._quit_when_done:  # asked twice while stopping: leave now
            self._close(detached=False)
            return
        if _is_remote(self.engine):
            arn = self._snapshot.execution.id or getattr(self.engine, "execution_arn", None)
            detail = "It keeps running on SageMaker: quitting only stops watching."
            if arn:
                detail += f"\nWatch it again with:\n  sm-wizard watch {arn}"
            self.app.push_screen(
                MonitorConfirmModal("Detach from this execution?", detail, yes="Detach", no="Stay"),
                self._detach_confirmed,
            )
        else:
            self.app.push_screen(
                MonitorConfirmModal(
                    "Stop the run and quit?",
                    "This run lives in this process: quitting stops it first (running steps "
                    "end as Stopped; outputs and logs stay in the run folder).",
                    yes="Stop and quit",
                    no="Keep running",
                ),
                self._quit_confirmed,
            )

    def _detach_confirmed(self, answer: bool | None) -> None:
        if answer:
            self._release_engine()
            self._close(detached=True)

    def _quit_confirmed(self, answer: bool | None) -> None:
        if answer:
            self._quit_when_done = True
            self.request_stop()

    def _close(self, *, detached: bool) -> None:
        status = self._snapshot.execution.status or self._final_status
        self.post_message(self.Closed(status, detached))
        if len(self.app.screen_stack) > 1 and self.app.screen is self:
            self.dismiss(status)


class MonitorApp(App[int]):
    """The monitor on its own: ``sm-wizard run`` and ``sm-wizard watch`` without the wizard."""

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
        elif self.monitor is not None and self.monitor in self.screen_stack:
            self.pop_screen()  # a question is open: close it
        else:
            self.exit(0)

    def on_monitor_screen_closed(self, message: MonitorScreen.Closed) -> None:
        self.exit(message.exit_code, return_code=message.exit_code)


def run_monitor(engine: Engine, plan: Plan | None = None, title: str | None = None) -> int:
    """Open the monitor full screen; when it closes, print one summary line and return
    DESIGN.md's exit code."""
    app = MonitorApp(engine, plan, title)
    result = app.run()
    if app.monitor is not None:
        print(app.monitor.summary(), flush=True)
    if app.return_code not in (None, 0):
        return app.return_code
    return result or 0


__all__ = ["MonitorApp", "MonitorConfirmModal", "MonitorScreen", "StepTable", "run_monitor"]
