"""The Jinja filters of the templates, and the names derived from the Plan's step names.

Every value that came from a person reaches generated Python through ``py()`` (a quoted
literal, as ``repr`` would write it) or, in comments, through ``comment()`` (no line breaks);
README text goes through ``markdown()`` or ``markdown_code()``. Derived names (variables,
job-name suffixes) come from ``snake``/``kebab``, checked to be plain identifiers.
"""

from __future__ import annotations

import html
import keyword
import math
import re
import unicodedata
from typing import Any

from .packaged import ExportError


def py(value: Any) -> str:
    """A Python literal for a plain value, quoted as ``ruff format`` keeps it.

    Strings go through ``repr`` (so quotes, backslashes and line breaks are escaped and can
    never end the literal), then switch to double quotes when that needs no extra escape.
    """
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ExportError(f"cannot write the number {value!r} into the pipeline")
        return repr(value)
    if isinstance(value, str):
        text = repr(value)
        if text.startswith("'") and '"' not in value:
            text = '"' + text[1:-1] + '"'
        return text
    if isinstance(value, list | tuple):
        return "[" + ", ".join(py(v) for v in value) + "]"
    raise ExportError(f"cannot write a {type(value).__name__} into the pipeline")


LINE_LENGTH = 100
"""The scaffold's line length (its pyproject.toml); generated lines follow ruff's layout."""


def assign(value: Any, name: str, indent: int = 0) -> str:
    """``NAME = <literal>`` laid out as ``ruff format`` does: wrapped in parentheses on its
    own line when the whole statement is too long but the value alone fits."""
    literal = py(value)
    pad = " " * indent
    line = f"{pad}{name} = {literal}"
    if _width(line) <= LINE_LENGTH or _width(pad + "    " + literal) > LINE_LENGTH:
        return line
    return f"{pad}{name} = (\n{pad}    {literal}\n{pad})"


def _width(text: str) -> int:
    """Display width, as ruff measures lines: wide East Asian characters count twice."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def comment(value: Any) -> str:
    """Text for a ``#`` comment or a Markdown line: never more than one line."""
    return _LINE_BREAKS.sub(" ", str(value))


# Characters that start Markdown syntax anywhere in a line: links and images ([a](b), ![a]),
# emphasis, code spans, strikethrough, table cells, and escapes themselves.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]~|#!])")
# Syntax that only counts at the start of a line: list items, numbered items, quote/setext.
_MARKDOWN_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+(?=[.)]))")


def markdown(value: Any) -> str:
    """User text as plain text in Markdown (the README): one line, with every character that
    could start Markdown or HTML backslash-escaped or entity-encoded, so ``[a](javascript:…)``,
    ``<script>`` or ``**x**`` reach the reader as the characters typed, never as a link, tag
    or formatting."""
    text = html.escape(comment(value), quote=False)
    text = _MARKDOWN_INLINE.sub(r"\\\1", text)
    return _MARKDOWN_LINE_START.sub(
        lambda m: (
            m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2))
        ),
        text,
    )


def markdown_code(value: Any) -> str:
    """User text as a Markdown code span (backticks included): nothing inside a code span is
    Markdown, so only the fence must be longer than any run of backticks in the text, and
    table bars are escaped (GFM splits table cells on them even inside code)."""
    text = comment(value).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def snake(name: str) -> str:
    """``PrepareData`` -> ``prepare_data``; checked to be a plain Python identifier."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    if not words.isidentifier() or keyword.iskeyword(words) or not words.isascii():
        raise ExportError(f"step or parameter name {name!r} does not make a Python name")
    return words


def kebab(name: str) -> str:
    return snake(name).replace("_", "-")
