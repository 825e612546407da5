"""The checks that read the data (wizard/datacheck.py, wizard/datasample.py)."""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path

import pytest

from wizard.datacheck import NoAwsAccess, check_data, resolve_input
from wizard.datasample import MAX_CELLS, MAX_ROWS, SampleError, read_sample
from wizard.targetcheck import AUTOPILOT_MIN_ROWS
from wizard.templates import template_document


def _doc(**collection) -> dict:
    doc = copy.deepcopy(template_document("demo"))
    doc["data_collection"].update(collection)
    return doc


def _write_csv(path: Path, rows: int, *, classes=("0", "1"), extra="") -> Path:
    lines = ["age,income,label" + extra]
    for i in range(rows):
        lines.append(f"{20 + i % 50},{30000 + (i * 7919) % 50000},{classes[i % len(classes)]}")
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def _messages(report, path: str) -> list[str]:
    return [p.message for p in report.problems if p.path == path]


def test_valid_data_passes_and_profiles(tmp_path):
    _write_csv(tmp_path / "d.csv", 200)
    report = check_data(_doc(input_uri="d.csv", target_column="label"), tmp_path)
    assert report.problems == []
    profile = report.profile
    assert profile.rows == 200 and not profile.sampled
    assert profile.column_names == ("age", "income", "label")
    assert profile.classes == {"0": 100, "1": 100}
    text = "\n".join(profile.lines())
    assert "200 rows" in text and "label: 0 50%, 1 50%" in text


def test_relative_path_resolves_against_base_dir(tmp_path):
    (tmp_path / "sub").mkdir()
    _write_csv(tmp_path / "sub" / "d.csv", 50)
    assert resolve_input("sub/d.csv", tmp_path) == tmp_path / "sub" / "d.csv"
    report = check_data(_doc(input_uri="sub/d.csv", target_column="label"), tmp_path)
    assert report.checked and not report.errors
    report = check_data(_doc(input_uri="sub/d.csv", target_column="label"), tmp_path / "sub")
    assert "does not exist" in _messages(report, "data_collection.input_uri")[0]


def test_missing_target_and_facet_suggest_the_close_column(tmp_path):
    (tmp_path / "d.csv").write_text(
        "mean_radius,target\n1.0,0\n2.0,1\n3,0\n4,1\n5,0\n6,1\n7,0\n8,1\n"
    )
    doc = _doc(input_uri="d.csv", target_column="nosuchcol")
    doc["evaluation"] = {"services": ["clarify"], "bias_facet": "mean radius", "metric": "auc"}
    report = check_data(doc, tmp_path)
    assert "'nosuchcol' is not a column" in _messages(report, "data_collection.target_column")[0]
    assert "did you mean 'mean_radius'" in _messages(report, "evaluation.bias_facet")[0]


def test_facet_equal_to_target_and_unknown_drop_column(tmp_path):
    _write_csv(tmp_path / "d.csv", 60)
    doc = _doc(input_uri="d.csv", target_column="label")
    doc["evaluation"] = {"bias_facet": "label"}
    doc["data_preparation"]["drop_columns"] = ["incme"]
    report = check_data(doc, tmp_path)
    assert "is the target column" in _messages(report, "evaluation.bias_facet")[0]
    assert "'incme' is not a column" in _messages(report, "data_preparation.drop_columns")[0]


@pytest.mark.parametrize(
    ("problem_type", "classes", "expected"),
    [
        ("binary_classification", ("a", "b", "c"), "needs two classes"),
        ("multiclass_classification", ("a", "b"), 'profile.problem_type = "binary_classification"'),
        ("regression", ("x", "y"), "holds text"),
    ],
)
def test_target_must_fit_the_problem_type(tmp_path, problem_type, classes, expected):
    _write_csv(tmp_path / "d.csv", 90, classes=classes)
    doc = _doc(input_uri="d.csv", target_column="label")
    doc["profile"]["problem_type"] = problem_type
    report = check_data(doc, tmp_path)
    assert expected in " ".join(_messages(report, "data_collection.target_column"))


def test_every_split_gets_every_class(tmp_path):
    classes = ["0", "1"] * 40 + ["rare"]
    path = tmp_path / "d.csv"
    path.write_text("x,label\n" + "".join(f"{i},{c}\n" for i, c in enumerate(classes)))
    doc = _doc(input_uri="d.csv", target_column="label")
    doc["profile"]["problem_type"] = "multiclass_classification"
    report = check_data(doc, tmp_path)
    assert any("'rare'" in m for m in _messages(report, "data_preparation.test_ratio"))


def test_too_few_rows_for_the_splits(tmp_path):
    _write_csv(tmp_path / "d.csv", 2)
    report = check_data(_doc(input_uri="d.csv", target_column="label"), tmp_path)
    assert (
        "every split needs at least one row" in _messages(report, "data_preparation.train_ratio")[0]
    )


def test_autopilot_needs_500_rows_of_prepared_data(tmp_path):
    """autopilot.py feeds Autopilot all three splits, so the demo's 569 rows are enough
    (its 0.7 training split alone, 397 rows, would not be)."""
    doc = _doc(input_uri="d.csv", target_column="label")
    doc["training"]["services"] = ["autopilot"]
    _write_csv(tmp_path / "d.csv", 569)
    assert not _messages(check_data(doc, tmp_path), "training.services")
    _write_csv(tmp_path / "d.csv", 420)
    (message,) = _messages(check_data(doc, tmp_path), "training.services")
    assert f"at least {AUTOPILOT_MIN_ROWS} rows" in message and "has 420" in message


def test_no_header_uses_the_first_column_with_a_warning(tmp_path):
    (tmp_path / "d.csv").write_text("".join(f"{i % 2},{i}\n" for i in range(40)))
    report = check_data(_doc(input_uri="d.csv", target_column="label", has_header=False), tmp_path)
    assert not report.errors
    assert "first column is used as the label" in report.warnings[0].message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"\x00\x01\x02binary\x00", "binary file"),
        ("a,b\n1,é\n".encode("latin-1"), "not UTF-8"),
        (b'a,b\n1,"unterminated\n', "not valid CSV"),
        (b"PAR1garbage", "Parquet file"),
    ],
)
def test_bad_files_get_one_clear_message(tmp_path, content, expected):
    (tmp_path / "d.csv").write_bytes(content)
    report = check_data(_doc(input_uri="d.csv", target_column="b"), tmp_path)
    problem = report.errors[0]
    assert [p.path for p in report.problems] == ["data_collection.input_uri"], report.problems
    assert expected in problem.message


def test_truncated_parquet_and_real_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"x": list(range(100)), "label": [i % 2 for i in range(100)]})
    pq.write_table(table, tmp_path / "d.parquet")
    doc = _doc(input_uri="d.parquet", target_column="label")
    doc["profile"]["data_format"] = "parquet"
    report = check_data(doc, tmp_path)
    assert not report.errors and report.profile.rows == 100
    data = (tmp_path / "d.parquet").read_bytes()
    (tmp_path / "d.parquet").write_bytes(data[: len(data) // 2])
    assert "not a Parquet file" in check_data(doc, tmp_path).errors[0].message


def test_json_lines(tmp_path):
    (tmp_path / "d.jsonl").write_text("".join(f'{{"x": {i}, "y": {i % 2}}}\n' for i in range(30)))
    doc = _doc(input_uri="d.jsonl", target_column="y")
    doc["profile"]["data_format"] = "json"
    report = check_data(doc, tmp_path)
    assert report.profile.column_names == ("x", "y") and not report.errors


def test_fifo_and_folder(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    started = time.monotonic()
    report = check_data(_doc(input_uri="pipe.csv", target_column="label"), tmp_path)
    assert "not a regular file" in report.errors[0].message
    assert time.monotonic() - started < 1
    (tmp_path / "empty").mkdir()
    report = check_data(_doc(input_uri="empty", target_column="label"), tmp_path)
    assert "holds no .csv" in report.errors[0].message
    _write_csv(tmp_path / "empty" / "a.csv", 30)
    assert not check_data(_doc(input_uri="empty", target_column="label"), tmp_path).errors


def test_wide_file_is_sampled_quickly(tmp_path):
    columns = 10_000
    header = ",".join(f"c{i}" for i in range(columns)) + ",label\n"
    row = ",".join("1" for _ in range(columns))
    with (tmp_path / "wide.csv").open("w") as out:
        out.write(header)
        for i in range(300):
            out.write(f"{row},{i % 2}\n")
    started = time.monotonic()
    sample = read_sample(tmp_path / "wide.csv", "csv", True)
    assert time.monotonic() - started < 2
    assert len(sample.columns) == columns + 1 and sample.sampled
    assert len(sample.rows) == MAX_CELLS // (columns + 1)
    report = check_data(_doc(input_uri="wide.csv", target_column="label"), tmp_path)
    assert not report.errors and report.profile.sampled
    assert "estimated from a sample" in report.profile.lines()[0]


def test_long_file_is_sampled_and_says_so(tmp_path):
    _write_csv(tmp_path / "d.csv", MAX_ROWS * 3)
    sample = read_sample(tmp_path / "d.csv", "csv", True)
    assert len(sample.rows) == MAX_ROWS and sample.sampled
    assert abs(sample.estimated_rows - MAX_ROWS * 3) < MAX_ROWS * 0.1


def test_a_changed_file_is_read_again(tmp_path):
    path = _write_csv(tmp_path / "d.csv", 40)
    doc = _doc(input_uri="d.csv", target_column="label")
    assert not check_data(doc, tmp_path).errors
    path.write_text("other,columns\n1,2\n")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert check_data(doc, tmp_path).errors
    path.unlink()
    assert "does not exist" in check_data(doc, tmp_path).errors[0].message


def test_s3_inputs_need_a_probe_or_warn():
    doc = _doc(input_uri="s3://my-bucket/data/train.csv", target_column="label")
    (warning,) = check_data(doc, ".").problems
    assert warning.severity == "warning" and "not checked: no AWS access" in warning.message

    def no_access(bucket, key):
        raise NoAwsAccess("no credentials found")

    assert "no AWS access" in check_data(doc, ".", s3_probe=no_access).warnings[0].message
    seen = []

    def missing(bucket, key):
        seen.append((bucket, key))
        return "s3://my-bucket/data/train.csv does not exist"

    report = check_data(doc, ".", s3_probe=missing)
    assert seen == [("my-bucket", "data/train.csv")] and report.errors


def test_sample_error_for_missing_path(tmp_path):
    with pytest.raises(SampleError, match="does not exist"):
        read_sample(tmp_path / "nope.csv", "csv", True)


def test_validation_stays_light():
    """``import wizard.validation`` and the data checks load neither pandas nor pyarrow."""
    import subprocess
    import sys

    code = (
        "import sys, wizard.validation, wizard.datacheck, wizard.regions;"
        "bad = [m for m in ('pandas', 'pyarrow', 'numpy', 'boto3') if m in sys.modules];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
