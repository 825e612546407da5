"""Where the first screenful of a form ends: the rows past it mount one frame later.

A stage switch costs Textual a compose, a style pass and a layout for every widget mounted, and
the longest forms hold three times the widgets that fit on a 100x30 terminal. A form screen
mounts the widgets that can be seen first, has the frame painted, then mounts the rest; the
person sees a full screen at once and the scrollbar settles a frame later.

Each widget counts at its *least* possible height (text wraps at no more than the widest the
form's text can be; a hidden or empty widget takes no line), so the widgets mounted first
always fill the view: the fold can only fall below the last visible line, never above it
(``tests/tui/test_wizard_fold.py`` lays every form out to check).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from textual.widget import Widget
from textual.widgets import Static

#: The screen's own lines around the form: the header and the footer.
CHROME_LINES = 2
#: Columns left of and around the form's text: the stepper (23) and the form's padding (3),
#: as ``wizard.tcss`` sets them. Text is never wider than the terminal less these.
FORM_INSET = 26


@runtime_checkable
class Measured(Protocol):
    def least_lines(self, width: int) -> int:
        """The fewest lines this widget can take at ``width`` columns or fewer."""
        ...


def text_lines(text: str, width: int) -> int:
    """The fewest lines ``text`` wraps to in at most ``width`` columns (0 for no text)."""
    width = max(width, 1)
    return sum(-(-len(line) // width) or 1 for line in text.splitlines()) if text else 0


def least_lines(widget: Widget, width: int) -> int:
    if not widget.display:
        return 0
    if isinstance(widget, Measured):
        return widget.least_lines(width)
    if isinstance(widget, Static):
        return text_lines(str(widget.content), width)
    return 0  # a container or another widget: no promise


def fold_index(widgets: Sequence[Widget], lines: int, width: int) -> int:
    """How many of ``widgets`` (top to bottom) surely fill ``lines`` lines ``width`` wide."""
    seen = 0
    for index, widget in enumerate(widgets):
        if seen >= lines:
            return index
        seen += least_lines(widget, width)
    return len(widgets)
