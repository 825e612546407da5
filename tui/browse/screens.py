"""The browse screens: k9s's grammar over the account's SageMaker pipelines.

``PipelinesScreen`` → Enter → ``ExecutionsScreen`` → Enter → ``BrowseMonitorScreen`` (the run
monitor: steps, then logs). Esc goes back one level, ``/`` filters the rows (an execution's
ID, status, name or parameters), ``:`` jumps (``:pipelines``, ``:executions``, ``:q``, or an
execution ID or part of one: ``FoundExecutionsScreen`` lists the matches across the
account's recently run pipelines). Lists load in a thread worker and refresh on a slow timer
only while on screen, through the browser's shared request budget (≤ 0.5 requests/s); the
executions' parameters are read after the list shows, row by row, once per execution.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState

import tui.monitor.screen as monitor_module
from runners.run_state import STATUS_GLYPHS, STATUS_STYLES, format_duration
from runners.sagemaker.find import looks_like_id
from runners.sagemaker.parameters import parameters_text
from tui.monitor.screen import MonitorScreen


def _cut(text: str, width: int) -> Text:
    """``text`` on one line of at most ``width`` cells, an ellipsis saying it goes on."""
    cell = Text(text, no_wrap=True, overflow="ellipsis")
    cell.truncate(width, overflow="ellipsis")
    return cell


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


class ResourceScreen(Screen[None]):
    """A list of AWS resources: a table, a filter, a jump prompt, a slow refresh.

    A subclass says what it lists: ``fetch()`` (in a thread), ``row_key(row)``,
    ``cells(row)`` and ``open(row)`` (Enter).
    """

    CSS_PATH = "browse.tcss"
    AUTO_FOCUS = "#browse-table"
    REFRESH_SECONDS: ClassVar[float] = 15.0
    COLUMNS: ClassVar[tuple[tuple[str, int | None], ...]] = ()
    KIND: ClassVar[str] = ""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "drill", "Open", id="browse.drill"),
        Binding("escape", "back", "Back", id="browse.back"),
        Binding("slash", "filter", "Filter", id="browse.filter"),
        Binding("colon", "jump", "Jump", id="browse.jump"),
        Binding("ctrl+r", "reload", "Reload", id="browse.reload"),
        Binding("q", "app.quit", "Quit", id="browse.quit"),
    ]

    def __init__(self) -> None:
        super().__init__(classes="resource-screen")
        self.rows: list[Any] = []
        self.filter = ""
        self.loaded = False
        self.error: str | None = None
        self._prompt_mode = ""

    @property
    def browser(self) -> Any:
        return self.app.browser  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static(id="browse-header")
        yield DataTable(id="browse-table", cursor_type="row", zebra_stripes=False)
        yield Static("loading…", id="browse-status")
        yield Input(id="browse-prompt")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in self.COLUMNS:
            table.add_column(label, key=label.lower(), width=width)
        self._header()
        self.set_interval(self.REFRESH_SECONDS, self._refresh_if_shown, name="browse-refresh")

    def on_screen_resume(self) -> None:
        self.reload()

    def _refresh_if_shown(self) -> None:
        if self.is_current:
            self.reload()

    # ------------------------------------------------------------------ loading
    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="browse", exit_on_error=False)
    def _load(self) -> list[Any]:
        return self.fetch()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "browse":
            return
        status = self.query_one("#browse-status", Static)
        if event.state == WorkerState.SUCCESS:
            self.rows = list(event.worker.result or [])
            self.loaded, self.error = True, None
            self._draw()
            self.after_load()
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
            title = getattr(error, "title", "")
            self.error = (
                message if not title or message.startswith(title) else f"{title}: {message}"
            )
            status.update(Text(f"! {self.error}", style="bold red"))

    def after_load(self) -> None:
        """Called once the rows are loaded and drawn (a subclass may read more)."""

    # ------------------------------------------------------------------ drawing
    def row_text(self, row: Any) -> str:
        return " ".join(str(c) for c in self.cells(row))

    def visible_rows(self) -> list[Any]:
        needle = self.filter.lower()
        return [r for r in self.rows if needle in self.row_text(r).lower()]

    def heading(self) -> str:
        return self.KIND

    def _header(self) -> None:
        shown = f" · filter /{self.filter}" if self.filter else ""
        text = Text()
        text.append(f"{self.heading()}", style="bold")
        text.append(f" · {self.browser.where}{shown}")
        self.query_one("#browse-header", Static).update(text)

    def _draw(self) -> None:
        table = self.query_one(DataTable)
        keep = None
        if table.row_count and table.cursor_row is not None:
            try:
                keep = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
            except Exception:
                keep = None
        table.clear()
        visible = self.visible_rows()
        for row in visible:
            table.add_row(*self.cells(row), key=self.row_key(row))
        keys = [self.row_key(r) for r in visible]
        if keep in keys:
            table.move_cursor(row=keys.index(keep), animate=False)
        noun = self.KIND.lower()
        count = f"{len(visible)} of {len(self.rows)}" if self.filter else f"{len(self.rows)}"
        self.query_one("#browse-status", Static).update(
            f"{count} {noun} · enter opens · / filters · : jumps (:pipelines, :executions, "
            ":ID) · esc back"
            if self.rows
            else f"no {noun} here"
        )
        self._header()

    def selected_row(self) -> Any | None:
        table = self.query_one(DataTable)
        visible = self.visible_rows()
        if not visible or table.cursor_row is None or table.cursor_row >= len(visible):
            return None
        return visible[table.cursor_row]

    # ------------------------------------------------------------------ keys
    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_drill()

    def action_drill(self) -> None:
        row = self.selected_row()
        if row is not None:
            self.open(row)

    def action_back(self) -> None:
        prompt = self.query_one("#browse-prompt", Input)
        if prompt.has_class("-shown"):
            self._close_prompt(clear=self._prompt_mode == "filter")
            return
        if self.filter:
            self.filter = ""
            self._draw()
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()

    def _open_prompt(self, mode: str) -> None:
        self._prompt_mode = mode
        prompt = self.query_one("#browse-prompt", Input)
        prompt.placeholder = (
            "filter rows (enter keeps it, esc clears)"
            if mode == "filter"
            else "jump to: pipelines, executions, q, or an execution ID (or part of one)"
        )
        prompt.value = self.filter if mode == "filter" else ""
        prompt.add_class("-shown")
        prompt.focus()

    def action_filter(self) -> None:
        self._open_prompt("filter")

    def action_jump(self) -> None:
        self._open_prompt("jump")

    def _close_prompt(self, *, clear: bool) -> None:
        prompt = self.query_one("#browse-prompt", Input)
        prompt.remove_class("-shown")
        if clear and self._prompt_mode == "filter":
            self.filter = ""
            self._draw()
        self.query_one(DataTable).focus()

    @on(Input.Changed, "#browse-prompt")
    def _prompt_changed(self, event: Input.Changed) -> None:
        if self._prompt_mode == "filter":
            self.filter = event.value.strip()
            self._draw()

    @on(Input.Submitted, "#browse-prompt")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        mode = self._prompt_mode
        self._close_prompt(clear=False)
        if mode == "jump":
            self.app.jump(event.value.strip().lstrip(":"), self)  # type: ignore[attr-defined]


class PipelinesScreen(ResourceScreen):
    KIND = "Pipelines"
    COLUMNS = (("Pipeline", None), ("Created", 16), ("Changed", 16))
    REFRESH_SECONDS = 30.0

    def fetch(self) -> list[Any]:
        return self.browser.pipelines()

    def row_key(self, row: Any) -> str:
        return row.name

    def cells(self, row: Any) -> tuple[Any, ...]:
        return (row.name, _when(row.created), _when(row.modified))

    def open(self, row: Any) -> None:
        self.app.push_screen(ExecutionsScreen(row.name))


class ExecutionsScreen(ResourceScreen):
    KIND = "Executions"
    COLUMNS = (
        ("Execution", 14),
        ("Status", 12),
        ("Started", 16),
        ("Time", 8),
        ("Parameters", None),
    )
    REFRESH_SECONDS = 15.0
    PARAMETER_READS = 20
    """Executions whose parameters are read after each load (one request each, once)."""

    def __init__(self, pipeline: str) -> None:
        super().__init__()
        self.pipeline = pipeline

    def heading(self) -> str:
        return f"Executions of {self.pipeline}"

    def fetch(self) -> list[Any]:
        return self.browser.executions(self.pipeline)

    def row_key(self, row: Any) -> str:
        return row.arn

    def parameters_of(self, row: Any) -> Any:
        """The row's parameters, those whose values differ between the rows first (what
        tells the executions apart shows even when the column is narrow)."""
        parameters = row.parameters or self.browser.known_parameters(row.arn)
        if not parameters:
            return parameters
        values: dict[str, set[str]] = {}
        for other in self.rows:
            for name, value in other.parameters or self.browser.known_parameters(other.arn) or ():
                values.setdefault(name, set()).add(value)
        return tuple(sorted(parameters, key=lambda item: len(values.get(item[0], ())) < 2))

    def _parameters_room(self) -> int:
        """Cells left for the parameters column: the screen's width less the other columns."""
        fixed = sum(width or 0 for _, width in self.COLUMNS) + 2 * len(self.COLUMNS)
        return max(16, self.size.width - fixed - 1)

    def cells(self, row: Any) -> tuple[Any, ...]:
        status = row.status
        glyph = STATUS_GLYPHS.get(status, "?")
        return (
            row.execution_id,
            Text(f"{glyph} {status}", style=STATUS_STYLES.get(status, "")),
            _when(row.started),
            format_duration(row.duration(datetime.now(UTC))),
            _cut(parameters_text(self.parameters_of(row)), self._parameters_room()),
        )

    def row_text(self, row: Any) -> str:
        parameters = parameters_text(self.parameters_of(row))
        return f"{row.execution_id} {row.status} {row.display_name or ''} {parameters}"

    def after_load(self) -> None:
        self._read_parameters([r.arn for r in self.visible_rows()[: self.PARAMETER_READS]])

    @work(thread=True, exclusive=True, group="browse-parameters", exit_on_error=False)
    def _read_parameters(self, arns: list[str]) -> None:
        """Each row's parameters, one execution at a time; the list redraws after each."""
        for arn in arns:
            if self.browser.known_parameters(arn) is not None:
                continue
            self.browser.parameters(arn)
            self.app.call_from_thread(self._draw)

    def open(self, row: Any) -> None:
        self.app.push_screen(
            BrowseMonitorScreen(self.app.watcher_for(row.arn), row.pipeline or self.pipeline)  # type: ignore[attr-defined]
        )


class FoundExecutionsScreen(ExecutionsScreen):
    """The executions whose ID contains what was typed after ``:``, across pipelines."""

    COLUMNS = (
        ("Execution", 14),
        ("Pipeline", 18),
        ("Status", 12),
        ("Started", 16),
        ("Parameters", None),
    )
    REFRESH_SECONDS = 60.0

    def __init__(self, text: str) -> None:
        super().__init__("")
        self.text = text
        self._opened = False

    def heading(self) -> str:
        return f"Executions whose ID contains {self.text!r}"

    def on_mount(self) -> None:  # after ResourceScreen's (Textual calls each class's)
        self.query_one("#browse-status", Static).update(
            "searching the newest executions of the most recently run pipelines… "
            "(requests stay within the browser's budget)"
        )

    def fetch(self) -> list[Any]:
        return self.browser.find(self.text)

    def cells(self, row: Any) -> tuple[Any, ...]:
        execution, status, started, _, parameters = super().cells(row)
        return (execution, row.pipeline, status, started, parameters)

    def after_load(self) -> None:
        super().after_load()
        if len(self.rows) == 1 and self.is_current and not self._opened:
            self._opened = True  # one match: open it (once: Esc comes back here)
            self.open(self.rows[0])


class BrowseMonitorScreen(MonitorScreen):
    """The run monitor inside the browser: Esc on the overview goes back to the list (and
    stops watching; the execution goes on in AWS)."""

    CSS_PATH = str(Path(monitor_module.__file__).with_name("monitor.tcss"))

    def __init__(self, engine: Any, pipeline: str) -> None:
        arn = getattr(engine, "execution_arn", "")
        super().__init__(engine, None, f"{pipeline} · {arn.rsplit('/', 1)[-1]}")
        self.pipeline = pipeline

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return True
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        filtering = self.query_one("#filter", Input).has_class("-shown")
        if self.view != "overview" or filtering:
            super().action_back()
            return
        self.leave()

    def leave(self) -> None:
        if self.busy:
            self.release_engine()
        self.app.pop_screen()

    def action_quit_monitor(self) -> None:
        self.leave()


class BrowseApp(App[int]):
    """``sm-wizard watch`` with no argument. ``browser`` is an ``AccountBrowser``;
    ``make_watcher(arn)`` builds the engine for one execution (sharing the budget)."""

    TITLE = "sm-wizard"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q,ctrl+c", "quit", "Quit", show=False, priority=True, id="app.quit"),
    ]

    def __init__(self, browser: Any, make_watcher: Any, *, where: str = "") -> None:
        super().__init__()
        self.browser = browser
        self.browser.where = where or "this account"
        self._make_watcher = make_watcher

    def on_mount(self) -> None:
        self.push_screen(PipelinesScreen())

    def watcher_for(self, arn: str) -> Any:
        watcher = self._make_watcher(arn)
        severities = {"info": "information", "warning": "warning", "error": "error"}

        def notify(notice: Any) -> None:  # from the poller's thread
            with contextlib.suppress(RuntimeError):  # the app is not running any more
                self.call_from_thread(
                    self.notify,
                    notice.message,
                    severity=severities.get(notice.level, "information"),
                )

        watcher.on_notice = notify
        return watcher

    def jump(self, where: str, origin: Screen) -> None:
        where = where.lower()
        if where in ("q", "quit"):
            self.exit(0)
            return
        if where in ("pipelines", "pipeline", "pp"):
            while len(self.screen_stack) > 2:
                self.pop_screen()
            return
        if where in ("executions", "execution", "ex"):
            pipeline = None
            if isinstance(origin, PipelinesScreen):
                row = origin.selected_row()
                pipeline = row.name if row is not None else None
            elif isinstance(origin, ExecutionsScreen):
                return
            else:
                pipeline = getattr(origin, "pipeline", None)
            if pipeline is None:
                self.notify("Choose a pipeline first.", severity="warning")
                return
            while len(self.screen_stack) > 2:
                self.pop_screen()
            self.push_screen(ExecutionsScreen(pipeline))
            return
        if looks_like_id(where):
            self.push_screen(FoundExecutionsScreen(where))
            return
        self.notify(
            f"Unknown view {where!r}: try :pipelines, :executions or an execution ID.",
            severity="warning",
        )

    async def action_quit(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, BrowseMonitorScreen) and screen._busy:
                screen.release_engine()
        self.exit(0)
