"""``ExecutionView``: the whole execution on one scrolling page (key ``e`` in the monitor).

Its ARN, its parameters, the whole failure reason and every failed step's reason, job ARN and
console page, wrapped at the screen's width and scrolled with the arrows, never cut. ``c``
copies the execution's ARN; Esc (or ``e``, ``q``) goes back to the monitor.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static


class ExecutionView(Screen[None]):
    """A read-only page; the monitor builds its text (``tui/monitor/answers.py``)."""

    DEFAULT_CSS = """
    ExecutionView #execution-scroll {
        height: 1fr;
        padding: 0 1;
    }
    ExecutionView #execution-text {
        height: auto;
    }
    """
    AUTO_FOCUS = "#execution-scroll"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,e,q", "close", "Back", id="execution.back"),
        Binding("c", "copy_arn", "Copy ARN", id="execution.copy"),
    ]

    def __init__(self, text: Text, arn: str | None) -> None:
        super().__init__()
        self._text = text
        self.arn = arn

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="execution-scroll"):
            yield Static(self._text, id="execution-text")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy_arn":
            return True if self.arn else None
        return True

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy_arn(self) -> None:
        if self.arn:
            self.app.copy_to_clipboard(self.arn)
            self.notify(self.arn, title="Copied the execution ARN")
