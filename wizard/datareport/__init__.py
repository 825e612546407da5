"""The data quality report, computed from the sample before anything runs (after SageMaker
Data Wrangler's Data Quality and Insights report): each column's inferred kind and why,
target leakage, duplicate rows, class balance, label spellings, the problem type the
labels suggest, and the file's delimiter and encoding.

``build_report(sample, target=..., problem_type=...)`` returns a ``DataQualityReport``
whose ``findings`` each name a column (or none), a severity, a message for a newcomer and a
machine-readable suggested fix, such as ``{"action": "drop_column", "column": "id"}``.
``file_findings(sniff_file(path))`` (wizard/datareport/findings.py, file.py)
words the byte-level facts; ``build_report`` includes them when given ``file=``. A file
that cannot be sampled (not UTF-8, say) still gets its file findings.

Fix actions: ``drop_column``; ``text_column`` (read a free-text column as words); ``parse_number`` (``thousands``, ``decimal``, ``currency``,
``percent``, ``parentheses``, ``invalid``, ``stray``); ``parse_date`` (``format``, for
``datetime.strptime``, or pandas' ``"ISO8601"``); ``normalise_labels`` (``mapping`` raw to
kept); ``weight_classes`` (``scale_pos_weight`` for binary, ``scheme: "balanced"`` for
multiclass); ``set_problem_type``, ``set_delimiter``, ``set_encoding``, ``set_decimal``,
``set_data_format`` (each a ``value``); ``drop_duplicates``; ``convert_file`` (``to``).

Standard library only at import time (``sm-wizard validate`` starts in 250 ms): a
10,000-row, 30-column sample takes about a quarter of a second.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any

from ..datasample import Sample, columns_of, is_missing
from .columns import ColumnInsight, analyse_column, id_hints
from .file import FileFacts
from .findings import (
    SEVERITY_ORDER,
    Finding,
    balance_findings,
    column_findings,
    duplicates_finding,
    file_findings,
    leak_finding,
    no_rows_finding,
    one_column_findings,
    target_kind_findings,
    variants_finding,
)
from .leakage import (
    MISSING_NUMBER,
    MISSING_TEXT,
    PredictivePower,
    column_power,
    encode_target,
)
from .parse import date_sort_key, read_number
from .target import (
    ClassBalance,
    class_balance,
    duplicate_rows,
    label_variants,
    normalised_labels,
)


@dataclass(frozen=True, slots=True)
class DataQualityReport:
    target: str | None
    problem_type: str
    rows: int
    """Rows in the sample the figures come from."""
    sampled: bool
    """The sample is the start of a larger file."""
    columns: tuple[ColumnInsight, ...]
    powers: tuple[PredictivePower, ...]
    """Each feature's predictive power alone, strongest first (empty when the target is
    unknown or has too few labelled rows)."""
    balance: ClassBalance | None
    duplicates: int
    label_mapping: dict[str, str]
    file: FileFacts | None
    findings: tuple[Finding, ...]
    seconds: float = field(default=0.0, compare=False)
    """Time the report took to build."""

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def leaks(self) -> list[PredictivePower]:
        return [p for p in self.powers if p.leak]

    def column(self, name: str) -> ColumnInsight:
        return next(c for c in self.columns if c.name == name)

    def findings_for(self, column: str | None) -> list[Finding]:
        return [f for f in self.findings if f.column == column]

    def to_dict(self) -> dict[str, Any]:
        """Everything, as JSON-ready values (``validate --json``)."""
        balance = None
        if self.balance is not None:
            balance = {
                "counts": self.balance.counts,
                "minority": self.balance.minority,
                "minority_share": round(self.balance.minority_share, 4),
                "positive": self.balance.positive,
                "scale_pos_weight": self.balance.scale_pos_weight,
                "imbalanced": self.balance.imbalanced,
            }
        return {
            "target": self.target,
            "problem_type": self.problem_type,
            "rows": self.rows,
            "sampled": self.sampled,
            "duplicates": self.duplicates,
            "columns": [
                {
                    "name": c.name,
                    "kind": c.kind,
                    "reason": c.reason,
                    "missing": c.missing,
                    "missing_share": round(c.missing_share, 4),
                    "distinct": c.distinct,
                    "parse": c.parse,
                }
                for c in self.columns
            ],
            "predictive_power": [
                {
                    "column": p.column,
                    "metric": p.metric,
                    "value": round(p.value, 4),
                    "baseline": round(p.baseline, 4),
                    "method": p.method,
                    "leak": p.leak,
                }
                for p in self.powers
            ],
            "class_balance": balance,
            "label_mapping": self.label_mapping,
            "file": _file_dict(self.file),
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def lines(self) -> list[str]:
        """The report as plain text, a line per fact."""
        read = f"the first {self.rows:,} rows read" if self.sampled else f"{self.rows:,} rows"
        kinds = Counter(c.kind.replace("_", " ") for c in self.columns)
        out = [
            f"Data report: {read}, {len(self.columns)} columns ("
            + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
            + ")"
        ]
        for c in self.columns:
            gap = f"; {c.missing_share:.0%} missing" if c.missing else ""
            mark = " (target)" if c.name == self.target else ""
            out.append(f"  {c.name}{mark}: {c.kind.replace('_', ' ')}, {c.reason}{gap}")
        if self.powers:
            top = ", ".join(
                f"{p.column} {p.metric.upper() if p.metric == 'auc' else p.metric} {p.value:.3f}"
                for p in self.powers[:3]
            )
            out.append(f"Strongest single columns (held-out): {top}")
        if self.balance is not None and self.balance.counts:
            total = sum(self.balance.counts.values())
            shown = ", ".join(
                f"{label} {n:,} ({n / total:.0%})"
                for label, n in list(self.balance.counts.items())[:6]
            )
            out.append(f"Class balance of {self.target}: {shown}")
        share = self.duplicates / self.rows if self.rows else 0.0
        out.append(
            f"Duplicate rows: {self.duplicates:,} ({share:.1%})"
            if self.duplicates
            else "Duplicate rows: none"
        )
        out.extend(f.line() for f in self.findings)
        return out


def _file_dict(facts: FileFacts | None) -> dict[str, Any] | None:
    if facts is None:
        return None
    return {
        "path": str(facts.path) if facts.path else None,
        "size": facts.size,
        "container": facts.container,
        "encoding": facts.encoding,
        "bad_byte": (
            dict(zip(("byte", "line", "char"), facts.bad_byte, strict=True))
            if facts.bad_byte
            else None
        ),
        "delimiter": facts.delimiter,
        "fields": facts.fields,
        "decimal_comma": facts.decimal_comma,
        "line_ending": facts.line_ending,
    }


def build_report(
    sample: Sample,
    *,
    target: str | None,
    problem_type: str,
    id_hint: str | Collection[str] | None = None,
    file: FileFacts | None = None,
) -> DataQualityReport:
    """The report for ``sample``; ``id_hint`` names columns the user says are identifiers,
    ``file`` the byte-level facts from ``sniff_file`` (worded among the findings)."""
    started = time.perf_counter()
    findings: list[Finding] = list(file_findings(file)) if file is not None else []
    if (file is None or not file.reads_as_one_column) and len(sample.columns) == 1:
        findings.extend(one_column_findings(sample))
    data = columns_of(sample)
    declared = id_hints(id_hint)
    analysed = [analyse_column(n, v, declared_id=n in declared) for n, v in data.items()]
    insights = tuple(insight for insight, _ in analysed)
    numbers = {insight.name: table for insight, table in analysed if table is not None}
    target = target if target in data else None
    if not sample.rows:
        findings.append(no_rows_finding())
    for insight in insights:
        if insight.name != target and sample.rows:
            findings.extend(column_findings(insight))
    mapping: dict[str, str] = {}
    balance: ClassBalance | None = None
    powers: tuple[PredictivePower, ...] = ()
    if target is not None:
        raw = data[target]
        target_insight = next(i for i in insights if i.name == target)
        if problem_type != "regression":
            mapping = label_variants(raw)
            if mapping:
                findings.append(variants_finding(target, mapping))
        labels = normalised_labels(raw, mapping)
        findings.extend(target_kind_findings(target_insight, labels, problem_type))
        if problem_type != "regression":
            balance = class_balance(labels)
            findings.extend(balance_findings(target, balance))
        if target_insight.kind == "number_as_text" and target_insight.parse:
            parse = target_insight.parse
            labels = [None if v is None else _number_text(v, parse) for v in raw]
        powers = _powers(data, insights, numbers, target, labels, problem_type, balance)
        findings.extend(leak_finding(p) for p in powers if p.leak)
    duplicates = duplicate_rows(sample.rows)
    if duplicates:
        findings.append(duplicates_finding(duplicates, len(sample.rows)))
    findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return DataQualityReport(
        target=target,
        problem_type=problem_type,
        rows=len(sample.rows),
        sampled=sample.sampled,
        columns=insights,
        powers=powers,
        balance=balance,
        duplicates=duplicates,
        label_mapping=mapping,
        file=file,
        findings=tuple(findings),
        seconds=time.perf_counter() - started,
    )


def _number_text(value: str, parse: dict[str, Any]) -> str | None:
    if is_missing(value):
        return None
    number = read_number(value, parse)
    return None if number is None else repr(number)


def _powers(
    data, insights, numbers, target, labels, problem_type, balance
) -> tuple[PredictivePower, ...]:
    kind = "regression" if problem_type == "regression" else "classification"
    encoded = encode_target(labels, kind, positive=balance.positive if balance else None)
    if encoded is None:
        return ()
    whole = len(encoded.rows) == len(labels)
    pick = itemgetter(*encoded.rows)  # the labelled (and thinned) rows, gathered in C
    out = []
    for insight in insights:
        if insight.name == target or not insight.distinct:
            continue
        if insight.kind == "constant" and not insight.missing:
            continue  # (one value present for one class only is a leak: those stay)
        if insight.kind == "free_text":
            continue  # nearly every value unseen in the other folds: nothing to measure
        column = data[insight.name]
        values = column if whole else list(pick(column))
        keys, ordered, missing = _keys(insight, values, numbers.get(insight.name))
        out.append(column_power(insight.name, keys, encoded, ordered=ordered, missing=missing))
    out.sort(key=lambda p: -p.value)
    return tuple(out)


def _keys(
    insight: ColumnInsight, values: list[str | None], numbers: dict[str, float] | None
) -> tuple[list[Any], bool, Any]:
    """The column's values as the leak check compares them: (keys, ordered, the marker
    of a missing value). Each distinct value is converted once (plain numbers already were,
    by ``analyse_column``), then looked up in C."""
    if numbers is not None:
        return list(map(numbers.get, values, repeat(MISSING_NUMBER))), True, MISSING_NUMBER
    distinct = set(values)
    distinct.discard(None)
    present = {v: v.strip() for v in distinct if not is_missing(v)}  # type: ignore[union-attr]
    if insight.kind == "number_as_text" and insight.parse:
        parse = insight.parse
        table = {v: read_number(s, parse) for v, s in present.items()}
        table = {v: n for v, n in table.items() if n is not None and math.isfinite(n)}
        return list(map(table.get, values, repeat(MISSING_NUMBER))), True, MISSING_NUMBER
    if insight.kind == "datetime" and insight.parse:
        fmt = insight.parse["format"]
        dates = {v: key for v, s in present.items() if (key := date_sort_key(s, fmt))}
        return list(map(dates.get, values, repeat(MISSING_TEXT))), True, MISSING_TEXT
    if insight.kind == "identifier":  # codes issued in order ("C-9", "C-10") are ordered
        codes = {v: _DIGITS.sub(_padded, s) for v, s in present.items()}
        return list(map(codes.get, values, repeat(MISSING_TEXT))), True, MISSING_TEXT
    return list(map(present.get, values)), False, None


_DIGITS = re.compile(r"\d+")


def _padded(match: re.Match[str]) -> str:
    """Digits padded so that text order is number order ("C-9" before "C-10")."""
    return match.group().zfill(20)
