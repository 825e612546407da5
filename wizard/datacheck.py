"""Checks that read the data: what ``validate``, the stage screens and Review say about the
input file itself, beyond the shape of the answers.

``check_data(doc, base_dir)`` works on a config *document* (it may be unfinished: each part
is checked as far as the answers allow) and returns a ``DataReport``: the problems, each an
error or a warning naming its TOML path, and the data profile the data-collection screen
shows. Relative input paths resolve against ``base_dir``: the config file's folder, or for
an autosaved session with no file yet, the folder the wizard was started in.

S3 inputs are checked by an ``s3_probe`` the caller passes in (``wizard/`` never imports
boto3); with no probe, or no credentials, the check says so as a warning.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import SECTION_MODELS
from .config.fields import parse_s3_uri
from .datasample import (
    ColumnProfile,
    Sample,
    SampleError,
    class_counts,
    columns_of,
    file_size_text,
    is_missing,
    profile_column,
    read_sample,
)
from .validation import Problem, validate_section

AUTOPILOT_MIN_ROWS = 500
"""SageMaker Autopilot refuses training data with fewer rows (autopilot.py checks it too)."""

S3Probe = Callable[[str, str], "str | None"]
"""``probe(bucket, key)``: ``None`` if the object (or a prefix of objects) exists, else a
sentence saying what is wrong. Raises ``NoAwsAccess`` when there are no credentials."""


class NoAwsAccess(Exception):
    """The S3 probe has no credentials (or cannot reach AWS): the input was not checked."""


@dataclass(frozen=True, slots=True)
class DataProfile:
    """What the data-collection screen shows about the input file."""

    file: Path
    file_bytes: int
    rows: int
    """Rows in the file (exact, or estimated from the sample when ``sampled``)."""
    exact_rows: bool
    sample_rows: int
    sampled: bool
    columns: tuple[ColumnProfile, ...]
    target: str | None
    classes: dict[str, int] = field(default_factory=dict)
    """Rows per target value, for classification (in the sample)."""
    files: int = 1

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def lines(self) -> list[str]:
        """The profile in words, a line per fact (``sampled`` figures say so)."""
        how = (
            f"about {self.rows:,} rows (estimated from a sample of {self.sample_rows:,})"
            if not self.exact_rows
            else f"{self.rows:,} rows"
            + (f" (first {self.sample_rows:,} read)" if self.sampled else "")
        )
        out = [
            f"{self.file.name}: {file_size_text(self.file_bytes)}, {how}, {len(self.columns):,} columns"
            + (
                f"; {self.files} files in the folder, only the first was read"
                if self.files > 1
                else ""
            )
        ]
        kinds: dict[str, int] = {}
        for column in self.columns:
            kinds[column.kind] = kinds.get(column.kind, 0) + 1
        out.append("Types: " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())))
        total = max(1, self.sample_rows)
        gaps = sorted(
            ((c.missing / total, c.name) for c in self.columns if c.missing), reverse=True
        )
        if gaps:
            shown = ", ".join(f"{name} {share:.0%}" for share, name in gaps[:4])
            more = f" and {len(gaps) - 4} more" if len(gaps) > 4 else ""
            out.append(f"Missing values: {shown}{more}")
        else:
            out.append("Missing values: none")
        if self.classes:
            labelled = max(1, sum(self.classes.values()))
            shown = ", ".join(
                f"{label} {count / labelled:.0%}" for label, count in list(self.classes.items())[:6]
            )
            more = f" (+{len(self.classes) - 6} more)" if len(self.classes) > 6 else ""
            out.append(f"Class balance of {self.target}: {shown}{more}")
        if self.sampled:
            out.append("Figures from a sample of the file (the header and the first rows).")
        return out


@dataclass
class DataReport:
    problems: list[Problem] = field(default_factory=list)
    profile: DataProfile | None = None
    checked: bool = False
    """True when the data was read (or probed on S3)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def warn(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message, severity="warning"))


def resolve_input(uri: str, base_dir: Path) -> Path:
    """A local input path as the run will read it: relative paths start at ``base_dir``."""
    path = Path(uri).expanduser()
    return path if path.is_absolute() else Path(base_dir) / path


def shown_path(path: Path) -> str:
    """A path as messages name it: relative to the working folder when inside it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _section(doc: dict[str, Any], name: str) -> Any:
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


def _close(name: str, columns: tuple[str, ...]) -> str:
    match = difflib.get_close_matches(name, columns, n=1, cutoff=0.6)
    if not match:
        lowered = {c.lower().replace(" ", "_"): c for c in columns}
        hit = lowered.get(name.lower().replace(" ", "_"))
        match = [hit] if hit else []
    if match:
        return f"; did you mean {match[0]!r}?"
    shown = ", ".join(repr(c) for c in columns[:8])
    more = f" and {len(columns) - 8} more" if len(columns) > 8 else ""
    return f"; the columns are {shown}{more}"


def check_data(
    doc: Any,
    base_dir: Path | str,
    *,
    s3_probe: S3Probe | None = None,
    with_profile: bool = True,
) -> DataReport:
    """Every check that needs the data itself (see the module docstring). ``with_profile``
    off skips the per-column profile (types, missing values), which only the screens show."""
    report = DataReport()
    if not isinstance(doc, dict) or not isinstance(doc.get("data_collection"), dict):
        return report
    collection = doc["data_collection"]
    uri = collection.get("input_uri")
    if not isinstance(uri, str) or not uri.strip():
        return report
    if uri.startswith("s3://"):
        try:
            bucket, key = parse_s3_uri(uri)
        except ValueError:
            return report  # the model reports the malformed URI
        _check_s3(report, bucket, key, s3_probe)
        return report
    if "://" in uri:
        return report
    profile_model = _section(doc, "profile")
    data_format = getattr(profile_model, "data_format", "csv")
    if data_format not in ("csv", "parquet", "json"):
        return report  # images/text: the cross-section rule explains
    has_header = collection.get("has_header", True) is not False
    path = resolve_input(uri, Path(base_dir))
    try:
        sample = read_sample(path, data_format, has_header)
    except SampleError as exc:
        report.error("data_collection.input_uri", str(exc).replace(str(path), shown_path(path)))
        return report
    except OSError as exc:  # vanished between stat and open, permissions...
        report.error("data_collection.input_uri", f"{path} cannot be read ({exc.strerror or exc})")
        return report
    report.checked = True
    _check_columns(report, doc, sample, profile_model, has_header, with_profile)
    return report


def _check_s3(report: DataReport, bucket: str, key: str, probe: S3Probe | None) -> None:
    where = "data_collection.input_uri"
    if probe is None:
        report.warn(where, "not checked: no AWS access (the S3 input is read when the run starts)")
        return
    try:
        found = probe(bucket, key)
    except NoAwsAccess as exc:
        detail = f" ({exc})" if str(exc) else ""
        report.warn(where, f"not checked: no AWS access{detail}")
        return
    report.checked = True
    if found is not None:
        report.error(where, found)


def _check_columns(
    report: DataReport,
    doc: dict[str, Any],
    sample: Sample,
    profile_model: Any,
    has_header: bool,
    with_profile: bool = True,
) -> None:
    columns = sample.columns
    collection = doc["data_collection"]
    target = collection.get("target_column")
    target = target.strip() if isinstance(target, str) else ""
    problem_type = getattr(profile_model, "problem_type", "binary_classification")
    found_target: str | None = None
    if target:
        if target in columns:
            found_target = target
        elif not has_header and columns:
            found_target = columns[0]
            report.warn(
                "data_collection.target_column",
                f"the file has no header row, so there is no column named {target!r}: the "
                "first column is used as the label",
            )
        else:
            report.error(
                "data_collection.target_column",
                f"{target!r} is not a column of {sample.path.name}{_close(target, columns)}",
            )
    profiles = (
        tuple(profile_column(name, values) for name, values in columns_of(sample).items())
        if with_profile
        else ()
    )
    classes: dict[str, int] = {}
    labels: list[str | None] = []
    if found_target is not None:
        labels = sample.column(found_target)
        if problem_type != "regression":
            classes = class_counts(labels)
    report.profile = DataProfile(
        file=sample.path,
        file_bytes=sample.file_bytes,
        rows=sample.estimated_rows,
        exact_rows=sample.exact_total,
        sample_rows=len(sample.rows),
        sampled=sample.sampled,
        columns=profiles,
        target=found_target,
        classes=classes,
        files=sample.files,
    )
    evaluation = doc.get("evaluation")
    facet = evaluation.get("bias_facet") if isinstance(evaluation, dict) else None
    if isinstance(facet, str) and facet.strip():
        facet = facet.strip()
        if facet not in columns and has_header:
            report.error(
                "evaluation.bias_facet",
                f"{facet!r} is not a column of {sample.path.name}{_close(facet, columns)}",
            )
        elif found_target is not None and facet == found_target:
            report.error(
                "evaluation.bias_facet",
                "the bias facet is the target column; choose a feature column such as 'age'",
            )
    prep = doc.get("data_preparation")
    drops = prep.get("drop_columns") if isinstance(prep, dict) else None
    if isinstance(drops, list) and has_header:
        unknown = [c for c in drops if isinstance(c, str) and c not in columns]
        if unknown:
            report.error(
                "data_preparation.drop_columns",
                f"{', '.join(repr(c) for c in unknown[:5])} "
                f"{'is not a column' if len(unknown) == 1 else 'are not columns'} of "
                f"{sample.path.name}{_close(unknown[0], columns)}",
            )
    if found_target is None:
        return
    _check_target(report, sample, labels, classes, problem_type, found_target)
    _check_splits(report, doc, sample, labels, classes, problem_type)


def _sampled_note(sample: Sample) -> str:
    return " (in the sample read)" if sample.sampled else ""


def _check_target(
    report: DataReport,
    sample: Sample,
    labels: list[str | None],
    classes: dict[str, int],
    problem_type: str,
    target: str,
) -> None:
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
                f"{bad[:40]!r}{note}; choose a numeric target or a classification problem type",
            )
        elif len(set(present)) <= 2:
            report.warn(
                where,
                f"{target!r} has only {len(set(present))} distinct values{note}; if these are "
                "classes, set the problem type to binary classification",
            )
        return
    count = len(classes)
    if problem_type == "binary_classification":
        if count > 2:
            shown = ", ".join(list(classes)[:5])
            report.error(
                where,
                f"binary classification needs two classes, but {target!r} has {count}"
                f"{'+' if count >= 1000 else ''} ({shown}...){note}; set the problem type to "
                "multiclass classification (or regression for a number)",
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
                f"{target!r} has two classes{note}; set the problem type to binary classification",
            )
        elif count < 2:
            message = f"{target!r} holds one class only{note}; multiclass needs three or more"
            report.warn(where, message) if sample.sampled else report.error(where, message)
        elif count > 1000:
            report.warn(where, f"{target!r} has over 1,000 classes{note}; is it an id column?")


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


def _check_splits(
    report: DataReport,
    doc: dict[str, Any],
    sample: Sample,
    labels: list[str | None],
    classes: dict[str, int],
    problem_type: str,
) -> None:
    prep = _section(doc, "data_preparation")
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
    training = _section(doc, "training")
    # autopilot.py gives Autopilot the whole prepared data set (all three splits: it makes
    # its own validation split), so the minimum applies to every usable row.
    if training is not None and "autopilot" in training.services and rows < AUTOPILOT_MIN_ROWS:
        message = (
            f"Autopilot needs at least {AUTOPILOT_MIN_ROWS} rows; the prepared data has "
            f"{about}{rows} (autopilot.py gives it all of them); add data, or untick Autopilot "
            "and use training jobs"
        )
        report.error("training.services", message)
    del problem_type
