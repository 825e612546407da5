"""``Stepper``: the wizard's screens down the side, each with its state, to jump anywhere.

States read without colour: ``·`` not visited yet, ``✓`` complete, ``✗`` has problems, and
``▸`` marks the screen you are on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

GLYPHS = {"unvisited": "·", "complete": "✓", "problems": "✗", "none": " "}
STYLES = {"unvisited": "$text-muted", "complete": "$text-success", "problems": "$text-error"}


class Stepper(OptionList):
    """One line per wizard screen; enter (or a click) jumps there."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Go to", id="stepper.go", show=False)
    ]

    class Jumped(Message):
        """The person asked to go to ``screen``."""

        def __init__(self, screen: str) -> None:
            super().__init__()
            self.screen = screen

    def __init__(
        self,
        entries: Sequence[tuple[str, str]],
        current: str,
        states: Mapping[str, str],
        *,
        id: str | None = None,
    ) -> None:
        """``entries``: (screen id, short title) in order; ``states``: screen id → state."""
        self._entries = list(entries)
        self._current = current
        self._states = dict(states)
        super().__init__(*[self._option(i) for i in range(len(self._entries))], id=id)

    def _option(self, index: int) -> Option:
        screen, title = self._entries[index]
        state = self._states.get(screen, "none")
        mark = "▸" if screen == self._current else " "
        glyph = GLYPHS.get(state, " ")
        style = STYLES.get(state, "")
        glyph_markup = f"[{style}]{glyph}[/]" if style else glyph
        label = escape(title)
        if screen == self._current:
            label = f"[b]{label}[/b]"
        return Option(Content.from_markup(f"{mark}{glyph_markup} {label}"), id=screen)

    def on_mount(self) -> None:
        ids = [screen for screen, _ in self._entries]
        if self._current in ids:
            self.highlighted = ids.index(self._current)

    def update_states(self, states: Mapping[str, str]) -> None:
        if dict(states) == self._states:
            return
        self._states = dict(states)
        for index in range(len(self._entries)):
            self.replace_option_prompt_at_index(index, self._option(index).prompt)

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Jumped(event.option.id))
