"""The wizard's screens in order, and which config tables each one edits.

Profile, the nine stages (``wizard.stages``), Review, Export. Plain data and lookups: light
enough for the app module to import before the first frame (no pydantic).
"""

from __future__ import annotations

from wizard.stages import STAGE_IDS, get_stage

PROFILE = "profile"
REVIEW = "review"
EXPORT = "export"
FORM_SECTIONS: dict[str, tuple[str, ...]] = {PROFILE: ("project", "profile")}
"""Screens that edit more than one table; every stage screen edits the table of its id."""


def stage_ids() -> tuple[str, ...]:
    return STAGE_IDS


def screen_order() -> tuple[str, ...]:
    """Every screen of the wizard after the welcome, in order."""
    return (PROFILE, *stage_ids(), REVIEW, EXPORT)


def sections_of(screen: str) -> tuple[str, ...]:
    """The config tables a wizard screen edits (none for review and export)."""
    if screen in FORM_SECTIONS:
        return FORM_SECTIONS[screen]
    if screen in (REVIEW, EXPORT):
        return ()
    return (screen,)


def screen_of_path(path: str) -> str:
    """The screen that shows the field at a TOML path (``training.instance_type`` → training)."""
    section = path.split(".", 1)[0].split("[", 1)[0]
    for screen, sections in FORM_SECTIONS.items():
        if section in sections:
            return screen
    return section if section in stage_ids() else PROFILE


def screen_title(screen: str) -> str:
    """A wizard screen's name in words (``training`` → ``Model training``)."""
    if screen in STAGE_IDS:
        return get_stage(screen).title
    return {PROFILE: "Your project", REVIEW: "Review", EXPORT: "Export"}.get(screen, screen)


SHORT_TITLES = {
    "profile": "Your project",
    "data_collection": "Data collection",
    "data_preparation": "Data preparation",
    "feature_engineering": "Features",
    "training": "Training",
    "tuning": "Tuning",
    "evaluation": "Evaluation",
    "deployment": "Deployment",
    "monitoring": "Monitoring",
    "orchestration": "Automation",
    "review": "Review",
    "export": "Export",
}


def short_title(screen: str) -> str:
    """The stepper's name for a screen: stages get their number (``4 Training``)."""
    title = SHORT_TITLES.get(screen, screen)
    if screen in STAGE_IDS:
        return f"{STAGE_IDS.index(screen) + 1} {title}"
    return title
