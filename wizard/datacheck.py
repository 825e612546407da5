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
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config.fields import parse_s3_uri
from .datafacts import DataProfile, DataReport
from .datainsights import findings_as_problems
from .datareport import build_report
from .datareport.file import sniff_file
from .datasample import (
    Sample,
    SampleError,
    class_counts,
    columns_of,
    is_missing,
    profile_column,
    read_sample,
)
from .targetcheck import check_num_classes, check_splits, check_target, section_model

S3Probe = Callable[[str, str], "str | None"]
"""``probe(bucket, key)``: ``None`` if the object (or a prefix of objects) exists, else a
sentence saying what is wrong. Raises ``NoAwsAccess`` when there are no credentials."""


class NoAwsAccess(Exception):
    """The S3 probe has no credentials (or cannot reach AWS): the input was not checked."""


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


FACET_GROUPS_MAX = 10
"""A numeric bias facet with at most this many values is compared value by value (as
Clarify does with no threshold); one with more needs a threshold (default: its median)."""


def numeric_median(values: list[str | None], *, more_than: int = 0) -> float | None:
    """The median of a column of numbers with more than ``more_than`` distinct values, or
    None when a present value is not a number."""
    present = [v for v in values if not is_missing(v)]
    try:
        numbers = sorted(float(v) for v in present if v is not None)
    except ValueError:
        return None
    if not numbers or len(set(numbers)) <= more_than or not all(map(math.isfinite, numbers)):
        return None
    return float(statistics.median(numbers))


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
    profile_model = section_model(doc, "profile")
    data_format = getattr(profile_model, "data_format", "csv")
    if data_format not in ("csv", "parquet", "json", "text"):
        return report  # images: the cross-section rule explains
    has_header = collection.get("has_header", True) is not False
    if "\x00" in uri:  # os.stat would raise ValueError("embedded null byte")
        report.error("data_collection.input_uri", "the path contains a NUL byte (\\x00); remove it")
        return report
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
        prep = doc.get("data_preparation")
        if isinstance(prep, dict) and prep.get("normalise_labels") is True:
            # as prepare.py --normalise-labels reads them
            labels = [v if is_missing(v) else v.strip().casefold() for v in labels]
        if problem_type != "regression":
            classes = class_counts(labels)
    evaluation = doc.get("evaluation")
    facet = evaluation.get("bias_facet") if isinstance(evaluation, dict) else None
    facet = facet.strip() if isinstance(facet, str) else ""
    medians = {}
    if facet in columns and facet != found_target:
        median = numeric_median(sample.column(facet), more_than=FACET_GROUPS_MAX)
        if median is not None:
            medians[facet] = median
    if found_target is not None and problem_type == "regression":
        median = numeric_median(labels)
        if median is not None:
            medians[found_target] = median
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
        medians=medians,
    )
    if facet:
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
    prep = prep if isinstance(prep, dict) else {}
    for key in ("drop_columns", "parse_numbers", "parse_dates", "text_columns"):
        listed = prep.get(key)
        if not isinstance(listed, list) or not has_header:
            continue
        unknown = [c for c in listed if isinstance(c, str) and c not in columns]
        if unknown:
            report.error(
                f"data_preparation.{key}",
                f"{', '.join(repr(c) for c in unknown[:5])} "
                f"{'is not a column' if len(unknown) == 1 else 'are not columns'} of "
                f"{sample.path.name}{_close(unknown[0], columns)}",
            )
    if found_target is not None:
        check_target(report, sample, labels, classes, problem_type, found_target, doc)
        check_num_classes(report, doc, sample, classes, problem_type)
        check_splits(report, doc, sample, labels, classes)
    # The report also explains errors (a file that reads as one column is ';'-separated),
    # so it is built whenever the data could be read.
    report.quality = build_report(
        sample, target=found_target, problem_type=problem_type, file=sniff_file(sample.path)
    )
    said = {p.message for p in report.problems}
    report.problems.extend(
        p for p in findings_as_problems(report.quality, doc) if p.message not in said
    )
