"""The data quality report, computed from the sample before anything runs (after SageMaker
Data Wrangler's Data Quality and Insights report): each column's inferred kind and why,
target leakage, duplicate rows, class balance, label spellings, the problem type the
labels suggest, and the file's delimiter and encoding.

``build_report(sample, target=..., problem_type=...)`` returns a ``DataQualityReport``
whose ``findings`` each name a column (or none), a severity, a message for a newcomer and a
machine-readable suggested fix, such as ``{"action": "drop_column", "column": "id"}``.
``file_findings(sniff_file(path))`` words the byte-level facts; ``build_report`` includes
them when given ``file=``. A file that cannot be sampled (not UTF-8, say) still gets its
file findings.

Fix actions: ``drop_column``, ``parse_number`` (``thousands``, ``decimal``, ``currency``,
``percent``, ``invalid``), ``parse_date`` (``format``, for ``datetime.strptime`` or pandas'
``"ISO8601"``), ``normalise_labels`` (``mapping`` raw → kept), ``weight_classes``
(``scale_pos_weight`` for binary, ``scheme: "balanced"`` for multiclass),
``set_problem_type`` (``value``), ``drop_duplicates``, ``set_delimiter`` (``value``),
``set_encoding`` (``value``), ``convert_file`` (``to``).

Standard library only at import time (``sm-wizard validate`` starts in 250 ms): a
10,000-row, 30-column sample takes about a quarter of a second.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Literal

from .datareport_columns import (
    ColumnInsight,
    analyse_column,
    date_sort_key,
    id_hints,
    read_number,
)
from .datareport_file import DELIMITER_NAMES, FileFacts, guess_delimiter
from .datareport_leakage import (
    MISSING_NUMBER,
    MISSING_TEXT,
    PredictivePower,
    column_power,
    encode_target,
)
from .datareport_target import (
    ClassBalance,
    class_balance,
    duplicate_rows,
    label_variants,
    normalised_labels,
    problem_type_hint,
)
from .datasample import Sample, columns_of, is_missing

Severity = Literal["error", "warning", "info"]
_ORDER = {"error": 0, "warning": 1, "info": 2}
MANY_LEVELS = 100
"""A category with more levels than this becomes that many one-hot columns: worth a note."""
DUPLICATES_WARN = 0.01


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the report found, and what would fix it."""

    code: str
    """Stable name of the check (``leak``, ``identifier``, ``number_as_text``...)."""
    column: str | None
    severity: Severity
    message: str
    fix: dict[str, Any] | None = None
    """The suggested fix, for a one-key action or a tool; ``None`` when there is none."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }

    def line(self) -> str:
        where = f"{self.column}: " if self.column else ""
        return f"{self.severity}: {where}{self.message}"


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
        findings.extend(_one_column(sample))
    data = columns_of(sample)
    declared = id_hints(id_hint)
    analysed = [analyse_column(n, v, declared_id=n in declared) for n, v in data.items()]
    insights = tuple(insight for insight, _ in analysed)
    numbers = {insight.name: table for insight, table in analysed if table is not None}
    target = target if target in data else None
    for insight in insights:
        if insight.name != target:
            findings.extend(_column_findings(insight))
    mapping: dict[str, str] = {}
    balance: ClassBalance | None = None
    powers: tuple[PredictivePower, ...] = ()
    if target is not None:
        raw = data[target]
        target_insight = next(i for i in insights if i.name == target)
        if problem_type != "regression":
            mapping = label_variants(raw)
            if mapping:
                findings.append(_variants_finding(target, mapping))
        labels = normalised_labels(raw, mapping)
        findings.extend(_target_kind(target_insight, labels, problem_type))
        if problem_type != "regression":
            balance = class_balance(labels)
            findings.extend(_balance_findings(target, balance))
        if target_insight.kind == "number_as_text" and target_insight.parse:
            parse = target_insight.parse
            labels = [None if v is None else _number_text(v, parse) for v in raw]
        powers = _powers(data, insights, numbers, target, labels, problem_type, balance)
        findings.extend(_leak_finding(p) for p in powers if p.leak)
    duplicates = duplicate_rows(sample.rows)
    if duplicates:
        findings.append(_duplicates_finding(duplicates, len(sample.rows)))
    findings.sort(key=lambda f: _ORDER[f.severity])
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


# ---------------------------------------------------------------------------- file level

_ENCODING_NAMES = {
    "cp1252": "Windows-1252 (Excel's Western default)",
    "latin-1": "Latin-1 (ISO-8859-1)",
}


def file_findings(facts: FileFacts) -> list[Finding]:
    """The byte-level facts in words: what stops the file being read, and how to fix it."""
    out: list[Finding] = []
    if facts.container == "parquet":
        out.append(
            Finding(
                "file_format",
                None,
                "info",
                "the file is Parquet; set the data format to parquet",
                {"action": "set_data_format", "value": "parquet"},
            )
        )
    elif facts.container in ("zip", "excel"):
        out.append(
            Finding(
                "file_format",
                None,
                "error",
                "the file is an Excel workbook (or another zip/Office file), not CSV: in Excel use "
                "File > Save As > CSV UTF-8",
                {"action": "convert_file", "to": "csv"},
            )
        )
    elif facts.container == "gzip":
        out.append(
            Finding(
                "file_format",
                None,
                "error",
                "the file is gzip-compressed; unzip it (gunzip) and point at the CSV",
                {"action": "convert_file", "to": "csv"},
            )
        )
    elif facts.container == "utf-16":
        out.append(
            Finding(
                "encoding",
                None,
                "error",
                "the file is UTF-16 text (Excel's 'Unicode Text'); save it as CSV UTF-8",
                {"action": "set_encoding", "value": "utf-16"},
            )
        )
    elif facts.container == "binary":
        out.append(
            Finding(
                "file_format",
                None,
                "error",
                "the file is binary, not text; give a CSV, JSON-lines or Parquet file",
                None,
            )
        )
    if not facts.is_text:
        return out
    if not facts.is_utf8 and facts.encoding:
        where = ""
        if facts.bad_byte:
            byte, line, char = facts.bad_byte
            where = f" (byte {byte:#04x}, {char!r}, on line {line})"
        out.append(
            Finding(
                "encoding",
                None,
                "error",
                f"the file is not UTF-8{where}; it looks like {_ENCODING_NAMES[facts.encoding]}. "
                "Save it as UTF-8 (in Excel: CSV UTF-8), or read it with that encoding",
                {"action": "set_encoding", "value": facts.encoding},
            )
        )
    elif facts.encoding == "utf-8-sig":
        out.append(
            Finding(
                "encoding",
                None,
                "info",
                "UTF-8 with a byte-order mark (as Excel writes it): read correctly",
                None,
            )
        )
    if facts.reads_as_one_column:
        out.append(_delimiter_finding(facts.delimiter or ",", facts.fields))
    if facts.decimal_comma:
        out.append(
            Finding(
                "decimal_comma",
                None,
                "info",
                "numbers are written with a decimal comma (such as 1,5); read them with decimal=','",
                {"action": "parse_number", "column": None, "decimal": ","},
            )
        )
    return out


def _delimiter_finding(delimiter: str, fields: int) -> Finding:
    name = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    return Finding(
        "delimiter",
        None,
        "error",
        f"this looks like {delimiter!r}-separated ({name}s split the header into {fields} "
        "columns): read with commas it is one column. Set the delimiter, or save the file "
        "with commas",
        {"action": "set_delimiter", "value": delimiter},
    )


def _one_column(sample: Sample) -> list[Finding]:
    """A one-column sample whose header splits on another delimiter."""
    header = sample.columns[0]
    lines = [header] + [row[0] or "" for row in sample.rows[:50] if len(row) == 1]
    delimiter, fields, _ = guess_delimiter("\n".join(lines))
    if delimiter in (None, ",") or fields < 2:
        return []
    return [_delimiter_finding(delimiter, fields)]


# ---------------------------------------------------------------------------- per column


def _column_findings(c: ColumnInsight) -> list[Finding]:
    drop = {"action": "drop_column", "column": c.name}
    if c.kind == "mostly_missing":
        return [
            Finding(
                "mostly_missing",
                c.name,
                "warning",
                f"{c.missing_share:.0%} of its values are missing ({c.reason}): little is left to "
                "learn from; drop it unless being empty means something",
                drop,
            )
        ]
    if c.kind == "constant":
        return [Finding("constant", c.name, "warning", f"{c.reason}; drop it", drop)]
    if c.kind == "identifier":
        return [
            Finding(
                "identifier",
                c.name,
                "warning",
                f"looks like an identifier ({c.reason}): a model can only memorise it, and "
                "new rows will have new values; drop it",
                drop,
            )
        ]
    if c.kind == "number_as_text" and c.parse:
        fix = {"action": "parse_number", "column": c.name}
        fix.update({k: v for k, v in c.parse.items() if v not in (None, False)})
        return [
            Finding("number_as_text", c.name, "warning", f"{c.reason}; parse them as numbers", fix)
        ]
    if c.kind == "datetime" and c.parse:
        return [
            Finding(
                "datetime",
                c.name,
                "warning",
                f"{c.reason}: as text each date would be a category of its own; parse them as "
                "dates so the model sees year, month and weekday",
                {"action": "parse_date", "column": c.name, **c.parse},
            )
        ]
    if c.kind == "free_text":
        return [
            Finding(
                "free_text",
                c.name,
                "warning",
                f"free text ({c.reason}): one-hot encoding makes a column per distinct text and "
                "the pipeline has no text features; drop it",
                drop,
            )
        ]
    if c.kind == "category" and c.distinct > MANY_LEVELS:
        return [
            Finding(
                "many_levels",
                c.name,
                "info",
                f"a category with {c.distinct:,} levels: one-hot encoding makes as many columns",
                None,
            )
        ]
    return []


# ------------------------------------------------------------------------------- target


def _variants_finding(target: str, mapping: dict[str, str]) -> Finding:
    shown = ", ".join(f"{raw!r} → {kept!r}" for raw, kept in list(mapping.items())[:6])
    return Finding(
        "label_variants",
        target,
        "warning",
        f"some labels differ only in case or surrounding spaces, so one class counts as "
        f"several: {shown}. Normalise them to one spelling each",
        {"action": "normalise_labels", "column": target, "mapping": mapping},
    )


def _target_kind(
    insight: ColumnInsight, labels: list[str | None], problem_type: str
) -> list[Finding]:
    if problem_type == "regression" and insight.kind == "number_as_text" and insight.parse:
        fix = {"action": "parse_number", "column": insight.name}
        fix.update({k: v for k, v in insight.parse.items() if v not in (None, False)})
        return [
            Finding(
                "number_as_text",
                insight.name,
                "warning",
                f"{insight.reason}; parse them as numbers",
                fix,
            )
        ]
    hint = problem_type_hint(labels, problem_type)
    if hint is None:
        return []
    value, why = hint
    return [
        Finding(
            "problem_type",
            insight.name,
            "warning",
            f"{why}; set profile.problem_type = {value!r} (it is {problem_type!r})",
            {"action": "set_problem_type", "value": value},
        )
    ]


def _balance_findings(target: str, balance: ClassBalance) -> list[Finding]:
    if not balance.imbalanced:
        return []
    minority, share = balance.minority, balance.minority_share
    if balance.scale_pos_weight is not None:
        negatives = sum(balance.counts.values()) - balance.counts[balance.positive or ""]
        return [
            Finding(
                "imbalance",
                target,
                "warning",
                f"class {minority!r} is only {share:.1%} of the rows: a model can score well by "
                f"never predicting it. Weight the classes: scale_pos_weight = {negatives:,} / "
                f"{balance.counts[balance.positive or '']:,} = {balance.scale_pos_weight:g} "
                f"(negatives / positives; the positive class is {balance.positive!r})",
                {"action": "weight_classes", "scale_pos_weight": balance.scale_pos_weight},
            )
        ]
    return [
        Finding(
            "imbalance",
            target,
            "warning",
            f"class {minority!r} is only {share:.1%} of the rows, under a tenth of the largest "
            "class: weight the classes (balanced sample weights)",
            {"action": "weight_classes", "scheme": "balanced"},
        )
    ]


def _powers(
    data, insights, numbers, target, labels, problem_type, balance
) -> tuple[PredictivePower, ...]:
    kind = "regression" if problem_type == "regression" else "classification"
    encoded = encode_target(labels, kind, positive=balance.positive if balance else None)
    if encoded is None:
        return ()
    picked = encoded.rows
    whole = len(picked) == len(labels)
    out = []
    for insight in insights:
        if insight.name == target or (insight.kind == "constant" and not insight.missing):
            continue  # (a value present only for one class is a leak: keep those)
        if not insight.numeric and insight.kind in ("identifier", "free_text"):
            continue  # nearly every value unseen in the other folds: nothing to measure
        column = data[insight.name]
        values = column if whole else [column[i] for i in picked]
        keys, ordered, missing = _keys(insight, values, numbers.get(insight.name))
        out.append(column_power(insight.name, keys, encoded, ordered=ordered, missing=missing))
    out.sort(key=lambda p: -p.value)
    return tuple(out)


def _keys(
    insight: ColumnInsight, values: list[str | None], numbers: dict[str, float] | None
) -> tuple[list[Any], bool, Any]:
    """The column's values as the leak check compares them: (keys, ordered, the marker
    of a missing value). Each distinct value is converted once, then looked up in C."""
    if numbers is not None:
        return list(map(numbers.get, values, repeat(MISSING_NUMBER))), True, MISSING_NUMBER
    distinct = set(values)
    distinct.discard(None)
    if insight.numeric:
        table = _float_table(distinct)
        return list(map(table.get, values, repeat(MISSING_NUMBER))), True, MISSING_NUMBER
    present = {v: v.strip() for v in distinct if not is_missing(v)}  # type: ignore[union-attr]
    if insight.kind == "number_as_text" and insight.parse:
        parse = insight.parse
        table = {v: read_number(s, parse) for v, s in present.items()}
        table = {v: n for v, n in table.items() if n is not None and math.isfinite(n)}
        return list(map(table.get, values, repeat(MISSING_NUMBER))), True, MISSING_NUMBER
    if insight.kind == "datetime" and insight.parse:
        fmt = insight.parse["format"]
        dates = {v: date_sort_key(s, fmt) for v, s in present.items()}
        return list(map(dates.get, values, repeat(MISSING_TEXT))), True, MISSING_TEXT
    return list(map(present.get, values)), False, None


def _float_table(distinct: set[str | None]) -> dict[str | None, float]:
    """Each value as a float (in C when every value reads), missing markers left out."""
    try:
        table = dict(zip(distinct, map(float, distinct), strict=True))  # type: ignore[arg-type]
    except ValueError:
        table = {}
        for value in distinct:
            try:
                table[value] = float(value)  # type: ignore[arg-type]
            except ValueError:
                continue
    if not all(map(math.isfinite, table.values())):
        table = {v: n for v, n in table.items() if math.isfinite(n)}
    return table


def _leak_finding(power: PredictivePower) -> Finding:
    return Finding(
        "leak",
        power.column,
        "warning",
        f"predicts the target almost perfectly on its own ({power.describe()}, on rows held "
        "out): it probably leaks the answer (a copy or recoding of the label, something "
        "recorded after the outcome, or an id issued in label order). Drop it unless it "
        "will truly be known when predicting",
        {"action": "drop_column", "column": power.column},
    )


def _duplicates_finding(duplicates: int, rows: int) -> Finding:
    share = duplicates / rows
    return Finding(
        "duplicates",
        None,
        "warning" if share >= DUPLICATES_WARN else "info",
        f"{duplicates:,} rows ({share:.1%}) repeat an earlier row exactly; a row that lands in "
        "both the training and the test split makes the test score look better than it is",
        {"action": "drop_duplicates"},
    )
