"""Two editors on one file (issue 30, item 3): the last writer no longer wins silently.

Each session keeps the content hash of what it last read or wrote; before each write it reads
the file again. Another writer's change is taken where this session did not change the same
keys; where both did, nothing is written, the header says which keys, and the person chooses
keep mine or take theirs.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest
from wizard_support import demo_doc, demo_session, form_ready, wizard_app

from tui.app import WizardApp
from tui.saving import ConflictModal
from tui.session import Session
from tui.session_files import merge_documents
from tui.session_saving import SaveConflict
from tui.widgets.form import FieldRow
from wizard.store import dumps, write_document

SIZE = (100, 30)
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def toml_at(path: Path) -> dict:
    return tomllib.loads(path.read_text("utf-8"))


def project_file(tmp_path: Path) -> Path:
    path = tmp_path / "wizard.toml"
    path.write_text("# my project\n" + dumps(demo_doc()), "utf-8")
    return path


def outside_edit(path: Path, section: str, key: str, value: object) -> None:
    """Another program (an editor, a second wizard) saves a change to ``path``."""
    doc = toml_at(path)
    doc[section][key] = value
    write_document(path, doc)


# ---------------------------------------------------------------------- the merge


def test_merge_takes_each_side_where_only_it_changed_and_names_conflicts() -> None:
    base = {"project": {"name": "a", "region": "x"}, "training": {"algorithm": "xgboost"}}
    mine = {"project": {"name": "a", "region": "y"}, "training": {"algorithm": "xgboost"}}
    theirs = {"project": {"name": "b", "region": "x"}, "training": {}, "new": {"k": 1}}
    merge = merge_documents(base, mine, theirs)
    assert merge.doc == {"project": {"name": "b", "region": "y"}, "training": {}, "new": {"k": 1}}
    assert sorted(merge.taken) == ["new", "project.name", "training.algorithm"]
    assert merge.conflicts == []

    clash = merge_documents(base, {**mine, "project": {"name": "m", "region": "x"}}, theirs)
    assert clash.conflicts == ["project.name"] and clash.doc["project"]["name"] == "m"
    theirs_wins = merge_documents(
        base, {**mine, "project": {"name": "m", "region": "x"}}, theirs, prefer="theirs"
    )
    assert theirs_wins.doc["project"]["name"] == "b"


# ---------------------------------------------------------------------- two sessions


def test_two_sessions_keep_each_others_changes(tmp_path: Path) -> None:
    path = project_file(tmp_path)
    a, b = Session.open_file(path), Session.open_file(path)
    a.set_value("project", "name", "renamed-by-a")
    a.write()
    b.set_value("training", "max_runtime_seconds", 1234)
    b.write()  # used to revert A's rename
    on_disk = toml_at(path)
    assert on_disk["project"]["name"] == "renamed-by-a"
    assert on_disk["training"]["max_runtime_seconds"] == 1234
    assert b.project_name == "renamed-by-a"  # B now shows A's name
    assert path.read_text("utf-8").startswith("# my project\n")  # edited in place

    a.set_value("project", "description", "from a")
    a.write()  # used to revert B's edit
    on_disk = toml_at(path)
    assert on_disk["training"]["max_runtime_seconds"] == 1234
    assert on_disk["project"]["description"] == "from a"

    # undo in B never reverts A's change: the undo steps took it too
    assert b.undo()
    b.write()
    on_disk = toml_at(path)
    assert on_disk["project"]["name"] == "renamed-by-a"
    assert on_disk["project"]["description"] == "from a"
    before = demo_doc()["training"].get("max_runtime_seconds")
    assert on_disk["training"].get("max_runtime_seconds") == before  # B's own edit undone


def test_same_key_is_refused_until_the_person_chooses(tmp_path: Path) -> None:
    path = project_file(tmp_path)
    a, b = Session.open_file(path), Session.open_file(path)
    a.set_value("project", "name", "name-a")
    a.set_value("project", "description", "only a")
    a.write()
    b.set_value("project", "name", "name-b")
    with pytest.raises(SaveConflict) as caught:
        b.write()
    assert caught.value.keys == ["project.name"] and "wizard.toml" in caught.value.message
    assert toml_at(path)["project"]["name"] == "name-a"  # not overwritten

    assert b.settle("theirs") is False  # nothing of B's own left to write
    assert b.project_name == "name-a" and b.doc["project"]["description"] == "only a"

    b.set_value("project", "name", "name-b2")
    a.set_value("project", "name", "name-a2")
    a.write()
    with pytest.raises(SaveConflict):
        b.write()
    assert b.settle("mine") is True
    b.write()
    on_disk = toml_at(path)
    assert on_disk["project"]["name"] == "name-b2"  # overwritten knowingly
    assert on_disk["project"]["description"] == "only a"  # A's other change kept


def test_an_unreadable_outside_save_is_not_overwritten(tmp_path: Path) -> None:
    path = project_file(tmp_path)
    session = Session.open_file(path)
    path.write_text("[project\nname = ", "utf-8")
    session.set_value("project", "name", "x")
    with pytest.raises(Exception, match="not valid TOML"):
        session.write()
    assert path.read_text("utf-8") == "[project\nname = "


# ---------------------------------------------------------------------- in the app


async def type_into(pilot, path: str, text: str) -> None:
    await form_ready(pilot)
    target = next(r for r in pilot.app.screen.query(FieldRow) if r.path == path)
    target.control.focus()
    await pilot.pause()
    await pilot.press("end", *list(text))


async def wait_until(pilot, condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.01)


def row_value(app: WizardApp, path: str) -> object:
    row = next(r for r in app.screen.query(FieldRow) if r.path == path)
    return getattr(row.control, "value", None)


@pytest.mark.parametrize("delay", [0, 0.3])  # written on the UI thread / fsynced by the writer
async def test_an_outside_change_is_merged_and_shown(tmp_path: Path, delay: float) -> None:
    path = project_file(tmp_path)
    session = Session.open_file(path)
    session.screen = "profile"
    app = WizardApp(path, session=session, autosave_delay=delay, cursor_blink=False)
    app.disk_check_seconds = 3600  # the change is found by the write, not while idle
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        other = Session.open_file(path)  # a second wizard on the same file
        other.set_value("project", "description", "written elsewhere")
        other.write()
        await type_into(pilot, "project.name", "-2")
        await wait_until(pilot, lambda: toml_at(path)["project"]["name"].endswith("-2"))
        on_disk = toml_at(path)
        assert on_disk["project"]["description"] == "written elsewhere"
        assert "NOT SAVED" not in app.sub_title
        await wait_until(pilot, lambda: app.screen.query(FieldRow).first().is_attached)
        await form_ready(pilot)
        assert row_value(app, "project.description") == "written elsewhere"
        await pilot.press("x")  # typing goes on in the field it was in
        await wait_until(pilot, lambda: toml_at(path)["project"]["name"].endswith("-2x"))
        assert toml_at(path)["project"]["description"] == "written elsewhere"


async def test_an_idle_wizard_shows_the_other_writers_change(tmp_path: Path) -> None:
    path = project_file(tmp_path)
    session = Session.open_file(path)
    session.screen = "profile"
    app = wizard_app(session, path)
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        other = Session.open_file(path)
        other.set_value("project", "name", "renamed-elsewhere")
        other.write()
        await wait_until(pilot, lambda: app.session.project_name == "renamed-elsewhere")
        await wait_until(pilot, lambda: bool(app.screen.query(FieldRow)))
        await form_ready(pilot)
        assert row_value(app, "project.name") == "renamed-elsewhere"
        assert "renamed-elsewhere" in app.sub_title and "NOT SAVED" not in app.sub_title
        await type_into(pilot, "project.description", "!")  # and B's next key keeps it
        await wait_until(pilot, lambda: toml_at(path)["project"]["description"].endswith("!"))
        assert toml_at(path)["project"]["name"] == "renamed-elsewhere"


async def test_a_conflicting_outside_change_is_kept_until_keep_mine(tmp_path: Path) -> None:
    path = project_file(tmp_path)
    session = Session.open_file(path)
    session.screen = "profile"
    app = wizard_app(session, path)
    app.disk_check_seconds = 3600  # the change is found by the write, not while idle
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        outside_edit(path, "project", "name", "theirs")
        await type_into(pilot, "project.name", "-")
        await wait_until(pilot, lambda: isinstance(app.screen, ConflictModal))
        assert toml_at(path)["project"]["name"] == "theirs"  # not overwritten
        assert "NOT SAVED" in app.sub_title and "project.name" in app.sub_title
        assert "wizard.toml" in app.sub_title
        await pilot.press("x", "y")  # typing on chooses nothing
        assert isinstance(app.screen, ConflictModal)
        await pilot.press("tab", "enter")  # keep mine
        await wait_until(pilot, lambda: toml_at(path)["project"]["name"].endswith("demo-"))
        assert "NOT SAVED" not in app.sub_title and "saved to" in app.sub_title


async def test_take_theirs_reloads_their_value(tmp_path: Path) -> None:
    path = project_file(tmp_path)
    session = Session.open_file(path)
    session.screen = "profile"
    app = wizard_app(session, path)
    app.disk_check_seconds = 3600  # the change is found by the write, not while idle
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        outside_edit(path, "project", "name", "theirs")
        await type_into(pilot, "project.name", "-mine")
        await wait_until(pilot, lambda: isinstance(app.screen, ConflictModal))
        await pilot.click("#theirs")
        await wait_until(pilot, lambda: app.session.project_name == "theirs")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConflictModal))
        await form_ready(pilot)
        assert row_value(app, "project.name") == "theirs"
        assert toml_at(path)["project"]["name"] == "theirs"
        assert "NOT SAVED" not in app.sub_title


async def test_decide_later_keeps_refusing_and_asks_again(tmp_path: Path) -> None:
    path = project_file(tmp_path)
    session = Session.open_file(path)
    session.screen = "profile"
    app = wizard_app(session, path)
    app.disk_check_seconds = 3600  # the change is found by the write, not while idle
    async with app.run_test(size=SIZE) as pilot:
        await form_ready(pilot)
        outside_edit(path, "project", "name", "theirs")
        await type_into(pilot, "project.name", "-")
        await wait_until(pilot, lambda: isinstance(app.screen, ConflictModal))
        await pilot.press("escape")  # decide later
        await wait_until(pilot, lambda: not isinstance(app.screen, ConflictModal))
        assert "NOT SAVED" in app.sub_title
        await pilot.press("z")  # the next change is not written either, and asks again
        await wait_until(pilot, lambda: isinstance(app.screen, ConflictModal))
        assert toml_at(path)["project"]["name"] == "theirs"


def test_a_new_draft_may_replace_the_autosave(tmp_path: Path) -> None:
    """A session from a template claims the autosave (the welcome screen asked first)."""
    old = demo_session()
    old.write()
    new = Session.from_template("demo")
    new.set_value("project", "name", "fresh")
    new.write()
    assert toml_at(new.save_target)["project"]["name"] == "fresh"
