"""The session without an app: the one source of truth the screens read and write."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from wizard_support import demo_doc

from tui.navigation import screen_of_path, screen_order
from tui.screens.choices import default_source
from tui.session import Session
from tui.session_files import autosave_file, backup_corrupt_autosave, find_resumable, meta_file
from tui.widgets.dag_view import DagView, Graph
from tui.widgets.form import ProblemMap, from_text, to_text
from wizard.plan import build_plan
from wizard.templates import template_document


def test_changes_revalidate_and_name_the_field() -> None:
    session = Session(demo_doc())
    assert session.config is not None and session.problems() == []
    session.set_value("training", "max_runtime_seconds", 10)
    assert session.config is None
    [problem] = session.problems("training")
    assert problem.path == "training.max_runtime_seconds"
    session.visited.add("training")
    assert session.stage_state("training") == "problems"
    session.set_value("training", "max_runtime_seconds", None)  # back to the default
    assert "max_runtime_seconds" not in session.doc["training"]
    assert session.stage_state("training") == "complete"


def test_rules_between_tables_belong_to_the_stage_they_name() -> None:
    session = Session(demo_doc())
    session.set_value("evaluation", "metric", "rmse")
    assert [p.path for p in session.problems("evaluation")] == ["evaluation.metric"]
    assert session.problems("training") == []


def test_a_blank_project_gets_the_advice_as_its_first_choice() -> None:
    session = Session(template_document("blank"))
    assert session.ensure_section("deployment") is True
    advised = [p.service for p in session.recommendations()["deployment"].recommended]
    assert session.doc["deployment"]["services"] == advised
    assert session.ensure_section("deployment") is False  # never twice


def test_recommendations_keep_the_last_good_answers() -> None:
    session = Session(demo_doc())
    session.set_value("profile", "prediction_mode", "realtime")
    realtime = session.recommendations()["deployment"]
    session.set_value("profile", "data_size_gb", "lots")
    assert session.recommendations()["deployment"] == realtime


def test_autosave_and_resume_round_trip() -> None:
    session = Session.from_template("demo")
    session.screen = "tuning"
    session.visited = {"profile", "data_collection"}
    session.set_value("project", "name", "my-model")
    session.write()
    meta = json.loads(meta_file().read_text())
    assert meta["file"] is None and meta["screen"] == "tuning"
    info = find_resumable()
    assert info is not None and info.project == "my-model" and info.file is None
    again = Session.resume(info)
    assert again.doc == session.doc
    assert again.visited == {"profile", "data_collection"} and again.screen == "tuning"
    assert again.unsaved_to_file is True


def test_save_as_moves_the_session_and_takes_the_data(tmp_path: Path) -> None:
    session = Session.from_template("demo")
    target = tmp_path / "project" / "wizard.toml"
    copied = session.save_as(target)
    assert copied == target.parent / "data" / "breast_cancer.csv" and copied.is_file()
    assert session.path == target and session.unsaved_to_file is False
    session.set_value("evaluation", "threshold", 0.95)
    session.write()
    assert "threshold = 0.95" in target.read_text()
    assert find_resumable().file == target.resolve()


def test_a_file_that_does_not_exist_starts_blank(tmp_path: Path) -> None:
    session = Session.open_file(tmp_path / "new.toml")
    assert session.screen == "profile" and session.visited == set()
    session.set_value("project", "name", "fresh")
    session.write()
    assert (tmp_path / "new.toml").is_file() and not autosave_file().exists()


def test_paths_find_their_screen_and_row() -> None:
    assert screen_of_path("project.name") == "profile"
    assert screen_of_path("tuning.ranges[0].min_value") == "tuning"
    assert screen_order()[0] == "profile" and screen_order()[-1] == "export"
    rows = {"tuning.ranges[0].min_value": "min", "tuning.ranges": "all", "tuning": "stage"}
    mapping = ProblemMap(rows)
    assert mapping.row_for("tuning.ranges[0].min_value") == "min"
    assert mapping.row_for("tuning.ranges[1].name") == "all"
    assert mapping.row_for("tuning.strategy") == "stage"
    assert mapping.row_for("training.algorithm") is None


def test_typed_text_converts_or_is_kept() -> None:
    assert from_text("int", "3600") == 3600
    assert from_text("int", "1h") == "1h"  # kept, so the model reports it
    assert from_text("float", "0.7") == 0.7
    assert from_text("optional_float", " ") is None
    assert from_text("list", "id, name,") == ["id", "name"]
    assert to_text(["a", "b"]) == "a, b" and to_text(0.001) == "0.001"


def test_dag_drawing_of_the_demo() -> None:
    doc = demo_doc()
    doc["evaluation"]["services"] = ["model-monitor"]  # a branch beside the features to draw
    session = Session(doc)
    view = DagView(Graph.from_plan(build_plan(session.config)))
    lines = [line.plain.rstrip() for line in view.lines(80)]
    assert lines[0].strip() == "PrepareData"
    assert "┌──────────┴────────┐" in lines[1]
    assert lines[2].split() == ["EngineerFeatures", "DataQualityBaseline"]
    assert any("CheckMetric" in line and "also after DataQualityBaseline" in line for line in lines)
    assert lines[-1] == "¬ runs only when the condition is not met"
    narrow = [line.plain for line in view.lines(20)]  # too narrow: a list, never clipped
    assert narrow[0].startswith(" 1 PrepareData")


def test_base_dir_is_the_files_folder_or_where_the_wizard_started(tmp_path: Path) -> None:
    started = tmp_path / "here"
    started.mkdir()
    session = Session(demo_doc(), None, start_dir=started)
    assert session.base_dir == started.resolve()  # never the state folder
    assert session.base_dir != autosave_file().parent.resolve()
    assert session.resolve("data/x.csv") == started.resolve() / "data" / "x.csv"
    session.save_as(tmp_path / "proj" / "wizard.toml")
    assert session.base_dir == (tmp_path / "proj").resolve()


def test_a_corrupt_autosave_is_moved_aside_intact() -> None:
    autosave = autosave_file()
    autosave.parent.mkdir(parents=True, exist_ok=True)
    assert backup_corrupt_autosave() is None  # nothing there
    autosave.write_text('[project]\nname = "ok"\n')
    assert backup_corrupt_autosave() is None  # readable: left alone
    autosave.write_text("[[[ not toml")
    backup = backup_corrupt_autosave()
    assert backup is not None and backup.name.startswith("autosave.toml.corrupt-")
    assert backup.read_text() == "[[[ not toml" and not autosave.exists()


def test_shown_advice_is_written_but_not_an_undo_step(tmp_path: Path) -> None:
    doc = demo_doc()
    del doc["monitoring"]
    original = doc["training"].get("instance_count")
    session = Session(doc, tmp_path / "wizard.toml")
    assert session.ensure_section("monitoring") is True
    # what the stage shows ticked is what the file holds (issue 27: one truth)
    assert session.pending_write is True and not session.can_undo
    session.set_value("training", "instance_count", 3)
    session.set_value("training", "instance_count", 4)
    assert session.pending_write is True
    assert session.undo() and session.doc["training"]["instance_count"] == 3
    assert session.undo()
    assert session.doc["training"].get("instance_count") == original
    assert "monitoring" in session.doc  # the advice shown stays
    assert not session.undo()


def test_where_the_data_is_follows_the_input_in_the_form_and_the_advice() -> None:
    """Unset, the profile's data source follows the input, on the profile form (its shown
    default) and in the data-collection advice, as WizardConfig validates it."""
    doc = template_document("blank")
    session = Session(doc)
    shown = default_source(session)

    def s3_reason() -> str:
        picks = session.recommendations()["data_collection"].recommended
        return next(p.reason for p in picks if p.service == "s3")

    assert shown("profile.data_source") is None  # no input yet: the model's own default
    session.set_value("data_collection", "input_uri", "data/mine.csv")
    assert shown("profile.data_source") == "local_files"
    assert "local files" in s3_reason()
    session.set_value("data_collection", "input_uri", "s3://bucket/mine.csv")
    assert shown("profile.data_source") == "s3"
    assert "already in S3" in s3_reason()
    session.set_value("profile", "data_source", "database")  # an answer wins
    assert "database" in s3_reason()


def test_the_data_size_follows_the_file_read_in_the_form_and_the_advice() -> None:
    """Unset, the profile's size is the file's once the data has been read (as the export
    and the run take it from the data checks)."""
    session = Session(template_document("blank"))
    shown = default_source(session)

    def prepare_reason() -> str:
        return session.recommendations()["data_preparation"].recommended[0].reason

    assert shown("profile.data_size_gb") is None and "about 1 GB" in prepare_reason()
    read = SimpleNamespace(file_bytes=2_500_000_000, files=1)
    session.remember_data_report(SimpleNamespace(profile=read))  # type: ignore[arg-type]
    assert shown("profile.data_size_gb") == 2.5
    assert "about 2.5 GB" in prepare_reason()
    session.set_value("profile", "data_size_gb", 40)  # an answer wins
    assert "about 40 GB" in prepare_reason()
