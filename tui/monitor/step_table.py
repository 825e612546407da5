"""The run monitor's step table: one row per step, k9s keys, redrawn cell by cell.

Redrawing only the cells that changed (and never resizing a column while statuses change)
keeps the table still, which matters over SSH, where a jumping table flickers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

COLUMNS = ("step", "kind", "status", "time", "cache", "try")


class StepTable(DataTable):
    """The steps, one row each. Enter drills into the highlighted step; j/k move (k9s).

    ``moved_by_user`` tells a cursor move by keys or mouse from one made by the monitor
    while it follows the run."""

    moved_by_user = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Details", id="steps.details"),
        Binding("j", "cursor_down", "Down", show=False, id="steps.down"),
        Binding("k", "cursor_up", "Up", show=False, id="steps.up"),
        Binding("home", "scroll_top", "First", show=False, id="steps.first"),
        Binding("end", "scroll_bottom", "Last", show=False, id="steps.last"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._drawn: dict[str, tuple[Any, ...]] = {}

    def add_step_columns(self) -> None:
        """Fixed widths (the step names' column sizes itself when rows are added): a column
        that resizes while statuses change makes the table jump, and over SSH, flicker."""
        self.add_column("Step", key="step")
        self.add_column("Kind", key="kind", width=13)
        self.add_column("Status", key="status", width=11)
        self.add_column("Time", key="time", width=7)
        self.add_column("Cache", key="cache", width=5)
        self.add_column("Try", key="try", width=3)

    def show_rows(self, rows: Sequence[tuple[str, tuple[Any, ...]]], keep: str | None) -> None:
        """Show ``(step, cells)`` rows: rebuilt when the set of steps changed (a new step, or
        the filter), with the cursor kept on ``keep``; else only the changed cells."""
        names = [name for name, _ in rows]
        if names != [str(key.value) for key in self.rows]:
            self.clear()
            self._drawn.clear()
            for name, cells in rows:
                self.add_row(*cells, key=name)
                self._drawn[name] = cells
            if keep in names:
                self.move_cursor(row=names.index(keep), animate=False)
            return
        for name, cells in rows:
            drawn = self._drawn.get(name)
            if drawn == cells:
                continue
            for index, (column, value) in enumerate(zip(COLUMNS, cells, strict=True)):
                if drawn is None or drawn[index] != value:
                    self.update_cell(name, column, value, update_width=column == "step")
            self._drawn[name] = cells

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
