"""``DagView``: the pipeline's steps drawn as a graph, level by level, with box-drawing edges.

Each row is one level of ``Plan.levels()`` (a step depends only on rows above it). Between two
rows a connector line joins the steps that feed the next row to the steps they feed. An edge
that skips rows, or that the connector cannot draw exactly, is written out next to the step
("also after ..."), so the picture never claims an edge that does not exist.

Read-only and reusable: the review screen draws the plan; a monitor passes ``statuses``
(step → SageMaker step status) and the steps get a status glyph and colour. Glyphs carry the
status without colour (NO_COLOR, monochrome terminals).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from runners.run_state import STATUS_GLYPHS, STATUS_STYLES

_GAP = 3
_BOX = {
    # (up, down, left, right) -> character
    (True, True, True, True): "┼",
    (True, True, True, False): "┤",
    (True, True, False, True): "├",
    (True, True, False, False): "│",
    (True, False, True, True): "┴",
    (True, False, True, False): "┘",
    (True, False, False, True): "└",
    (True, False, False, False): "│",
    (False, True, True, True): "┬",
    (False, True, True, False): "┐",
    (False, True, False, True): "┌",
    (False, True, False, False): "│",
    (False, False, True, True): "─",
    (False, False, True, False): "─",
    (False, False, False, True): "─",
}


@dataclass(frozen=True, slots=True)
class Graph:
    """What the view needs of a Plan: levels, each step's dependencies, kind and branch."""

    levels: tuple[tuple[str, ...], ...]
    depends_on: Mapping[str, tuple[str, ...]]
    kinds: Mapping[str, str]
    branches: Mapping[str, str | None]

    @classmethod
    def from_plan(cls, plan: Any) -> Graph:
        return cls(
            levels=tuple(tuple(level) for level in plan.levels()),
            depends_on={s.name: tuple(s.depends_on) for s in plan.steps},
            kinds={s.name: s.kind for s in plan.steps},
            branches={s.name: s.branch for s in plan.steps},
        )


class DagView(Widget):
    """The pipeline graph. Not focusable; set ``selected`` to highlight a step."""

    DEFAULT_CSS = """
    DagView {
        height: auto;
        width: 1fr;
    }
    """

    selected: reactive[str | None] = reactive(None)

    def __init__(
        self,
        graph: Graph,
        *,
        statuses: Mapping[str, str] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.graph = graph
        self._statuses: dict[str, str] | None = dict(statuses) if statuses is not None else None

    def set_statuses(self, statuses: Mapping[str, str]) -> None:
        if self._statuses != dict(statuses):
            self._statuses = dict(statuses)
            self.refresh(layout=True)

    def watch_selected(self) -> None:
        self.refresh()

    # ------------------------------------------------------------------ drawing

    def _label(self, step: str) -> Text:
        text = Text()
        if self._statuses is not None:
            status = self._statuses.get(step, "Pending")
            text.append(STATUS_GLYPHS.get(status, "?") + " ", style=STATUS_STYLES.get(status, ""))
        style = "bold reverse" if step == self.selected else "bold"
        text.append(step, style=style)
        if self.graph.branches.get(step) == "else":
            text.append(" ¬", style="dim")
        return text

    def lines(self, width: int) -> list[Text]:
        """The drawing at ``width`` columns (falls back to a list when a level is too wide)."""
        graph = self.graph
        if not graph.levels:
            return [Text("(no steps)", style="dim")]
        labels = {step: self._label(step) for level in graph.levels for step in level}
        starts = self._layout(labels)
        ends = [starts[s] + labels[s].cell_len for level in graph.levels for s in level]
        if max(ends) > width:
            return self._list_lines(labels)
        centers = {s: starts[s] + labels[s].cell_len // 2 for s in starts}
        level_of = {s: i for i, level in enumerate(graph.levels) for s in level}
        out: list[Text] = []
        for i, level in enumerate(graph.levels):
            row = Text()
            for step in level:
                row.append(" " * (starts[step] - row.cell_len))
                row.append_text(labels[step])
            notes = self._notes(i, level, level_of)
            below = graph.levels[i + 1] if i + 1 < len(graph.levels) else ()
            note = "; ".join(notes)
            if note and row.cell_len + 2 + len(note) <= width:
                row.append("  " + note, style="dim")
                note = ""
            elif note and len(note) + 2 <= starts[level[0]]:
                margin = starts[level[0]] - len(note) - 2
                row = Text(" " * margin) + Text(note + "  ", style="dim") + row[starts[level[0]] :]
                note = ""
            out.append(row)
            if note:  # on its own line, keeping the edges that leave this row drawn
                ups = sorted({centers[a] for a, _ in self._edges(level, below)})
                rails = Text()
                for x in ups:
                    rails.append(" " * (x - rails.cell_len) + "│", style="dim")
                room = max(width - rails.cell_len - 2, 12)
                for piece in textwrap.wrap(note, room) or [""]:
                    line = rails.copy()
                    line.append(("  " if ups else "") + piece, style="dim")
                    line.truncate(width, overflow="ellipsis")
                    out.append(line)
            if below:
                out.append(self._connector(level, below, centers, width))
        if any(b == "else" for b in graph.branches.values()):
            out.append(Text("¬ runs only when the condition is not met", style="dim"))
        return out

    def _layout(self, labels: Mapping[str, Text]) -> dict[str, int]:
        """Start column of every step: each row centred under the steps it depends on."""
        starts: dict[str, int] = {}
        centers: dict[str, float] = {}
        previous: Sequence[str] = ()
        for level in self.graph.levels:
            widths = [labels[s].cell_len for s in level]
            row_width = sum(widths) + _GAP * (len(level) - 1)
            wanted = [
                centers[d] for s in level for d in self.graph.depends_on.get(s, ()) if d in previous
            ]
            middle = sum(wanted) / len(wanted) if wanted else row_width / 2
            x = round(middle - row_width / 2) if len(level) > 1 else round(middle - widths[0] // 2)
            for step, w in zip(level, widths, strict=True):
                starts[step] = x
                centers[step] = x + w // 2
                x += w + _GAP
            previous = level
        shift = -min(starts.values())
        return {s: x + shift for s, x in starts.items()}

    def _edges(self, upper: Sequence[str], lower: Sequence[str]) -> set[tuple[str, str]]:
        return {(d, s) for s in lower for d in self.graph.depends_on.get(s, ()) if d in upper}

    def _notes(self, i: int, level: Sequence[str], level_of: Mapping[str, int]) -> list[str]:
        graph, notes = self.graph, []
        above = graph.levels[i - 1] if i else ()
        edges = self._edges(above, level)
        sources = {a for a, _ in edges}
        targets = {b for _, b in edges}
        exact = len(edges) == len(sources) * len(targets)
        for step in level:
            deps = graph.depends_on.get(step, ())
            far = [d for d in deps if level_of.get(d, i) < i - 1]
            who = f"{step}: " if len(level) > 1 else ""
            if not exact:
                notes.append(f"{who}after {', '.join(deps)}")
            elif far:
                notes.append(f"{who}also after {', '.join(far)}")
        return [n for n in notes if n]

    def _connector(
        self,
        upper: Sequence[str],
        lower: Sequence[str],
        centers: Mapping[str, int],
        width: int,
    ) -> Text:
        edges = self._edges(upper, lower)
        ups = {centers[a] for a, _ in edges}
        downs = {centers[b] for _, b in edges}
        if not ups:
            return Text("")
        xs = ups | downs
        low, high = min(xs), max(xs)
        chars = [" "] * max(width, high + 1)
        for x in range(low, high + 1):
            key = (x in ups, x in downs, x > low, x < high)
            if key == (False, False, False, False):
                continue
            chars[x] = _BOX[key]
        return Text("".join(chars).rstrip(), style="dim")

    def _list_lines(self, labels: Mapping[str, Text]) -> list[Text]:
        out: list[Text] = []
        for number, level in enumerate(self.graph.levels, start=1):
            for step in level:
                line = Text(f"{number:>2} ")
                line.append_text(labels[step])
                deps = self.graph.depends_on.get(step, ())
                if deps:
                    line.append(f"  ← {', '.join(deps)}", style="dim")
                out.append(line)
        return out

    def render(self) -> Text:
        return Text("\n").join(self.lines(max(self.size.width, 10)))

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return max(1, len(self.lines(max(width, 10))))

    def get_content_width(self, container: Any, viewport: Any) -> int:
        return max((line.cell_len for line in self.lines(container.width or 80)), default=10)
