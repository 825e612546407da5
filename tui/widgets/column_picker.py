"""``ColumnPicker``: the data's columns as a checklist, for a field that lists columns
(``data_preparation.drop_columns``, ``parse_numbers``, ``parse_dates``).

One focus stop: arrows move, space or enter ticks. A tick reads ``[x]`` and a column the data
report suggests for this field carries ``★`` and the reason, so both read without colour.
A listed name that is not a column of the file stays listed (marked) so it can be unticked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

MAX_LINES = 8
"""The list scrolls beyond this many columns, so a wide file does not push the form away."""


class ColumnPicker(OptionList):
    """Tick columns; posts ``ColumnPicker.Changed`` with the ticked names, in file order."""

    DEFAULT_CSS = """
    ColumnPicker {
        height: auto;
        max-height: 8;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle", "Tick", id="columns.toggle"),
    ]

    class Changed(Message):
        def __init__(self, picker: ColumnPicker, selected: list[str]) -> None:
            super().__init__()
            self.picker = picker
            self.selected = selected

        @property
        def control(self) -> ColumnPicker:
            return self.picker

    def __init__(
        self,
        columns: Sequence[tuple[str, str]],
        selected: Iterable[str],
        *,
        marks: Sequence[tuple[str, str]] = (),
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``columns``: (label, name) per column of the file; ``marks``: (name, why) the data
        report suggests."""
        self._selected = [s for s in selected if isinstance(s, str)]
        self._marks = dict(marks)
        names = [name for _, name in columns]
        self._columns = list(columns) + [
            (f"{name}  (not a column of the file)", name)
            for name in self._selected
            if name not in names
        ]
        super().__init__(*[self._option(c) for c in self._columns], id=id, classes=classes)

    def least_lines(self, width: int) -> int:
        """As tall as its columns, up to ``MAX_LINES`` (see ``tui.widgets.fold``)."""
        return min(len(self._columns), MAX_LINES)

    @property
    def value(self) -> list[str]:
        """The ticked names (as an input's ``value``: the form reads it)."""
        return self.selected

    @property
    def selected(self) -> list[str]:
        """Ticked names, in the order the columns are listed."""
        return [name for _, name in self._columns if name in self._selected]

    def _prompt(self, column: tuple[str, str]) -> Text:
        label, name = column
        ticked = name in self._selected
        text = Text()
        text.append("[x] " if ticked else "[ ] ", style="bold" if ticked else "")
        text.append(label)
        why = self._marks.get(name)
        if why:
            text.append(f"  ★ suggested: {why}", style="green")
        return text

    def _option(self, column: tuple[str, str]) -> Option:
        return Option(self._prompt(column))

    def action_toggle(self) -> None:
        index = self.highlighted
        if index is None or not self._columns:
            return
        name = self._columns[index][1]
        if name in self._selected:
            self._selected.remove(name)
        else:
            self._selected.append(name)
        self.replace_option_prompt_at_index(index, self._prompt(self._columns[index]))
        self.post_message(self.Changed(self, self.selected))

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # enter or a click ticks, as space does
        self.action_toggle()
