"""The findings of the data quality report (wizard/datareport.py) in words: each names a
column (or none), a severity, a message a newcomer follows and a machine-readable fix.

The wording lives here, apart from the measuring (wizard/datareport/columns.py,
leakage.py, target.py, file.py), so the screens and
``validate`` show the same sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ..datasample import Sample
from .columns import ColumnInsight
from .file import DELIMITER_NAMES, FileFacts, guess_delimiter
from .leakage import PredictivePower
from .target import ClassBalance, problem_type_hint

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
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
        out.append(delimiter_finding(facts.delimiter or ",", facts.fields))
    if facts.decimal_comma:
        out.append(
            Finding(
                "decimal_comma",
                None,
                "info",
                "numbers are written with a decimal comma (such as 1,5); read them with ',' as "
                "the decimal mark",
                {"action": "set_decimal", "value": ","},
            )
        )
    return out


def delimiter_finding(delimiter: str, fields: int) -> Finding:
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


def one_column_findings(sample: Sample) -> list[Finding]:
    """A one-column sample whose header splits on another delimiter."""
    header = sample.columns[0]
    lines = [header] + [row[0] or "" for row in sample.rows[:50] if len(row) == 1]
    delimiter, fields, _ = guess_delimiter("\n".join(lines))
    if delimiter in (None, ",") or fields < 2:
        return []
    return [delimiter_finding(delimiter, fields)]


# ---------------------------------------------------------------------------- per column


def column_findings(c: ColumnInsight) -> list[Finding]:
    drop = {"action": "drop_column", "column": c.name}
    if c.kind == "mostly_missing":
        return [
            Finding(
                "mostly_missing",
                c.name,
                "warning",
                f"mostly missing: {c.reason}, so little is left to learn from. Drop it unless "
                "being empty means something",
                drop,
            )
        ]
    if c.kind == "constant":
        return [Finding("constant", c.name, "warning", f"constant: {c.reason}. Drop it", drop)]
    if c.kind == "identifier":
        return [
            Finding(
                "identifier",
                c.name,
                "warning",
                f"looks like an identifier: {c.reason}. A model can only memorise it, and new "
                "rows bring new values; drop it",
                drop,
            )
        ]
    if c.kind == "number_as_text" and c.parse:
        fix = {"action": "parse_number", "column": c.name}
        fix.update({k: v for k, v in c.parse.items() if v not in (None, False)})
        return [
            Finding("number_as_text", c.name, "warning", f"{c.reason}. Parse them as numbers", fix)
        ]
    if c.kind == "datetime" and c.parse:
        return [
            Finding(
                "datetime",
                c.name,
                "warning",
                f"{c.reason}. As text each date would be a category of its own; parse them as "
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
                f"free text: {c.reason}. Read as a category, each distinct text would be a "
                "level of its own and the words would be lost; list it as a text column so "
                "the model sees its words (TF-IDF of words and character n-grams)",
                {"action": "text_column", "column": c.name},
            )
        ]
    if c.kind == "category" and c.distinct > MANY_LEVELS:
        return [
            Finding(
                "many_levels",
                c.name,
                "info",
                f"a category with {c.distinct:,} levels: one-hot encoding makes a column for each",
                None,
            )
        ]
    return []


# ------------------------------------------------------------------------------- target


def variants_finding(target: str, mapping: dict[str, str]) -> Finding:
    shown = ", ".join(f"{raw!r} → {kept!r}" for raw, kept in list(mapping.items())[:6])
    return Finding(
        "label_variants",
        target,
        "warning",
        f"some labels differ only in case or surrounding spaces, so one class counts as "
        f"several: {shown}. Normalise them to one spelling each",
        {"action": "normalise_labels", "column": target, "mapping": mapping},
    )


def target_kind_findings(
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
                f"{insight.reason}. Parse them as numbers",
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


def balance_findings(target: str, balance: ClassBalance) -> list[Finding]:
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
            "class: a model can score well by never predicting it. Weight the classes by the "
            "inverse of their frequency (balanced)",
            {"action": "weight_classes", "scheme": "balanced"},
        )
    ]


def leak_finding(power: PredictivePower) -> Finding:
    return Finding(
        "leak",
        power.column,
        "warning",
        f"predicts the target almost perfectly by itself: {power.describe()}. It probably "
        "leaks the answer: a copy or recoding of the label, something recorded after the "
        "outcome, or an id issued in label order. Drop it unless its value is truly known "
        "when a prediction is made",
        {"action": "drop_column", "column": power.column},
    )


def no_rows_finding() -> Finding:
    return Finding(
        "no_rows",
        None,
        "error",
        "the file has a header but no data rows; add the data below the header",
        None,
    )


def duplicates_finding(duplicates: int, rows: int) -> Finding:
    share = duplicates / rows
    return Finding(
        "duplicates",
        None,
        "warning" if share >= DUPLICATES_WARN else "info",
        f"{duplicates:,} rows ({share:.1%}) repeat an earlier row exactly. If they are the same "
        "record exported twice, drop them: a copy in both the training and the test split "
        "makes the test score look better than it is. If they are different cases that happen "
        "to look alike (few columns), keep them: dropping them changes the data",
        {"action": "drop_duplicates"},
    )
