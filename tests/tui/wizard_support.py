"""Helpers for the wizard's pilot and snapshot tests: an app built on an injected session."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.app import WizardApp
from tui.navigation import screen_order
from tui.session import Session
from wizard.templates import template_document

FIXED_CLOCK = "2026-11-26T12:00:00"


def demo_session(
    screen: str = "profile",
    *,
    doc: dict[str, Any] | None = None,
    visited: str = "all",
    path: Path | None = None,
) -> Session:
    """A session on the demo (sample data written next to the autosave, as the app does)."""
    if doc is None:
        session = Session.from_template("demo")
    else:
        session = Session(copy.deepcopy(doc), path)
        session.unsaved_to_file = path is None
    session._clock = lambda: FIXED_CLOCK  # type: ignore[method-assign]
    order = screen_order()
    if visited == "all":
        session.visited = set(order[:-2])
    elif visited == "before":
        session.visited = set(order[: order.index(screen)])
    session.screen = screen
    return session


def wizard_app(session: Session | None = None, path: Path | None = None) -> WizardApp:
    """The app as a person gets it, minus the cursor blink and the autosave delay."""
    return WizardApp(path, session=session, autosave_delay=0, cursor_blink=False)


def demo_doc() -> dict[str, Any]:
    return copy.deepcopy(template_document("demo"))


async def form_ready(pilot: Any, timeout: float = 10.0) -> None:
    """Wait until the form on screen has mounted its rows below the fold (a form screen
    mounts them one frame after its first paint, and starts its data check then)."""
    mounted = getattr(pilot.app.screen, "form_mounted", None)
    if mounted is not None:
        await asyncio.wait_for(mounted.wait(), timeout)
    await pilot.pause()


async def until(pilot: Any, condition: Callable[[], bool], what: str = "the condition") -> None:
    """Let the app's workers finish and their messages land until ``condition()`` holds
    (bounded: a worker that never ends fails the test, it does not hang it)."""
    for _ in range(50):
        if condition():
            return
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    raise AssertionError(f"{what} never held")


async def export_rendered(pilot: Any) -> None:
    """The Export screen renders its file list in a worker: wait for it."""
    await until(
        pilot,
        lambda: bool(getattr(pilot.app.screen, "rendered", None)),
        "the export screen's rendered file list",
    )
