"""The contract between ``validate`` and the local engine (issue 10): whatever the checks pass
runs to Succeeded, or stops at the quality gate's Fail step; a run never fails on something
a check could have seen.

Random configs over random generated datasets (hypothesis). Each run is a real local run of
the pipeline's scripts (about 15 s of CPU, most of it importing scikit-learn in each step), so
this is marked ``slow`` and the pipeline is kept small (no Model Monitor, no batch transform).
The everyday suite runs 8 fixed (derandomized) examples; ``make test-contract`` runs 60
(``CONTRACT_EXAMPLES`` sets the number).
"""

from __future__ import annotations

import copy
import csv
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from local_helpers import run_engine

from runners.events import StepEvent
from runners.local import local_engine_for
from wizard.check import check_document
from wizard.store import write_document
from wizard.templates import template_document

pytestmark = pytest.mark.slow

QUALITY_GATE = "MetricBelowThreshold"
METRICS = {
    "binary_classification": ["auc", "accuracy", "f1"],
    "multiclass_classification": ["accuracy", "f1"],
    "regression": ["rmse", "mae", "r2"],
}


@st.composite
def datasets(draw):
    problem = draw(st.sampled_from(sorted(METRICS)))
    rows = draw(st.integers(min_value=12, max_value=160))
    features = draw(st.integers(min_value=1, max_value=5))
    classes = {"binary_classification": 2, "multiclass_classification": 3}.get(problem, 0)
    seed = draw(st.integers(min_value=0, max_value=10_000))
    missing = draw(st.sampled_from([0.0, 0.0, 0.05]))
    text_feature = draw(st.booleans())
    return {
        "problem": problem,
        "rows": rows,
        "features": features,
        "classes": classes,
        "seed": seed,
        "missing": missing,
        "text_feature": text_feature,
        "label_words": draw(st.booleans()) and classes > 0,
    }


def write_dataset(spec: dict, path: Path) -> None:
    rng = random.Random(spec["seed"])
    header = [f"f{i}" for i in range(spec["features"])]
    if spec["text_feature"]:
        header.append("colour")
    header.append("label")
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for i in range(spec["rows"]):
            values = [rng.gauss(0, 1) for _ in range(spec["features"])]
            cells: list[object] = [
                "" if rng.random() < spec["missing"] else f"{v:.4f}" for v in values
            ]
            if spec["text_feature"]:
                cells.append(rng.choice(["red", "green", "blue"]))
            score = sum(values)
            if spec["classes"]:
                label = (
                    i % spec["classes"] if rng.random() < 0.3 else int(score > 0) % spec["classes"]
                )
                cells.append(["no", "yes", "maybe"][label] if spec["label_words"] else label)
            else:
                cells.append(f"{3 * score + rng.gauss(0, 0.5):.4f}")
            writer.writerow(cells)


@st.composite
def configs(draw):
    data = draw(datasets())
    problem = data["problem"]
    doc = copy.deepcopy(template_document("demo"))
    doc["project"]["name"] = "contract"
    doc["profile"]["problem_type"] = problem
    doc["data_collection"]["input_uri"] = "data.csv"
    doc["data_collection"]["target_column"] = "label"
    train = draw(st.sampled_from([0.6, 0.7, 0.8]))
    validation = draw(st.sampled_from([0.1, 0.15, 0.2]))
    doc["data_preparation"] |= {
        "train_ratio": train,
        "validation_ratio": validation,
        "test_ratio": round(1 - train - validation, 10),
        "missing_values": draw(st.sampled_from(["median", "mean", "most_frequent", "drop"])),
        "drop_duplicates": draw(st.booleans()),
        "random_seed": draw(st.integers(min_value=0, max_value=1000)),
    }
    doc["feature_engineering"]["scaling"] = draw(st.sampled_from(["standard", "minmax", "none"]))
    algorithm = draw(st.sampled_from(["xgboost", "sklearn_random_forest", "sklearn_linear"]))
    doc["training"]["algorithm"] = algorithm
    hps = {
        "xgboost": {"num_round": draw(st.integers(1, 20)), "max_depth": draw(st.integers(1, 6))},
        "sklearn_random_forest": {"n_estimators": draw(st.integers(1, 20))},
        "sklearn_linear": {"C": draw(st.sampled_from([0.01, 1.0, 100.0]))},
    }[algorithm]
    doc["training"]["hyperparameters"] = hps
    metric = draw(st.sampled_from(METRICS[problem]))
    doc["evaluation"] = {
        "services": [],
        "metric": metric,
        "threshold": {"rmse": 50.0, "mae": 50.0, "r2": -5.0}.get(
            metric, draw(st.sampled_from([0.0, 0.5, 0.99]))
        ),
    }
    doc["deployment"] = {"services": ["model-registry"], "model_package_group": "contract"}
    doc["monitoring"] = {"services": []}
    return data, doc


@settings(
    max_examples=int(__import__("os").environ.get("CONTRACT_EXAMPLES", "8")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(configs())
def test_what_validate_passes_runs(case) -> None:
    data, doc = case
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_dataset(data, root / "data.csv")
        config = root / "wizard.toml"
        write_document(config, doc)
        report = check_document(doc, root)
        assume(not report.errors)  # only what validate passes is promised to run
        engine = local_engine_for(
            config, run_root=root / "runs", registry_dir=root / "registry", max_workers=2
        )
        finished = run_engine(engine)
        failed = [
            e for e in finished.recorder.events if isinstance(e, StepEvent) and e.status == "Failed"
        ]
        if finished.status == "Succeeded":
            return
        assert finished.status == "Failed", finished.status
        assert [e.step for e in failed] == [QUALITY_GATE], (
            f"validate passed but the run failed at {[(e.step, e.reason) for e in failed]}; "
            f"data: {data}; config sections: {doc['data_preparation']}, {doc['training']}"
        )
