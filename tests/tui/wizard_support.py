"""Helpers for the wizard's pilot and snapshot tests: an app built on an injected session."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

from tui.app import WizardApp
from tui.session import Session, screen_order
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
