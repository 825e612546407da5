"""``Tick``: a checkbox that reads without colour: ``[x]`` on, ``[ ]`` off.

Textual's ``Switch`` and ``Checkbox`` show their state only by colour, which a NO_COLOR or
monochrome terminal loses; this one keeps Checkbox's keys (space, enter), messages and looks.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class Tick(Checkbox):
    DEFAULT_CSS = """
    Tick.-textual-compact {
        background: transparent;
    }
    Tick > .toggle--button {
        background: transparent;
        color: $text-muted;
        text-style: bold;
    }
    Tick.-on > .toggle--button {
        color: $text-success;
    }
    Tick:focus > .toggle--label {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.styled("[x]" if self.value else "[ ]", style)
