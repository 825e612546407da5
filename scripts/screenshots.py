"""Regenerate ``screenshots/``: one SVG per wizard screen, the monitor after a local run of
the demo project, and the watch screen and the pipeline browser on a simulated SageMaker
account (``devtools/scene.py``: a pipeline this tool did not plan, its graph read from the
execution's definition, a running and a failed execution, their parameters).

    python scripts/screenshots.py [--out screenshots] [--size 100x30] [--only watch] [--png]

Each picture comes from ``App.run_test`` and ``App.save_screenshot`` (never drawn by hand);
the app state lives in a temporary folder, so running this touches nothing of yours.
``--png`` also writes a PNG beside each SVG (needs ``rsvg-convert``, Debian's librsvg2-bin).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # devtools/ (the simulated account) is not installed


async def _shoot(
    name: str,
    out: Path,
    size: tuple[int, int],
    screen: str | None,
    prepare: Callable[..., Awaitable[None]] | None = None,
    doc: dict | None = None,
) -> Path:
    from tui.app import WizardApp
    from tui.navigation import screen_order
    from tui.session import Session

    session = None
    if screen is not None:
        session = Session(doc, None) if doc is not None else Session.from_template("demo")
        session.visited = set(screen_order()[:-2])
        session.screen = screen
    app = WizardApp(session=session, autosave_delay=0, cursor_blink=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if prepare is not None:
            await prepare(pilot)
            await pilot.pause()
        path = Path(app.save_screenshot(filename=f"{name}.svg", path=str(out)))
    return path


async def _until(pilot, predicate: Callable[[], bool], what: str, seconds: float = 60) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"screenshots: {what} did not happen in {seconds:.0f} s")
        await pilot.pause(0.05)


async def _settle(pilot) -> None:
    """Let the screen catch up (a redraw, the footer, a log pane scrolling to its end)."""
    for _ in range(5):
        await pilot.pause(0.2)


async def _shoot_watch(out: Path, size: tuple[int, int]) -> list[Path]:
    """The watch screen on a pipeline this tool did not plan (running: the overview and its
    graph; failed: a step's details and the execution view), then the browser's lists."""
    from devtools.clock import SimulatedClock
    from devtools.scene import PIPELINE, demo_account
    from runners.sagemaker.browse import AccountBrowser
    from runners.sagemaker.watcher import SageMakerWatcher
    from tui.browse.screens import BrowseApp, ExecutionsScreen, PipelinesScreen
    from tui.monitor.app import MonitorApp

    scene = demo_account()
    shots: list[Path] = []

    def watcher(arn: str) -> SageMakerWatcher:
        return SageMakerWatcher(arn, aws=scene.aws, clock=scene.clock, on_notice=lambda n: None)

    def save(app, name: str) -> None:
        shots.append(Path(app.save_screenshot(filename=f"{name}.svg", path=str(out))))

    title = f"{PIPELINE} · {scene.running.rsplit('/', 1)[-1]}"
    app = MonitorApp(watcher(scene.running), None, title, clock=scene.clock.wall)
    async with app.run_test(size=size) as pilot:
        monitor = app.monitor
        await _until(
            pilot,
            lambda: (
                scene.clock.monotonic() >= scene.clock.until
                and len(monitor._rings.get("Train", ())) > 10
                and bool(monitor.query("#dag"))
            ),
            "the running execution",
        )
        await _settle(pilot)
        save(app, "22-watch-running")
        await pilot.press("g")
        await _settle(pilot)
        save(app, "23-watch-graph")

    title = f"{PIPELINE} · {scene.failed.rsplit('/', 1)[-1]}"
    app = MonitorApp(watcher(scene.failed), None, title, clock=scene.clock.wall)
    async with app.run_test(size=size) as pilot:
        monitor = app.monitor
        await _until(pilot, lambda: monitor._snapshot.execution.finished, "the failed execution")
        monitor._follow = False
        monitor._select_row("Train")
        await pilot.press("enter")
        await _settle(pilot)
        save(app, "24-watch-step-details")
        await pilot.press("escape", "e")
        await _settle(pilot)
        save(app, "25-watch-execution")

    browser = AccountBrowser(scene.aws, clock=SimulatedClock())
    app = BrowseApp(browser, watcher, where="us-east-1")
    async with app.run_test(size=size) as pilot:
        await _until(
            pilot,
            lambda: isinstance(app.screen, PipelinesScreen) and app.screen.loaded,
            "the pipelines",
        )
        await _settle(pilot)
        save(app, "26-browse-pipelines")
        await pilot.press("enter")
        await _until(
            pilot,
            lambda: (
                isinstance(app.screen, ExecutionsScreen)
                and app.screen.loaded
                and all(browser.known_parameters(r.arn) is not None for r in app.screen.rows)
            ),
            "the executions and their parameters",
        )
        await _settle(pilot)
        save(app, "27-browse-executions")
    return shots


async def _main(out: Path, size: tuple[int, int], only: str | None = None) -> list[Path]:
    if only == "watch":
        return await _shoot_watch(out, size)
    from wizard.stages import STAGES
    from wizard.templates import template_document

    async def quit_question(pilot) -> None:
        await pilot.press("ctrl+q")

    async def inline_error(pilot) -> None:
        row = pilot.app.screen.query_one("#row-training-max_runtime_seconds")
        row.focus_control()
        await pilot.press("end", "ctrl+u", *"two hours")

    async def written(pilot) -> None:
        await pilot.app.workers.wait_for_complete()
        # a relative folder: the export lands in the scratch folder (the cwd), never in ~
        pilot.app.screen.query_one("#folder").value = "breast-cancer-demo"
        pilot.app.screen.query_one("#verify").value = False
        await pilot.press("ctrl+f")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.clear_notifications()

    async def palette(pilot) -> None:
        await pilot.press("ctrl+p", *"tun")
        await pilot.pause(0.3)

    broken = template_document("demo")
    broken["data_preparation"]["train_ratio"] = 0.9
    broken["evaluation"]["metric"] = "rmse"

    shots: list[Path] = [await _shoot("01-welcome", out, size, None)]
    shots.append(await _shoot("02-profile", out, size, "profile"))
    for stage in STAGES:
        shots.append(await _shoot(f"{stage.number + 2:02d}-stage-{stage.id}", out, size, stage.id))
    shots.append(await _shoot("12-inline-error", out, size, "training", inline_error))
    shots.append(await _shoot("13-review", out, size, "review"))
    shots.append(await _shoot("14-review-problems", out, size, "review", doc=broken))
    shots.append(await _shoot("15-export", out, size, "export"))
    shots.append(await _shoot("16-export-written", out, size, "export", written))
    shots.append(await _shoot("17-quit-question", out, size, "data_collection", quit_question))
    shots.append(await _shoot("18-command-palette", out, size, "profile", palette))
    shots.append(await _shoot_monitor("19-monitor-local-run", out, size))
    messy = _messy_project(Path.cwd())

    async def findings(pilot) -> None:
        await _until_read(pilot)
        pilot.app.screen.query_one("#findings").focus(scroll_visible=False)
        await pilot.pause()
        pilot.app.screen.query_one("#data-profile").scroll_visible(animate=False, top=True)
        await pilot.pause()

    async def drop_columns(pilot) -> None:
        await _until_read(pilot)
        pilot.app.screen.query_one("#row-data_preparation-drop_columns").focus_control()

    shots.append(await _shoot("20-data-report", out, size, "data_collection", findings, messy))
    shots.append(
        await _shoot("21-column-picker", out, size, "data_preparation", drop_columns, messy)
    )
    shots += await _shoot_watch(out, size)
    return shots


async def _until_read(pilot) -> None:
    """Wait for the form's data check (its worker) and the column pickers it brings."""
    mounted = getattr(pilot.app.screen, "form_mounted", None)
    if mounted is not None:
        await asyncio.wait_for(mounted.wait(), 10)
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def _messy_project(folder: Path) -> dict:
    """A newcomer's own data in ``folder/data``: an id issued in label order, numbers written
    "1,234.50", dates as text, labels spelled four ways, 1 positive in 10."""
    import csv
    import random

    from wizard.templates import template_document

    rng = random.Random(1)
    rows = []
    for _ in range(400):
        positive = rng.random() < 0.1
        rows.append(
            [
                f"{rng.uniform(100, 5000) + 800 * positive:,.2f}",
                f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                rng.choice("abc"),
                round(rng.gauss(0, 1), 3),
                rng.choice(["Yes", " yes"]) if positive else rng.choice(["no", "No"]),
            ]
        )
    rows.sort(key=lambda r: str(r[-1]).strip().lower())
    (folder / "data").mkdir(exist_ok=True)
    with (folder / "data" / "churn.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "amount", "signup", "plan", "score", "churned"])
        writer.writerows([i, *row] for i, row in enumerate(rows))
    doc = template_document("blank")
    doc["project"]["name"] = "churn"
    doc["data_collection"].update(input_uri="data/churn.csv", target_column="churned")
    doc["profile"] = {"problem_type": "binary_classification"}
    return doc


async def _shoot_monitor(name: str, out: Path, size: tuple[int, int]) -> Path:
    """The run monitor after a real local run of the demo (about half a minute)."""
    import time

    from runners.local import local_engine_for
    from tui.monitor.app import MonitorApp
    from wizard.plan import build_plan
    from wizard.store import load_config, write_document
    from wizard.templates import template_document, write_template_data

    folder = Path.cwd() / "monitor-demo"
    config = folder / "wizard.toml"
    write_document(config, template_document("demo"))
    write_template_data("demo", config)
    engine = local_engine_for(config, run_root=folder / "runs", registry_dir=folder / "registry")
    app = MonitorApp(engine, build_plan(load_config(config)))
    async with app.run_test(size=size) as pilot:
        deadline = time.monotonic() + 600
        while not app.monitor._snapshot.execution.finished:
            if time.monotonic() > deadline:
                raise TimeoutError("the demo run did not finish in 10 minutes")
            await pilot.pause(0.2)
        await pilot.pause()
        return Path(app.save_screenshot(filename=f"{name}.svg", path=str(out)))


def _png(svg: Path) -> Path:
    """``svg`` rendered to a PNG beside it (rsvg-convert), to look at."""
    import shutil
    import subprocess

    tool = shutil.which("rsvg-convert")
    if tool is None:
        raise SystemExit("--png needs rsvg-convert (apt-get install librsvg2-bin)")
    png = svg.with_suffix(".png")
    subprocess.run([tool, "--background-color=white", "-o", str(png), str(svg)], check=True)
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--size", default="100x30", help="COLUMNSxLINES")
    parser.add_argument("--only", choices=["watch"], help="only the watch and browse pictures")
    parser.add_argument("--png", action="store_true", help="also a PNG beside each SVG")
    args = parser.parse_args(argv)
    columns, lines = (int(n) for n in args.size.lower().split("x"))
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)  # files are overwritten, others left alone
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["SM_WIZARD_STATE_DIR"] = str(Path(scratch) / "state")
        os.chdir(scratch)  # the export lands here, not in the repository
        shots = asyncio.run(_main(out, (columns, lines), args.only))
    if args.png:
        shots += [_png(shot) for shot in list(shots)]
    for shot in shots:
        print(shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
