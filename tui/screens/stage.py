"""The nine stage screens (one class, driven by the stage id) and the profile screen.

A stage screen shows what the stage is for, the services with the recommendation for the
current answers (and why), the alternatives, and the stage's settings as a form derived from
the section's pydantic model. Every change goes to the session at once; the problems the
models report come back and show at their fields. ``compose`` builds the form from the
session (``load``), ``values`` reads it back (``to_model``); no rule is restated here.
"""

from __future__ import annotations

import asyncio
import copy
import weakref
from collections.abc import Sequence
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Static

from tui.screens.base import WizardScreen
from tui.widgets.fold import CHROME_LINES, FORM_INSET, fold_index
from tui.widgets.form import (
    FieldRow,
    FieldSpec,
    ProblemMap,
    ProblemSlot,
    field_specs,
)
from tui.widgets.service_picker import ServiceChoice, ServicePicker
from wizard.catalog import get_service, services_for_stage
from wizard.config import SECTION_MODELS
from wizard.config.model import ParameterRange
from wizard.stages import STAGES, get_stage

TUNING_SERVICE = "automatic-model-tuning"


def _choices_source(app_session: Any) -> Any:
    """Options for text fields whose valid values the domain lists (instances, metrics...)."""

    def source(key: str) -> Sequence[tuple[str, Any]]:
        from wizard.algorithms import ALGORITHMS, training_metrics
        from wizard.instances import load_price_table

        if key.startswith("instances:"):
            kind = key.split(":", 1)[1]
            table = load_price_table()
            options = []
            for name in table.names_for(kind):  # type: ignore[arg-type]
                inst = table.instances[name]
                price = inst.prices[kind]
                gpu = f", {inst.gpus} GPU" if inst.gpus else ""
                options.append(
                    (
                        f"{name}  {inst.vcpu} vCPU, {inst.memory_gib:g} GiB{gpu}, ${price:.3f}/h",
                        name,
                    )
                )
            return options
        if key == "columns":
            return column_options(app_session)
        algorithm = _algorithm(app_session)
        if key == "metrics":
            problem = _problem_type(app_session)
            metrics = training_metrics(algorithm, problem)
            return [(m, m) for m in metrics if m.startswith("validation:")]
        if key == "hyperparameters":
            return [
                (f"{h.name}  ({h.help})", h.name) for h in ALGORITHMS[algorithm].hyperparameters
            ]
        return []

    return source


# ---------------------------------------------------------------------- the data checks

DATA_SCREENS = ("data_collection", "evaluation", "data_preparation", "training")
"""Screens that show problems found in the data itself."""
_DATA_REPORTS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
"""Per session, the last ``wizard.datacheck.DataReport`` (computed in a worker)."""


def run_data_check(session: Any) -> Any:
    """The data checks of the session's draft (slow on first read: call from a worker)."""
    from wizard.datacheck import check_data

    return check_data(copy.deepcopy(session.doc), session.data_base_dir)


def last_data_report(session: Any) -> Any:
    return _DATA_REPORTS.get(session)


def remember_data_report(session: Any, report: Any) -> None:
    _DATA_REPORTS[session] = report


def column_options(session: Any) -> list[tuple[str, Any]]:
    """The data's columns as choices (empty until the data has been read)."""
    report = _DATA_REPORTS.get(session)
    profile = getattr(report, "profile", None)
    if profile is None or not profile.columns:
        return []
    return [("(none)", "")] + [(f"{c.name}  ({c.kind})", c.name) for c in profile.columns]


def _algorithm(session: Any) -> str:
    from wizard.algorithms import ALGORITHMS

    value = session.section("training").get("algorithm", "xgboost")
    return value if value in ALGORITHMS else "xgboost"


def _problem_type(session: Any) -> str:
    profile = session.model("profile")
    return profile.problem_type if profile is not None else "binary_classification"


def service_details(service_id: str) -> str:
    """What a service is for, when to choose or avoid it, and what the export does for it."""
    service = get_service(service_id)
    automation = {
        "step": f"a {service.pipeline_step} step of the pipeline",
        "script": "a script in the exported project",
        "manual": "set up by hand (the exported README explains how)",
    }[service.automation]
    return (
        f"{service.name}: {service.purpose}\n"
        f"When to choose it: {service.choose_when}\n"
        f"When to avoid it: {service.avoid_when}\n"
        f"In the export: {automation}. {service.export}\n"
        f"Docs: {service.docs_url}"
    )


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
        from tui.session import sections_of

        report = _DATA_REPORTS.get(self.wizard.session)
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

    def rows_for(
        self, section: str, *, only: Sequence[str] | None = None, skip: set[str] | None = None
    ) -> list[FieldRow]:
        specs = field_specs(
            section,
            SECTION_MODELS[section],
            choices=_choices_source(self.wizard.session),
            skip=skip,
        )
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


class StageScreen(FormScreen):
    """One of the nine stages, by id."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "use_recommended", "Use advice", id="stage.use_recommended"),
    ]

    def __init__(self, stage_id: str, focus_path: str | None = None) -> None:
        super().__init__(stage_id)
        self.stage = get_stage(stage_id)
        self.focus_path = focus_path

    # ------------------------------------------------------------------ compose / load

    def compose_form(self) -> ComposeResult:
        stage, session = self.stage, self.wizard.session
        yield Static(
            f"Stage {stage.number} of {len(STAGES)} · {stage.title}", classes="screen-title"
        )
        yield Static(stage.summary, classes="stage-summary", markup=False)
        yield Static("Services", classes="section-heading")
        yield Static(
            "★ recommended for your answers (change them under Your project). "
            "Space ticks, ctrl+o takes the advice (ctrl+z undoes).",
            classes="section-hint",
        )
        choices = self._choices()
        yield ServicePicker(choices, self._selected(), id="services", classes="first-focus")
        yield ProblemSlot(f"{self.stage.id}.services", id="services-problem", focus="#services")
        # the first service's details now (the picker highlights it): they count for the fold
        first = service_details(choices[0].id) if choices else ""
        yield Static(first, id="service-details", markup=False)
        yield Static("Settings", classes="section-heading")
        skip = {"enabled"} if stage.id == "tuning" else set()
        yield from self.rows_for(stage.id, skip=skip)
        if stage.id == "training":
            yield Static("Hyperparameters", classes="section-heading")
            yield HyperparameterRows(session, id="hyperparameters")
        if stage.id == "tuning":
            yield Static("Ranges to search", classes="section-heading")
            yield RangesEditor(session, id="ranges")
        if stage.id == "data_collection":
            yield Static("About the data", classes="section-heading")
            yield Static("Reading the data…", id="data-profile", markup=False)
        yield ProblemSlot(self.stage.id, id="stage-problem")
        yield Static(self._next_hint(), classes="nav-hint")

    # ------------------------------------------------------------------ the data

    def form_ready(self) -> None:
        super().form_ready()
        self._show_service_details()
        if self.stage.id in DATA_SCREENS:
            self.check_data()

    def check_data(self) -> None:
        """Read the data in a worker (never on the UI thread), then show what it says."""
        revision = self.wizard.session.revision
        self._data_worker(revision)

    class DataChecked(Message):
        """The worker read the data (as the session's draft was at ``revision``)."""

        def __init__(self, revision: int, report: Any) -> None:
            super().__init__()
            self.revision = revision
            self.report = report

    @work(thread=True, exclusive=True, group="datacheck", exit_on_error=False)
    def _data_worker(self, revision: int) -> None:
        report = run_data_check(self.wizard.session)
        self.post_message(self.DataChecked(revision, report))  # thread-safe

    @on(DataChecked)
    async def _on_data_checked(self, event: DataChecked) -> None:
        await self._data_checked(event.revision, event.report)

    async def _data_checked(self, revision: int, report: Any) -> None:
        session = self.wizard.session
        if not self.is_attached:
            return
        if revision >= getattr(_DATA_REPORTS.get(session), "_revision", -1):
            report._revision = revision
            remember_data_report(session, report)
        profiles = self.query("#data-profile")
        if profiles:
            profiles.first(Static).update(self._profile_text(report))
        for path in ("data_collection.target_column", "evaluation.bias_facet"):
            await self._use_column_picker(path)
        self.show_problems()

    def _profile_text(self, report: Any) -> str:
        if report.profile is not None:
            return "\n".join(report.profile.lines())
        errors = [p for p in report.problems if p.path == "data_collection.input_uri"]
        if errors:
            return "The data could not be read: see Input data above."
        warnings = report.warnings
        if warnings:
            return warnings[0].message[:1].upper() + warnings[0].message[1:] + "."
        return "Give the input data to see its rows, columns, types and class balance."

    async def _use_column_picker(self, path: str) -> None:
        """Swap a column-name input for a list of the file's columns, once they are known
        (not while the person is typing in it)."""
        row = self.problem_map().rows.get(path)
        if not isinstance(row, FieldRow) or row.spec.kind == "choice":
            return
        if row.control.has_focus or not column_options(self.wizard.session):
            return
        section = path.split(".", 1)[0]
        (spec,) = [
            s
            for s in field_specs(
                section, SECTION_MODELS[section], choices=_choices_source(self.wizard.session)
            )
            if s.path == path
        ]
        value = self.wizard.session.section(section).get(spec.name, "")
        picker = FieldRow(spec, value)
        parent = row.parent
        assert isinstance(parent, Widget)
        index = list(parent.children).index(row)
        await row.remove()  # first: the picker takes the row's id
        if index < len(parent.children):
            await parent.mount(picker, before=index)
        else:
            await parent.mount(picker)
        self.forget_rows()

    def _next_hint(self) -> str:
        order = self.wizard.screen_order
        index = order.index(self.stage.id)
        following = order[index + 1] if index + 1 < len(order) else "review"
        from tui.screens.base import short_title

        name = short_title(following).lstrip("0123456789 ")
        return f"ctrl+f: next, {name}   ctrl+r: back   esc: the list of steps"

    def _choices(self) -> list[ServiceChoice]:
        rec = self.wizard.session.recommendations().get(self.stage.id)
        choices: list[ServiceChoice] = []
        seen: set[str] = set()
        if rec is not None:
            for picks, recommended in ((rec.recommended, True), (rec.alternatives, False)):
                for pick in picks:
                    seen.add(pick.service)
                    choices.append(
                        ServiceChoice(
                            pick.service, get_service(pick.service).name, pick.reason, recommended
                        )
                    )
        for service in services_for_stage(self.stage.id):
            if service.id not in seen:
                choices.append(ServiceChoice(service.id, service.name, service.purpose, False))
        return choices

    def _selected(self) -> list[str]:
        data = self.wizard.session.section(self.stage.id)
        if self.stage.id == "tuning":
            return [TUNING_SERVICE] if data.get("enabled") is True else []
        services = data.get("services", [])
        return [s for s in services if isinstance(s, str)] if isinstance(services, list) else []

    def values(self) -> dict[str, Any]:
        """The form's current values (what ``load`` showed plus every edit since)."""
        return self.wizard.session.section(self.stage.id)

    # ------------------------------------------------------------------ events

    @on(ServicePicker.Changed)
    def _services_changed(self, event: ServicePicker.Changed) -> None:
        self._apply_services(list(event.selected))

    def _apply_services(self, selected: list[str]) -> None:
        # a field the model made required because of a ticked service shows its ✗ at once
        self.touched.update(row.path for row in self.query(FieldRow) if not row.spec.required)
        session = self.wizard.session
        if self.stage.id == "tuning":
            session.set_value("tuning", "enabled", TUNING_SERVICE in selected)
        else:
            order = [s.id for s in services_for_stage(self.stage.id)]
            session.set_value(
                self.stage.id, "services", sorted(selected, key=lambda s: order.index(s))
            )
        self.after_change()

    @on(ServicePicker.Highlighted)
    def _service_highlighted(self, event: ServicePicker.Highlighted) -> None:
        self._show_service_details()

    def _show_service_details(self) -> None:
        """The highlighted service's details (not yet mounted: ``form_ready`` calls again)."""
        details, pickers = self.query("#service-details"), self.query(ServicePicker)
        service = pickers.first().highlighted_id if pickers else None
        if details and service is not None:
            details.first(Static).update(service_details(service))

    def action_use_recommended(self) -> None:
        rec = self.wizard.session.recommendations().get(self.stage.id)
        if rec is None:
            return
        picks = [p.service for p in rec.recommended]
        self.query_one(ServicePicker).set_selected(picks)
        self._apply_services(picks)
        self.notify("Ticked the recommended services.", timeout=3)

    def after_change(self, row: FieldRow | None = None) -> None:
        super().after_change(row)
        if self.stage.id in DATA_SCREENS:
            self.check_data()
        if row is not None and row.path == "training.algorithm":
            for rows in self.query(HyperparameterRows):  # none before the form is all mounted
                self.run_worker(rows.rebuild(), group="rebuild")


# ---------------------------------------------------------------------- extras


class HyperparameterRows(Vertical):
    """One input per hyperparameter of the chosen algorithm (empty: the algorithm's default),
    plus any other key already in the file, so it can be seen and cleared."""

    def __init__(self, session: Any, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="extra-block")
        self.session = session

    def compose(self) -> ComposeResult:
        yield from self._rows()

    def _rows(self) -> list[Widget]:
        from wizard.algorithms import ALGORITHMS, default_hyperparameters

        algorithm = ALGORITHMS[_algorithm(self.session)]
        defaults = default_hyperparameters(algorithm.id, _problem_type(self.session))
        current = self.session.section("training").get("hyperparameters", {})
        current = current if isinstance(current, dict) else {}
        widgets: list[Widget] = [
            Static(
                f"{algorithm.title}: {algorithm.help} Leave a box empty to use the default.",
                classes="section-hint",
                markup=False,
            )
        ]
        names = [h.name for h in algorithm.hyperparameters]
        for hp in algorithm.hyperparameters:
            default = defaults.get(hp.name)
            bounds = f" Range {hp.low:g} to {hp.high:g}." if hp.low is not None else ""
            shown_default = f" Default {default}." if default is not None else ""
            spec = FieldSpec(
                section="training",
                name=hp.name,
                kind="optional_int" if hp.type == "integer" else "optional_float",
                label=hp.name,
                help=f"{hp.help[:1].upper()}{hp.help[1:]}.{bounds}{shown_default}",
                default=None,
            )
            widgets.append(
                FieldRow(
                    spec,
                    current.get(hp.name),
                    path=f"training.hyperparameters.{hp.name}",
                    keys=("hyperparameters", hp.name),
                )
            )
        for name, value in current.items():
            if name in names:
                continue
            spec = FieldSpec("training", name, "text", name, "Not one this algorithm lists.", None)
            widgets.append(
                FieldRow(
                    spec,
                    value,
                    path=f"training.hyperparameters.{name}",
                    keys=("hyperparameters", name),
                )
            )
        return widgets

    async def rebuild(self) -> None:
        await self.remove_children()
        await self.mount_all(self._rows())
        screen = self.screen
        assert isinstance(screen, FormScreen)
        screen.forget_rows()
        screen.show_problems()


class RangesEditor(Vertical):
    """The tuning ranges: one block per range, with buttons to add and remove."""

    def __init__(self, session: Any, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="extra-block")
        self.session = session

    def compose(self) -> ComposeResult:
        yield from self._blocks()

    def _ranges(self) -> list[Any]:
        ranges = self.session.section("tuning").get("ranges", [])
        return ranges if isinstance(ranges, list) else []

    def _blocks(self) -> list[Widget]:
        ranges = self._ranges()
        widgets: list[Widget] = [
            ProblemSlot("tuning.ranges", id="ranges-problem", focus="#add-range")
        ]
        if not ranges:
            widgets.append(
                Static(
                    "No ranges yet. Tuning needs at least one: press the button to add one.",
                    classes="section-hint",
                )
            )
        specs = field_specs("range", ParameterRange, choices=_choices_source(self.session))
        for index, entry in enumerate(ranges):
            entry = entry if isinstance(entry, dict) else {}
            rows: list[Widget] = [
                FieldRow(
                    spec,
                    entry.get(spec.name),
                    path=f"tuning.ranges[{index}].{spec.name}",
                    keys=("ranges", index, spec.name),
                )
                for spec in specs
            ]
            title = Horizontal(
                Static(f"Range {index + 1}", classes="range-title"),
                Button("Remove", id=f"remove-range-{index}", classes="remove-range", compact=True),
                classes="range-head",
            )
            widgets.append(Vertical(title, *rows, classes="range-block"))
        widgets.append(Button("Add a range", id="add-range", compact=True))
        return widgets

    @on(Button.Pressed, "#add-range")
    def _add(self, event: Button.Pressed) -> None:
        event.stop()
        from wizard.algorithms import ALGORITHMS

        algorithm = ALGORITHMS[_algorithm(self.session)]
        used = {r.get("name") for r in self._ranges() if isinstance(r, dict)}
        entry = algorithm.starter_range(taken=used)
        if entry is None:
            self.notify("Every hyperparameter of this algorithm has a range already.")
            return
        self._store([*self._ranges(), entry], focus=len(self._ranges()))

    @on(Button.Pressed, ".remove-range")
    def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        index = int((event.button.id or "-0").rsplit("-", 1)[1])
        ranges = self._ranges()
        del ranges[index]
        self._store(ranges, focus=None)

    def _store(self, ranges: list[Any], focus: int | None) -> None:
        self.session.set_value("tuning", "ranges", ranges)
        screen = self.screen
        assert isinstance(screen, FormScreen)

        async def rebuilt() -> None:
            await self.remove_children()
            await self.mount_all(self._blocks())
            screen.forget_rows()
            screen.after_change()
            if focus is not None:
                self.query(FieldRow).filter(
                    f"#row-tuning-ranges-{focus}-name"
                ).first().focus_control()
            else:
                self.query_one("#add-range").focus()

        self.call_later(rebuilt)


class ProfileScreen(FormScreen):
    """About the project and its data: the answers that drive every recommendation."""

    SCREEN_ID = "profile"
    PROJECT_FIRST = ("name", "description")
    PROJECT_AWS = ("region", "role_arn", "bucket", "s3_prefix")

    def __init__(self, focus_path: str | None = None) -> None:
        super().__init__("profile")
        self.focus_path = focus_path

    def compose_form(self) -> ComposeResult:
        yield Static("Your project", classes="screen-title")
        yield Static(
            "A few questions about your data and how the model will be used. Every stage "
            "recommends AWS services from these answers, and says why.",
            classes="stage-summary",
        )
        yield from self.rows_for("project", only=self.PROJECT_FIRST)
        yield Static("About your data and model", classes="section-heading")
        yield from self.rows_for("profile")
        yield Static("What your answers suggest", classes="section-heading")
        yield Static("", id="advice-preview", markup=False)
        yield Static("AWS settings (needed only to run on AWS)", classes="section-heading")
        yield from self.rows_for("project", only=self.PROJECT_AWS)
        yield ProblemSlot("project", id="project-problem")
        yield ProblemSlot("profile", id="profile-problem")
        yield Static("ctrl+f: next, Data collection   esc: the list of steps", classes="nav-hint")

    def form_ready(self) -> None:
        super().form_ready()
        self._update_preview()

    def after_change(self, row: FieldRow | None = None) -> None:
        super().after_change(row)
        if row is None or row.path.startswith("profile."):
            self._update_preview()

    def _update_preview(self) -> None:
        recs = self.wizard.session.recommendations()
        lines = []
        for stage in STAGES:
            rec = recs.get(stage.id)
            names = [get_service(p.service).name for p in rec.recommended] if rec else []
            lines.append(f"{stage.number} {stage.title}: {', '.join(names) or 'nothing needed'}")
        previews = self.query("#advice-preview")
        if previews:  # else not mounted yet: ``form_ready`` fills it in
            previews.first(Static).update("\n".join(lines))
