"""The demo datasets ship as package data; they are scikit-learn's, written once as CSV."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from wizard.templates import dataset_text, write_template_data


def _sklearn_csv(name: str) -> str:
    from sklearn import datasets

    if name == "breast_cancer.csv":
        bunch = datasets.load_breast_cancer()
        columns = [c.replace(" ", "_") for c in bunch.feature_names] + ["target"]
    else:
        bunch = datasets.load_diabetes(scaled=False)
        columns = [str(c) for c in bunch.feature_names] + ["progression"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row, label in zip(bunch.data, bunch.target, strict=True):
        writer.writerow([*(f"{v:.6g}" for v in row), f"{label:.6g}"])
    return out.getvalue()


@pytest.mark.parametrize("name", ["breast_cancer.csv", "diabetes.csv"])
def test_shipped_dataset_is_scikit_learns(name: str) -> None:
    assert dataset_text(name) == _sklearn_csv(name)


def test_writing_the_demo_imports_no_scikit_learn(tmp_path) -> None:
    code = (
        "import sys; from pathlib import Path; from wizard.templates import write_template_data;"
        f"write_template_data('demo', Path({str(tmp_path / 'wizard.toml')!r}));"
        "print(sorted(m for m in ('sklearn', 'pandas', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    written = write_template_data("demo", tmp_path / "again.toml")
    assert [p.name for p in written] == ["breast_cancer.csv"]
    assert written[0].read_text().startswith("mean_radius,")
