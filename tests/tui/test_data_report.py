"""The data report on the wizard's screens (issue 27): findings with one-key fixes on the
data-collection screen, the column lists picked from the file with the report's suggestions
marked, and the evaluation and training forms that follow the problem type."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static
from wizard_support import form_ready, wizard_app

from tui.screens.stage import StageScreen
from tui.session import Session
from tui.widgets.column_picker import ColumnPicker
from tui.widgets.findings_list import FindingsList
from tui.widgets.form import FieldRow
from wizard.store import read_document, write_document
from wizard.templates import template_document

SIZE = (100, 30)
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def messy_project(folder: Path, problem_type: str = "binary_classification") -> Path:
    """A newcomer's own data: an id issued in label order, numbers written "1,234.50", ISO
    dates as text, labels spelled "Yes"/" yes"/"no"/"No", and 1 positive in 10."""
    rng = random.Random(1)
    rows = []
    for _ in range(400):
        positive = rng.random() < 0.1
        label = rng.choice(["Yes", " yes"]) if positive else rng.choice(["no", "No"])
        rows.append(
            [
                f"{rng.uniform(100, 5000) + 800 * positive:,.2f}",
                f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                rng.choice("abc"),
                round(rng.gauss(0, 1), 3),
                label,
            ]
        )
    rows.sort(key=lambda r: str(r[-1]).strip().lower())
    (folder / "data").mkdir(exist_ok=True)
    with (folder / "data" / "churn.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "amount", "signup", "plan", "score", "churned"])
        writer.writerows([i, *row] for i, row in enumerate(rows))
    doc = template_document("blank")
    doc["data_collection"].update(input_uri="data/churn.csv", target_column="churned")
    doc["profile"] = {"problem_type": problem_type}
    path = folder / "wizard.toml"
    write_document(path, doc)
    return path


def session_on(path: Path, screen: str) -> Session:
    session = Session.open_file(path)
    session.visited = {"profile", "data_collection", "data_preparation", "evaluation"}
    session.screen = screen
    return session


async def settle(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await form_ready(pilot)
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def listed(app) -> list[tuple[str, str | None, bool]]:  # type: ignore[no-untyped-def]
    findings = app.screen.query_one("#findings", FindingsList)
    return [
        (f.code, f.column, ok) for f, ok in zip(findings.findings, findings.fixable, strict=True)
    ]


async def test_findings_with_one_key_fixes(tmp_path: Path) -> None:
    path = messy_project(tmp_path)
    session = session_on(path, "data_collection")
    app = wizard_app(session, path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, StageScreen)
        found = listed(app)
        assert ("identifier", "customer_id", True) in found
        assert ("number_as_text", "amount", True) in found
        assert ("datetime", "signup", True) in found
        assert ("label_variants", "churned", True) in found
        assert ("imbalance", "churned", True) in found
        hint = str(app.screen.query_one("#findings-hint", Static).content)
        assert "Enter on one applies its fix" in hint
        # the keyboard reaches the list, and Enter fixes the highlighted finding
        findings = app.screen.query_one("#findings", FindingsList)
        findings.focus()
        await pilot.pause()
        index = next(i for i, f in enumerate(findings.findings) if f.code == "number_as_text")
        findings.highlighted = index
        await pilot.press("enter")
        await settle(app, pilot)
        assert session.doc["data_preparation"]["parse_numbers"] == ["amount"]
        assert read_document(path)["data_preparation"]["parse_numbers"] == ["amount"]  # saved
        assert ("number_as_text", "amount", True) not in listed(app)  # gone after the re-check
        # each kind of fix the wizard can make
        for code in ("identifier", "datetime", "label_variants", "imbalance"):
            findings = app.screen.query_one("#findings", FindingsList)
            findings.highlighted = next(
                i for i, f in enumerate(findings.findings) if f.code == code
            )
            findings.focus()
            await pilot.press("enter")
            await settle(app, pilot)
        prep = session.doc["data_preparation"]
        assert prep["drop_columns"] == ["customer_id"] and prep["parse_dates"] == ["signup"]
        assert prep["normalise_labels"] is True
        assert session.doc["training"]["hyperparameters"]["scale_pos_weight"] > 1
        assert not any(ok for _, _, ok in listed(app))
        assert "leak" not in [code for code, _, _ in listed(app)]  # the column is dropped
        # ctrl+z undoes a fix like any edit, and the finding comes back
        await pilot.press("ctrl+z")
        await settle(app, pilot)
        assert "scale_pos_weight" not in session.doc.get("training", {}).get("hyperparameters", {})
        assert ("imbalance", "churned", True) in listed(app)


async def test_column_lists_pick_from_the_file_with_suggestions(tmp_path: Path) -> None:
    path = messy_project(tmp_path)
    session = session_on(path, "data_preparation")
    app = wizard_app(session, path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        for field, column in (
            ("drop_columns", "customer_id"),
            ("parse_numbers", "amount"),
            ("parse_dates", "signup"),
        ):
            row = screen.query_one(f"#row-data_preparation-{field}", FieldRow)
            picker = row.control
            assert isinstance(picker, ColumnPicker), field
            assert [name for _, name in picker._columns] == [
                "customer_id",
                "amount",
                "signup",
                "plan",
                "score",
                "churned",
            ]
            assert dict(row.spec.marks).get(column), (field, row.spec.marks)
        row = screen.query_one("#row-data_preparation-drop_columns", FieldRow)
        picker = row.control
        picker.focus()
        picker.highlighted = 0
        await pilot.press("space")
        await settle(app, pilot)
        assert session.doc["data_preparation"]["drop_columns"] == ["customer_id"]
        row = screen.query_one("#row-data_preparation-drop_columns", FieldRow)
        assert not row.problem or "customer_id" not in row.problem


async def test_evaluation_follows_the_problem_type_and_the_pass_mark_may_be_empty(
    tmp_path: Path,
) -> None:
    path = messy_project(tmp_path, "regression")
    doc = read_document(path)
    doc["data_collection"]["target_column"] = "score"
    write_document(path, doc)
    session = session_on(path, "evaluation")
    app = wizard_app(session, path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        metric = screen.query_one("#row-evaluation-metric", FieldRow).control
        assert isinstance(metric, Select)
        assert [v for _, v in metric._options if v is not Select.NULL] == ["rmse", "mae", "r2"]
        assert metric.value == "rmse"  # what an unset metric is for a regression
        threshold = screen.query_one("#row-evaluation-threshold", FieldRow)
        assert isinstance(threshold.control, Input)
        assert threshold.control.value == ""
        assert threshold.control.placeholder == "empty: beat a naive guess"
        assert "naive guess" in threshold.spec.help
        threshold.control.focus()
        await pilot.press("2", ".", "5")
        await settle(app, pilot)
        assert session.doc["evaluation"]["threshold"] == 2.5
        await pilot.press("ctrl+a", "backspace")  # emptied: unset again, and valid
        threshold.control.value = ""
        await settle(app, pilot)
        assert "threshold" not in session.doc["evaluation"]
        assert not session.problems("evaluation")


async def test_training_offers_early_stopping_and_class_weights(tmp_path: Path) -> None:
    path = messy_project(tmp_path)
    session = session_on(path, "training")
    app = wizard_app(session, path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for name in ("early_stopping_rounds", "scale_pos_weight"):
            row = app.screen.query_one(f"#row-training-hyperparameters-{name}", FieldRow)
            assert row.spec.kind in ("optional_int", "optional_float")
        row = app.screen.query_one("#row-training-hyperparameters-early_stopping_rounds", FieldRow)
        row.control.focus()
        await pilot.press("2", "0")
        await settle(app, pilot)
        assert session.doc["training"]["hyperparameters"]["early_stopping_rounds"] == 20
        assert not session.problems("training")
