"""Start-up stays light: the wizard imports neither boto3 nor the SageMaker SDK (they cost
seconds and want a region), not when it starts and not while a person walks every screen;
and the welcome screen paints before the domain (pydantic) loads."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

FORBIDDEN = ("boto3", "botocore", "sagemaker", "aiobotocore")

WALK = textwrap.dedent(
    """
    import asyncio, json, sys
    from tui.app import WizardApp
    from tui.screens import welcome

    seen = {}

    # The welcome screen starts its session look-up (the domain's first import) after its
    # first refresh: record what was loaded at that moment, not whenever the pilot got here.
    look_up = welcome.WelcomeScreen._look_for_session

    def recording_look_up(self):
        seen.setdefault("before domain", "pydantic" in sys.modules)
        return look_up(self)

    welcome.WelcomeScreen._look_for_session = recording_look_up

    async def switched(pilot, app, before):
        # wait (up to 20 s) until the deferred screen switch has happened
        for _ in range(800):
            await pilot.pause()
            if app.screen is not before:
                return
            await asyncio.sleep(0.025)
        raise TimeoutError(f"still on {type(before).__name__}")

    async def main():
        app = WizardApp(autosave_delay=0, cursor_blink=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            before = app.screen
            await pilot.press("enter")  # the demo
            await switched(pilot, app, before)
            for _ in range(11):  # nine stages, review, export (dry-run render)
                before = app.screen
                await pilot.press("ctrl+f")
                await switched(pilot, app, before)
            await app.workers.wait_for_complete()
            seen["screen"] = type(app.screen).__name__
            seen["loaded"] = sorted(
                m for m in sys.modules if m.split(".")[0] in FORBIDDEN
            )

    asyncio.run(main())
    print(json.dumps(seen))
    """
).replace("FORBIDDEN", repr(FORBIDDEN))


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.strip().splitlines()[-1]


def test_starting_the_app_imports_no_aws_sdk() -> None:
    code = (
        "import sys\n"
        "from tui.app import WizardApp, run_app\n"
        "WizardApp()\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}"
        " or m == 'pydantic'))"
    )
    assert _run(code) == "[]"


def test_walking_every_screen_imports_no_aws_sdk() -> None:
    seen = json.loads(_run(WALK))
    assert seen["screen"] == "ExportScreen"
    assert seen["before domain"] is False
    assert seen["loaded"] == []
