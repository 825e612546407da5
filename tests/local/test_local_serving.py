"""Served models answer raw records: the exported serving code (code/inference.py,
serving.py, rowfixes.py) and the local stand-in for SageMaker hosting (endpoint.py), on
data that needs prepare.py's row fixes."""

from __future__ import annotations

import json
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_local_scripts import cli, load

from runners.local.containers import CONTAINERS_DIR
from runners.local.project import TEMPLATES_CODE_DIR


@pytest.fixture(scope="module")
def code():
    return {
        name: load(TEMPLATES_CODE_DIR / f"{name}.py") for name in ("prepare", "features", "train")
    }


@pytest.fixture(scope="module")
def endpoint_module():
    return load(CONTAINERS_DIR / "endpoint.py")


def raw_table(rows: int = 120, seed: int = 1) -> pd.DataFrame:
    """Columns that need every row fix: a number written as text, a date, a column to drop,
    a text column, text labels (with stray spaces and capitals)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    price = rng.uniform(10, 5000, size=rows)
    days = rng.integers(0, 3000, size=rows)
    data = pd.DataFrame(
        {
            "id": np.arange(rows),
            "x": x,
            "price": [f"${p:,.2f}" for p in price],
            "when": (pd.Timestamp("2015-01-01") + pd.to_timedelta(days, unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "colour": rng.choice(["red", "green", "blue"], size=rows),
            "label": np.where(x + (price > 2500) > 0.5, " Yes", "no"),
        }
    )
    data.loc[5, "x"] = np.nan
    return data


FIXES = "--drop-column id --parse-number price --parse-date when --normalise-labels --baseline"


@pytest.fixture(scope="module")
def trained(tmp_path_factory, code) -> dict[str, Path]:
    """prepare.py -> features.py -> train.py (scikit-learn), as the pipeline runs them."""
    root = tmp_path_factory.mktemp("serving")
    raw = root / "raw"
    raw.mkdir()
    raw_table().to_csv(raw / "data.csv", index=False)
    prepared, featured, model = root / "prepared", root / "features", root / "model"
    code["prepare"].main(cli(f"--target-column label {FIXES}", input_dir=raw, output_dir=prepared))
    code["features"].main(cli("--target-column label", input_dir=prepared, output_dir=featured))
    code["train"].main(
        cli(
            "--algorithm random_forest --problem_type binary_classification --n_estimators 20",
            train=featured / "train",
            validation=featured / "validation",
            transformer=featured / "transformer",
            model_dir=model,
            output_data_dir=root / "output",
        )
    )
    return {"root": root, "raw": raw / "data.csv", "features": featured, "model": model}


def packed(folder: Path, target: Path) -> Path:
    with tarfile.open(target, "w:gz") as bundle:
        for path in sorted(folder.rglob("*")):
            bundle.add(path, arcname=str(path.relative_to(folder)))
    return target


def script_endpoint(endpoint_module, trained, tmp_path):
    archive = packed(trained["model"], tmp_path / "model.tar.gz")
    container = {
        "image": "scikit-learn",
        "model_data": str(archive),
        "environment": {"SAGEMAKER_PROGRAM": "inference.py"},
    }
    return endpoint_module.Endpoint({"containers": [container]}, tmp_path / "work")


def test_the_model_carries_its_serving_code_and_fixes(trained) -> None:
    model = trained["model"]
    assert (model / "features.joblib").is_file()
    assert sorted(p.name for p in (model / "code").iterdir()) == [
        "inference.py",
        "rowfixes.py",
        "serving.py",
    ]
    bundle = __import__("joblib").load(model / "features.joblib")
    fixes = bundle["row_fixes"]
    assert fixes["drop"] == ["id"] and fixes["parse_date"] == ["when"]
    assert fixes["columns"] == ["id", "x", "price", "when", "colour"]
    assert "x" in fixes["fills"]  # learned on the training split
    assert bundle["label_classes"] == ["no", "yes"]  # normalised, as prepare.py wrote them


def test_raw_records_in_every_request_shape(endpoint_module, trained, tmp_path) -> None:
    endpoint = script_endpoint(endpoint_module, trained, tmp_path)
    raw = pd.read_csv(trained["raw"]).head(8)
    # a header line, columns in another order, the label and an unknown column included
    shuffled = raw[["colour", "label", "when", "price", "x", "id"]].assign(extra=1)
    with_header, _ = endpoint.invoke(shuffled.to_csv(index=False).encode(), "text/csv", "text/csv")
    # no header: the data's columns without the label, in the data's order
    bare = raw.drop(columns=["label"]).to_csv(index=False, header=False).encode()
    without_header, _ = endpoint.invoke(bare, "text/csv", "text/csv")
    assert with_header == without_header
    lines = with_header.decode().splitlines()
    assert len(lines) == 8
    for line in lines:
        label, p_no, p_yes = line.split(",")
        assert label in ("no", "yes") and float(p_no) + float(p_yes) == pytest.approx(1.0)
        assert label == ("yes" if float(p_yes) > 0.5 else "no")  # a tie: the first
    records = json.loads(raw.drop(columns=["label"]).to_json(orient="records"))
    answer, kind = endpoint.invoke(
        json.dumps({"instances": records}).encode(), "application/json", "application/json"
    )
    assert kind == "application/json"
    predictions = json.loads(answer)["predictions"]
    assert [p["label"] for p in predictions] == [line.split(",")[0] for line in lines]
    assert set(predictions[0]["probabilities"]) == {"no", "yes"}


def test_the_quality_baseline_describes_what_the_endpoint_is_sent(
    endpoint_module, trained, tmp_path
) -> None:
    """Model Monitor compares the baseline with the requests the endpoint captures: the
    baseline holds training rows as requests carry them (the label left out, numbers still
    written as text, gaps still gaps), so its rows are requests the model answers."""
    baseline = pd.read_csv(trained["root"] / "prepared" / "baseline" / "baseline.csv")
    bundle = __import__("joblib").load(trained["model"] / "features.joblib")
    assert list(baseline.columns) == bundle["row_fixes"]["columns"]  # the request columns
    raw = pd.read_csv(trained["raw"]).set_index("id")
    train = pd.read_csv(trained["root"] / "prepared" / "train" / "train.csv")
    assert len(baseline) == len(train)  # every training row (fewer than the sample cap)
    as_read = raw.loc[baseline["id"], baseline.columns.drop("id")].reset_index()
    pd.testing.assert_frame_equal(baseline, as_read)  # before any fix or fill
    assert baseline["price"].str.startswith("$").all()
    endpoint = script_endpoint(endpoint_module, trained, tmp_path)
    body = baseline.to_csv(index=False, header=False).encode()  # as a client sends them
    answers, _ = endpoint.invoke(body, "text/csv", "text/csv")
    assert len(answers.decode().splitlines()) == len(baseline)
    monitor = load(CONTAINERS_DIR / "model_monitor.py")
    statistics, _ = monitor.baseline(baseline)
    kinds = {f["name"]: f["inferred_type"] for f in statistics["features"]}
    assert kinds == {
        "id": "Integral",
        "x": "Fractional",
        "price": "String",
        "when": "String",
        "colour": "String",
    }


def test_requests_the_model_cannot_read_say_why(endpoint_module, trained, tmp_path) -> None:
    endpoint = script_endpoint(endpoint_module, trained, tmp_path)
    bad = endpoint_module.BadRequest
    with pytest.raises(bad, match="missing columns: price, when"):
        endpoint.invoke(b"x,colour\n1,red\n", "text/csv", "text/csv")
    with pytest.raises(bad, match=r"record 2: x = 'abc' is not a number"):
        body = b"x,price,when,colour\n1,$5,2020-01-01,red\nabc,$5,2020-01-01,red\n"
        endpoint.invoke(body, "text/csv", "text/csv")
    with pytest.raises(bad, match="without a header line has 5 values"):
        endpoint.invoke(b"1,2,3\n", "text/csv", "text/csv")
    with pytest.raises(bad, match="cannot read 'text/plain'"):
        endpoint.invoke(b"x", "text/plain", "text/csv")
    with pytest.raises(bad, match="not JSON"):
        endpoint.invoke(b"{", "application/json", "text/csv")


def test_built_in_xgboost_behind_the_preprocessing_model(
    endpoint_module, trained, tmp_path
) -> None:
    """The inference pipeline the export registers for the built-in algorithm: features.py's
    model.tar.gz, XGBoost, the same model.tar.gz turning scores into labels."""
    import xgboost

    train = pd.read_parquet(trained["features"] / "train" / "train.parquet").to_numpy(float)
    booster = xgboost.train(
        {"objective": "binary:logistic"}, xgboost.DMatrix(train[:, 1:], label=train[:, 0]), 10
    )
    algorithm = tmp_path / "algorithm"
    algorithm.mkdir()
    booster.save_model(str(algorithm / "model.ubj"))  # the format the container saves
    (algorithm / "model.ubj").rename(algorithm / "xgboost-model")
    preprocessing = trained["features"] / "transformer" / "model.tar.gz"
    with tarfile.open(preprocessing) as bundle:
        assert sorted(bundle.getnames()) == [
            "code/inference.py",
            "code/rowfixes.py",
            "code/serving.py",
            "features.joblib",
        ]

    def script(stage: str) -> dict:
        environment = {
            "SAGEMAKER_PROGRAM": "inference.py",
            "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
            "SM_WIZARD_SERVING_STAGE": stage,
        }
        return {
            "image": "scikit-learn",
            "model_data": str(preprocessing),
            "environment": environment,
        }

    algorithm_container = {
        "image": "xgboost",
        "model_data": str(packed(algorithm, tmp_path / "xgb.tar.gz")),
    }
    endpoint = endpoint_module.Endpoint(
        {"containers": [script("features"), algorithm_container, script("answers")]},
        tmp_path / "work",
    )
    raw = pd.read_csv(trained["raw"]).head(6)
    answer, _ = endpoint.invoke(raw.to_csv(index=False).encode(), "text/csv", "text/csv")
    # the same rows through the fitted steps by hand: the probabilities agree
    serving = load(TEMPLATES_CODE_DIR / "serving.py")
    bundle = __import__("joblib").load(trained["features"] / "transformer" / "features.joblib")
    records = serving.read_records(raw.to_csv(index=False), "text/csv", bundle)
    expected = booster.predict(xgboost.DMatrix(serving.to_features(records, bundle)))
    got = [float(line.split(",")[2]) for line in answer.decode().splitlines()]
    assert got == pytest.approx(expected.tolist(), abs=1e-6)
    json_answer, _ = endpoint.invoke(
        raw.to_csv(index=False).encode(), "text/csv", "application/json"
    )
    assert len(json.loads(json_answer)["predictions"]) == 6


def test_batch_transform_scores_raw_files(endpoint_module, trained, tmp_path) -> None:
    archive = packed(trained["model"], tmp_path / "model.tar.gz")
    description = tmp_path / "model.json"
    description.write_text(
        json.dumps(
            {
                "containers": [
                    {
                        "image": "scikit-learn",
                        "model_data": str(archive),
                        "environment": {"SAGEMAKER_PROGRAM": "inference.py"},
                    }
                ]
            }
        )
    )
    data = tmp_path / "in"
    data.mkdir()
    shutil.copy(trained["raw"], data / "rows.csv")
    transform = load(CONTAINERS_DIR / "batch_transform.py")
    output = tmp_path / "out"
    code = transform.main(cli("--batch-size 50", model=description, input=data, output_dir=output))
    assert code == 0
    answers = (output / "rows.csv.out").read_text().splitlines()
    assert len(answers) == len(pd.read_csv(trained["raw"]))  # the header line answers nothing
