"""A form screen mounts its first screenful, paints, then mounts the rest (``tui.widgets.fold``).
The first frame must still be a full screen: the widgets mounted first reach the bottom of the
view at every terminal size, on every form screen, before and after a first visit."""

from __future__ import annotations

import pytest
from wizard_support import demo_session, form_ready, wizard_app

from tui.widgets.fold import text_lines
from wizard.stages import STAGE_IDS

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def test_text_lines_is_a_lower_bound_on_wrapping() -> None:
    assert text_lines("", 10) == 0
    assert text_lines("abc", 10) == 1
    assert text_lines("a" * 21, 10) == 3
    assert text_lines("one\n\ntwo", 10) == 3
    assert text_lines("x", 0) == 1  # no width: never divide by zero


@pytest.mark.parametrize(
    ("size", "visited"), [((80, 24), "all"), ((100, 30), "before"), ((160, 50), "all")]
)
async def test_first_frame_fills_the_view_on_every_form(size, visited) -> None:
    app = wizard_app(demo_session("profile", visited=visited))
    deferred = 0
    async with app.run_test(size=size) as pilot:
        for target in ["profile", *STAGE_IDS]:
            app.goto(target)
            await pilot.pause()
            await form_ready(pilot)
            screen = app.screen
            main = screen.query_one("#main")
            widgets = list(main.children)
            cut = screen.fold_at
            assert 0 < cut <= len(widgets), target
            if cut == len(widgets):
                continue  # the whole form came with the first frame
            deferred += 1
            first_batch_end = widgets[cut - 1].virtual_region_with_margin.bottom
            assert first_batch_end >= main.scrollable_content_region.height, (
                f"{target} at {size}: the first {cut} widgets end at line {first_batch_end}, "
                f"above the bottom of the view ({main.scrollable_content_region.height} lines)"
            )
    assert deferred, "no form had anything below the fold: the test checked nothing"


async def test_keys_in_a_row_outrun_the_fold_and_lose_nothing() -> None:
    """ctrl+f pressed faster than the screens paint: each screen left before its rows came
    stops there, the last one is whole, and every replaced screen is gone."""
    app = wizard_app(demo_session("profile"))
    async with app.run_test(size=(100, 30)) as pilot:
        await form_ready(pilot)
        await pilot.press(*["ctrl+f"] * 4, "ctrl+r", "ctrl+f")
        await form_ready(pilot)
        assert app.screen.screen_id == STAGE_IDS[3]  # profile → 4 forward, 1 back, 1 forward
        assert app.screen.query("#row-training-instance_type")  # below the fold: mounted
        await pilot.pause()
        assert len(app.screen_stack) == 2  # the default screen and the training screen
        assert not app._leaving  # every replaced screen removed
