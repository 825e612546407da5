"""``RunDag``: the Plan's steps by level, each with its live status glyph and colour.

Compact on purpose: it shares an 80x24 screen with the step table and the logs, so it is a
flow of levels rather than a drawing. Each level of ``Plan.levels()`` follows the one before
it after an arrow; steps of the same level (which may run at the same time) are joined by
``+``; steps of the condition's ``else`` branch say so. Lines wrap before an arrow, never inside
a step. The glyph says the status without colour (NO_COLOR, monochrome terminals)::

    ✓ PrepareData → ✓ EngineerFeatures → ✓ DataQualityBaseline + ● Train → ○ Evaluate
    → ○ CheckMetric → ○ RegisterModel + ○ CreateModel + ○ else: MetricBelowThreshold
    → ○ BatchTransform
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from runners.run_state import NOT_RUN, STATUS_GLYPHS, STATUS_STYLES

ARROW = " → "
JOIN = " + "


class RunDag(Widget):
    """Levels of the pipeline, coloured by step status. Read-only: it takes no focus."""

    DEFAULT_CSS = """
    RunDag {
        height: auto;
        width: 1fr;
    }
    RunDag > .run-dag--selected {
        text-style: reverse;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"run-dag--selected"}

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
        self._levels = [list(level) for level in levels if level]
        self._branches = dict(branches or {})
        self._statuses: dict[str, str] = {}

    @property
    def levels(self) -> list[list[str]]:
        return [list(level) for level in self._levels]

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
        node = Text(no_wrap=True)
        node.append(STATUS_GLYPHS.get(status, "?"), style=STATUS_STYLES.get(status, ""))
        node.append(" ")
        if self._branches.get(step) == "else":
            node.append("else: ", style="dim")
        style = "dim" if status in ("Pending", NOT_RUN) else ""
        if step == self.selected:
            selected = self.get_component_rich_style("run-dag--selected", partial=True)
            node.append(step, style=selected + Style.parse(style) if style else selected)
        else:
            node.append(step, style=style)
        return node

    def lines(self, width: int) -> list[Text]:
        """The flow, wrapped to ``width`` cells."""
        lines: list[Text] = []
        line = Text(no_wrap=True)
        for index, level in enumerate(self._levels):
            for position, step in enumerate(level):
                node = self._node(step)
                joint = "" if index == 0 and position == 0 else (JOIN if position else ARROW)
                if line.cell_len and line.cell_len + len(joint) + node.cell_len > width:
                    lines.append(line)
                    line = Text(no_wrap=True)
                    joint = joint.lstrip()
                line.append(joint, style="dim")
                line.append_text(node)
        if line.cell_len:
            lines.append(line)
        return lines or [Text("")]

    def render(self) -> Text:
        return Text("\n", no_wrap=True).join(self.lines(max(self.size.width, 20)))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(max(width, 20)))
