"""The live view of ``run --headless`` on a terminal: one row per step, then a summary.

A rich table (status, duration, cache hit, last log line per step) refreshed a few times a
second while the run goes, then the outcome, every failed step's reason in full and the
final metrics. rich loads only when the view starts: ``--json`` and plain lines never pay
for it. Off a terminal, ``run`` prints plain lines instead (``cli/printer.py``).
"""

from __future__ import annotations

from typing import Any

from cli.printer import Sink, one_line
from runners.events import RunEvent
from runners.run_state import (
    STATUS_GLYPHS,
    STATUS_STYLES,
    RunState,
    format_duration,
    status_label,
)

REFRESH_PER_SECOND = 4


class LiveSink(Sink):
    """A rich live table on a terminal, then a summary."""

    def __init__(
        self, console: Any, steps: list[tuple[str, str]] | None = None, title: str = ""
    ) -> None:
        super().__init__()
        self.console = console
        self.state = RunState(steps)
        self.title = title
        self.live: Any = None
        self.stopping = False

    def write(self, event: RunEvent) -> None:
        self.state.apply(event)

    def start(self) -> None:
        from rich.live import Live

        self.live = Live(
            get_renderable=self.render,
            console=self.console,
            refresh_per_second=REFRESH_PER_SECOND,
            transient=False,
            redirect_stderr=True,
            redirect_stdout=True,
        )
        self.live.start()

    def close(self) -> None:
        if self.live is not None:
            self.live.refresh()  # the final picture (render takes the lock itself)
            self.live.stop()
            if not self.console.is_terminal:
                self.console.line()
            self.live = None
        self.summary()

    def say(self, message: str) -> None:
        if self.live is not None:
            self.live.console.print(message, style="magenta", markup=False, highlight=False)
        else:
            super().say(message)

    def render(self) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        with self.lock:
            execution = self.state.execution()
            steps = self.state.steps()
        over = execution.finished
        header = Text()
        header.append(self.title or "pipeline", style="bold")
        if execution.engine:
            header.append(f" · {execution.engine}")
        status = execution.status or "Starting"
        header.append(" · ")
        header.append(
            f"{STATUS_GLYPHS.get(status, '?')} {status}", style=STATUS_STYLES.get(status, "")
        )
        took = format_duration(execution.duration())
        if took:
            header.append(f" · {took}")
        done = sum(1 for s in steps if s.finished)
        if steps:
            header.append(f" · {done}/{len(steps)} steps")
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold", expand=True)
        name_width = max((len(s.name) for s in steps), default=4)
        table.add_column("", width=1, no_wrap=True)
        table.add_column("Step", no_wrap=True, min_width=min(name_width, 24))
        table.add_column("Status", no_wrap=True, min_width=9)
        table.add_column("Time", justify="right", no_wrap=True, min_width=5)
        table.add_column("Cache", no_wrap=True, min_width=5)
        table.add_column("Last line", no_wrap=True, overflow="ellipsis", ratio=1, min_width=8)
        for step in steps:
            shown = step.display_status(over)
            style = STATUS_STYLES.get(shown, "")
            last = step.reason if step.status == "Failed" and step.reason else step.last_line
            table.add_row(
                Text(STATUS_GLYPHS.get(shown, "?"), style=style),
                Text(step.name, style="dim" if shown in ("Pending", "NotRun") else ""),
                Text(status_label(shown), style=style),
                format_duration(step.duration()),
                "hit" if step.cache_hit else "",
                Text(one_line(last) if last else "", style="dim"),
            )
        hint = Text(
            "stopping…" if self.stopping and not over else ("" if over else "Ctrl+C to stop"),
            style="dim",
        )
        return Group(header, table, hint) if hint.plain else Group(header, table)

    def summary(self) -> None:
        from rich.text import Text

        execution = self.state.execution()
        status = execution.status or "Failed"
        line = Text(
            f"{STATUS_GLYPHS.get(status, '?')} {status}", style=STATUS_STYLES.get(status, "")
        )
        took = format_duration(execution.duration())
        if took:
            line.append(f" in {took}")
        if execution.id:
            line.append(f"  ({execution.id})", style="dim")
        self.console.print(line)
        for step in self.state.steps():
            if step.status == "Failed" and step.reason:
                self.console.print(Text(f"{step.name} failed:", style="bold red"))
                self.console.print(Text(step.reason.rstrip()), highlight=False)
        if execution.reason and not any(s.status == "Failed" for s in self.state.steps()):
            self.console.print(Text(execution.reason), highlight=False)
        metrics = self.state.metrics()
        if metrics:
            self.console.print(Text("metrics", style="bold"))
            for point in metrics:
                self.console.print(f"  {point.step} {point.name} = {point.value:g}", markup=False)
