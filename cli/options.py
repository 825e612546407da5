"""What the verbs share: the FILE argument's type, and bad input said as a ``WizardError``.

A ``WizardError`` leaves the command as one line on stderr and exit code 2 (the group in
``cli/main.py`` catches it); these helpers word the common cases.
"""

from __future__ import annotations

from pathlib import Path

import click

from wizard.errors import WizardError

CONFIG_FILE = click.Path(dir_okay=False, path_type=Path)
"""The wizard's config file (TOML) a verb reads; click checks only that it is not a folder."""


def fail(message: str) -> None:
    """Bad input: one line on stderr, exit 2."""
    raise WizardError(message)


def cannot_write(what: Path, exc: OSError, option: str = "--out") -> Exception:
    """A write that the system refused (read-only folder, a file where a folder should be,
    disk full), as bad input: exit 2 and a sentence naming the path, never a traceback."""
    failed = Path(exc.filename) if exc.filename else None
    if failed is not None and failed.name.endswith(".tmp"):  # the atomic write's temporary
        failed = failed.parent
    where = f" ({failed})" if failed is not None and failed != Path(what) else ""
    problem = exc.strerror or str(exc)
    if isinstance(exc, FileExistsError | NotADirectoryError):
        problem = "a file is where a folder should be"
    return WizardError(
        f"cannot write {what}{where}: {problem}; choose a folder you can write to with {option}",
        "Cannot write",
    )
