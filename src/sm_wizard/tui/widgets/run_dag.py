"""``RunDag``: the Plan's steps by level, each with its live status glyph and colour.

Compact on purpose (it shares an 80x24 screen with the step table and the logs): one line per
level of ``Plan.levels()``, the steps of a level side by side, wrapped when the pane is narrow.
Steps in the condition's ``else`` branch are marked so it is clear why they did not run.
The status glyph says the status without colour, for NO_COLOR and monochrome terminals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from sm_wizard.tui.run_state import STATUS_GLYPHS, STATUS_STYLES


class RunDag(Widget):
    """Levels of the pipeline, coloured by step status. Read-only: it has no focus."""

    DEFAULT_CSS = """
    RunDag {
        height: auto;
        width: 1fr;
    }
    """

    selected: reactive[str | None] = reactive(None)
    """The step shown highlighted (the one the step table selects)."""

    def __init__(
        self,
        levels: Sequence[Sequence[str]],
        *,
        branches: Mapping[str, str | None] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._levels = [list(level) for level in levels]
        self._branches = dict(branches or {})
        self._statuses: dict[str, str] = {}

    def set_statuses(self, statuses: Mapping[str, str]) -> None:
        """Display status per step name (``Pending``, ``Executing``, ``NotRun``...)."""
        if dict(statuses) != self._statuses:
            self._statuses = dict(statuses)
            self.refresh(layout=True)

    def status_of(self, step: str) -> str:
        return self._statuses.get(step, "Pending")

    def watch_selected(self) -> None:
        self.refresh()

    def _node(self, step: str) -> Text:
        status = self.status_of(step)
        node = Text()
        node.append(STATUS_GLYPHS.get(status, "?"), style=STATUS_STYLES.get(status, ""))
        node.append(" ")
        style = "reverse" if step == self.selected else ""
        if status in ("Pending", "NotRun"):
            style = f"{style} dim".strip()
        node.append(step, style=style)
        if self._branches.get(step) == "else":
            node.append(" ¬", style="dim")
        return node

    def _lines(self, width: int) -> list[Text]:
        lines: list[Text] = []
        for level in self._levels:
            line = Text()
            for step in level:
                node = self._node(step)
                if line.cell_len and line.cell_len + 2 + node.cell_len > width:
                    lines.append(line)
                    line = Text("  ")
                elif line.cell_len:
                    line.append("  ")
                line.append_text(node)
            lines.append(line)
        return lines

    def render(self) -> Text:
        width = max(self.size.width, 10)
        return Text("\n").join(self._lines(width))

    def get_content_height(self, container, viewport, width: int) -> int:  # noqa: ANN001
        return max(1, len(self._lines(max(width, 10))))
