"""The step scripts and the local stand-in containers, each on tiny data, in process."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from runners.local.conditions import json_get
from runners.local.containers import CONTAINERS_DIR
from runners.local.jobs import pack_model
from runners.local.project import TEMPLATES_CODE_DIR
from wizard.algorithms import metric_regex


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"script_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cli(flags: str = "", **paths: Path | str) -> list[str]:
    """Command-line arguments: ``flags`` split on spaces, then ``--name value`` per keyword
    (underscores become dashes)."""
    argv = flags.split()
    for name, value in paths.items():
        argv += [f"--{name.replace('_', '-')}", str(value)]
    return argv


@pytest.fixture(scope="module")
def scripts() -> dict[str, ModuleType]:
    return {p.stem: load(p) for p in TEMPLATES_CODE_DIR.glob("*.py") if p.stem != "prepare_spark"}


@pytest.fixture(scope="module")
def containers() -> dict[str, ModuleType]:
    return {p.stem: load(p) for p in CONTAINERS_DIR.glob("*.py") if p.stem != "__init__"}


def tiny_table(rows: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    data = pd.DataFrame(
        {
            "x": x,
            "noise": rng.normal(size=rows),
            "colour": rng.choice(["red", "green", "blue"], size=rows),
            "id": np.arange(rows),
            "label": (x > 0).astype(int),
        }
    )
    data.loc[3, "noise"] = np.nan
    return data


def prepared(tmp_path: Path, scripts, data: pd.DataFrame | None = None) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    data = tiny_table() if data is None else data
    pd.concat([data, data.iloc[:5]]).to_csv(raw / "part.csv", index=False)  # 5 duplicates
    out = tmp_path / "prepared"
    scripts["prepare"].main(
        cli(
            "--target-column label --drop-duplicates --drop-column id",
            input_dir=raw,
            output_dir=out,
        )
    )
    return out


def featured(tmp_path: Path, scripts) -> Path:
    out = tmp_path / "features"
    scripts["features"].main(
        cli("--target-column label", input_dir=prepared(tmp_path, scripts), output_dir=out)
    )
    return out


# --------------------------------------------------------------------------- prepare.py


def test_prepare_cleans_and_splits_stratified(tmp_path, scripts) -> None:
    out = prepared(tmp_path, scripts)
    parts = {n: pd.read_csv(out / n / f"{n}.csv") for n in ("train", "validation", "test")}
    assert sum(len(p) for p in parts.values()) == 60  # duplicates dropped
    for part in parts.values():
        assert "id" not in part.columns and part["noise"].notna().all()
        assert 0.3 < part["label"].mean() < 0.7  # both classes in every split
    assert len(parts["train"]) == 42  # 70 %


def test_prepare_without_header_takes_the_first_column_as_label(tmp_path, scripts) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    table = tiny_table()[["label", "x", "noise"]]
    table.to_csv(raw / "data.csv", index=False, header=False)
    out = tmp_path / "out"
    scripts["prepare"].main(
        cli(
            "--target-column target --no-header --missing-values drop",
            input_dir=raw,
            output_dir=out,
        )
    )
    train = pd.read_csv(out / "train" / "train.csv")
    assert list(train.columns) == ["target", "_c1", "_c2"]


def test_prepare_names_a_missing_target_column(tmp_path, scripts) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    tiny_table().to_csv(raw / "data.csv", index=False)
    with pytest.raises(SystemExit, match="'price' is not in the data; columns are: x, noise"):
        scripts["prepare"].main(cli("--target-column price", input_dir=raw))


# --------------------------------------------------------------------------- features.py


def test_features_writes_model_ready_rows(tmp_path, scripts) -> None:
    out = featured(tmp_path, scripts)
    # train and validation: Parquet, label first, every column named (the training split is
    # also the quality baseline); test: CSV without a header, for batch transform
    train = pd.read_parquet(out / "train" / "train.parquet")
    assert list(train.columns[:3]) == ["label", "x", "noise"]
    assert {"colour_red", "colour_green", "colour_blue"} <= set(train.columns)
    assert set(train["label"]) == {0, 1}
    assert abs(train["x"].mean()) < 1e-6  # standard scaling learned on train
    validation = pd.read_parquet(out / "validation" / "validation.parquet")
    test = pd.read_csv(out / "test" / "test.csv", header=None)
    assert list(validation.columns) == list(train.columns)
    assert test.shape[1] == train.shape[1] and set(test[0]) <= {0, 1}
    assert not (out / "baseline").exists()  # no second copy of the training rows
    artifact = __import__("joblib").load(out / "transformer" / "features.joblib")
    assert artifact["target"] == "label" and artifact["label_classes"] is None


def test_features_encode_text_labels(tmp_path, scripts) -> None:
    data = tiny_table()
    data["label"] = np.where(data["label"] == 1, "yes", "no")
    raw_out = prepared(tmp_path, scripts, data)
    out = tmp_path / "f"
    scripts["features"].main(cli("--target-column label", input_dir=raw_out, output_dir=out))
    artifact = __import__("joblib").load(out / "transformer" / "features.joblib")
    assert artifact["label_classes"] == ["no", "yes"]
    assert set(pd.read_csv(out / "test" / "test.csv", header=None)[0]) <= {0, 1}


# --------------------------------------------------------------------------- train.py


def test_train_prints_metrics_the_definitions_capture(tmp_path, scripts, capsys) -> None:
    out = featured(tmp_path, scripts)
    model_dir = tmp_path / "model"
    scripts["train"].main(
        cli(
            "--n_estimators 10 --max_depth 3",
            train=out / "train",
            validation=out / "validation",
            model_dir=model_dir,
            output_data_dir=tmp_path / "data",
        )
    )
    log = capsys.readouterr().out
    match = re.search(metric_regex("sklearn_random_forest", "validation:auc"), log)
    assert match and 0.5 <= float(match.group(1)) <= 1.0
    assert "RandomForestClassifier (binary_classification)" in log
    assert (model_dir / "model.joblib").exists()


def test_train_weighs_a_rare_class_with_class_weight_balanced(tmp_path, scripts) -> None:
    """--class_weight balanced (the data report's fix for a rare class of several) makes
    the classifier find more of the rare class than equal weights do."""
    rows = tmp_path / "train"
    rows.mkdir()
    rng = np.random.default_rng(5)
    labels = rng.choice([0, 1, 2], size=900, p=[0.6, 0.37, 0.03])
    x = labels[:, None] * 0.8 + rng.normal(size=(900, 2))  # the classes overlap
    np.savetxt(rows / "train.csv", np.column_stack([labels, x]), delimiter=",")
    recalls = {}
    for weight in ("none", "balanced"):
        model_dir = tmp_path / weight
        scripts["train"].main(
            cli(
                "--algorithm sklearn_linear --problem_type multiclass_classification "
                f"--class_weight {weight}",
                train=rows,
                model_dir=model_dir,
                output_data_dir=tmp_path / "d",
            )
        )
        model = __import__("joblib").load(model_dir / "model.joblib")
        model = getattr(model, "model", model)
        predicted = model.predict(x)
        recalls[weight] = float((predicted[labels == 2] == 2).mean())
    assert recalls["balanced"] > recalls["none"] + 0.2, recalls


def test_train_linear_regression(tmp_path, scripts, capsys) -> None:
    rows = tmp_path / "train"
    rows.mkdir()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 2))
    y = 3 * x[:, 0] + 0.1 * rng.normal(size=50) + 10.5
    np.savetxt(rows / "train.csv", np.column_stack([y, x]), delimiter=",")
    scripts["train"].main(
        cli(
            "--algorithm sklearn_linear --problem_type regression --C 10",
            train=rows,
            model_dir=tmp_path / "m",
            output_data_dir=tmp_path / "d",
        )
    )
    r2 = float(re.search(r"train:r2=([0-9.]+);", capsys.readouterr().out).group(1))
    assert r2 > 0.95


# --------------------------------------------------------------------------- evaluate.py


def test_evaluate_writes_a_model_quality_report(tmp_path, scripts) -> None:
    out = featured(tmp_path, scripts)
    model_dir = tmp_path / "model"
    scripts["train"].main(
        cli(
            "--n_estimators 10",
            train=out / "train",
            model_dir=model_dir,
            output_data_dir=tmp_path / "data",
        )
    )
    archive_dir = tmp_path / "archive"
    pack_model(model_dir, archive_dir / "model.tar.gz")
    report_dir = tmp_path / "evaluation"
    scripts["evaluate"].main(
        cli(model_dir=archive_dir, test_dir=out / "test", output_dir=report_dir)
    )
    report = json.loads((report_dir / "evaluation.json").read_text())
    auc = json_get(report, "binary_classification_metrics.auc.value")
    assert 0.5 <= auc <= 1.0
    assert report["binary_classification_metrics"]["accuracy"]["standard_deviation"] == "NaN"
    matrix = report["binary_classification_metrics"]["confusion_matrix"]
    assert sum(sum(row.values()) for row in matrix.values()) == 9  # the test rows


def test_evaluate_reads_the_built_in_xgboost_model(tmp_path, scripts, containers, monkeypatch):
    out = featured(tmp_path, scripts)
    ml = tmp_path / "ml"
    (ml / "input" / "config").mkdir(parents=True)
    (ml / "input" / "config" / "hyperparameters.json").write_text(
        json.dumps({"num_round": "5", "objective": "binary:logistic", "eval_metric": "auc"})
    )
    for channel in ("train", "validation"):
        (ml / "input" / "data").mkdir(exist_ok=True)
        (ml / "input" / "data" / channel).symlink_to(out / channel)
    monkeypatch.setenv("SM_WIZARD_ML_ROOT", str(ml))
    monkeypatch.delenv("SM_MODEL_DIR", raising=False)
    stdout = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    assert containers["xgboost_algorithm"].main() == 0
    monkeypatch.undo()
    log = stdout.getvalue()
    assert re.search(metric_regex("xgboost", "validation:auc"), log)
    assert "[4]#011train-auc:" in log
    pack_model(ml / "model", tmp_path / "packed" / "model.tar.gz")
    with tarfile.open(tmp_path / "packed" / "model.tar.gz") as tar:
        assert tar.getnames() == ["xgboost-model"]
    scripts["evaluate"].main(
        cli(model_dir=tmp_path / "packed", test_dir=out / "test", output_dir=tmp_path / "ev")
    )
    report = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert "auc" in report["binary_classification_metrics"]


def test_xgboost_stand_in_explains_a_missing_num_round(tmp_path, containers, monkeypatch):
    (tmp_path / "input" / "config").mkdir(parents=True)
    (tmp_path / "input" / "config" / "hyperparameters.json").write_text("{}")
    monkeypatch.setenv("SM_WIZARD_ML_ROOT", str(tmp_path))
    assert containers["xgboost_algorithm"].main() == 1
    assert "num_round is required" in (tmp_path / "output" / "failure").read_text()


# --------------------------------------------------------------------------- serving


def test_batch_transform_input_filter(containers) -> None:
    pick = containers["batch_transform"].parse_filter
    assert pick("$[0,2]")(["a", "b", "c"]) == ["a", "c"]
    assert pick("$")(["a"]) == ["a"]


# --------------------------------------------------------------------------- checks


def test_model_monitor_baseline_follows_the_schema(containers) -> None:
    table = pd.DataFrame({"n": [1, 2, 3, None], "f": [0.5, 1.5, -2.0, 3.0], "s": list("aabc")})
    statistics, constraints = containers["model_monitor"].baseline(table)
    features = {f["name"]: f for f in statistics["features"]}
    assert statistics["dataset"]["item_count"] == 4
    assert features["n"]["inferred_type"] == "Integral"
    numbers = features["f"]["numerical_statistics"]
    assert numbers["min"] == -2.0 and numbers["max"] == 3.0 and numbers["sum"] == 3.0
    assert len(numbers["distribution"]["kll"]["buckets"]) == 10
    assert features["s"]["string_statistics"]["distinct_count"] == 3.0
    rules = {f["name"]: f for f in constraints["features"]}
    assert rules["n"]["completeness"] == 0.75
    assert rules["f"]["num_constraints"]["is_non_negative"] is False
    assert rules["s"]["string_constraints"]["domains"] == ["a", "b", "c"]


def test_clarify_class_imbalance_and_label_proportions(tmp_path, containers) -> None:
    data = tmp_path / "data"
    data.mkdir()
    # group 1: 2 rows, 1 positive; group 0: 6 rows, 6 positive.
    table = pd.DataFrame({"label": [1, 0] + [1] * 6, "gender": [1, 1] + [0] * 6})
    table.to_csv(data / "baseline.csv", index=False)
    output = tmp_path / "analysis.json"
    containers["clarify"].main(cli("--label label --facet gender", dataset_dir=data, output=output))
    report = json.loads(output.read_text())["pre_training_bias_metrics"]
    groups = {g["value_or_threshold"]: g["metrics"] for g in report["facets"]["gender"]}
    metrics = {m["name"]: m["value"] for m in groups["1"]}
    assert metrics["CI"] == pytest.approx((6 - 2) / 8)
    assert metrics["DPL"] == pytest.approx(1.0 - 0.5)


def test_spark_script_compiles() -> None:
    source = (TEMPLATES_CODE_DIR / "prepare_spark.py").read_text()
    compile(source, "prepare_spark.py", "exec")
