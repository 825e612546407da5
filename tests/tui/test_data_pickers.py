"""The data-collection screen: a data profile read in a worker, target and facet columns
picked from the file's columns, and problems in the data shown at their fields."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Select, Static
from wizard_support import demo_doc, demo_session, form_ready, wizard_app

from tui.screens.stage import StageScreen
from tui.session import Session
from tui.widgets.form import FieldRow

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _settle(app, pilot):
    await form_ready(pilot)
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def test_profile_and_target_picker(tmp_path):
    session = demo_session("data_collection")
    app = wizard_app(session)
    async with app.run_test(size=(120, 60)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, StageScreen) and screen.stage.id == "data_collection"
        profile = str(screen.query_one("#data-profile", Static).content)
        assert "569 rows" in profile and "31 columns" in profile
        assert "Class balance of target" in profile
        row = screen.query_one("#row-data_collection-target_column", FieldRow)
        select = row.control
        assert isinstance(select, Select)
        values = [value for _, value in select._options]
        assert "mean_radius" in values and "target" in values
        assert select.value == "target"
        select.value = "mean_radius"
        await _settle(app, pilot)
        assert session.section("data_collection")["target_column"] == "mean_radius"
        # mean_radius is numeric with many values: not two classes
        row = screen.query_one("#row-data_collection-target_column", FieldRow)
        assert row.problem and "holds 456 different numbers" in row.problem


async def test_the_data_is_read_off_the_ui_thread(monkeypatch):
    seen: list[bool] = []
    real = Session.check_data

    def spy(session):
        seen.append(threading.current_thread() is threading.main_thread())
        return real(session)

    monkeypatch.setattr(Session, "check_data", spy)
    app = wizard_app(demo_session("data_collection"))
    async with app.run_test(size=(120, 60)) as pilot:
        await _settle(app, pilot)
    assert seen and not any(seen)


async def test_missing_file_shows_at_the_input(tmp_path):
    doc = demo_doc()
    doc["data_collection"]["input_uri"] = "data/missing.csv"
    path = tmp_path / "wizard.toml"
    session = demo_session("data_collection", doc=doc, path=path)
    app = wizard_app(session, path)
    async with app.run_test(size=(120, 60)) as pilot:
        await _settle(app, pilot)
        row = app.screen.query_one("#row-data_collection-input_uri", FieldRow)
        assert row.problem and "missing.csv does not exist" in row.problem
        assert str(tmp_path) in row.problem  # resolved against the config's folder
        report = session.data_report
        assert report is not None and report.errors


async def test_facet_picker_and_clarify_shows_its_problem_at_once(tmp_path):
    session = demo_session("evaluation")
    app = wizard_app(session)
    async with app.run_test(size=(120, 60)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        row = screen.query_one("#row-evaluation-bias_facet", FieldRow)
        assert isinstance(row.control, Select)
        screen._apply_services(["model-monitor", "clarify"])
        await _settle(app, pilot)
        row = screen.query_one("#row-evaluation-bias_facet", FieldRow)
        assert row.problem and "Clarify is selected" in row.problem


async def test_review_shows_data_errors_and_warnings(tmp_path):
    doc = demo_doc()
    doc["data_collection"]["target_column"] = "nosuchcol"
    path = tmp_path / "wizard.toml"
    from wizard.store import write_document
    from wizard.templates import write_template_data

    write_document(path, doc)
    write_template_data("demo", path)
    app = wizard_app(demo_session("review", doc=doc, path=path), path)
    async with app.run_test(size=(120, 60)) as pilot:
        await _settle(app, pilot)
        status = str(app.screen.query_one("#review-status", Static).content)
        assert status.startswith("✗ The data has 1 problem")
        checks = str(app.screen.query_one("#data-checks", Static).content)
        assert "Target column" in checks and "'nosuchcol' is not a column" in checks


async def test_service_details_read_as_sentences():
    from tui.widgets.service_picker import ServicePicker

    app = wizard_app(demo_session("data_collection"))
    async with app.run_test(size=(120, 60)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        screen.post_message(ServicePicker.Highlighted(screen.query_one(ServicePicker), "s3"))
        await _settle(app, pilot)
        details = str(screen.query_one("#service-details", Static).content)
        assert "When to choose it: Always:" in details
        assert "Pick it when always" not in details and "Avoid it when never" not in details


async def test_class_weight_is_picked_from_a_list_and_written(tmp_path):
    """A categorical hyperparameter with choices (the scikit-learn classifiers'
    class_weight) is a list to pick from, not a number box; picking writes it."""
    doc = demo_doc()
    doc["training"]["algorithm"] = "sklearn_random_forest"
    session = demo_session("training", doc=doc)
    app = wizard_app(session)
    async with app.run_test(size=(120, 60)) as pilot:
        await _settle(app, pilot)
        row = app.screen.query_one("#row-training-hyperparameters-class_weight", FieldRow)
        select = row.control
        assert isinstance(select, Select)
        assert [v for _, v in select._options if v is not Select.NULL] == ["balanced", "none"]
        select.value = "balanced"
        await pilot.pause()
        assert session.section("training")["hyperparameters"]["class_weight"] == "balanced"
        assert not session.problems("training")
