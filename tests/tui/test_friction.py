"""Small frictions met on the way (issue 27): the keys panel closes with the key that opened
it or with Esc, and typing into a prefilled number field replaces its value."""

from __future__ import annotations

import pytest
from textual.widgets import HelpPanel, Input
from wizard_support import demo_session, form_ready, wizard_app

from tui.widgets.form import FieldRow

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_f1_and_esc_close_the_keys_panel() -> None:
    app = wizard_app(demo_session("training"))
    async with app.run_test(size=(100, 30)) as pilot:
        await form_ready(pilot)
        screen = app.screen
        await pilot.press("f1")
        await pilot.pause()
        assert screen.query(HelpPanel)
        await pilot.press("f1")
        await pilot.pause()
        assert not screen.query(HelpPanel)
        focused = app.focused
        await pilot.press("f1")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.query(HelpPanel)
        assert app.focused is focused  # Esc only closed the panel
        await pilot.press("escape")  # with no panel, Esc does what it did before
        await pilot.pause()
        assert app.focused is screen.query_one("#stepper")


async def test_typing_into_a_prefilled_number_replaces_it() -> None:
    session = demo_session("data_preparation")
    app = wizard_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await form_ready(pilot)
        screen = app.screen
        seed = screen.query_one("#row-data_preparation-random_seed", FieldRow)
        before = screen.query_one("#row-data_preparation-test_ratio", FieldRow)
        assert isinstance(seed.control, Input) and seed.control.value == "42"
        before.control.focus()
        await pilot.press("tab")  # the keyboard brings the focus to the prefilled field
        await pilot.pause()
        assert seed.control.has_focus
        await pilot.press("7")
        await pilot.pause()
        assert seed.control.value == "7"
        assert session.section("data_preparation")["random_seed"] == 7
        # a text field keeps its value and the cursor at its end
        name = screen.query_one("#row-data_preparation-drop_columns", FieldRow).control
        if isinstance(name, Input):
            assert name.select_on_focus is False
