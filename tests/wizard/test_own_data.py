"""A person's own data, answered as a newcomer would (input, target, problem type and nothing
else): the defaults follow the problem and the data, the checks catch what would make the
model meaningless, and every piece of advice names the field and the value to write."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from wizard.check import check_document, checked_config
from wizard.config import WizardConfig
from wizard.datainsights import apply_fix
from wizard.errors import ConfigError
from wizard.plan import build_plan


def _newcomer(problem_type: str, target: str = "label", data: str = "d.csv") -> dict:
    """What ``sm-wizard init --template blank`` plus three answers gives."""
    return {
        "schema_version": 1,
        "project": {"name": "mine", "region": "us-east-1"},
        "profile": {"problem_type": problem_type},
        "data_collection": {"services": ["s3"], "input_uri": data, "target_column": target},
    }


def _write(path: Path, header: list[str], rows: list[list[object]], sep: str = ",") -> Path:
    lines = [sep.join(header)] + [sep.join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _table(n: int, labels, *, seed: int = 7, extra=None) -> tuple[list[str], list[list[object]]]:
    """Two honest noisy features and a category, and the label; ``extra(i, label)`` adds a
    column."""
    rng = random.Random(seed)
    header = ["age", "score", "plan", "label"]
    rows = []
    for i in range(n):
        label = labels(i, rng)
        row: list[object] = [
            rng.randint(18, 80),
            round(rng.gauss(0, 1) + 0.3 * (hash(str(label)) % 3), 4),
            rng.choice(["basic", "plus", "pro"]),
            label,
        ]
        if extra is not None:
            row.insert(0, extra(i, label, rng))
        rows.append(row)
    if extra is not None:
        header.insert(0, "extra")
    return header, rows


def _messages(report, path: str | None = None) -> str:
    return " | ".join(p.message for p in report.problems if path is None or p.path == path)


# ------------------------------------------------------------------ defaults follow the problem


@pytest.mark.parametrize(
    ("problem_type", "metric", "objective"),
    [
        ("binary_classification", "auc", "validation:auc"),
        ("multiclass_classification", "accuracy", "validation:mlogloss"),
        ("regression", "rmse", "validation:rmse"),
    ],
)
def test_unset_answers_follow_the_problem_type(problem_type, metric, objective):
    config = WizardConfig.model_validate(_newcomer(problem_type))
    assert config.evaluation.metric == metric
    assert config.tuning.objective_metric == objective
    assert config.evaluation.threshold is None  # the gate: beat the naive baseline


def test_a_value_the_person_wrote_wins():
    doc = _newcomer("regression") | {"evaluation": {"metric": "r2", "threshold": 0.3}}
    config = WizardConfig.model_validate(doc)
    assert (config.evaluation.metric, config.evaluation.threshold) == ("r2", 0.3)
    assert "MetricThreshold" in {p.name for p in build_plan(config).parameters}


def test_where_the_data_is_follows_the_input_unless_answered():
    """A newcomer's local CSV is not "already in S3": unset, the profile's data source
    follows the input, and the data-collection advice with it."""
    from wizard.recommend import recommend

    local = WizardConfig.model_validate(_newcomer("binary_classification"))
    assert local.profile.data_source == "local_files"
    reason = next(
        pick.reason
        for stage in recommend(local.profile)
        if stage.stage == "data_collection"
        for pick in stage.recommended
        if pick.service == "s3"
    )
    assert "local files" in reason and "already in S3" not in reason
    in_s3 = _newcomer("binary_classification")
    in_s3["data_collection"]["input_uri"] = "s3://bucket/data/d.csv"
    assert WizardConfig.model_validate(in_s3).profile.data_source == "s3"
    answered = _newcomer("binary_classification")
    answered["profile"]["data_source"] = "database"
    assert WizardConfig.model_validate(answered).profile.data_source == "database"


def test_with_no_pass_mark_the_gate_compares_with_the_baseline(tmp_path):
    header, rows = _table(120, lambda i, rng: round(rng.uniform(0, 10), 3))
    _write(tmp_path / "d.csv", header, rows)
    config = checked_config(_newcomer("regression"), tmp_path)
    plan = build_plan(config)
    assert plan.condition["operator"] == "LessThan"
    assert plan.condition["baseline_json_path"] == "baseline.rmse.value"
    assert "MetricThreshold" not in {p.name for p in plan.parameters}


def test_the_number_of_classes_comes_from_the_data(tmp_path):
    header, rows = _table(200, lambda i, rng: f"grade-{'ABCDE'[i % 5]}")
    _write(tmp_path / "d.csv", header, rows)
    config = checked_config(_newcomer("multiclass_classification"), tmp_path)
    assert config.data_collection.num_classes == 5
    assert config.effective_hyperparameters()["num_class"] == 5
    prepare = build_plan(config).step("EngineerFeatures").arguments
    assert prepare[prepare.index("--num-classes") + 1] == "5"


def test_the_data_size_comes_from_the_file_unless_answered(tmp_path):
    """Left at its default a newcomer's profile said 1 GB for a 20 KB file: the advice read
    "about 1 GB of CSV" and the cost estimate priced a gigabyte. The file's size is the
    data's answer; a value the person wrote wins."""
    header, rows = _table(400, lambda i, rng: "yes" if i % 3 else "no")
    data = _write(tmp_path / "d.csv", header, rows)
    config = checked_config(_newcomer("binary_classification"), tmp_path)
    assert config.profile.data_size_gb == pytest.approx(data.stat().st_size / 1e9, rel=0.01)
    assert "data_size_gb" not in config.profile.model_fields_set
    doc = _newcomer("binary_classification")
    doc["profile"]["data_size_gb"] = 40
    assert checked_config(doc, tmp_path).profile.data_size_gb == 40


def test_a_class_count_that_disagrees_with_the_data_names_both(tmp_path):
    header, rows = _table(200, lambda i, rng: f"grade-{'ABCDE'[i % 5]}")
    _write(tmp_path / "d.csv", header, rows)
    doc = _newcomer("multiclass_classification")
    doc["data_collection"]["num_classes"] = 4
    with pytest.raises(ConfigError) as caught:
        checked_config(doc, tmp_path)
    message = str(caught.value)
    assert "num_classes is 4" in message and "has 5 classes" in message
    assert "data_collection.num_classes = 5" in message


def test_early_stopping_and_class_weights_are_accepted():
    doc = _newcomer("binary_classification")
    doc["training"] = {"hyperparameters": {"early_stopping_rounds": 20, "scale_pos_weight": 9.5}}
    config = WizardConfig.model_validate(doc)
    hps = config.effective_hyperparameters()
    assert hps["early_stopping_rounds"] == 20 and hps["scale_pos_weight"] == 9.5


def test_class_weight_takes_one_of_its_choices():
    doc = _newcomer("multiclass_classification")
    doc["training"] = {
        "algorithm": "sklearn_random_forest",
        "hyperparameters": {"class_weight": "balanced"},
    }
    config = WizardConfig.model_validate(doc)
    assert config.effective_hyperparameters()["class_weight"] == "balanced"
    doc["training"]["hyperparameters"]["class_weight"] = "yes"
    with pytest.raises(ValueError, match="class_weight takes balanced or none, not 'yes'"):
        WizardConfig.model_validate(doc)
    doc["training"] = {"hyperparameters": {"class_weight": "balanced"}}  # XGBoost has none
    with pytest.raises(ValueError, match="'class_weight' is not one"):
        WizardConfig.model_validate(doc)


def test_xgboost_stops_early_by_default():
    hps = WizardConfig.model_validate(
        _newcomer("binary_classification")
    ).effective_hyperparameters()
    assert hps["early_stopping_rounds"] > 0 and hps["num_round"] >= 500


# ------------------------------------------------------------------ what the checks catch


def _report(tmp_path, header, rows, problem_type="binary_classification", sep=","):
    _write(tmp_path / "d.csv", header, rows, sep=sep)
    return check_document(_newcomer(problem_type), tmp_path)


def test_an_id_issued_in_label_order_is_flagged(tmp_path):
    n = 300
    draw = random.Random(1)
    labels = sorted(draw.choice([0, 1]) for _ in range(n))
    header, rows = _table(n, lambda i, rng: labels[i], extra=lambda i, label, rng: 1000 + i)
    report = _report(tmp_path, header, rows)
    text = _messages(report, "data_preparation.drop_columns")
    assert "'extra'" in text and 'data_preparation.drop_columns = ["extra"]' in text


def test_a_noisy_copy_of_the_target_is_flagged(tmp_path):
    header, rows = _table(
        400,
        lambda i, rng: rng.choice([0, 1]),
        extra=lambda i, label, rng: round(label + rng.gauss(0, 0.1), 4),
    )
    assert "'extra'" in _messages(_report(tmp_path, header, rows))


def test_the_target_recoded_is_flagged(tmp_path):
    header, rows = _table(
        400, lambda i, rng: rng.choice([0, 1]), extra=lambda i, label, rng: "YN"[label]
    )
    assert "'extra'" in _messages(_report(tmp_path, header, rows), "data_preparation.drop_columns")


def test_numbers_written_with_separators_are_flagged(tmp_path):
    header, rows = _table(
        200,
        lambda i, rng: rng.choice([0, 1]),
        extra=lambda i, label, rng: f'"{rng.randint(1000, 90000):,}.5"',
    )
    text = _messages(_report(tmp_path, header, rows), "data_preparation.parse_numbers")
    assert 'data_preparation.parse_numbers = ["extra"]' in text


def test_a_date_column_is_flagged(tmp_path):
    header, rows = _table(
        200,
        lambda i, rng: rng.choice([0, 1]),
        extra=lambda i, label, rng: f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
    )
    text = _messages(_report(tmp_path, header, rows), "data_preparation.parse_dates")
    assert 'data_preparation.parse_dates = ["extra"]' in text


def test_an_imbalanced_target_gets_a_class_weight(tmp_path):
    header, rows = _table(2000, lambda i, rng: int(i % 100 == 0))
    text = _messages(_report(tmp_path, header, rows), "training.hyperparameters.scale_pos_weight")
    assert "training.hyperparameters.scale_pos_weight = 99" in text


def test_labels_that_differ_only_in_case_or_spaces(tmp_path):
    spellings = ["Yes", "yes", " no", "no"]
    header, rows = _table(200, lambda i, rng: spellings[i % 4])
    _write(tmp_path / "d.csv", header, rows)
    doc = _newcomer("binary_classification")
    report = check_document(doc, tmp_path)
    assert "data_preparation.normalise_labels = true" in _messages(report)
    fixed = apply_fix(doc, {"action": "normalise_labels"})
    after = check_document(fixed, tmp_path)
    assert after.errors == [] and "normalise_labels" not in _messages(after)


def test_a_semicolon_file_says_so(tmp_path):
    header, rows = _table(100, lambda i, rng: rng.choice([0, 1]))
    report = _report(tmp_path, header, rows, sep=";")
    assert "';'" in _messages(report) or "semicolon" in _messages(report).lower()
    assert report.config is None  # the target column cannot be found: an error


def test_a_fix_made_silences_its_warning(tmp_path):
    n = 300
    draw = random.Random(1)
    labels = sorted(draw.choice([0, 1]) for _ in range(n))
    header, rows = _table(n, lambda i, rng: labels[i], extra=lambda i, label, rng: 1000 + i)
    _write(tmp_path / "d.csv", header, rows)
    doc = apply_fix(
        _newcomer("binary_classification"), {"action": "drop_column", "column": "extra"}
    )
    report = check_document(doc, tmp_path)
    assert "'extra'" not in _messages(report)
    assert "--drop-column" in build_plan(report.config).step("PrepareData").arguments


# ------------------------------------------------------------------ messages a newcomer reads


def test_a_numeric_target_with_many_values_suggests_regression(tmp_path):
    header, rows = _table(200, lambda i, rng: round(rng.uniform(0, 100), 2))
    text = _messages(_report(tmp_path, header, rows), "data_collection.target_column")
    assert 'profile.problem_type = "regression"' in text


def test_two_classes_under_multiclass_names_the_value(tmp_path):
    header, rows = _table(200, lambda i, rng: rng.choice(["a", "b"]))
    text = _messages(
        _report(tmp_path, header, rows, "multiclass_classification"),
        "data_collection.target_column",
    )
    assert 'profile.problem_type = "binary_classification"' in text


def test_an_empty_target_says_none_was_given(tmp_path):
    header, rows = _table(50, lambda i, rng: rng.choice([0, 1]))
    _write(tmp_path / "d.csv", header, rows)
    doc = _newcomer("binary_classification", target="")
    text = _messages(check_document(doc, tmp_path), "data_collection.target_column")
    assert "no target column" in text.lower() or "not given" in text.lower() or "empty" in text
