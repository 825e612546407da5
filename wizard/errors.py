"""Domain errors. Every user mistake surfaces as a ``WizardError``: never a traceback."""

from __future__ import annotations

from .echo import capped_message


class WizardError(Exception):
    """A problem the user can fix. ``message`` says what and how; ``title`` is a short heading."""

    exit_code = 2

    def __init__(self, message: str, title: str = "Error") -> None:
        message = capped_message(message)  # a huge echoed value is cut (wizard.echo)
        super().__init__(message)
        self.message = message
        self.title = title

    def __str__(self) -> str:
        return self.message


class ConfigError(WizardError):
    """The config file is invalid. ``problems`` holds one ``Problem`` per field at fault."""

    def __init__(self, problems: list, title: str = "Invalid configuration") -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems), title)


class StoreError(WizardError):
    """The config file cannot be read or written (missing, corrupt, not TOML)."""


class PlanError(WizardError):
    """The config is valid field by field but does not make a well-formed pipeline."""
