"""``FindingsList``: what the data report found, one entry per finding, with the one-key fix
where the wizard can make it (Enter on the highlighted entry).

Display only: the screen decides which findings are listed and which fixes apply, and makes
the fix when the list posts ``OptionSelected`` (``tui/screens/stage.py``). Severity reads as
a word and a mark (``✗ error``, ``! warning``, ``· note``), so it needs no colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

MARKS = {
    "error": ("✗ error", "bold red"),
    "warning": ("! warning", "yellow"),
    "info": ("· note", ""),
}

FIX_WORDS = {
    "drop_column": "drop the column",
    "parse_number": "read it as numbers",
    "parse_date": "read it as dates",
    "text_column": "read it as free text (words)",
    "normalise_labels": "normalise the label spellings",
    "drop_duplicates": "drop duplicate rows",
    "weight_classes": "weight the classes",
    "set_problem_type": "set the problem type",
}
"""What Enter does, per fix action (``wizard.datainsights.APPLICABLE``)."""


def fix_words(fix: dict[str, Any]) -> str:
    """``drop the column``; ``weight the classes (scale_pos_weight = 9.169)``."""
    action = str(fix.get("action"))
    words = FIX_WORDS.get(action, action.replace("_", " "))
    if action == "weight_classes" and "scale_pos_weight" in fix:
        words += f" (scale_pos_weight = {fix['scale_pos_weight']:g})"
    if action == "set_problem_type" and fix.get("value"):
        words += f" to {fix['value']}"
    return words


class FindingsList(OptionList):
    """The data report's findings; Enter makes the highlighted one's fix."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Apply the fix", id="findings.apply"),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.findings: list[Any] = []
        self.fixable: list[bool] = []

    def least_lines(self, width: int) -> int:
        """Empty until the data has been read (see ``tui.widgets.fold``)."""
        return 0

    def show(self, findings: Sequence[Any], fixable: Sequence[bool], how: Sequence[str]) -> None:
        """List ``findings``; ``fixable[i]``: Enter fixes it; ``how[i]``: what to do by hand
        when it does not (the line to write, or what to change in the file)."""
        highlighted = self.highlighted
        self.findings, self.fixable = list(findings), list(fixable)
        options = [
            Option(self._prompt(f, ok, by_hand))
            for f, ok, by_hand in zip(findings, fixable, how, strict=True)
        ]
        self.set_options(options)
        self.display = bool(options)
        if options:
            self.highlighted = min(highlighted or 0, len(options) - 1)

    @staticmethod
    def _prompt(finding: Any, fixable: bool, by_hand: str) -> Text:
        mark, style = MARKS.get(finding.severity, ("·", ""))
        text = Text()  # (a style given to Text() would colour the whole entry)
        text.append(mark, style=style)
        text.append(f"  {finding.column}: " if finding.column else "  ", style="bold")
        text.append(finding.message)
        if fixable and finding.fix:
            text.append(f"\n  ⏎ Enter: {fix_words(finding.fix)}", style="green")
        elif by_hand:
            text.append(f"\n  By hand: {by_hand}", style="dim")
        return text
