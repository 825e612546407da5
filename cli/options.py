"""What the verbs share: the FILE argument's type, and bad input said as a ``WizardError``.

A ``WizardError`` leaves the command as one line on stderr and exit code 2 (the group in
``cli/main.py`` catches it); these helpers word the common cases.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import click

from wizard.errors import WizardError

CONFIG_FILE = click.Path(dir_okay=False, path_type=Path)
"""The wizard's config file (TOML) a verb reads; click checks only that it is not a folder."""


def shell_command(*words: str | Path) -> str:
    """A command line for a person to paste: every word quoted for the shell (a path with
    spaces, quotes, ``$`` or ``;`` arrives intact and runs nothing), and a relative path
    that starts with ``-`` written ``./-...`` so the command does not read it as an option."""
    shown = []
    for word in words:
        text = str(word)
        if isinstance(word, Path) and text.startswith("-"):
            text = f"./{text}"
        shown.append(text)
    return shlex.join(shown)


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


def s3_probe_for(doc: Any) -> Any:
    """The S3 check for an ``s3://`` input (boto3 loads only then)."""
    section = doc.get("data_collection") if isinstance(doc, dict) else None
    uri = section.get("input_uri") if isinstance(section, dict) else None
    if not (isinstance(uri, str) and uri.startswith("s3://")):
        return None
    from runners.s3check import probe_s3

    return probe_s3


def load_checked(file: Path) -> Any:
    """FILE's config with every check ``validate`` makes, the data's included, and the
    answers the data gives (the number of classes). Its errors stop the command as
    ``validate`` prints them (exit 2), before anything is written or started."""
    from wizard.check import checked_config
    from wizard.errors import ConfigError
    from wizard.store import read_document

    doc = read_document(file)
    try:
        return checked_config(doc, file.resolve().parent, s3_probe=s3_probe_for(doc))
    except ConfigError as err:
        for problem in err.problems:
            click.echo(f"{file}: error: {problem}", err=True)
        count = len(err.problems)
        click.echo(
            f"{file}: {count} error{'s' if count != 1 else ''}; not valid "
            f"({shell_command('sm-wizard', 'validate', file)} says the same)",
            err=True,
        )
        sys.exit(2)
