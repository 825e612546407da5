"""The run monitor's views and how keys move between them: the overview (graph levels, step
table, log pane), the logs full height, one step's details, the whole graph; and the filter.

A mixin of ``MonitorScreen`` (``tui/monitor/screen.py``): the screen composes the widgets
(``#views`` switches between them) and owns the state these actions read. The log pane's
title (which step, how many lines, following or paused, wrapped) is written here too.
"""

from __future__ import annotations

from typing import Any

from textual.css.query import NoMatches
from textual.widgets import ContentSwitcher, DataTable, Input, Log

from tui.monitor.text import follow_target
from tui.widgets.log_pane import LogPane


class MonitorViews:
    """Enter, l, g, Esc, f and / of the monitor. The screen provides ``query``,
    ``query_one``, the classes, ``refresh_bindings`` and the drawing calls."""

    _selected: str | None
    _follow: bool
    _filter: str
    _snapshot: Any
    _rings: dict[str, Any]

    @property
    def view(self) -> str:
        """Which view shows: ``overview``, ``logs``, ``details`` or ``graph``."""
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
        if self.view == "overview":
            return
        self.remove_class("-logs-only")
        self.query_one("#views", ContentSwitcher).current = "overview"
        self.query_one("#steps", DataTable).focus()
        self.refresh_bindings()

    def action_follow(self) -> None:
        self._follow = True
        self.query_one("#log", LogPane).follow()
        target = follow_target(self._snapshot)
        if target:
            self._select_row(target)
        self._title_log()

    def action_filter(self) -> None:
        filter_input = self.query_one("#filter", Input)
        filter_input.add_class("-shown")
        filter_input.focus()
        self.refresh_bindings()

    def _close_filter(self, clear: bool) -> None:
        filter_input = self.query_one("#filter", Input)
        if clear:
            filter_input.value = ""
            self._filter = ""
            self._draw_rows()
        filter_input.remove_class("-shown")
        self.query_one("#steps", DataTable).focus()
        self.refresh_bindings()

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

    def on_log_pane_follow_changed(self, event: LogPane.FollowChanged) -> None:
        self._title_log()

    def action_wrap(self) -> None:
        """``w``: wrap long log lines at the pane's width, or scroll them sideways."""
        log = self.query_one("#log", LogPane)
        log.wrap = not log.wrap
        self._title_log()
