"""The row fixes, in one place: prepare.py applies them to the training data, and the
serving code (serving.py) applies the same ones to every record sent to the model.

A fix changes the columns of a table the same way for every row:

    drop          remove columns that must not reach the model
    parse_number  numbers written as text ("1,234.5", "$12", "45%", "(12.5)") become numbers
    parse_date    a date/time column becomes its year, month, day of week and days since 1970
    text          free text: an absent text is empty text, not a value guessed from other rows
    fills         gaps are filled with values learned on the training split

prepare.py saves what it did as ``rowfixes.json`` (``save``); features.py keeps it inside
features.joblib, so a deployed model carries the fixes its training data went through.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

FIXES_FILE = "rowfixes.json"
FORMAT_VERSION = 1

_NOT_NUMBER = re.compile(r"[\s,$€£¥%]")


def parse_numbers(values: pd.Series, log=print) -> pd.Series:
    """Numbers written as text: thousands separators, currency signs, spaces and a trailing
    percent sign are removed ("45%" becomes 45); what still is not a number becomes missing."""
    text = values.astype("string").str.strip()
    negative = text.str.match(r"^\(.*\)$", na=False)  # accounting style: (12.5) is -12.5
    cleaned = text.str.replace(_NOT_NUMBER, "", regex=True).str.strip("()")
    numbers = pd.to_numeric(cleaned, errors="coerce")
    numbers[negative] = -numbers[negative]
    unparsed = int((numbers.isna() & values.notna()).sum())
    if unparsed:
        log(f"{values.name}: {unparsed} values are not numbers and count as missing")
    return numbers.astype(float)


def date_parts(column: str) -> list[str]:
    """The columns a parsed date column becomes, in order."""
    return [f"{column}_{part}" for part in ("year", "month", "dayofweek", "days")]


def parse_dates(data: pd.DataFrame, column: str, log=print) -> pd.DataFrame:
    """Replace a date/time column by numbers a model can use."""
    moments = pd.to_datetime(data[column], errors="coerce", format="mixed", utc=True)
    unparsed = int((moments.isna() & data[column].notna()).sum())
    if unparsed:
        log(f"{column}: {unparsed} values are not dates and count as missing")
    values = (
        moments.dt.year,
        moments.dt.month,
        moments.dt.day_of_week,
        (moments - pd.Timestamp("1970-01-01", tz="UTC")).dt.days,
    )
    position = data.columns.get_loc(column)
    data = data.drop(columns=[column])
    for offset, (name, part) in enumerate(zip(date_parts(column), values, strict=True)):
        data.insert(position + offset, name, part.astype(float))
    return data


def unknown_columns(data: pd.DataFrame, fixes: dict[str, Any]) -> list[str]:
    """Columns a fix names that the table lacks."""
    named = [
        *fixes.get("drop", []),
        *fixes.get("parse_number", []),
        *fixes.get("parse_date", []),
        *fixes.get("text", []),
    ]
    return [c for c in named if c not in data.columns]


def fix_columns(data: pd.DataFrame, fixes: dict[str, Any], log=print) -> pd.DataFrame:
    """Drop, then parse numbers, then parse dates (the order prepare.py has always used),
    then make absent free text empty."""
    drop = [c for c in fixes.get("drop", []) if c in data.columns]
    data = data.drop(columns=drop)  # a new table: the caller's is left as it was
    for column in fixes.get("parse_number", []):
        data[column] = parse_numbers(data[column], log)
    for column in fixes.get("parse_date", []):
        data = parse_dates(data, column, log)
    for column in fixes.get("text", []):
        data[column] = data[column].astype("string").fillna("").astype(object)
    return data


def learn_fills(
    train: pd.DataFrame, target: str, how: str, skip: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The value each column's gaps get: the training split's median or mean for numbers
    (``how``), its most frequent value for text (and for everything with most_frequent)."""
    fills: dict[str, Any] = {}
    for column in train.columns:
        if column == target or column in skip:  # free text is never guessed
            continue
        values = train[column]
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if numeric and how in ("median", "mean"):
            fills[column] = values.median() if how == "median" else values.mean()
        else:
            modes = values.mode(dropna=True)
            fills[column] = modes.iloc[0] if len(modes) else None
    return {k: _plain(v) for k, v in fills.items() if v is not None and not pd.isna(v)}


def fill(data: pd.DataFrame, fills: dict[str, Any]) -> pd.DataFrame:
    present = {k: v for k, v in fills.items() if k in data.columns}
    return data.fillna(value=present) if present else data


def _plain(value: Any) -> Any:
    """numpy scalars as Python values, so the fixes can be written as JSON."""
    return value.item() if hasattr(value, "item") else value


def save(path: Path, fixes: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"format": FORMAT_VERSION, **fixes}
    path.write_text(json.dumps(document, indent=2, default=_plain) + "\n")


def load(path: Path) -> dict[str, Any]:
    document = json.loads(Path(path).read_text())
    if document.get("format") != FORMAT_VERSION:
        raise ValueError(f"{path}: unknown row-fixes format {document.get('format')!r}")
    return document
