"""Review: every remaining problem (enter jumps to its field), the pipeline drawn from the
Plan, the cost estimate, and the whole configuration summarized stage by stage."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.markup import escape
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.navigation import screen_of_path
from tui.screens.base import WizardScreen
from tui.screens.field_help import field_text
from tui.widgets.dag_view import DagView, Graph
from tui.widgets.form import to_text
from wizard.catalog import get_service
from wizard.errors import WizardError
from wizard.stages import STAGE_IDS, STAGES, get_stage

STATE_WORDS = {"complete": "✓", "problems": "✗", "unvisited": "·"}
COLUMN_LISTS = frozenset({"drop_columns", "parse_numbers", "parse_dates", "text_columns"})
"""Lists the summary spells out (column names), not counts."""


def field_title(path: str) -> str:
    """``training.max_runtime_seconds`` → ``Model training › Time limit (seconds)``."""
    section, _, rest = path.partition(".")
    section = section.split("[", 1)[0]
    where = (
        get_stage(section).title
        if section in STAGE_IDS
        else {"project": "Your project", "profile": "Your project"}.get(section, section)
    )
    if not rest:
        return where
    name = rest.split(".", 1)[0].split("[", 1)[0]
    label = field_text(section, name).label
    detail = rest[len(name) :].lstrip(".")
    return f"{where} › {label}" + (f" › {detail}" if detail else "")


class ReviewScreen(WizardScreen):
    SCREEN_ID = "review"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "app.next", "Export", id="review.export"),
        Binding("e", "app.next", "Export", show=False, id="review.export_plain"),
        Binding("s", "app.save_as", "Save as", id="review.save_as"),
        Binding("r", "run", "Run", id="review.run"),
    ]
    _plan: Any = None
    """The pipeline drawn, for the cost estimate once the data has been read."""

    def compose_main(self) -> ComposeResult:
        session = self.wizard.session
        problems = session.problems()
        yield Static("Review", classes="screen-title")
        if problems:
            yield Static(
                f"✗ {len(problems)} problem{'s' if len(problems) != 1 else ''} to fix before "
                "export. Enter on one jumps to its field.",
                classes="review-status -problems",
            )
            yield OptionList(
                *[
                    Option(
                        Content.from_markup(
                            f"[b]{escape(field_title(p.path))}[/b]\n  {escape(p.message)}"
                        ),
                        id=f"problem-{i}",
                    )
                    for i, p in enumerate(problems)
                ],
                id="problems",
            )
        else:
            yield Static(
                "Checking the data…",
                id="review-status",
                classes="review-status",
            )
        yield Static("The data", classes="section-heading")
        yield Static("Reading the data…", id="data-checks", markup=False)
        yield Static("The pipeline", classes="section-heading")
        yield from self._pipeline()
        yield Static("Your choices", classes="section-heading")
        yield Static(self._summary(), id="summary", markup=False)

    def _pipeline(self) -> ComposeResult:
        config = self.wizard.session.config
        if config is None:
            yield Static(
                "The pipeline is drawn here once the problems above are fixed.",
                classes="section-hint",
            )
            return
        # wizard.plan and wizard.cost (~200 ms) load here, not in the welcome screen's
        # preparation of the first form, which Enter waits for
        from wizard.plan import build_plan

        try:
            plan = build_plan(config)
        except WizardError as exc:
            yield Static(f"✗ {exc.message}", classes="field-error", markup=False)
            return
        yield Static(
            f"Pipeline {plan.pipeline_name}: {len(plan.steps)} steps. Each row runs after the "
            "rows above it.",
            classes="section-hint",
            markup=False,
        )
        yield DagView(Graph.from_plan(plan), id="dag")
        yield Static("Estimated cost", classes="section-heading")
        self._plan = plan
        yield Static(self._cost(plan, config), id="cost", markup=False)

    def _cost(self, plan: Any, config: Any) -> str:
        from wizard.cost import estimate_cost  # see ``_pipeline``

        try:
            cost = estimate_cost(plan, config)
        except Exception as exc:
            return f"No estimate: {exc}"
        lines = [
            f"Per run on AWS: about ${cost.typical_usd:.2f}, at most ${cost.max_usd:.2f} "
            "(if every step ran to its time limit).",
            f"{cost.region} on-demand prices of {cost.as_of}. Running on this machine is free.",
        ]
        for endpoint in cost.endpoints:
            monthly = f", ${endpoint.monthly_usd:.0f} a month" if endpoint.monthly_usd else ""
            lines.append(
                f"Plus {get_service(endpoint.service).name}: ${endpoint.hourly_usd:.3f} an hour"
                f"{monthly} ({endpoint.note})."
            )
        return "\n".join(lines)

    def _summary(self) -> str:
        session = self.wizard.session
        lines: list[str] = []
        project = session.section("project")
        lines.append(
            f"{STATE_WORDS[session.stage_state('profile')]} Your project: "
            f"{project.get('name', '?')}, {project.get('region', 'us-east-1')}"
        )
        for stage in STAGES:
            data = session.section(stage.id)
            state = STATE_WORDS[session.stage_state(stage.id)]
            if stage.id == "tuning":
                chosen = "Automatic model tuning" if data.get("enabled") else "no tuning"
            else:
                services = data.get("services", [])
                names = []
                for service in services if isinstance(services, list) else []:
                    try:
                        names.append(get_service(service).name)
                    except KeyError:
                        names.append(str(service))
                chosen = ", ".join(names) or "no services"
            lines.append(f"{state} {stage.number} {stage.title}: {chosen}")
            settings = [
                f"{k} = {to_text(v) if not isinstance(v, dict | list) or k in COLUMN_LISTS else _brief(v)}"
                for k, v in data.items()
                if k not in ("services", "enabled")
            ]
            if settings:
                lines.append("    " + "; ".join(settings))
        lines.append("· not visited yet   ✓ complete   ✗ has problems")
        return "\n".join(lines)

    @on(OptionList.OptionSelected, "#problems")
    def _jump_to_problem(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int((event.option.id or "problem-0").split("-", 1)[1])
        problem = self.wizard.session.problems()[index]
        self.wizard.goto(screen_of_path(problem.path), focus_path=problem.path)

    # ------------------------------------------------------------------ the data

    class DataChecked(Message):
        def __init__(self, report: Any) -> None:
            super().__init__()
            self.report = report

    @work(thread=True, exclusive=True, group="datacheck", exit_on_error=False)
    def _data_worker(self) -> None:
        self.post_message(self.DataChecked(self.wizard.session.check_data()))

    def _cost_from_data(self, report: Any) -> None:
        """The estimate again with what the data gives (its size, unless answered), as the
        export's README computes it."""
        config, plan = self.wizard.session.config, self._plan
        if config is None or plan is None or report.profile is None or not self.query("#cost"):
            return
        from wizard.check import resolve_from_data  # loaded by the data check already

        resolved, _ = resolve_from_data(config, report.profile)
        self.query_one("#cost", Static).update(self._cost(plan, resolved))

    @on(DataChecked)
    def _data_checked(self, event: DataChecked) -> None:
        report = event.report
        self.wizard.session.remember_data_report(report)
        self._cost_from_data(report)
        lines: list[str] = []
        for problem in report.problems:
            mark = "✗" if problem.is_error else "! warning:"
            lines.append(f"{mark} {field_title(problem.path)}: {problem.message}")
        if report.profile is not None:
            lines.extend(report.profile.lines()[:1])
        if not lines:
            lines.append("No data to read yet." if not report.checked else "✓ The data checks out.")
        self.query_one("#data-checks", Static).update("\n".join(lines))
        status = self.query("#review-status")
        if status:
            widget = status.first(Static)
            errors = report.errors
            if errors:
                count = len(errors)
                widget.update(
                    f"✗ The data has {count} problem{'s' if count != 1 else ''} to fix before "
                    "export: see The data below."
                )
                widget.set_classes("review-status -problems")
            else:
                warned = f" ({len(report.warnings)} warning(s) below)" if report.warnings else ""
                widget.update(
                    f"✓ Everything checks out{warned}. ctrl+f (or e) exports the project."
                )
                widget.set_classes("review-status -ready")

    def on_mount(self) -> None:
        self._data_worker()
        self.wizard.session.mark_visited("review")
        self.refresh_stepper()
        problems = self.query("#problems")
        (problems.first() if problems else self.query_one("#stepper")).focus()

    def action_run(self) -> None:
        self.wizard.run_pipeline()


def _brief(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={to_text(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list):
        return f"{len(value)} entr{'y' if len(value) == 1 else 'ies'}"
    return to_text(value)
