"""Whether a screen can run here, and the message when it cannot.

The wizard, the run monitor and the account browser are Textual screens: they need a
terminal to draw on and to read keys from. Piped (``sm-wizard run FILE | tee log``),
redirected, in cron or under ``nohup``, a screen would draw into a file and wait for keys
that never come. The screens' commands ask ``has_terminal`` first: ``run`` and ``watch``
then print live lines instead (what ``--headless`` prints), the wizard and the browser
say what to use instead.
"""

from __future__ import annotations

import os
import sys

from wizard.errors import WizardError


def has_terminal() -> bool:
    """Whether a screen (the wizard, the monitor, the browser) can run here: stdin and
    stdout are a terminal, or a Textual driver brings its own (``sm-wizard serve``'s
    textual-serve sets ``TEXTUAL_DRIVER`` for the web). Piped, redirected or under
    ``nohup``, a screen would draw into a file and wait for keys that never come."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return True
    try:
        return os.isatty(sys.stdin.fileno()) and os.isatty(sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # closed, or replaced by a non-file
        return False


def need_terminal(what: str, instead: str) -> None:
    """Raise a ``WizardError`` (exit 2) saying that ``what`` needs a terminal and what to
    use ``instead``, unless there is one."""
    if not has_terminal():
        raise WizardError(
            f"{what} needs a terminal, and stdin or stdout is not one here (a pipe, a file "
            f"or /dev/null). {instead}",
            "No terminal",
        )
