"""``ServicePicker``: the services of one stage as a checklist, recommended first, each with the
reason it is (or is not) the first choice for the current answers.

One focus stop: arrows move, space or enter ticks. A tick is shown as ``[x]`` and the
recommendation as ``★``, so both read without colour.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.widgets.fold import text_lines


@dataclass(frozen=True, slots=True)
class ServiceChoice:
    id: str
    name: str
    reason: str
    recommended: bool


TICK_COLUMN = 4
"""The ``[x] `` column left of each service's name and reason."""


class RenderedOnce:
    """A Rich renderable drawn once per width: the option list asks for an option's height
    and lines on every layout pass and every change of highlight (dozens of times while a
    stage screen mounts), and a table is costly to lay out each time."""

    def __init__(self, renderable: Table) -> None:
        self.renderable = renderable
        self._drawn: dict[tuple[object, ...], list[Segment]] = {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key = (options.max_width, options.height, options.justify, options.overflow)
        drawn = self._drawn.get(key)
        if drawn is None:
            drawn = self._drawn[key] = list(console.render(self.renderable, options))
        yield from drawn

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)


class ServicePicker(OptionList):
    """Tick the services to use; posts ``ServicePicker.Changed`` with the ticked ids."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle", "Tick", id="picker.toggle"),
    ]

    class Changed(Message):
        def __init__(self, picker: ServicePicker, selected: tuple[str, ...]) -> None:
            super().__init__()
            self.picker = picker
            self.selected = selected

        @property
        def control(self) -> ServicePicker:
            return self.picker

    class Highlighted(Message):
        def __init__(self, picker: ServicePicker, service: str) -> None:
            super().__init__()
            self.picker = picker
            self.service = service

        @property
        def control(self) -> ServicePicker:
            return self.picker

    def __init__(
        self,
        choices: Sequence[ServiceChoice],
        selected: Iterable[str],
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        self._choices = list(choices)
        self._selected = [s for s in selected]
        super().__init__(*[self._option(c) for c in self._choices], id=id, classes=classes)

    def least_lines(self, width: int) -> int:
        """A line for each name and the reason's lines below it (see ``tui.widgets.fold``)."""
        return sum(1 + text_lines(c.reason, width - TICK_COLUMN) for c in self._choices)

    @property
    def selected(self) -> tuple[str, ...]:
        """Ticked ids, in the order the choices are listed."""
        return tuple(c.id for c in self._choices if c.id in self._selected)

    def _prompt(self, choice: ServiceChoice) -> RenderedOnce:
        ticked = choice.id in self._selected
        grid = Table.grid(padding=0, expand=True)
        grid.add_column(width=TICK_COLUMN, no_wrap=True)
        grid.add_column(ratio=1)
        text = Text(choice.name, style="bold")
        if choice.recommended:
            text.append("  ★ recommended", style="green")
        text.append("\n")
        text.append(choice.reason, style="dim")
        grid.add_row(Text("[x] " if ticked else "[ ] ", style="bold" if ticked else ""), text)
        return RenderedOnce(grid)

    def _option(self, choice: ServiceChoice) -> Option:
        return Option(self._prompt(choice), id=choice.id)

    def set_choices(self, choices: Sequence[ServiceChoice]) -> None:
        """New recommendations (the answers changed): same ticks, new order and reasons."""
        highlighted = self.highlighted_id
        self._choices = list(choices)
        self.set_options([self._option(c) for c in self._choices])
        if highlighted is not None:
            ids = [c.id for c in self._choices]
            if highlighted in ids:
                self.highlighted = ids.index(highlighted)

    @property
    def highlighted_id(self) -> str | None:
        if self.highlighted is None or not self._choices:
            return None
        return self._choices[self.highlighted].id

    def set_selected(self, selected: Iterable[str]) -> None:
        self._selected = list(selected)
        for index, choice in enumerate(self._choices):
            self.replace_option_prompt_at_index(index, self._prompt(choice))

    def action_toggle(self) -> None:
        service = self.highlighted_id
        if service is None:
            return
        if service in self._selected:
            self._selected.remove(service)
        else:
            self._selected.append(service)
        index = self.highlighted or 0
        self.replace_option_prompt_at_index(index, self._prompt(self._choices[index]))
        self.post_message(self.Changed(self, self.selected))

    def _on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.post_message(self.Highlighted(self, event.option.id))

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a click selects: tick it as the keyboard does
        self.action_toggle()
