"""One truth (issue 27): Review draws, ``r`` runs and export writes the same pipeline, the
one the config file holds. A stage shown for the first time ticks the recommended services,
and those ticks are written to the file at once: what the screens show as chosen is what the
file says, whoever reads it next (``sm-wizard run``, the engine behind ``r``, the export)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Input
from wizard_support import until, wizard_app

from tui.navigation import screen_order
from tui.screens.review import ReviewScreen
from tui.session import Session
from tui.widgets.dag_view import DagView
from wizard.plan import build_plan
from wizard.store import load_config, write_document
from wizard.templates import template_document, write_template_data

SIZE = (100, 30)
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _fresh_project(tmp_path: Path) -> Path:
    """What ``sm-wizard init`` gives a newcomer, with their data, target and problem type."""
    path = tmp_path / "wizard.toml"
    doc = template_document("blank")
    write_template_data("demo", path)
    demo = template_document("demo")["data_collection"]
    doc["data_collection"].update(input_uri=demo["input_uri"], target_column="target")
    doc["profile"] = {"problem_type": "binary_classification"}
    write_document(path, doc)
    return path


def _steps(config) -> list[str]:  # type: ignore[no-untyped-def]
    return [step.name for step in build_plan(config).steps]


async def test_review_run_and_export_show_run_and_write_the_same_steps(tmp_path: Path) -> None:
    path = _fresh_project(tmp_path)
    seen: list[Path] = []
    gate = threading.Event()

    def factory(target: Path):  # type: ignore[no-untyped-def]
        seen.append(target)
        gate.wait(10)
        raise RuntimeError("no engine in this test")

    app = wizard_app(Session.open_file(path), path)
    app.engine_factory = factory
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        # a newcomer walks every stage, taking what is shown, then reviews
        for stage in screen_order()[1:-2]:
            app.goto(stage)
            await pilot.pause()
        app.goto("review")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
        await pilot.pause()
        dag = app.screen.query_one(DagView)
        shown = [name for level in dag.graph.levels for name in level]
        # r: the engine is built for the file, and runs what the file holds
        app.run_pipeline()
        await until(pilot, lambda: bool(seen))
        assert seen == [path]
        ran = _steps(load_config(path))
        gate.set()
        await until(pilot, lambda: not app.preparing_run)
        # export writes the project, whose wizard.toml the exported pipeline is built from
        app.goto("export")
        await until(pilot, lambda: bool(getattr(app.screen, "rendered", None)))
        out = tmp_path / "exported"
        app.screen.query_one("#folder", Input).value = str(out)
        app.screen.query_one("#verify").value = False
        await pilot.press("ctrl+f")
        await until(pilot, lambda: app.exported_to is not None)
        exported = _steps(load_config(out / "wizard.toml"))
    assert sorted(shown) == sorted(ran) == sorted(exported)
    assert any("register" in name.lower() for name in shown), shown  # the advice is in it
