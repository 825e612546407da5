"""The wizard driven by keys, as a person would: the whole flow from the demo to an exported
project, inline errors, the stepper, the palette, quitting and resuming."""

from __future__ import annotations

import tomllib
from pathlib import Path

import preloaded
import pytest
from textual.widgets import Input, OptionList
from wizard_support import demo_doc, demo_session, export_rendered, form_ready, wizard_app

from runners.base import Capabilities
from tui.app import WizardApp
from tui.screens.export import ExportScreen
from tui.screens.modals import PathModal, QuitModal
from tui.screens.review import ReviewScreen
from tui.screens.stage import ProfileScreen, StageScreen
from tui.screens.welcome import WelcomeScreen
from tui.session_files import autosave_file, meta_file
from tui.widgets.dag_view import DagView
from tui.widgets.form import FieldRow
from tui.widgets.service_picker import ServicePicker
from tui.widgets.stepper import Stepper
from wizard.stages import STAGE_IDS
from wizard.store import read_document
from wizard.validation import validate_document

SIZE = (100, 30)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def settle(pilot, times: int = 2) -> None:
    await form_ready(pilot)
    for _ in range(times - 1):
        await pilot.pause()


def row(app, path: str) -> FieldRow:
    return next(r for r in app.screen.query(FieldRow) if r.path == path)


async def type_into(pilot, path: str, text: str) -> None:
    """Focus a field, clear it and type, key by key."""
    target = row(pilot.app, path)
    target.control.focus()
    await pilot.pause()
    await pilot.press("end", "ctrl+u", *list(text))
    await settle(pilot)


async def test_demo_to_exported_project(tmp_path: Path) -> None:
    """Welcome → demo → profile → nine stages → review → export, with no mouse."""
    app = wizard_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("enter")  # "Start with the demo project" is highlighted
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert app.session.project_name == "breast-cancer-demo"
        for stage in STAGE_IDS:
            await pilot.press("ctrl+f")
            await settle(pilot)
            assert isinstance(app.screen, StageScreen)
            assert app.screen.stage.id == stage
            assert app.screen.query(ServicePicker)  # services with recommendations
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.session.problems() == []
        assert app.screen.query(DagView)
        states = app.stage_states()
        assert all(states[s] == "complete" for s in ("profile", *STAGE_IDS))

        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        await export_rendered(pilot)
        assert "pipeline.py" in app.screen.rendered
        out = tmp_path / "exported"
        folder = app.screen.query_one("#folder", Input)
        folder.value = str(out)
        app.screen.query_one("#verify").value = False
        await pilot.press("ctrl+f")  # write
        await app.workers.wait_for_complete()
        await settle(pilot, 3)
        outcome = app.screen.outcome
        assert outcome is not None and outcome.error is None, outcome
        assert (out / "pipeline.py").is_file()
        exported = read_document(out / "wizard.toml")
        config, problems = validate_document(exported)
        assert problems == [] and config is not None
        assert config.project.name == "breast-cancer-demo"
        assert "Next steps" in str(app.screen.query_one("#export-result").content)
        assert app.session.unsaved_to_file is False  # the answers are in the export


async def test_bad_value_shows_inline_error_and_stepper_mark() -> None:
    app = wizard_app(demo_session("training"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "training.max_runtime_seconds", "abc")
        field = row(app, "training.max_runtime_seconds")
        assert field.has_class("-invalid")
        assert "whole number" in field.problem and "abc" in field.problem
        assert "whole number" in str(field.query_one(".field-notes").content)
        assert app.stage_states()["training"] == "problems"
        # what was typed is kept (and saved), not thrown away
        assert app.session.doc["training"]["max_runtime_seconds"] == "abc"
        assert read_document(autosave_file())["training"]["max_runtime_seconds"] == "abc"
        await type_into(pilot, "training.max_runtime_seconds", "7200")
        assert not row(app, "training.max_runtime_seconds").has_class("-invalid")
        assert app.session.doc["training"]["max_runtime_seconds"] == 7200
        assert app.stage_states()["training"] == "complete"


async def test_keys_typed_just_before_leaving_are_kept() -> None:
    """Leaving a screen takes the values still on it (their messages may still be queued),
    and a queued message of an older value never overwrites a newer one."""
    app = wizard_app(demo_session("profile"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        name = row(app, "project.name").control
        for text in ("", "c", "ch", "churn-model"):  # no pause: their messages are queued
            name.value = text
        app.screen.commit()  # what leaving does first
        assert app.session.project_name == "churn-model"
        await settle(pilot)  # the queued, older values arrive now: ignored
        assert app.session.project_name == "churn-model"
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert read_document(autosave_file())["project"]["name"] == "churn-model"


async def test_rule_spanning_fields_shows_at_the_named_field() -> None:
    """The model's rule (ratios add up to 1) shows at test_ratio, where it points."""
    app = wizard_app(demo_session("data_preparation"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "data_preparation.train_ratio", "0.9")
        assert "add up to 1" in row(app, "data_preparation.test_ratio").problem


async def test_review_lists_problems_and_jumps_to_the_field() -> None:
    doc = demo_doc()
    doc["training"]["max_runtime_seconds"] = 10
    app = wizard_app(demo_session("review", doc=doc))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        problems = app.screen.query_one("#problems", OptionList)
        assert problems.option_count == 1
        assert not app.screen.query(DagView)  # no drawing of an invalid pipeline
        await pilot.press("ctrl+f")  # export refused while problems remain
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        app.goto("export")  # the stepper can still go there: it explains, and writes nothing
        await settle(pilot)
        assert "problem" in app.screen.render_error
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert app.screen.outcome is None
        app.goto("review")
        await settle(pilot)
        problems = app.screen.query_one("#problems", OptionList)
        problems.focus()
        await pilot.press("enter")
        await settle(pilot, 3)
        assert isinstance(app.screen, StageScreen) and app.screen.stage.id == "training"
        assert app.screen.focused is row(app, "training.max_runtime_seconds").control


async def test_services_tick_and_use_advice() -> None:
    app = wizard_app(demo_session("evaluation"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        picker = app.screen.query_one(ServicePicker)
        assert app.screen.focused is picker
        assert app.session.doc["evaluation"]["services"] == []  # no closed service
        await pilot.press("ctrl+o")  # take the advice (a modified key: typing never fires it)
        await settle(pilot)
        recommended = [p.service for p in app.session.recommendations()["evaluation"].recommended]
        assert sorted(app.session.doc["evaluation"]["services"]) == sorted(recommended)
        picker.highlighted = 0
        await pilot.press("space")
        await settle(pilot)
        assert picker.highlighted_id not in app.session.doc["evaluation"]["services"]


async def test_tuning_enable_add_range_and_clear_errors() -> None:
    app = wizard_app(demo_session("tuning"))
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        picker = app.screen.query_one(ServicePicker)
        picker.highlighted = 0
        await pilot.press("space")  # tick automatic model tuning
        await settle(pilot)
        assert app.session.doc["tuning"]["enabled"] is True
        assert "no ranges" in str(app.screen.query_one("#ranges-problem").content)
        app.screen.query_one("#add-range").focus()
        await pilot.press("enter")
        await settle(pilot, 4)
        ranges = app.session.doc["tuning"]["ranges"]
        assert ranges[0]["name"] == "eta"
        assert app.session.screen_problems("tuning") == []
        await type_into(pilot, "tuning.ranges[0].min_value", "5000")
        assert row(app, "tuning.ranges[0].min_value").has_class("-invalid")


async def test_profile_answers_change_the_advice_live() -> None:
    app = wizard_app(demo_session("profile"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        preview = app.screen.query_one("#advice-preview")
        assert "Real-time" not in str(preview.content)
        app.screen.query_one("#f-profile-prediction_mode").value = "realtime"
        await settle(pilot)
        assert app.session.doc["profile"]["prediction_mode"] == "realtime"
        assert "real-time" in str(preview.content).lower()
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Deployment")
        await settle(pilot, 3)
        await pilot.press("enter")
        await settle(pilot, 3)
        assert isinstance(app.screen, StageScreen) and app.screen.stage.id == "deployment"
        recommended = [c for c in app.screen.query_one(ServicePicker)._choices if c.recommended]
        assert "endpoints" in [c.id for c in recommended]


async def test_stepper_jumps_and_escape_reaches_it() -> None:
    app = wizard_app(demo_session("data_collection"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        row(app, "data_collection.target_column").control.focus()
        await pilot.press("escape")
        stepper = app.screen.query_one(Stepper)
        assert app.screen.focused is stepper
        await pilot.press("down", "down", "down", "enter")  # → 4 Training
        await settle(pilot)
        assert isinstance(app.screen, StageScreen) and app.screen.stage.id == "training"
        await pilot.press("escape", "b", "n", "3")  # stray letters and digits: no move
        await settle(pilot)
        assert app.screen.stage.id == "training"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.screen.stage.id == "feature_engineering"
        await pilot.press("alt+5")
        await settle(pilot)
        assert app.screen.stage.id == "tuning"
        assert len(app.screen_stack) == 2  # screens replace each other: no deep stack


async def test_quitting_with_unsaved_work_asks_first() -> None:
    app = wizard_app(demo_session("training"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "training.instance_count", "2")
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert isinstance(app.screen, QuitModal)
        await pilot.press("escape")  # stay
        await settle(pilot)
        assert isinstance(app.screen, StageScreen)
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
    assert app.return_code == 0
    assert read_document(autosave_file())["training"]["instance_count"] == 2


async def test_quit_offers_save_to_a_file(tmp_path: Path) -> None:
    app = wizard_app(demo_session("training"))
    target = tmp_path / "saved" / "wizard.toml"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, PathModal)
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    assert validate_document(read_document(target))[1] == []
    assert (target.parent / "data" / "breast_cancer.csv").is_file()  # the data came along


async def test_editing_a_file_saves_into_it_and_quits_without_asking(demo_file: Path) -> None:
    app = wizard_app(path=demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)  # every stage is filled in: review
        app.goto("evaluation")
        await settle(pilot)
        await type_into(pilot, "evaluation.threshold", "0.85")
        assert tomllib.loads(demo_file.read_text())["evaluation"]["threshold"] == 0.85
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert app.return_code == 0


async def test_resume_the_autosaved_session() -> None:
    first = wizard_app(demo_session("deployment"))
    async with first.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "deployment.model_package_group", "cancer-models")
    assert meta_file().is_file()

    second = wizard_app()
    async with second.run_test(size=SIZE) as pilot:
        await settle(pilot, 3)
        assert isinstance(second.screen, WelcomeScreen)
        options = second.screen.query_one(OptionList)
        assert options.get_option_at_index(0).id == "resume"
        await pilot.press("enter")
        await settle(pilot, 3)
        assert isinstance(second.screen, StageScreen)
        assert second.screen.stage.id == "deployment"
        assert row(second, "deployment.model_package_group").control.value == "cancer-models"


class InstantEngine:
    """Succeeds every step of the plan at once (the monitor's own tests cover real runs)."""

    name = "local"
    capabilities = Capabilities()

    def __init__(self, steps: list[tuple[str, str]]) -> None:
        self.steps = steps

    def run(self, emit, stop) -> str:
        from runners.events import ExecutionEvent, StepEvent

        emit(ExecutionEvent(status="Executing", engine="local", id="test"))
        for name, kind in self.steps:
            emit(StepEvent(step=name, kind=kind, status="Succeeded"))
        emit(ExecutionEvent(status="Succeeded", engine="local", id="test"))
        return "Succeeded"


async def test_run_opens_the_monitor_mode_and_comes_back() -> None:
    from tui.monitor.screen import MonitorScreen
    from wizard.plan import build_plan

    session = demo_session("review")
    steps = [(s.name, s.kind) for s in build_plan(session.config).steps]
    app = WizardApp(
        session=session,
        autosave_delay=0,
        cursor_blink=False,
        engine_factory=lambda path: InstantEngine(steps),
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot, 4)
        assert app.current_mode == "monitor" and isinstance(app.screen, MonitorScreen)
        await app.workers.wait_for_complete()
        await pilot.press("q")
        await settle(pilot, 4)
        assert app.current_mode == "wizard" and isinstance(app.screen, ReviewScreen)


@pytest.mark.slow
@preloaded.SHARED_SERVER
async def test_export_with_verification(tmp_path: Path) -> None:
    """The check runs in a worker and reports the steps the definition has."""
    app = wizard_app(demo_session("export"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await export_rendered(pilot)  # ctrl+f before that writes once they are rendered
        app.screen.query_one("#folder", Input).value = str(tmp_path / "verified")
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert app.screen.query_one("#export-progress").display is True
        await app.workers.wait_for_complete()
        await settle(pilot, 3)
        outcome = app.screen.outcome
        assert outcome is not None and outcome.verified is True, outcome
        assert "PrepareData" in outcome.verify_text
