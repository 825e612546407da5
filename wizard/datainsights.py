"""The data report's findings as the config's problems, and its fixes as config edits.

``wizard.datareport`` measures the data and says what it found in the data's own terms (a
column, a suggested fix such as ``{"action": "drop_column", "column": "id"}``). This module
speaks the config's language: each finding becomes a ``Problem`` at the field that would fix
it, worded with the exact value to write, and is left out once the config already applies
that fix. ``apply_fix`` makes the edit itself, for the wizard's one-key fixes; the same
fields drive the generated scripts (``prepare.py --drop-column/--parse-number/--parse-date/
--normalise-labels``, ``--text-column`` for prepare.py and features.py, XGBoost's
``scale_pos_weight`` for two classes, train.py's ``--class_weight balanced`` for the
scikit-learn classifiers), so what the report suggests is what the run does.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

from .algorithms import ALGORITHMS
from .datareport import DataQualityReport
from .datareport.findings import Finding
from .validation import Problem

FIX_FIELDS = {
    "drop_column": "data_preparation.drop_columns",
    "parse_number": "data_preparation.parse_numbers",
    "parse_date": "data_preparation.parse_dates",
    "text_column": "data_preparation.text_columns",
    "normalise_labels": "data_preparation.normalise_labels",
    "drop_duplicates": "data_preparation.drop_duplicates",
    "weight_classes": "training.hyperparameters.scale_pos_weight",
    "set_problem_type": "profile.problem_type",
}
"""Where each fix lands in wizard.toml; other fixes (delimiter, encoding, format) are made
to the file itself, so they point at ``data_collection.input_uri``."""

APPLICABLE = frozenset(
    {
        "drop_column",
        "parse_number",
        "parse_date",
        "text_column",
        "normalise_labels",
        "drop_duplicates",
        "weight_classes",
        "set_problem_type",
    }
)
"""Fixes ``apply_fix`` can make to the config (the rest need the file changed)."""

_COLUMN_FIXES = ("drop_column", "parse_number", "parse_date", "text_column")
"""Fixes that add the column to one of data_preparation's column lists (and so take it out
of the others: one treatment per column)."""


def _section(doc: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = doc.get(name)
    return value if isinstance(value, Mapping) else {}


def _weighs_classes(doc: Mapping[str, Any]) -> bool:
    """The chosen algorithm takes ``class_weight`` (the scikit-learn classifiers; the
    built-in XGBoost weighs only the positive class of two, ``scale_pos_weight``)."""
    algorithm = ALGORITHMS.get(str(_section(doc, "training").get("algorithm", "xgboost")))
    return algorithm is not None and algorithm.known("class_weight") is not None


def fix_path(fix: Mapping[str, Any] | None) -> str:
    """The TOML path a finding's fix lands at (``data_collection.input_uri`` for the fixes
    made to the file itself)."""
    action = str((fix or {}).get("action"))
    if action == "weight_classes" and "scale_pos_weight" not in (fix or {}):
        return "training.hyperparameters.class_weight"
    return FIX_FIELDS.get(action, "data_collection.input_uri")


def _listed(doc: Mapping[str, Any], section: str, key: str) -> set[str]:
    values = _section(doc, section).get(key)
    return {v for v in values if isinstance(v, str)} if isinstance(values, list) else set()


def is_applied(finding: Finding, doc: Mapping[str, Any]) -> bool:
    """True when the config already does what the finding's fix asks (or removes the
    column the finding is about)."""
    fix = finding.fix or {}
    action = fix.get("action")
    prep = _section(doc, "data_preparation")
    dropped = _listed(doc, "data_preparation", "drop_columns")
    if finding.column is not None and finding.column in dropped:
        return True
    if action == "parse_number":
        return finding.column in _listed(doc, "data_preparation", "parse_numbers")
    if action == "parse_date":
        return finding.column in _listed(doc, "data_preparation", "parse_dates")
    if action == "text_column":
        return finding.column in _listed(doc, "data_preparation", "text_columns")
    if action == "normalise_labels":
        return prep.get("normalise_labels") is True
    if action == "drop_duplicates":
        return prep.get("drop_duplicates") is True
    if action == "weight_classes":
        hps = _section(_section(doc, "training"), "hyperparameters")
        return "scale_pos_weight" in hps or "class_weight" in hps
    return False


def fix_text(fix: Mapping[str, Any] | None, doc: Mapping[str, Any]) -> str:
    """The fix as the line to write in wizard.toml (``data_preparation.drop_columns =
    ["id"]``), or what to do to the file."""
    if not fix:
        return ""
    action = fix.get("action")
    column = fix.get("column")
    if action in _COLUMN_FIXES and isinstance(column, str):
        section, key = FIX_FIELDS[action].split(".")
        values = sorted(_listed(doc, section, key) | {column})
        return f"{FIX_FIELDS[action]} = {json.dumps(values)}"
    if action in ("normalise_labels", "drop_duplicates"):
        return f"{FIX_FIELDS[action]} = true"
    if action == "weight_classes" and "scale_pos_weight" in fix:
        return f"training.hyperparameters.scale_pos_weight = {fix['scale_pos_weight']:g}"
    if action == "weight_classes":  # balanced, any number of classes
        if _weighs_classes(doc):
            return 'training.hyperparameters.class_weight = "balanced"'
        return (
            'training.algorithm = "sklearn_random_forest" (or "sklearn_linear") with '
            'training.hyperparameters.class_weight = "balanced": the built-in XGBoost weighs '
            "classes only when there are two"
        )
    if action == "set_problem_type":
        return f"profile.problem_type = {json.dumps(fix.get('value'))}"
    if action == "set_delimiter":
        return f"save the file with commas between values (it uses {fix.get('value')!r})"
    if action == "set_encoding":
        return f"save the file as UTF-8 (it looks like {fix.get('value')})"
    if action == "convert_file":
        return f"convert the file to {fix.get('to')}"
    if action == "set_data_format":
        return f"profile.data_format = {json.dumps(fix.get('value'))}"
    return ""


def findings_as_problems(
    report: DataQualityReport, doc: Mapping[str, Any], *, include_info: bool = False
) -> list[Problem]:
    """The report's errors and warnings (and with ``include_info``, its notes) that the
    config does not already fix, each at the field that fixes it."""
    problems: list[Problem] = []
    for finding in report.findings:
        if finding.severity == "info" and not include_info:
            continue
        if finding.code in _SAID_ELSEWHERE or is_applied(finding, doc):
            continue
        path = fix_path(finding.fix)
        where = f"{finding.column!r}: " if finding.column else ""
        fix = fix_text(finding.fix, doc)
        text = finding.message.rstrip()
        if fix:
            text = f"{text}{'' if text.endswith(('.', '!', '?')) else '.'} Fix: {fix}"
        message = f"{where}{text}"
        severity = "error" if finding.severity == "error" else "warning"
        problems.append(Problem(path, message, severity=severity))
    return problems


_SAID_ELSEWHERE = frozenset({"problem_type", "looks_like_regression", "looks_like_classes"})
"""Finding codes the target checks (``wizard.datacheck``) already report in their own words."""


def apply_fix(doc: Mapping[str, Any], fix: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the config document with ``fix`` made (one of ``APPLICABLE``)."""
    out: dict[str, Any] = copy.deepcopy(dict(doc))
    action = fix.get("action")
    column = fix.get("column")

    def table(*keys: str) -> dict[str, Any]:
        node = out
        for key in keys:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        return node

    if action in _COLUMN_FIXES and isinstance(column, str):
        section, key = FIX_FIELDS[str(action)].split(".")
        prep = table(section)
        current = prep.get(key) if isinstance(prep.get(key), list) else []
        prep[key] = [*current, column] if column not in current else current
        for other in ("drop_columns", "parse_numbers", "parse_dates", "text_columns"):
            if other != key and isinstance(prep.get(other), list) and column in prep[other]:
                prep[other] = [c for c in prep[other] if c != column]
    elif action == "normalise_labels":
        table("data_preparation")["normalise_labels"] = True
    elif action == "drop_duplicates":
        table("data_preparation")["drop_duplicates"] = True
    elif action == "weight_classes" and "scale_pos_weight" in fix:
        table("training", "hyperparameters")["scale_pos_weight"] = float(fix["scale_pos_weight"])
    elif action == "weight_classes" and _weighs_classes(out):
        table("training", "hyperparameters")["class_weight"] = "balanced"
    elif action == "set_problem_type" and isinstance(fix.get("value"), str):
        table("profile")["problem_type"] = fix["value"]
    else:
        raise ValueError(f"not a fix the wizard can make to the config: {dict(fix)!r}")
    return out


def applicable(findings: Iterable[Finding], doc: Mapping[str, Any]) -> list[Finding]:
    """The findings with a fix ``apply_fix`` can make and the config does not have yet."""
    return [
        f
        for f in findings
        if f.fix
        and f.fix.get("action") in APPLICABLE
        and not is_applied(f, doc)
        and not (
            f.fix.get("action") == "weight_classes"
            and "scale_pos_weight" not in f.fix
            and not _weighs_classes(doc)
        )
    ]
