"""The form screens' shared half: ``FormScreen``, rows of fields bound to session tables.

It builds ``FieldRow``s from a section's pydantic model (``field_specs``), hands every edit
to the session, puts each problem the session (or the data check) reports at its field, and
mounts what is below the first screenful only once that has painted (``tui/widgets/fold.py``).
The profile and stage screens (``tui/screens/stage.py``) say what goes in the form.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.widget import Widget

from tui.navigation import sections_of
from tui.screens.base import WizardScreen
from tui.screens.choices import choices_source, default_source, mark_source
from tui.widgets.fold import CHROME_LINES, FORM_INSET, fold_index
from tui.widgets.form import FieldRow, FieldSpec, ProblemMap, ProblemSlot, field_specs
from wizard.config import SECTION_MODELS


def set_nested(table: dict[str, Any], keys: Sequence[str | int], value: Any) -> None:
    """Set ``table[k0][k1]...`` (``None`` removes the last key); missing dicts are created."""
    node: Any = table
    for key in keys[:-1]:
        node = node[key]
    last = keys[-1]
    if value is None:
        if isinstance(node, dict):
            node.pop(last, None)
    else:
        node[last] = value


class FormScreen(WizardScreen):
    """A screen of ``FieldRow``s bound to session tables, with inline problems.

    On the first visit, a required field that is still empty is not flagged until the person
    has touched it: an empty form full of red reads as a telling-off, not as a question. The
    stepper still marks the stage, and on any later visit every problem shows.

    Subclasses yield the form from ``compose_form``. The widgets that fill the first screenful
    are mounted with the screen, the rest once it has painted (``tui.widgets.fold``); what
    needs every row (the initial focus, a jump to a field, the data check) waits for
    ``form_ready``."""

    def __init__(self, screen_id: str | None = None) -> None:
        super().__init__(screen_id)
        self.first_visit = self.screen_id not in self.wizard.session.visited
        self.touched: set[str] = set()
        self._below_fold: list[Widget] = []
        self.fold_at = 0
        """How many of the form's widgets were mounted with the first frame."""
        self.form_mounted = asyncio.Event()
        """Set once every row is mounted and focus is placed (tests wait on it)."""

    def _quiet(self, target: Any) -> bool:
        if not self.first_visit or not isinstance(target, FieldRow):
            return False
        if target.path in self.touched:
            return False
        return getattr(target.control, "value", None) in ("", None)

    # ------------------------------------------------------------------ the fold

    def compose_main(self) -> ComposeResult:
        widgets = list(self.compose_form())
        size = self.app.size
        cut = fold_index(widgets, size.height - CHROME_LINES, size.width - FORM_INSET)
        self.fold_at = cut
        self._below_fold = widgets[cut:]
        yield from widgets[:cut]

    def compose_form(self) -> ComposeResult:
        """The form's widgets, top to bottom (each one top-level: no ``with`` blocks, so the
        fold can fall between any two)."""
        yield from ()

    def on_mount(self) -> None:
        self.wizard.session.mark_visited(self.screen_id)
        self.show_problems()
        self.refresh_stepper()
        self.call_after_refresh(self._mount_below_fold)

    async def _mount_below_fold(self) -> None:
        """The rest of the form, once the first screenful has been painted."""
        rest, self._below_fold = self._below_fold, []
        if not self.is_current:  # left before it painted (keys pressed in a row): no more work
            return
        if rest:
            await self.query_one("#main").mount_all(rest)
            if not self.is_current:
                return
            self.forget_rows()
            self.show_problems()
        self.form_ready()
        self.form_mounted.set()

    def form_ready(self) -> None:
        """The whole form is mounted: focus it (subclasses add what needs every row)."""
        self._initial_focus()

    def _initial_focus(self) -> None:
        focus_path = getattr(self, "focus_path", None)
        if focus_path:
            target = self.problem_map().row_for(focus_path)
            if target is not None:
                target.focus_control()
                return
        first = self.query(".first-focus")
        if first:
            first.first().focus(scroll_visible=False)
        else:
            rows = self.query(FieldRow)
            if rows:
                rows.first().control.focus(scroll_visible=False)

    _problem_map: ProblemMap | None = None

    def problem_map(self) -> ProblemMap:
        """Where each TOML path shows (built once; ``forget_rows`` after rows change)."""
        if self._problem_map is None:
            slots: dict[str, Any] = {slot.path: slot for slot in self.query(ProblemSlot)}
            slots.update({row.path: row for row in self.query(FieldRow)})
            self._problem_map = ProblemMap(slots)
        return self._problem_map

    def forget_rows(self) -> None:
        self._problem_map = None

    def show_problems(self) -> None:
        """Put every problem the session reports for this screen at its field."""
        mapping = self.problem_map()
        messages: dict[int, list[str]] = {}
        targets: dict[int, Any] = {}
        for problem in [
            *self.wizard.session.screen_problems(self.screen_id),
            *self.data_problems(),
        ]:
            target = mapping.row_for(problem.path)
            if target is None:
                target = mapping.rows.get(f"{problem.section}")
            if target is None:
                continue
            targets[id(target)] = target
            text = problem.message if problem.is_error else f"(warning) {problem.message}"
            if text not in messages.get(id(target), []):
                messages.setdefault(id(target), []).append(text)
        for target in mapping.rows.values():
            found = messages.get(id(target))
            quiet = found and self._quiet(target)
            target.set_problem("; ".join(found) if found and not quiet else None)

    def data_problems(self) -> list[Any]:
        """Problems found in the data for the tables this screen edits."""
        report = self.wizard.session.data_report
        if report is None:
            return []
        sections = sections_of(self.screen_id)
        return [p for p in report.problems if p.section in sections]

    @on(FieldRow.Changed)
    def _field_changed(self, event: FieldRow.Changed) -> None:
        if self.is_current and event.row.is_attached:  # never from a screen on its way out
            self.touched.add(event.row.path)
            self._store(event.row, event.value)
            self.after_change(event.row)

    def _store(self, row: FieldRow, value: Any) -> None:
        session = self.wizard.session
        section = row.path.split(".", 1)[0]
        if len(row.keys) == 1:
            session.set_value(section, str(row.keys[0]), value)
        else:
            top = str(row.keys[0])
            current = copy.deepcopy(session.section(section).get(top))
            if current is None:
                current = {}
            set_nested(current, row.keys[1:], value)
            session.set_value(section, top, current)

    def commit(self) -> None:
        """Hand the session every value on screen it has not had yet (``to_model``): called
        before the screen goes, so keys typed just before leaving are never lost."""
        for row in self.query(FieldRow):
            changed, value = row.take_unsent()
            if changed:
                self._store(row, value)

    def after_change(self, row: FieldRow | None = None) -> None:
        self.wizard.session_changed()
        self.show_problems()
        self.refresh_stepper()

    def specs_for(self, section: str, skip: set[str] | None = None) -> list[FieldSpec]:
        """A table's fields, with the choices, defaults and suggestions of the answers (and
        the data, once read) as they are now."""
        session = self.wizard.session
        return field_specs(
            section,
            SECTION_MODELS[section],
            choices=choices_source(session),
            skip=skip,
            defaults=default_source(session),
            marks=mark_source(session),
        )

    def rows_for(
        self, section: str, *, only: Sequence[str] | None = None, skip: set[str] | None = None
    ) -> list[FieldRow]:
        specs = self.specs_for(section, skip)
        data = self.wizard.session.section(section)
        if only is not None:
            order = {name: i for i, name in enumerate(only)}
            specs = sorted((s for s in specs if s.name in order), key=lambda s: order[s.name])
        problems: dict[str, list[str]] = {}
        for problem in self.wizard.session.problems(section):
            problems.setdefault(problem.path, []).append(problem.message)
        rows = []
        for spec in specs:
            value = data.get(spec.name)
            problem = "; ".join(problems.get(spec.path, [])) or None
            if self.first_visit and value in ("", None) and spec.required:
                problem = None  # see the class docstring
            rows.append(FieldRow(spec, value, problem=problem))
        return rows
