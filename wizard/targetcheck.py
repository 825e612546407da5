"""The checks on the target column and the splits: the labels fit the problem type, the
number of classes fits the answers, and every split gets rows of every class."""

from __future__ import annotations

import math
from typing import Any

from .config import SECTION_MODELS
from .datafacts import DataReport
from .datasample import Sample, is_missing
from .validation import validate_section

AUTOPILOT_MIN_ROWS = 500
"""SageMaker Autopilot refuses training data with fewer rows (autopilot.py checks it too)."""


def section_model(doc: dict[str, Any], name: str) -> Any:
    """The validated model of one table, or its defaults when the table is absent or invalid
    (its own problems are reported by the models)."""
    data = doc.get(name)
    if isinstance(data, dict):
        model, _ = validate_section(name, data)
        if model is not None:
            return model
    try:
        return SECTION_MODELS[name]()
    except Exception:
        return None


def _sampled_note(sample: Sample) -> str:
    return " (in the sample read)" if sample.sampled else ""


def _set(field: str, value: str) -> str:
    return f'{field} = "{value}"'


REGRESSION_HINT_VALUES = 20
"""A classification target of numbers with more distinct values than this looks like a
quantity to predict (regression) rather than classes."""


def check_target(
    report: DataReport,
    sample: Sample,
    labels: list[str | None],
    classes: dict[str, int],
    problem_type: str,
    target: str,
    doc: dict[str, Any] | None = None,
) -> None:
    """The labels fit the problem type; every piece of advice names the field and the value."""
    where = "data_collection.target_column"
    present = [v for v in labels if not is_missing(v)]
    if not present:
        report.error(where, f"the column {target!r} has no values{_sampled_note(sample)}")
        return
    note = _sampled_note(sample)
    if problem_type == "regression":
        bad = next((v for v in present if not _number(v)), None)
        if bad is not None:
            report.error(
                where,
                f"regression predicts numbers, but {target!r} holds text such as "
                f"{bad[:40]!r}{note}; choose a numeric target, or classify it: "
                + _set("profile.problem_type", "multiclass_classification"),
            )
        elif len(set(present)) <= 2:
            report.warn(
                where,
                f"{target!r} has only {len(set(present))} distinct values{note}; if these are "
                f"classes, set {_set('profile.problem_type', 'binary_classification')}",
            )
        return
    count = len(classes)
    numeric = all(_number(v) for v in present)
    if count > REGRESSION_HINT_VALUES and numeric:
        report.error(
            where,
            f"{target!r} holds {count:,}{'+' if count >= 1000 else ''} different numbers{note}: "
            "that is a quantity to predict, not classes; set "
            + _set("profile.problem_type", "regression"),
        )
        return
    prep = (doc or {}).get("data_preparation")
    normalised = isinstance(prep, dict) and prep.get("normalise_labels") is True
    spellings = {label.strip().casefold() for label in classes}
    if not normalised and len(spellings) < count and len(spellings) >= 2:
        kind = "binary" if len(spellings) == 2 else "multiclass"
        if (kind == "binary") == (problem_type == "binary_classification"):
            shown = ", ".join(repr(label) for label in list(classes)[:6])
            report.error(
                where,
                f"{target!r} spells {len(spellings)} classes {count} ways ({shown}){note}: "
                "labels that differ only in case or spaces would count as different classes; "
                "set data_preparation.normalise_labels = true",
            )
            return
    if problem_type == "binary_classification":
        if count > 2:
            shown = ", ".join(list(classes)[:5])
            report.error(
                where,
                f"binary classification needs two classes, but {target!r} has {count}"
                f"{'+' if count >= 1000 else ''} ({shown}...){note}; set "
                + _set("profile.problem_type", "multiclass_classification"),
            )
        elif count < 2:
            message = (
                f"{target!r} holds one class only ({next(iter(classes))}){note}; a classifier "
                "needs examples of both classes"
            )
            report.warn(where, message) if sample.sampled else report.error(where, message)
    else:  # multiclass
        if count == 2:
            report.error(
                where,
                f"{target!r} has two classes{note}; set "
                + _set("profile.problem_type", "binary_classification"),
            )
        elif count < 2:
            message = f"{target!r} holds one class only{note}; multiclass needs three or more"
            report.warn(where, message) if sample.sampled else report.error(where, message)
        elif count > 1000:
            report.warn(where, f"{target!r} has over 1,000 classes{note}; is it an id column?")


def check_num_classes(
    report: DataReport,
    doc: dict[str, Any],
    sample: Sample,
    classes: dict[str, int],
    problem_type: str,
) -> None:
    """``data_collection.num_classes`` (what the model is built for) agrees with the data."""
    if problem_type != "multiclass_classification" or len(classes) < 3:
        return
    collection = doc.get("data_collection")
    given = collection.get("num_classes") if isinstance(collection, dict) else None
    if not isinstance(given, int) or isinstance(given, bool):
        return  # unset: counted from the data (wizard.check.resolve_from_data)
    found = len(classes)
    if given < found:
        report.error(
            "data_collection.num_classes",
            f"num_classes is {given}, but the data has {found} classes"
            f"{_sampled_note(sample)}; set data_collection.num_classes = {found}, or remove "
            "the line to count them from the data",
        )
    elif given > found:
        message = (
            f"num_classes is {given}, but the data has {found} classes"
            f"{_sampled_note(sample)}; set data_collection.num_classes = {found}, or remove "
            "the line to count them from the data"
        )
        # A sample may miss rare classes: then more classes than seen is possible.
        report.warn("data_collection.num_classes", message) if sample.sampled else report.error(
            "data_collection.num_classes", message
        )


def _number(value: str) -> bool:
    try:
        return math.isfinite(float(value))
    except ValueError:
        return False


def _split_sizes(n: int, train: float, validation: float, test: float) -> tuple[int, int, int]:
    """Rows per split as the prepare step's ``train_test_split`` cuts them."""
    n_test = math.ceil(test * n)
    rest = n - n_test
    share = validation / (train + validation)
    n_val = math.ceil(share * rest)
    return rest - n_val, n_val, n_test


def check_splits(
    report: DataReport,
    doc: dict[str, Any],
    sample: Sample,
    labels: list[str | None],
    classes: dict[str, int],
) -> None:
    """Every split gets rows, and (as far as the sample tells) rows of every class."""
    prep = section_model(doc, "data_preparation")
    if prep is None:
        return
    ratios = (prep.train_ratio, prep.validation_ratio, prep.test_ratio)
    if abs(sum(ratios) - 1) > 1e-6:
        return  # the model reports it
    labelled = sum(1 for v in labels if not is_missing(v))
    if prep.missing_values == "drop":
        labelled = sum(1 for row in sample.rows if not any(is_missing(c) for c in row))
    scale = sample.estimated_rows / max(1, len(sample.rows))
    rows = labelled if sample.complete else math.floor(labelled * scale)
    exact = sample.complete
    about = "" if exact else "about "
    n_train, n_val, n_test = _split_sizes(rows, *ratios)
    if rows < 3 or min(n_train, n_val, n_test) < 1:
        kept = " after dropping rows with missing values" if prep.missing_values == "drop" else ""
        report.error(
            "data_preparation.train_ratio",
            f"{about}{rows} usable rows{kept} split {n_train}/{n_val}/{n_test} (train/validation/"
            "test): every split needs at least one row; add data or change the ratios",
        )
        return
    if classes:
        smallest_ratio = min(n_train / rows, n_val / rows, n_test / rows)
        for label, count in classes.items():
            expected = count * scale
            if expected * smallest_ratio < 1:
                split_name = ("training", "validation", "test")[
                    (n_train / rows, n_val / rows, n_test / rows).index(smallest_ratio)
                ]
                message = (
                    f"class {label!r} has {about}{round(expected)} row"
                    f"{'s' if round(expected) != 1 else ''}: the {split_name} split would get none; "
                    "add rows of that class or raise the smallest ratio"
                )
                if exact:
                    report.error("data_preparation.test_ratio", message)
                else:
                    report.warn("data_preparation.test_ratio", message)
                break
    training = section_model(doc, "training")
    # autopilot.py gives Autopilot the whole prepared data set (all three splits: it makes
    # its own validation split), so the minimum applies to every usable row.
    if training is not None and "autopilot" in training.services and rows < AUTOPILOT_MIN_ROWS:
        message = (
            f"Autopilot needs at least {AUTOPILOT_MIN_ROWS} rows; the prepared data has "
            f"{about}{rows} (autopilot.py gives it all of them); add data, or untick Autopilot "
            "and use training jobs"
        )
        report.error("training.services", message)
