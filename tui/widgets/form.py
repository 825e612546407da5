"""Form fields derived from a section's pydantic model: one ``FieldRow`` per model field.

``field_specs`` reads the model (``Literal`` → a choice list, ``bool`` → a switch, numbers and
text → an input, a list of names → a comma-separated input) and the words in
``screens/field_help.py``. A row shows label, control, help and, when validation reports a
problem at its TOML path, the message inline. Rows never validate: they convert what was typed
to the field's type where that is possible (``"3600"`` → 3600) and hand it to the screen, which
hands it to the session; text that cannot be converted is kept as typed, so the model reports
it and nothing typed is lost.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from tui.screens.field_help import field_text, option_label
from tui.widgets.column_picker import MAX_LINES, ColumnPicker
from tui.widgets.fold import text_lines
from tui.widgets.tick import Tick

Kind = Literal[
    "choice", "switch", "int", "float", "text", "list", "columns", "optional_float", "optional_int"
]
"""``columns``: a list of the data's columns, ticked in a ``ColumnPicker``."""
SKIPPED = {"services", "hyperparameters", "ranges"}
"""Fields with their own editors on the stage screen (service picker, extras)."""
NUMBER_KINDS = frozenset({"int", "float", "optional_int", "optional_float"})
STACK_LABELS_LONGER_THAN = 22
"""Longer labels (the profile's questions) go above their control instead of beside it."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    section: str
    name: str
    kind: Kind
    label: str
    help: str
    default: Any
    options: tuple[tuple[str, Any], ...] = ()
    required: bool = False
    placeholder: str = ""
    """What the empty box says (``FieldText.placeholder``); else one made from the kind."""
    marks: tuple[tuple[str, str], ...] = ()
    """``columns``: (column, why) the data report suggests ticking."""

    @property
    def path(self) -> str:
        return f"{self.section}.{self.name}"

    @property
    def widget_id(self) -> str:
        return dom_id(self.path)


def dom_id(path: str) -> str:
    """A CSS-safe id for a TOML path: ``tuning.ranges[0].min_value`` → ``f-tuning-ranges-0-min_value``."""
    cleaned = path.replace("[", "-").replace("]", "").replace(".", "-").replace(":", "_")
    return f"f-{cleaned}"


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def kind_of(annotation: Any) -> tuple[Kind, tuple[Any, ...]]:
    inner, optional = _strip_optional(annotation)
    origin = typing.get_origin(inner)
    if origin is Literal:
        return "choice", typing.get_args(inner)
    if inner is bool:
        return "switch", ()
    if inner is int:
        return ("optional_int" if optional else "int"), ()
    if inner is float:
        return ("optional_float" if optional else "float"), ()
    if origin is list:
        return "list", ()
    return "text", ()


ChoiceSource = Callable[[str], Sequence[tuple[str, Any]]]
"""Given a ``FieldText.choices`` key, the (label, value) options for a text field."""
DefaultSource = Callable[[str], Any]
"""Given a field's TOML path, its default for the other answers (``None``: the model's)."""
MarkSource = Callable[[str], Sequence[tuple[str, str]]]
"""Given a list field's TOML path, the (value, why) the data report suggests."""


def field_specs(
    section: str,
    model: type,
    *,
    choices: ChoiceSource | None = None,
    skip: set[str] | None = None,
    defaults: DefaultSource | None = None,
    marks: MarkSource | None = None,
) -> list[FieldSpec]:
    """The rows of a section's form, in the model's field order. ``defaults``: defaults that
    follow other answers (the metric of the problem type); ``marks``: suggested values."""
    specs: list[FieldSpec] = []
    skipped = SKIPPED | (skip or set())
    for name, info in model.model_fields.items():
        if name in skipped:
            continue
        kind, literal = kind_of(info.annotation)
        text = field_text(section, name, info.description)
        options: tuple[tuple[str, Any], ...] = ()
        if kind == "choice":
            options = tuple((option_label(section, name, v), v) for v in literal)
            if text.choices and choices is not None:  # narrowed to what fits the answers
                fitting = [value for _, value in choices(text.choices)]
                if fitting:
                    labels = dict((v, label) for label, v in options)
                    options = tuple((labels.get(v, str(v)), v) for v in fitting if v in labels)
        elif text.choices and choices is not None:
            options = tuple(choices(text.choices))
            if options and kind == "list":
                kind = "columns"
                options = tuple((label, v) for label, v in options if v != "")
            elif options:
                kind = "choice"
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        path = f"{section}.{name}"
        if defaults is not None and defaults(path) is not None:
            default = defaults(path)
        suggested = tuple(marks(path)) if marks is not None and kind == "columns" else ()
        specs.append(
            FieldSpec(
                section=section,
                name=name,
                kind=kind,
                label=text.label,
                help=text.help,
                default=default,
                options=options,
                required=info.is_required(),
                placeholder=text.placeholder or "",
                marks=suggested,
            )
        )
    return specs


# ---------------------------------------------------------------------- conversions


def to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return format(value, "g") if abs(value) >= 1e-4 or value == 0 else repr(value)
    return str(value)


def from_text(kind: Kind, text: str) -> Any:
    """What was typed, as the field's type where it converts; else the text itself, for the
    model to report. ``None`` means "not set" (the default applies)."""
    stripped = text.strip()
    if kind == "optional_int" and stripped == "":
        return None
    if kind in ("int", "optional_int"):
        try:
            return int(stripped)
        except ValueError:
            return text
    if kind in ("float", "optional_float"):
        if kind == "optional_float" and stripped == "":
            return None
        try:
            return float(stripped)
        except ValueError:
            return text
    if kind == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


# ---------------------------------------------------------------------- the row


class FieldRow(Widget):
    """Label, control, help and the inline problem of one config field."""

    class Changed(Message):
        """The person changed this field; ``value`` is ``None`` to unset it."""

        def __init__(self, row: FieldRow, value: Any) -> None:
            super().__init__()
            self.row = row
            self.value = value

        @property
        def control(self) -> FieldRow:
            return self.row

    def __init__(
        self,
        spec: FieldSpec,
        value: Any,
        *,
        path: str | None = None,
        keys: tuple[str | int, ...] | None = None,
        problem: str | None = None,
    ) -> None:
        self.spec = spec
        self.path = path or spec.path
        self.keys: tuple[str | int, ...] = keys or (spec.name,)
        """Where the value lives inside its table: ``("ranges", 0, "min_value")``."""
        stacked = (
            " -stacked"
            if len(spec.label) > STACK_LABELS_LONGER_THAN and spec.kind != "switch"
            else ""
        )
        if spec.kind == "switch":
            stacked = " -switch"
        super().__init__(classes=f"field-row{stacked}", id=f"row-{dom_id(self.path)[2:]}")
        self._value = spec.default if value is None else value
        self._shown: Any = None
        self._problem: str | None = problem
        if problem:
            self.add_class("-invalid")

    @property
    def control_id(self) -> str:
        return dom_id(self.path)

    def least_lines(self, width: int) -> int:
        """The control's line, the help text and the gap below (see ``tui.widgets.fold``)."""
        stacked = self.has_class("-stacked")  # the label has a line of its own
        control = 1
        if self.spec.kind == "columns":
            control = max(1, min(len(self.spec.options), MAX_LINES))
        return control + stacked + text_lines(self.spec.help, width) + 1

    def compose(self) -> ComposeResult:
        # Three widgets a row, laid out by a CSS grid (label | control, then the notes): every
        # keystroke reflows the screen, so fewer widgets type faster.
        spec = self.spec
        if spec.kind != "switch":  # a tick carries its own words
            yield Label(spec.label, classes="field-label")
        yield self._make_control()
        notes = Static(self._notes(self._problem), classes="field-notes")
        notes.display = bool(self.spec.help or self._problem)
        yield notes

    def _notes(self, problem: str | None) -> Content:
        parts = []
        if problem:
            parts.append(Content.styled(f"✗ {problem}", "$text-error"))
        if self.spec.help:
            parts.append(Content.styled(self.spec.help, "$text-muted"))
        return Content("\n").join(parts)

    def _make_control(self) -> Widget:
        spec, value = self.spec, self._value
        if spec.kind == "choice":
            options = list(spec.options)
            if value is not None and all(v != value for _, v in options):
                options.append((f"{value} (not a valid choice)", value))
            self._shown = value
            select: Select[Any] = Select(
                options,
                value=value if value is not None else Select.NULL,
                allow_blank=value is None,
                compact=True,
                id=self.control_id,
                classes="field-control",
            )
            return select
        if spec.kind == "columns":
            chosen = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
            self._shown = list(chosen)
            return ColumnPicker(
                [(label, str(v)) for label, v in spec.options],
                chosen,
                marks=spec.marks,
                id=self.control_id,
                classes="field-control",
            )
        if spec.kind == "switch":
            self._shown = bool(value)
            return Tick(
                spec.label, bool(value), compact=True, id=self.control_id, classes="field-control"
            )
        self._shown = to_text(value)
        return text_input(
            to_text(value),
            app=self.app,
            select_on_focus=spec.kind in NUMBER_KINDS,
            placeholder=_placeholder(spec),
            id=self.control_id,
            classes="field-control",
        )

    @property
    def control(self) -> Widget:
        return self.query_one(f"#{self.control_id}")

    def set_problem(self, message: str | None) -> None:
        if message == self._problem:
            return
        self._problem = message
        notes = self.query_one(".field-notes", Static)
        notes.update(self._notes(message))
        notes.display = bool(message or self.spec.help)
        self.set_class(bool(message), "-invalid")

    @property
    def problem(self) -> str | None:
        return self._problem

    def focus_control(self) -> None:
        self.control.focus()
        self.scroll_visible(animate=False)

    def take_unsent(self) -> tuple[bool, Any]:
        """A value shown but not yet handed on (keys typed just before leaving the screen,
        whose ``Changed`` messages are still queued): ``(True, value)``, once."""
        control = self.control
        if isinstance(control, Input):
            raw: Any = control.value
            value = from_text(self.spec.kind, raw)
        elif isinstance(control, Select):
            raw = None if control.value is Select.NULL else control.value
            value = raw
        elif isinstance(control, ColumnPicker):
            raw = value = control.selected
        else:
            raw = value = bool(getattr(control, "value", False))
        if raw == self._shown:
            return False, None
        self._shown = raw
        return True, value

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value != event.input.value:  # stale: a later change is queued behind it
            return
        if event.value == self._shown:
            return
        self._shown = event.value
        self.post_message(self.Changed(self, from_text(self.spec.kind, event.value)))

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = None if event.value is Select.NULL else event.value
        if value == self._shown:
            return
        self._shown = value
        self.post_message(self.Changed(self, value))

    @on(ColumnPicker.Changed)
    def _columns_changed(self, event: ColumnPicker.Changed) -> None:
        event.stop()
        if event.selected == self._shown:
            return
        self._shown = list(event.selected)
        self.post_message(self.Changed(self, list(event.selected)))

    @on(Tick.Changed)
    def _switch_changed(self, event: Tick.Changed) -> None:
        event.stop()
        if event.value == self._shown:
            return
        self._shown = event.value
        self.post_message(self.Changed(self, event.value))


def text_input(
    value: str, *, app: Any = None, select_on_focus: bool = False, **options: Any
) -> Input:
    """A compact one-line input; its cursor blinks unless the app turns blinking off (tests
    and screenshots need still frames). ``select_on_focus``: a number field's value is
    selected when the keyboard (Tab, a jump to the field) focuses it, so typing replaces it
    ("0.001" typed into "1" is 0.001, not 10.001); a click still places the cursor where it
    lands. Text fields keep the cursor at the end, for adding to what is there."""
    field = Input(value, compact=True, select_on_focus=select_on_focus, **options)
    field.cursor_blink = bool(getattr(app, "cursor_blink", True))
    return field


def _placeholder(spec: FieldSpec) -> str:
    if spec.placeholder:
        return spec.placeholder
    if spec.required:
        return "required"
    if spec.kind == "list":
        return "none (comma-separated)"
    if spec.default in (None, ""):
        return "optional"
    return ""


@dataclass
class ProblemMap:
    """Which row shows a problem: the longest TOML-path prefix that has a row."""

    rows: dict[str, Any] = field(default_factory=dict)

    def row_for(self, path: str) -> Any:
        candidate = path
        while candidate:
            if candidate in self.rows:
                return self.rows[candidate]
            if candidate.endswith("]"):
                candidate = candidate[: candidate.rindex("[")]
            elif "." in candidate:
                candidate = candidate.rsplit(".", 1)[0]
            else:
                return None
        return None


class ProblemSlot(Static):
    """Where problems show that belong to no single input (a service list, a whole table)."""

    def __init__(self, path: str, *, id: str | None = None, focus: str | None = None) -> None:
        super().__init__("", classes="problem-slot", markup=False, id=id)
        self.path = path
        self.focus_selector = focus
        """The widget to focus when a problem here is jumped to (a CSS selector)."""

    def set_problem(self, message: str | None) -> None:
        text = f"✗ {message}" if message else ""
        if str(self.content) != text:
            self.update(text)
        self.set_class(bool(message), "-invalid")

    def focus_control(self) -> None:
        self.scroll_visible(animate=False)
        if self.focus_selector:
            targets = self.screen.query(self.focus_selector)
            if targets:
                targets.first().focus(scroll_visible=False)
