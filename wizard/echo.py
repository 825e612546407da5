"""How messages quote what a person typed, or a file held: cut to about 200 characters with
the full length said, so a 900,000-character value is never echoed whole (it filled 980 KB
of stderr and buried the sentence that said what to change).

``quoted`` is for the rules that name the value (``'aaaa…' (900,000 characters)``);
``capped_message`` is the backstop every ``Problem`` and ``WizardError`` goes through, for an
echo that does not use ``quoted``: a line longer than ``MESSAGE_LIMIT`` keeps its start and
its end (where the advice is) and says how much was cut.
"""

from __future__ import annotations

ECHO_LIMIT = 200
"""Characters of a value a message shows."""
MESSAGE_LIMIT = 1000
"""Characters of one message line; every echo through ``quoted`` keeps a line well below."""


def quoted(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)``, cut to about ``limit`` characters and then saying how long it was."""
    text = repr(value)
    if len(text) <= limit:
        return text
    length = len(value) if isinstance(value, str | bytes) else len(text)
    closing = text[-1] if text[-1] in "'\"" else ""
    return f"{text[:limit]}…{closing} ({length:,} characters)"


def capped_message(message: str, limit: int = MESSAGE_LIMIT) -> str:
    """``message`` with every line longer than ``limit`` cut in the middle."""
    if len(message) <= limit:
        return message
    return "\n".join(_capped_line(line, limit) for line in message.split("\n"))


def _capped_line(line: str, limit: int) -> str:
    if len(line) <= limit:
        return line
    keep = limit // 2
    return f"{line[:keep]}… ({len(line) - 2 * keep:,} characters cut) …{line[-keep:]}"
