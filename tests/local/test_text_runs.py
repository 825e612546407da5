"""Free text through the step scripts and the local engine (issue 32): the vectoriser is
fitted on the training split only, the splits stay sparse (LIBSVM) to the model, the saved
features.joblib turns raw rows (text included) into the model's input, and the text demo
validates, runs to a registered model and exports with no AWS account."""

from __future__ import annotations

import json
import random
import tomllib
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import sparse
from test_local_scripts import cli, load

from cli.main import main
from runners.local.conditions import json_get
from runners.local.jobs import pack_model
from runners.local.project import TEMPLATES_CODE_DIR

pytestmark = pytest.mark.xdist_group("text-runs")

CUES = {
    "billing": ["charged twice", "refund", "invoice wrong"],
    "shipping": ["parcel late", "tracking stuck", "courier lost"],
    "account": ["password reset", "locked out", "login fails"],
}
FILLER = [
    "please",
    "help",
    "today",
    "again",
    "order",
    "app",
    "thanks",
    "hello",
    "my",
    "the",
    "was",
    "is",
    "not",
]


def tickets(rows: int = 240, seed: int = 0) -> pd.DataFrame:
    """Tickets whose team shows in a cue phrase among filler words; a numeric and a category
    column beside them, some bodies missing."""
    rng = random.Random(seed)
    out = []
    for i in range(rows):
        team = list(CUES)[i % 3]
        words = [rng.choice(FILLER) for _ in range(rng.randint(4, 10))]
        words.insert(rng.randrange(len(words)), rng.choice(CUES[team]))
        out.append(
            {
                "body": " ".join(words) if i % 37 else None,
                "channel": rng.choice(["email", "chat"]),
                "months": rng.randint(1, 48),
                "team": team,
            }
        )
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def scripts():
    return {p.stem: load(p) for p in TEMPLATES_CODE_DIR.glob("*.py") if p.stem != "prepare_spark"}


def _featured(tmp_path: Path, scripts, data: pd.DataFrame, *, as_json: bool = False) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    if as_json:
        data.to_json(raw / "tickets.jsonl", orient="records", lines=True)
    else:
        data.to_csv(raw / "tickets.csv", index=False)
    prepared = tmp_path / "prepared"
    scripts["prepare"].main(
        cli(
            "--target-column team --problem-type multiclass_classification --text-column body "
            "--baseline",
            input_dir=raw,
            output_dir=prepared,
        )
    )
    out = tmp_path / "features"
    scripts["features"].main(
        cli(
            "--target-column team --problem-type multiclass_classification "
            "--text-column body --max-text-features 300",
            input_dir=prepared,
            output_dir=out,
        )
    )
    return out


def test_prepare_reads_json_lines_and_keeps_a_missing_text_as_empty_text(tmp_path, scripts):
    data = tickets()
    out = _featured(tmp_path, scripts, data, as_json=True)
    splits = [pd.read_csv(tmp_path / "prepared" / s / f"{s}.csv") for s in ("train", "test")]
    assert sum(len(s) for s in splits) <= len(data)
    train = splits[0]
    # an absent body is empty text (the most frequent body would be a made-up ticket)
    assert train["body"].isna().sum() + (train["body"] == "").sum() >= 1
    assert (out / "train" / "train.libsvm").is_file()


def test_features_are_sparse_tfidf_learned_on_the_training_split_only(tmp_path, scripts):
    data = tickets()
    # a word that appears only in rows that cannot all land in the training split
    data.loc[data.index[-3:], "body"] = "zyzzyva " * 3
    out = _featured(tmp_path, scripts, data)
    saved = joblib.load(out / "transformer" / "features.joblib")
    transformer = saved["transformer"]
    assert saved["text_columns"] == ["body"]
    words = transformer.named_transformers_["text_body"].named_steps["tfidf"]
    vocabulary = words.transformer_list[0][1].vocabulary_
    assert len(vocabulary) <= 300  # bounded
    train = pd.read_csv(tmp_path / "prepared" / "train" / "train.csv", keep_default_na=False)
    seen = {w for body in train["body"] for w in str(body).lower().split()}
    assert set(" ".join(vocabulary).split()) <= seen  # nothing learned outside training
    # every split is LIBSVM, label first, indices from 1
    for split in ("train", "validation", "test"):
        first = (out / split / f"{split}.libsvm").read_text().splitlines()[0]
        label, *pairs = first.split()
        assert label in {"0", "1", "2"} and all(int(p.split(":")[0]) >= 1 for p in pairs)
    # the data-quality baseline is prepare.py's raw rows, the text as it was sent
    baseline = pd.read_csv(tmp_path / "prepared" / "baseline" / "baseline.csv")
    assert "body" in baseline.columns and "team" not in baseline.columns
    assert not (out / "baseline").exists()
    # the saved transformations read raw records, a missing text included
    raw = pd.DataFrame(
        [
            {"body": "charged twice please", "channel": "email", "months": 3},
            {"body": None, "channel": "fax", "months": 12},
        ]
    )
    rows = transformer.transform(raw)
    assert sparse.issparse(rows) and rows.shape == (2, len(saved["feature_names"]))


@pytest.mark.parametrize("algorithm", ["linear", "random_forest"])
def test_sparse_rows_train_and_evaluate(tmp_path, scripts, capsys, algorithm):
    out = _featured(tmp_path, scripts, tickets(300, seed=1))
    model_dir = tmp_path / "model"
    scripts["train"].main(
        cli(
            f"--algorithm {algorithm} --problem_type multiclass_classification",
            train=out / "train",
            validation=out / "validation",
            model_dir=model_dir,
            output_data_dir=tmp_path / "data",
        )
    )
    assert "features" in capsys.readouterr().out
    archive = tmp_path / "archive"
    pack_model(model_dir, archive / "model.tar.gz")
    scripts["evaluate"].main(
        cli(
            "--problem-type multiclass_classification",
            model_dir=archive,
            test_dir=out / "test",
            output_dir=tmp_path / "evaluation",
        )
    )
    report = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    accuracy = json_get(report, "multiclass_classification_metrics.accuracy.value")
    assert accuracy > 0.8, report  # the cue words decide the team


def test_the_width_of_sparse_splits_is_reconciled(scripts):
    narrow = sparse.csr_matrix(np.ones((2, 3)))
    wide = sparse.csr_matrix(np.ones((1, 5)))
    a, b = scripts["train"].same_width(narrow, wide)
    assert a.shape == (2, 5) and b.shape == (1, 5)
    fit = scripts["evaluate"].fit_width
    assert fit(wide, 3).shape == (1, 3) and fit(narrow, 4).shape == (2, 4)


# ------------------------------------------------------------------ the text demo, end to end


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_text_demo_validates_runs_registers_and_exports(tmp_path):
    config = tmp_path / "wizard.toml"
    made = invoke("init", "--template", "text-demo", "--out", str(config))
    assert made.exit_code == 0, made.output
    assert (tmp_path / "data" / "support_tickets.csv").is_file()
    checked = invoke("validate", str(config))
    assert checked.exit_code == 0, checked.output
    run = invoke("run", str(config), "--json", "--run-dir", str(tmp_path / "runs"))
    events = [json.loads(line) for line in run.output.splitlines() if line.startswith("{")]
    assert (events[-1]["type"], events[-1]["status"]) == ("execution", "Succeeded"), run.output[
        -3000:
    ]
    done = {e["step"] for e in events if e["type"] == "step" and e["status"] == "Succeeded"}
    assert {"PrepareData", "EngineerFeatures", "Train", "Evaluate", "RegisterModel"} <= done
    metrics = {(e["step"], e["name"]): e["value"] for e in events if e["type"] == "metric"}
    assert metrics[("Evaluate", "test:accuracy")] >= 0.7  # the demo's quality gate
    assert ("Train", "validation:accuracy") in metrics  # the monitor's chart has its series
    logs = " ".join(e["line"] for e in events if e["type"] == "log")
    assert "TF-IDF" in logs and "non-zero values (sparse)" in logs
    registered = [e for e in events if e["type"] == "log" and e["step"] == "RegisterModel"]
    assert any("registered support-tickets-models version 1" in e["line"] for e in registered)
    exported = invoke("export", str(config), "--out", str(tmp_path / "proj"))
    assert exported.exit_code == 0, exported.output
    saved = tomllib.loads((tmp_path / "proj" / "wizard.toml").read_text())
    assert saved["data_preparation"]["text_columns"] == ["subject", "body"]
    pipeline = (tmp_path / "proj" / "pipeline.py").read_text()
    assert '"--text-column"' in pipeline and '"body"' in pipeline
