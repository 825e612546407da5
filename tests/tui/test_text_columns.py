"""Free text in the wizard (issue 32): the welcome screen offers the text demo, the data
report's finding lists a free-text column as text with one key, and the data-preparation
screen picks text columns from the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from wizard_support import form_ready, wizard_app

from tui.screens.stage import StageScreen
from tui.screens.welcome import START_OPTIONS
from tui.session import Session
from tui.widgets.column_picker import ColumnPicker
from tui.widgets.findings_list import FindingsList
from tui.widgets.form import FieldRow
from wizard.store import read_document, write_document
from wizard.templates import template_document, write_template_data

pytestmark = pytest.mark.anyio
SIZE = (100, 30)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def text_project(folder: Path, *, listed: bool) -> Path:
    path = folder / "wizard.toml"
    doc = template_document("text-demo")
    if not listed:
        doc["data_preparation"]["text_columns"] = []
    write_document(path, doc)
    write_template_data("text-demo", path)
    return path


async def settle(app, pilot) -> None:  # type: ignore[no-untyped-def]
    await form_ready(pilot)
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def on(path: Path, screen: str) -> Session:
    session = Session.open_file(path)
    session.visited = {"profile", "data_collection", "data_preparation"}
    session.screen = screen
    return session


def test_the_welcome_screen_offers_the_text_demo() -> None:
    assert "text-demo" in [name for name, _, _ in START_OPTIONS]


async def test_enter_on_the_free_text_finding_lists_the_column_as_text(tmp_path: Path) -> None:
    path = text_project(tmp_path, listed=False)
    session = on(path, "data_collection")
    app = wizard_app(session, path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, StageScreen)
        findings = app.screen.query_one("#findings", FindingsList)
        text = [i for i, f in enumerate(findings.findings) if f.code == "free_text"]
        assert {findings.findings[i].column for i in text} == {"subject", "body"}
        findings.highlighted = next(i for i in text if findings.findings[i].column == "body")
        findings.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert session.doc["data_preparation"]["text_columns"] == ["body"]
        assert read_document(path)["data_preparation"]["text_columns"] == ["body"]


async def test_text_columns_are_picked_from_the_file_with_the_reports_marks(
    tmp_path: Path,
) -> None:
    path = text_project(tmp_path, listed=False)
    app = wizard_app(on(path, "data_preparation"), path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        row = app.screen.query_one("#row-data_preparation-text_columns", FieldRow)
        assert isinstance(row.control, ColumnPicker)
        assert [name for _, name in row.control._columns] == [
            "subject",
            "body",
            "channel",
            "tenure_months",
            "team",
        ]
        marks = dict(row.spec.marks)
        assert marks.get("subject") and marks.get("body") and not marks.get("channel")
