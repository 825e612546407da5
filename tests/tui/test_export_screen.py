"""The Export screen: renders in a worker (the screen stays live), offers a folder next to the
config file, and exporting again after editing the project keeps the edits (issue 13)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual.widgets import Input
from wizard_support import demo_doc, demo_session, until, wizard_app

from tui.screens.export import ExportScreen
from wizard.store import write_document
from wizard.templates import write_template_data

SIZE = (100, 30)
pytestmark = pytest.mark.anyio
TOP_EDIT = "# my note: we own this file now\n"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "wizard.toml"
    write_document(path, demo_doc())
    write_template_data("demo", path)
    return path


async def _write(app, pilot) -> None:  # type: ignore[no-untyped-def]
    screen = app.screen
    await until(pilot, lambda: bool(screen.rendered))  # the dry-run render
    screen.query_one("#verify").value = False
    await pilot.press("ctrl+f")
    await until(pilot, lambda: screen.outcome is not None and not screen.busy)


async def _reopen_export(app, pilot) -> None:  # type: ignore[no-untyped-def]
    app.goto("review")
    await pilot.pause()
    app.goto("export")
    await until(
        pilot, lambda: isinstance(app.screen, ExportScreen) and bool(app.screen.query("#verify"))
    )


async def test_export_edit_reexport_keeps_edits_and_lists_conflicts(tmp_path: Path) -> None:
    config = _config(tmp_path)
    session = demo_session("export", doc=demo_doc(), path=config)
    app = wizard_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        folder = app.screen.query_one("#folder", Input).value
        assert folder == str(tmp_path / "breast-cancer-demo")  # next to the config file
        await _write(app, pilot)
        first = app.screen.outcome
        assert first is not None and first.error is None, first
        out = tmp_path / "breast-cancer-demo"
        pipeline = out / "pipeline.py"
        assert (pipeline.stat().st_mode & 0o777) == 0o755

        # the person edits the top of pipeline.py, then changes an answer in the wizard
        lines = pipeline.read_text().splitlines(keepends=True)
        pipeline.write_text("".join([*lines[:3], TOP_EDIT, *lines[3:]]))
        app.session.set_value("training", "max_runtime_seconds", 7200)
        await _reopen_export(app, pilot)
        await _write(app, pilot)
        second = app.screen.outcome
        assert second is not None and second.error is None, second
        assert second.merged == ["pipeline.py"] and second.conflicts == []
        text = pipeline.read_text()
        assert TOP_EDIT in text and "max_runtime_in_seconds=7200," in text
        result = str(app.screen.query_one("#export-result").content)
        assert "Merged your edits with the new version: pipeline.py" in result

        # now an edit on the very line the next answer change rewrites
        pipeline.write_text(
            text.replace("max_runtime_in_seconds=7200,", "max_runtime_in_seconds=5400,  # mine")
        )
        app.session.set_value("training", "max_runtime_seconds", 9000)
        await _reopen_export(app, pilot)
        await _write(app, pilot)
        third = app.screen.outcome
        assert third is not None and third.error is None, third
        assert third.conflicts == ["pipeline.py"]
        text = pipeline.read_text()
        assert "<<<<<<< yours\n" in text and ">>>>>>> new export\n" in text
        assert "max_runtime_in_seconds=5400,  # mine" in text
        assert "max_runtime_in_seconds=9000," in text
        assert TOP_EDIT in text
        result = str(app.screen.query_one("#export-result").content)
        assert "Conflicts in pipeline.py" in result


async def test_the_files_render_in_a_worker_while_the_screen_stays_live(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import exporters.render as render

    release = threading.Event()
    started = threading.Event()
    real = render.render_project

    def slow_render(plan, config):  # type: ignore[no-untyped-def]
        started.set()
        assert release.wait(30), "the test never released the render"
        return real(plan, config)

    monkeypatch.setattr(render, "render_project", slow_render)
    monkeypatch.chdir(tmp_path)  # the relative folder typed below is written here
    app = wizard_app(demo_session("export", doc=demo_doc(), path=_config(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert started.wait(30)
        assert screen.rendering and screen.rendered == {}
        # the UI thread is free while the render is held: typing reaches the folder field
        field = screen.query_one("#folder", Input)
        field.value = ""
        await pilot.press(*"elsewhere")
        await pilot.pause()
        assert field.value == "elsewhere"
        assert "rendering" in str(screen.query_one("#files-heading").content)
        await pilot.press("ctrl+f")  # asked before the files exist: waits for them
        await pilot.pause()
        assert screen.outcome is None
        screen.query_one("#verify").value = False
        release.set()
        await until(pilot, lambda: screen.outcome is not None and not screen.busy)
        assert "pipeline.py" in screen.rendered
        count = len(screen.rendered) + len(screen.data_copies)
        assert str(screen.query_one("#files-heading").content) == f"The files it writes ({count})"
        assert screen.outcome is not None and screen.outcome.error is None, screen.outcome
        assert (tmp_path / "elsewhere" / "pipeline.py").is_file()
