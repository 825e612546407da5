"""The nine stage screens (one class, driven by the stage id) and the profile screen.

A stage screen shows what the stage is for, the services with the recommendation for the
current answers (and why), the alternatives, and the stage's settings as a form derived from
the section's pydantic model. Every change goes to the session at once; the problems the
models report come back and show at their fields. ``compose`` builds the form from the
session (``load``), ``values`` reads it back (``to_model``); no rule is restated here.
The form machinery is ``tui/screens/form.py``; the multi-row editors ``stage_blocks.py``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList, Static

from tui.navigation import short_title
from tui.screens.choices import column_options
from tui.screens.form import FormScreen
from tui.screens.stage_blocks import HyperparameterRows, RangesEditor
from tui.widgets.findings_list import FindingsList
from tui.widgets.form import FieldRow, ProblemSlot
from tui.widgets.service_picker import ServiceChoice, ServicePicker
from wizard.catalog import get_service, services_for_stage
from wizard.datainsights import applicable, apply_fix, fix_text, is_applied
from wizard.stages import STAGES, get_stage

TUNING_SERVICE = "automatic-model-tuning"

DATA_SCREENS = ("data_collection", "evaluation", "data_preparation", "training")
"""Screens that show problems found in the data itself."""

COLUMN_FIELDS = (
    "data_collection.target_column",
    "evaluation.bias_facet",
    "data_preparation.drop_columns",
    "data_preparation.parse_numbers",
    "data_preparation.parse_dates",
    "data_preparation.text_columns",
)
"""Fields whose values are the data's columns: picked from the file once it is read."""


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
            yield Static("What the data report found", classes="section-heading")
            yield Static("", id="findings-hint", classes="section-hint", markup=False)
            yield FindingsList(id="findings")
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
        report = self.wizard.session.check_data()
        self.post_message(self.DataChecked(revision, report))  # thread-safe

    @on(DataChecked)
    async def _on_data_checked(self, event: DataChecked) -> None:
        await self._data_checked(event.revision, event.report)

    async def _data_checked(self, revision: int, report: Any) -> None:
        session = self.wizard.session
        if not self.is_attached:
            return
        if not session.remember_data_report(report, revision):
            return  # a check of an older draft: the newer one's report is (or will be) shown
        profiles = self.query("#data-profile")
        if profiles:
            profiles.first(Static).update(self._profile_text(report))
        self._show_findings()
        for path in COLUMN_FIELDS:
            await self._use_column_picker(path)
        self.show_problems()

    def _show_findings(self) -> None:
        """The last data report's findings the answers do not fix yet, each with its
        one-key fix (``wizard.datainsights.applicable``) or what to do by hand."""
        lists, hints = self.query("#findings"), self.query("#findings-hint")
        if not lists or not hints:
            return
        session = self.wizard.session
        quality = getattr(session.data_report, "quality", None)
        findings = [] if quality is None else list(quality.findings)
        findings = [f for f in findings if not is_applied(f, session.doc)]
        fixable = {id(f) for f in applicable(findings, session.doc)}
        findings.sort(key=lambda f: (f.severity != "error", f.severity != "warning"))
        findings_list = lists.first(FindingsList)
        findings_list.show(
            findings,
            [id(f) in fixable for f in findings],
            [fix_text(f.fix, session.doc) for f in findings],
        )
        if quality is None:
            hint = "Shown once the data has been read."
        elif not findings:
            hint = f"Nothing to fix in the {quality.rows:,} rows read."
        else:
            count = sum(id(f) in fixable for f in findings)
            hint = (
                f"{len(findings)} finding{'s' if len(findings) != 1 else ''} in the "
                f"{quality.rows:,} rows read"
                + (
                    f"; {count} the wizard can fix: Enter on one applies its fix (ctrl+z undoes)."
                    if count
                    else "."
                )
            )
        hints.first(Static).update(hint)

    @on(OptionList.OptionSelected, "#findings")
    def _apply_finding(self, event: OptionList.OptionSelected) -> None:
        """Enter on a finding: its fix, made to the draft the way a typed edit is (saved,
        undone with ctrl+z, revalidated, the data checked again)."""
        event.stop()
        findings_list = self.query_one("#findings", FindingsList)
        index = event.option_index
        if not 0 <= index < len(findings_list.findings):
            return
        finding = findings_list.findings[index]
        if not findings_list.fixable[index] or not finding.fix:
            self.notify("The wizard cannot make this fix: see By hand.", timeout=4)
            return
        session = self.wizard.session
        line = fix_text(finding.fix, session.doc)
        if not session.replace_document(apply_fix(session.doc, finding.fix)):
            return
        self.after_change()
        self._show_findings()
        self.notify(f"Fixed: {line}. ctrl+z undoes.", timeout=4)

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
        """Swap a column-name input for a list of the file's columns (a checklist for a list
        of columns, with the data report's suggestions marked), once they are known, and
        again when they change (not while the person is in it)."""
        row = self.problem_map().rows.get(path)
        if not isinstance(row, FieldRow):
            return
        if row.control.has_focus or not column_options(self.wizard.session):
            return
        section = path.split(".", 1)[0]
        (spec,) = [s for s in self.specs_for(section) if s.path == path]
        if spec == row.spec:
            return
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
