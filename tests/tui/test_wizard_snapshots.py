"""One snapshot per wizard screen (stage screens at 80x24 and 120x40). Fixed sizes, no
clock, no cursor blink, state in a relative folder so no temp path reaches the picture.

Review the HTML report before accepting changes with ``--snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from wizard_support import demo_doc, demo_session, export_rendered, form_ready, wizard_app

from wizard.stages import STAGE_IDS

SMALL, LARGE = (80, 24), (120, 40)


@pytest.fixture(autouse=True)
def _relative_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SM_WIZARD_STATE_DIR", "state")


async def _settled(pilot) -> None:
    await form_ready(pilot)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def test_welcome(snap_compare) -> None:
    assert snap_compare(wizard_app(), terminal_size=SMALL, run_before=_settled)


def test_welcome_offers_resume(snap_compare) -> None:
    session = demo_session("training")
    session.write()
    assert snap_compare(wizard_app(), terminal_size=SMALL, run_before=_settled)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_profile(snap_compare, size) -> None:
    assert snap_compare(
        wizard_app(demo_session("profile")), terminal_size=size, run_before=_settled
    )


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
@pytest.mark.parametrize("stage", STAGE_IDS)
def test_stage(snap_compare, stage, size) -> None:
    # the data-reading screens fill in the data profile and column pickers from a worker
    assert snap_compare(wizard_app(demo_session(stage)), terminal_size=size, run_before=_settled)


def test_stage_with_inline_error(snap_compare) -> None:
    doc = demo_doc()
    doc["training"]["max_runtime_seconds"] = "two hours"
    doc["training"]["instance_count"] = 3
    doc["training"]["algorithm"] = "sklearn_random_forest"
    app = wizard_app(demo_session("training", doc=doc))

    async def to_settings(pilot) -> None:
        await form_ready(pilot)
        pilot.app.screen.query_one("#row-training-max_runtime_seconds").focus_control()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SMALL, run_before=to_settings)


@pytest.mark.parametrize("size", [SMALL, LARGE], ids=["80x24", "120x40"])
def test_review(snap_compare, size) -> None:
    app = wizard_app(demo_session("review"))

    async def to_pipeline(pilot) -> None:
        await _settled(pilot)
        pilot.app.screen.query_one("#dag").scroll_visible(animate=False, top=True)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=to_pipeline)


def test_review_with_problems(snap_compare) -> None:
    doc = demo_doc()
    doc["data_preparation"]["train_ratio"] = 0.9
    doc["evaluation"]["metric"] = "rmse"
    app = wizard_app(demo_session("review", doc=doc))
    assert snap_compare(app, terminal_size=SMALL, run_before=_settled)


def test_export(snap_compare) -> None:
    async def rendered(pilot) -> None:
        await export_rendered(pilot)

    assert snap_compare(
        wizard_app(demo_session("export")), terminal_size=SMALL, run_before=rendered
    )


def test_export_written(snap_compare, tmp_path, monkeypatch) -> None:
    app = wizard_app(demo_session("export"))
    monkeypatch.chdir(tmp_path)  # the project is written here, under a fixed relative name

    async def write(pilot) -> None:
        await export_rendered(pilot)
        pilot.app.screen.query_one("#folder").value = "breast-cancer-demo"
        pilot.app.screen.query_one("#verify").value = False
        await pilot.press("ctrl+f")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=LARGE, run_before=write)


def test_quit_asks_first(snap_compare) -> None:
    assert snap_compare(
        wizard_app(demo_session("data_collection")),
        terminal_size=SMALL,
        press=["ctrl+q"],
        run_before=_settled,
    )
