"""What each column of the sample holds, judged by its values: a number, a number stored
as text (``"1,234.5"``, ``"$12"``, ``"45%"``, and the parse that would fix it), a date or
time (and its format), a category (and its levels), free text (sentences, or short texts
of several words such as titles and names), an identifier, a constant,
or mostly missing; each with the reason in words.

Work is done on a column's distinct values (counted in C by ``Counter``), so a 10,000-row
column costs about a millisecond unless nearly every value differs. A column's name is only
supporting evidence (an ``*_id`` name lowers the bar for calling unique values an
identifier); the values decide. How numbers and dates written as text are read lives in
wizard/datareport/parse.py.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..datasample import is_missing
from .parse import date_format, number_format, number_reason

ColumnKind = Literal[
    "number",
    "number_as_text",
    "datetime",
    "category",
    "free_text",
    "identifier",
    "constant",
    "mostly_missing",
]

MISSING_MARKERS = frozenset(
    spelling
    for marker in ("", "na", "nan", "null", "none", "n/a", "?")
    for spelling in (marker, marker.upper(), marker.capitalize(), "NaN", "N/a", "n/A")
)
"""The usual spellings of the markers ``datasample.is_missing`` reads as missing, removed
by set lookups before the slower per-value check."""
MOSTLY_MISSING = 0.6
"""Share of missing values from which a column is called mostly missing."""
NEAR_UNIQUE = 0.95
"""Distinct share from which short text values are called an identifier."""
MIN_ROWS_FOR_RATIOS = 30
"""Below this many present values, distinct ratios say little: only patterns decide."""
SHORT_TEXT_DISTINCT = 0.5
"""Distinct share from which values of several words (mostly letters) are short free text
(product titles, subjects, names), not categories or identifiers."""


@dataclass(frozen=True, slots=True)
class ColumnInsight:
    """One column: its inferred kind, why, and what would fix it."""

    name: str
    kind: ColumnKind
    reason: str
    """Why, in words a newcomer follows (``"values such as '1,234.5' are numbers written
    with ',' between thousands"``)."""
    missing: int
    missing_share: float
    distinct: int
    """Distinct present values (the levels, for a category)."""
    parse: dict[str, Any] | None = field(default=None)
    """For ``number_as_text`` and ``datetime``: how to read the values (the fix's fields)."""
    name_hint: bool = False
    """The name looks like an identifier's (``id``, ``customer_id``, ``uuid``...)."""
    numeric: bool = False
    """Every present value reads as a plain number (true of some identifiers too)."""


_ID_NAME = re.compile(
    r"(^|[_\s.\-])(id|ids|uuid|guid|key|idx|index|row|rowid|record|serial)$"
    r"|[a-z](Id|ID|Key|Uuid|UUID)$|^unnamed:?\s*\d*$",
)
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)
_HEX = re.compile(r"^[0-9a-fA-F]{16,}$")
_CODE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9_\-/.:#]*$")


def looks_like_id_name(name: str) -> bool:
    return bool(_ID_NAME.search(name.strip().lower()) or _ID_NAME.search(name.strip()))


def infer_column(
    name: str, values: Sequence[str | None], *, declared_id: bool = False
) -> ColumnInsight:
    """The insight for one column of text cells (``None`` or a missing marker is missing)."""
    return analyse_column(name, values, declared_id=declared_id)[0]


def analyse_column(
    name: str, values: Sequence[str | None], *, declared_id: bool = False
) -> tuple[ColumnInsight, dict[str, float] | None]:
    """The insight, and for a column of plain numbers each distinct cell's float (the leak
    check reuses it rather than converting again)."""
    raw = Counter(values)
    missing = raw.pop(None, 0)  # type: ignore[call-overload]
    for marker in MISSING_MARKERS & raw.keys():
        missing += raw.pop(marker)
    numbers = table = _all_floats(raw)
    if numbers is not None:  # the common case, done in C: numbers, no odd missing markers
        counts: Counter[str] = raw  # type: ignore[assignment]
    else:
        counts = Counter()
        for value, count in raw.items():
            if is_missing(value):
                missing += count
            else:
                counts[value.strip()] += count  # type: ignore[union-attr]
        numbers = plain_numbers(counts)
        if numbers is not None:
            table = {v: numbers[v.strip()] for v in raw if v.strip() in numbers}
    found = _judge(name, counts, numbers, len(values), missing, declared_id)
    return found, table if found.numeric else None


def _judge(
    name: str,
    counts: Counter[str],
    numbers: dict[str, float] | None,
    rows: int,
    missing: int,
    declared_id: bool,
) -> ColumnInsight:
    share = missing / rows if rows else 0.0
    present = rows - missing
    distinct = len(set(numbers.values())) if numbers is not None else len(counts)
    hint = looks_like_id_name(name)

    numeric = numbers is not None

    def insight(
        kind: ColumnKind, reason: str, parse: dict[str, Any] | None = None
    ) -> ColumnInsight:
        return ColumnInsight(name, kind, reason, missing, share, distinct, parse, hint, numeric)

    if not present:
        return insight("mostly_missing", "every value is missing" if rows else "no rows")
    if share >= MOSTLY_MISSING:
        return insight("mostly_missing", f"{share:.0%} of the values are missing")
    if distinct == 1:
        only = next(iter(counts))
        also = f" (the other {share:.0%} are missing)" if missing else ""
        return insight(
            "constant", f"every value is {only[:40]!r}{also}: it tells rows nothing apart"
        )
    if declared_id:
        return insight("identifier", "you marked it as the row identifier")
    if numbers is not None:
        return _numeric_kind(counts, numbers, present, distinct, hint, insight)
    parsed = number_format(counts, present)
    if parsed is not None:
        fmt, example = parsed
        return insight("number_as_text", number_reason(fmt, example), fmt)
    date = date_format(counts, present)
    if date is not None:
        fmt, reason = date
        return insight("datetime", reason, {"format": fmt})
    return _text_kind(counts, present, hint, insight)


def plain_numbers(counts: Counter[str] | dict[str, int]) -> dict[str, float] | None:
    """Each distinct value as a float, or ``None`` if any is not a plain number."""
    out: dict[str, float] = {}
    for value in counts:
        try:
            number = float(value)
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        out[value] = number
    return out


def _all_floats(counts: Counter[str]) -> dict[str, float] | None:
    """Every value as a finite float, converted in C; ``None`` if any is not one."""
    try:
        floats = list(map(float, counts))
    except ValueError:
        return None
    if not all(map(math.isfinite, floats)):
        return None
    return dict(zip(counts, floats, strict=True))


def _numeric_kind(counts, numbers, present, distinct, hint, insight) -> ColumnInsight:
    integers = all(map(float.is_integer, numbers.values()))
    padded = 0
    if integers:
        padded = sum(c for v, c in counts.items() if len(v) > 1 and v[0] == "0" and v[1] != ".")
    if integers and padded >= 0.1 * present:
        example = next(v for v in counts if len(v) > 1 and v[0] == "0")
        codes = f"codes written with leading zeros (such as {example!r}), not quantities"
        if distinct >= NEAR_UNIQUE * present and present >= MIN_ROWS_FOR_RATIOS:
            return insight("identifier", f"{codes}, nearly all different")
        return insight("category", f"{distinct:,} levels: {codes}")
    unique = distinct >= NEAR_UNIQUE * present  # a repeated row repeats its id too
    if integers and unique and (present >= MIN_ROWS_FOR_RATIOS or (hint and distinct == present)):
        low, high = min(numbers.values()), max(numbers.values())
        dense = (high - low) / max(1, distinct - 1) <= 1.5
        if dense:
            why = f"whole numbers, nearly all different, running from {low:.0f} to {high:.0f}"
            why += " almost without gaps"
            return insight("identifier", why + (", and the name says id" if hint else ""))
        if hint:
            return insight(
                "identifier", "whole numbers, nearly all different, and the name says id"
            )
    return insight("number", f"every value is a number ({distinct:,} distinct)")


# -------------------------------------------------------- identifiers, categories, text


def _text_kind(counts, present, hint, insight) -> ColumnInsight:
    distinct = len(counts)
    ratio = distinct / present
    words = sum(len(v.split()) * c for v, c in counts.items()) / present
    length = sum(len(v) * c for v, c in counts.items()) / present
    probe = list(counts)[:500]
    uuid = sum(1 for v in probe if _UUID.match(v) or _HEX.match(v))
    enough = present >= MIN_ROWS_FOR_RATIOS
    if uuid >= 0.9 * len(probe) and ratio >= 0.5:
        return insight(
            "identifier", f"UUID- or hash-like values such as {probe[0]!r}, {ratio:.0%} distinct"
        )
    if (words >= 4 or length >= 40) and ratio >= 0.5:
        return insight(
            "free_text",
            f"sentences rather than labels: {words:.0f} words and {length:.0f} characters on "
            f"average, {ratio:.0%} of the values distinct",
        )
    codes = sum(1 for v in probe if _CODE.match(v)) >= 0.9 * len(probe)
    if enough and words >= 2 and ratio >= SHORT_TEXT_DISTINCT and not codes and _wordy(probe):
        return insight(
            "free_text",
            f"short texts such as titles or names: {words:.1f} words on average, mostly "
            f"letters, {ratio:.0%} of the values distinct (such as {probe[0][:60]!r})",
        )
    if words < 4 and (
        (enough and ratio >= NEAR_UNIQUE)
        or (enough and ratio >= 0.8 and (hint or codes))
        or (hint and ratio == 1.0 and present >= 5)
    ):
        why = f"{ratio:.0%} of the values are distinct"
        why += ", codes such as " + repr(probe[0]) if codes else f", such as {probe[0]!r}"
        return insight("identifier", why + (", and the name says id" if hint else ""))
    top = ", ".join(repr(v) for v, _ in counts.most_common(3))
    return insight("category", f"{distinct:,} levels (most common: {top})")


def _wordy(values: Sequence[str]) -> bool:
    """Mostly words: letters make at least 60% of the non-space characters."""
    text = "".join(values).replace(" ", "")
    return bool(text) and sum(map(str.isalpha, text)) >= 0.6 * len(text)


def id_hints(names: str | Collection[str] | None) -> frozenset[str]:
    """The column names a caller declared to be identifiers."""
    if names is None:
        return frozenset()
    return frozenset([names] if isinstance(names, str) else names)
