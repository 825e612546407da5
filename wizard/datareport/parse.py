"""Reading values that are numbers or dates written as text: which writing convention a
column of numbers follows (``"1,234.5"``, ``"1.234,5"``, ``"$12"``, ``"45%"``, ``"(12)"``,
numbers with a few stray words) and the parse that reads it, and which date or date-time
format a column follows (ISO, day/month or month/day orders, month names).

Used by the column judge (wizard/datareport/columns.py) and the leak check's keys
(wizard/datareport.py). A quick look at the first ``PROBE`` distinct values rules a form
out before the full pass, so a column of ordinary text costs little.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import datetime
from itertools import islice
from typing import Any

PARSE_SHARE = 0.95
"""Share of the present values a number or date format must read to be proposed."""
PROBE = 300
"""Distinct values looked at first, to rule a number or date format out cheaply."""

# ---------------------------------------------------------------- numbers stored as text

_CURRENCY = "$€£¥₹"
_CURRENCY_CODES = ("USD", "EUR", "GBP", "JPY", "INR", "CHF")
_CONVENTIONS = {
    # thousands, decimal: the digits a value may hold under each writing convention
    (",", "."): re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\d*\.?\d+$"),
    (".", ","): re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$|^\d+(?:,\d+)?$"),
    (" ", "."): re.compile(r"^\d{1,3}(?: \d{3})+(?:\.\d+)?$|^\d*\.?\d+$"),
    (" ", ","): re.compile(r"^\d{1,3}(?: \d{3})+(?:,\d+)?$|^\d+(?:,\d+)?$"),
    ("'", "."): re.compile(r"^\d{1,3}(?:'\d{3})+(?:\.\d+)?$|^\d*\.?\d+$"),
}


def _core(value: str) -> tuple[str, str, bool, bool]:
    """(digits part, currency seen, percent seen, negative) of a formatted number."""
    text = value.replace("\u00a0", " ").replace("\u202f", " ").strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    currency = ""
    for code in _CURRENCY_CODES:
        if text.upper().startswith(code) or text.upper().endswith(code):
            currency = code
            text = text[3:] if text.upper().startswith(code) else text[:-3]
            text = text.strip()
    if text[:1] in "-+−" and text[:1]:
        negative, text = text[0] != "+", text[1:].strip()
    if text[:1] and text[0] in _CURRENCY:
        currency, text = text[0], text[1:].strip()
    if text[-1:] and text[-1] in _CURRENCY:
        currency, text = text[-1], text[:-1].strip()
    if text[:1] in "-−" and text[:1]:
        negative, text = True, text[1:].strip()
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    return text, currency, percent, negative


def number_format(
    counts: Counter[str] | dict[str, int], present: int
) -> tuple[dict[str, Any], str] | None:
    """The parse that reads ``PARSE_SHARE`` of the present values as numbers, with an
    example value that needs it; ``None`` when the column is not numbers written as text.

    The parse is the suggested fix's fields: ``thousands``, ``decimal``, ``currency``,
    ``percent`` (divide by 100), ``parentheses`` (``(12)`` is -12, as accounts write it)
    and ``invalid`` (values that do not parse become missing)."""
    probe = list(islice(counts, PROBE))
    if sum(1 for v in probe if _is_plain(v) or _any_convention(_core(v)[0])) < 0.8 * len(probe):
        return None  # most values are not numbers in any writing: skip the full pass
    cores: dict[str, tuple[str, str, bool, bool]] = {}
    for value in counts:
        core = _core(value)
        if any(ch.isdigit() for ch in core[0]):
            cores[value] = core
    best: tuple[int, tuple[str, str]] | None = None
    for convention, pattern in _CONVENTIONS.items():
        read = sum(counts[v] for v, core in cores.items() if pattern.match(core[0]))
        if best is None or read > best[0]:
            best = (read, convention)
    if best is None or best[0] < PARSE_SHARE * present or best[0] == 0:
        return _stray_text(counts, present)
    (thousands, decimal), pattern = best[1], _CONVENTIONS[best[1]]
    readable = [v for v, core in cores.items() if pattern.match(core[0])]
    currencies = Counter(cores[v][1] for v in readable if cores[v][1])
    percent = any(cores[v][2] for v in readable)
    example = next(
        (v for v in sorted(readable, key=lambda v: -counts[v]) if not _is_plain(v)), None
    )
    if example is None:  # every value that reads is a plain number: strays, if any
        return _stray_text(counts, present)
    used_thousands = any(thousands in cores[v][0] for v in readable)
    used_decimal = decimal != "." and any(decimal in cores[v][0] for v in readable)
    fmt: dict[str, Any] = {
        "thousands": thousands if used_thousands else None,
        "decimal": decimal if used_decimal else ".",
        "currency": currencies.most_common(1)[0][0] if currencies else None,
        "percent": percent,
        "parentheses": any(v.startswith("(") and v.endswith(")") for v in readable),
        "invalid": "missing" if len(readable) < len(counts) else None,
    }
    return fmt, example


def read_number(value: str, fmt: dict[str, Any]) -> float | None:
    """``value`` read with a parse from ``number_format``; ``None`` if it does not read."""
    text, _, percent, negative = _core(value)
    if fmt.get("thousands"):
        text = text.replace(fmt["thousands"], "")
    if fmt.get("decimal", ".") != ".":
        text = text.replace(fmt["decimal"], ".")
    try:
        number = float(text)
    except ValueError:
        return None
    number = -number if negative else number
    return number / 100 if percent else number


def _any_convention(core: str) -> bool:
    return any(pattern.match(core) for pattern in _CONVENTIONS.values())


def _is_plain(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _stray_text(counts, present) -> tuple[dict[str, Any], str] | None:
    """Numbers with a few stray words ("unknown", "-"): read them as missing."""
    numbers = {v: c for v, c in counts.items() if _is_plain(v)}
    stray = {v: c for v, c in counts.items() if v not in numbers}
    if not numbers or not stray or len(stray) > 3:
        return None
    if sum(numbers.values()) < PARSE_SHARE * present:
        return None
    example = max(stray, key=lambda v: counts[v])
    fmt = {"thousands": None, "decimal": ".", "currency": None, "percent": False}
    return {**fmt, "invalid": "missing", "stray": sorted(stray)}, example


def number_reason(fmt: dict[str, Any], example: str) -> str:
    if fmt.get("stray"):
        shown = ", ".join(repr(v) for v in fmt["stray"])
        return f"numbers, except {shown}: as text the whole column would be a category"
    how = []
    if fmt["thousands"]:
        sep = "a space" if fmt["thousands"] == " " else repr(fmt["thousands"])
        how.append(f"{sep} between thousands")
    if fmt["decimal"] != ".":
        how.append(f"{fmt['decimal']!r} as the decimal mark")
    if fmt["currency"]:
        how.append(f"a {fmt['currency']} sign")
    if fmt["percent"]:
        how.append("a % sign")
    if fmt.get("parentheses"):
        how.append("negatives in parentheses")
    said = " and ".join(how) or "extra characters"
    return f"values such as {example!r} are numbers written with {said}; read as text they would be one category per value"


# ------------------------------------------------------------------------ dates and times

_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_DATES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}" + _TIME + "$"), "%Y-%m-%d", "ISO dates (year-month-day)"),
    (re.compile(r"^\d{4}/\d{1,2}/\d{1,2}" + _TIME + "$"), "%Y/%m/%d", "dates as year/month/day"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4}" + _TIME + "$"), "/", ""),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{2,4}" + _TIME + "$"), ".", ""),
    (re.compile(r"^\d{1,2}-\d{1,2}-\d{4}" + _TIME + "$"), "-", ""),
    (
        re.compile(rf"^\d{{1,2}}[ -](?:{_MONTHS})[a-z]*\.?[ -]\d{{2,4}}$", re.I),
        "%d %b %Y",
        "dates as day month-name year",
    ),
    (
        re.compile(rf"^(?:{_MONTHS})[a-z]*\.? \d{{1,2}},? \d{{4}}$", re.I),
        "%b %d, %Y",
        "dates as month-name day, year",
    ),
)


def date_format(counts: Counter[str] | dict[str, int], present: int) -> tuple[str, str] | None:
    """(strptime format, reason) when ``PARSE_SHARE`` of the values are dates of one form."""
    probe = list(islice(counts, PROBE))
    for pattern, fmt, words in _DATES:
        if sum(1 for v in probe if pattern.match(v)) < 0.8 * len(probe):
            continue  # a quick look at the first values rules the form out
        matched = [v for v in counts if pattern.match(v)]
        if sum(counts[v] for v in matched) < PARSE_SHARE * present:
            continue
        if fmt in ("/", ".", "-"):
            fmt, words = _day_month_order(matched, fmt)
        timed = [v for v in matched[:200] if ":" in v]
        full = fmt
        if timed and fmt == "%Y-%m-%d":
            full = "ISO8601"
        elif timed:
            full += " %H:%M:%S" if timed[0].count(":") >= 2 else " %H:%M"
        has_time = bool(timed)
        if not _strptime_ok(matched[:200], fmt):
            continue
        example = max(matched, key=lambda v: counts[v])
        kind = "date-times" if has_time else "dates"
        return full, f"{words.replace('dates', kind, 1)}, such as {example!r}"
    return None


def _day_month_order(values: list[str], sep: str) -> tuple[str, str]:
    firsts = seconds = 0
    for value in values[:2000]:
        parts = re.split(r"[/.\-]", value.split(" ")[0].split("T")[0])
        firsts = max(firsts, int(parts[0]))
        seconds = max(seconds, int(parts[1]))
    year = "%Y" if len(values[0].split(" ")[0].split(sep)[-1]) == 4 else "%y"
    if firsts > 12 and seconds <= 12:
        return (
            f"%d{sep}%m{sep}{year}",
            f"dates as day{sep}month{sep}year (first numbers above 12 are days)",
        )
    if seconds > 12 and firsts <= 12:
        return (
            f"%m{sep}%d{sep}{year}",
            f"dates as month{sep}day{sep}year (second numbers above 12 are days)",
        )
    if sep == "/":
        return (
            f"%m/%d/{year}",
            "dates as month/day/year (assumed: no number above 12 tells day from month)",
        )
    return (
        f"%d{sep}%m{sep}{year}",
        f"dates as day{sep}month{sep}year (assumed: no number above 12 tells day from month)",
    )


def _strptime_ok(values: list[str], fmt: str) -> bool:
    """The format reads the values' date parts (the regexes admit month 13 or day 32)."""
    for value in values:
        date = re.split(r"[ T](?=\d{1,2}:)", value, maxsplit=1)[0].rstrip(",")
        try:
            datetime.strptime(date, fmt.replace(",", "") if "%b" in fmt else fmt)
        except ValueError:
            if "%b" in fmt:
                continue  # month names have spellings strptime does not read ("Sept")
            return False
    return True


def date_sort_key(value: str, fmt: str) -> str | None:
    """A string that sorts as the date does, without parsing it (for the leak check);
    ``None`` for a value not in the format."""
    if fmt.startswith(("%Y", "ISO")):
        return value if value[:4].isdigit() else None
    parts = re.split(r"[/.\- ,T]+", value)
    if len(parts) < 3:
        return None
    if fmt.startswith("%d"):
        day, month, year = parts[0], parts[1], parts[2]
    else:  # month first, as a number or a name
        month, day, year = parts[0], parts[1], parts[2]
    if not month.isdigit():
        names = _MONTHS.split("|")
        if month[:3].lower() not in names:
            return None
        month = str(names.index(month[:3].lower()) + 1)
    if not (day.isdigit() and year.isdigit()):
        return None
    return f"{year:>04}{month:>02}{day:>02}" + " ".join(parts[3:])
