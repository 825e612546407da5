"""Where the wizard's answers live and that none are lost (issues 9, 13 and 15).

These run the app with its real, threaded autosave (``autosave_delay`` > 0), so every check of
the disk waits for the content with a deadline instead of a fixed pause.
"""

from __future__ import annotations

import threading
import time
import tomllib
from pathlib import Path

import pytest
from textual.widgets import Input
from wizard_support import demo_session, form_ready

from tui.app import WizardApp
from tui.autosave import AutosaveWriter
from tui.screens.modals import ConfirmModal, QuitModal
from tui.screens.review import ReviewScreen
from tui.screens.stage import ProfileScreen, StageScreen
from tui.screens.welcome import WelcomeScreen
from tui.session import Session
from tui.session_files import autosave_file
from tui.widgets.form import FieldRow

SIZE = (100, 30)
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def live_app(session: Session | None = None, path: Path | None = None, **kw) -> WizardApp:
    """The app with its real writer thread (fsync 0.3 s after the keys pause)."""
    return WizardApp(path, session=session, autosave_delay=0.3, cursor_blink=False, **kw)


async def settle(pilot, times: int = 2) -> None:
    for _ in range(times):
        await pilot.pause()


async def wait_until(pilot, condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.01)


def toml_at(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


async def type_into(pilot, path: str, text: str) -> None:
    await form_ready(pilot)
    target = next(r for r in pilot.app.screen.query(FieldRow) if r.path == path)
    target.control.focus()
    await pilot.pause()
    await pilot.press("end", "ctrl+u", *list(text))


# ---------------------------------------------------------------------- the writer itself


def test_writer_writes_at_once_newest_wins_and_reports(tmp_path: Path) -> None:
    results: list[tuple[Path, BaseException | None]] = []
    gate = threading.Event()
    writer = AutosaveWriter(lambda p, e: results.append((p, e)), fsync_delay=0.05)
    target = tmp_path / "a.toml"

    started = threading.Event()

    def slow() -> str:
        started.set()
        gate.wait(5)
        return "v = 1\n"

    writer.submit(target, slow)  # the writer is now busy with it
    assert started.wait(5)
    for n in range(2, 6):  # queued while busy: only the newest is written next
        writer.submit(target, lambda n=n: f"v = {n}\n")
    gate.set()
    assert writer.flush(5)
    assert target.read_text() == "v = 5\n"
    assert writer.writes == 2 and all(e is None for _, e in results)

    bad = tmp_path / "file" / "x.toml"
    (tmp_path / "file").write_text("not a folder")
    writer.submit(bad, lambda: "v = 1\n")
    assert writer.flush(5)
    assert isinstance(writer.errors[bad], OSError) and results[-1][0] == bad
    writer.close()


# ---------------------------------------------------------------------- typing reaches disk


async def test_each_change_is_on_disk_well_within_half_a_second() -> None:
    app = live_app(demo_session("training"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "training.instance_count", "7")
        typed = time.monotonic()
        await wait_until(
            pilot,
            lambda: toml_at(autosave_file()).get("training", {}).get("instance_count") == 7,
        )
        assert time.monotonic() - typed < 0.5
        assert "autosaved" in app.sub_title and "NOT SAVED" not in app.sub_title


# ---------------------------------------------------------------------- unwritable places


@pytest.fixture
def unwritable_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A state folder no one can create (its parent is a file): every write there fails with
    an OSError, even for root, who ignores permission bits."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    monkeypatch.setenv("SM_WIZARD_STATE_DIR", str(blocker / "state"))
    return blocker / "state"


async def test_demo_starts_with_an_unwritable_state_folder(unwritable_state: Path) -> None:
    app = live_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await wait_until(pilot, lambda: app.screen.looked)
        await pilot.press("enter")  # the demo
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen)
        await wait_until(pilot, lambda: "NOT SAVED" in app.sub_title)
        messages = " ".join(str(n.message) for n in app._notifications)
        assert "sample data" in messages and "Not a directory" in messages
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitModal))
        await pilot.press("q")  # quit and lose them, said out loud
    assert app.return_code == 0


async def test_a_failed_save_is_never_claimed_and_quitting_asks(
    demo_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = demo_file.read_bytes()
    app = live_app(Session.open_file(demo_file), demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.goto("training")
        await settle(pilot)
        assert app.sub_title.endswith(f"saved to {demo_file}")

        def refuse(path: Path, text: str) -> None:
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr("tui.saving.write_now", refuse)
        await type_into(pilot, "training.instance_count", "3")
        await wait_until(pilot, lambda: "NOT SAVED" in app.sub_title)
        assert "Permission denied" in app.sub_title
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitModal))
        await pilot.press("escape")  # stay
        await settle(pilot)
        assert isinstance(app.screen, StageScreen)
        monkeypatch.undo()  # the folder is writable again: the next change saves everything
        monkeypatch.setenv("SM_WIZARD_STATE_DIR", str(autosave_file().parent))
        await type_into(pilot, "training.instance_count", "4")
        await wait_until(pilot, lambda: "NOT SAVED" not in app.sub_title)
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert app.return_code == 0
    assert demo_file.read_bytes() != before
    assert tomllib.loads(demo_file.read_text())["training"]["instance_count"] == 4


# ---------------------------------------------------------------------- files left alone


async def test_opening_a_file_and_quitting_leaves_it_byte_for_byte(demo_file: Path) -> None:
    text = demo_file.read_text()
    edited = "# my own note\n" + text
    demo_file.write_text(edited)
    app = live_app(Session.open_file(demo_file), demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.goto("feature_engineering")  # every table is there: looking changes nothing
        await settle(pilot)
        app.goto("review")
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert app.return_code == 0
    assert demo_file.read_text() == edited


async def test_a_stage_shown_with_its_advice_writes_it_keeping_comments(demo_file: Path) -> None:
    """A table the file lacks is filled with the advice when its stage is shown, and written
    at once (issue 27: the screens show what the file holds); the rest stays as it was."""
    text = demo_file.read_text()
    lines = text.split("\n")
    start = lines.index("[feature_engineering]")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("["))
    edited = "# my own note\n" + "\n".join(lines[:start] + lines[end:])
    demo_file.write_text(edited)
    app = live_app(Session.open_file(demo_file), demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.goto("feature_engineering")
        await settle(pilot)
        await wait_until(pilot, lambda: "feature_engineering" in toml_at(demo_file))
        await pilot.press("ctrl+q")
        await settle(pilot)
    written = demo_file.read_text()
    assert written.startswith("# my own note\n")
    assert toml_at(demo_file)["feature_engineering"]["services"] == ["processing-jobs"]


async def test_typing_in_the_wizard_keeps_the_files_comments(demo_file: Path) -> None:
    """Issue 13 "comments survive", through the app's own per-key write path."""
    text = demo_file.read_text().replace(
        'region = "us-east-1"', 'region = "us-east-1"  # where our data lives'
    )
    demo_file.write_text("# notes for the team\n" + text)
    app = live_app(Session.open_file(demo_file), demo_file)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.goto("profile")
        await settle(pilot)
        await type_into(pilot, "project.description", "typed here")
        await wait_until(
            pilot, lambda: toml_at(demo_file).get("project", {}).get("description") == "typed here"
        )
    written = demo_file.read_text()
    assert written.startswith("# notes for the team\n")
    assert 'region = "us-east-1"  # where our data lives' in written


async def test_a_corrupt_autosave_is_kept_before_a_new_project_replaces_it() -> None:
    autosave = autosave_file()
    autosave.parent.mkdir(parents=True, exist_ok=True)
    autosave.write_text("[project\nname = 'half written")
    app = live_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: app.screen.looked)
        choices = app.screen.query_one("#start-options")
        demo = next(
            i for i in range(choices.option_count) if choices.get_option_at_index(i).id == "demo"
        )
        choices.highlighted = demo
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")  # "Start new" over the unreadable session
        await wait_until(pilot, lambda: isinstance(app.screen, ProfileScreen))
        backups = list(autosave.parent.glob("autosave.toml.corrupt-*"))
        assert len(backups) == 1
        assert backups[0].read_text() == "[project\nname = 'half written"
        messages = " ".join(str(n.message) for n in app._notifications)
        assert str(backups[0]) in messages
        await wait_until(pilot, lambda: toml_at(autosave).get("project", {}).get("name"))
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitModal))
        await pilot.press("q")


# ---------------------------------------------------------------------- one truth


async def test_after_export_the_wizard_edits_the_exported_file(tmp_path: Path) -> None:
    from tui.screens.export import ExportScreen

    seen: list[Path] = []
    gate = threading.Event()

    def factory(path: Path):
        seen.append(path)
        gate.wait(10)
        raise RuntimeError("no engine in this test")

    app = live_app(demo_session("review"), engine_factory=factory)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.goto("export")
        await settle(pilot)
        assert isinstance(app.screen, ExportScreen)
        out = tmp_path / "exported"
        app.screen.query_one("#folder", Input).value = str(out)
        app.screen.query_one("#verify").value = False
        await pilot.press("ctrl+f")
        await wait_until(pilot, lambda: app.exported_to is not None, timeout=30)
        target = out.resolve() / "wizard.toml"
        assert app.session.path == target
        assert app.sub_title.endswith(f"saved to {target}")
        await wait_until(pilot, lambda: not autosave_file().exists())  # one truth: the file
        app.goto("evaluation")
        await settle(pilot)
        await type_into(pilot, "evaluation.threshold", "0.91")
        await wait_until(
            pilot, lambda: toml_at(target).get("evaluation", {}).get("threshold") == 0.91
        )
        # Review's Run: prepared in a worker for the exported file (runs live beside it)
        app.goto("review")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        app.run_pipeline()
        await wait_until(pilot, lambda: seen)
        assert seen == [target]
        await pilot.press("alt+1")  # the UI answers while the engine is being built
        await wait_until(pilot, lambda: getattr(app.screen, "screen_id", "") == "data_collection")
        gate.set()
        await wait_until(
            pilot, lambda: any("no engine" in str(n.message) for n in app._notifications)
        )
        assert app.preparing_run is False
        await pilot.press("ctrl+q")
        await settle(pilot)
    assert app.return_code == 0


# ---------------------------------------------------------------------- keys


async def test_a_word_typed_off_a_text_field_goes_nowhere_and_undo_restores() -> None:
    session = demo_session("training")
    app = live_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        picker = screen.query("ServicePicker").first()
        picker.focus()
        await settle(pilot)
        services = list(session.doc["training"].get("services", []))
        # the old one-letter navigation keys, the old "use the advice" key, and a column name
        await pilot.press(*"nbu123456789q", *"mean_radius")
        await settle(pilot)
        assert app.screen is screen and not app.screen.is_modal
        assert session.doc["training"].get("services", []) == services
        session.set_value("training", "services", [])  # any answer-changing key…
        app.session_changed()
        await pilot.press("ctrl+z")  # … is undone
        await settle(pilot)
        assert session.doc["training"]["services"] == services
        await wait_until(
            pilot,
            lambda: toml_at(autosave_file()).get("training", {}).get("services") == services,
        )
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitModal))
        await pilot.press("q")
