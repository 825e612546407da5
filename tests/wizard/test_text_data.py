"""Free text in tables (issue 32): recognised by its values, accepted by the config in CSV,
Parquet and JSON lines, planned with the vectoriser's arguments, and the text demo valid."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest

from wizard.check import check_document
from wizard.config import WizardConfig
from wizard.config.crosscheck import cross_check
from wizard.datainsights import apply_fix, fix_text
from wizard.datareport.columns import infer_column
from wizard.plan import build_plan
from wizard.templates import template_document, write_template_data

WORDS = [
    "refund",
    "order",
    "late",
    "broken",
    "charged",
    "twice",
    "login",
    "password",
    "app",
    "crash",
    "parcel",
    "missing",
    "invoice",
    "address",
    "email",
    "reset",
    "slow",
    "update",
    "screen",
    "tracking",
    "courier",
    "card",
    "payment",
]


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _table(rng: random.Random, rows: int = 120) -> list[dict[str, object]]:
    out = []
    for i in range(rows):
        label = "billing" if i % 2 else "shipping"
        cue = rng.choice(["charged twice", "refund please"] if i % 2 else ["parcel late"])
        out.append(
            {
                "title": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)}",
                "body": f"{_sentence(rng, rng.randint(6, 14))} {cue}.",
                "plan": rng.choice(["basic", "pro"]),
                "months": rng.randint(1, 60),
                "team": label,
            }
        )
    return out


# ------------------------------------------------------------------ the data report


def test_sentences_and_several_word_titles_are_free_text_by_their_values():
    rng = random.Random(1)
    rows = _table(rng)
    body = infer_column("x", [str(r["body"]) for r in rows])
    assert body.kind == "free_text" and "words" in body.reason
    title = infer_column("y", [str(r["title"]) for r in rows])
    assert title.kind == "free_text" and "short texts" in title.reason
    # codes stay identifiers, a few levels stay a category, whatever the column is called
    codes = infer_column("body", [f"TCK-{i:05d}" for i in range(120)])
    assert codes.kind == "identifier"
    levels = infer_column("description", [rng.choice(["red car", "blue van"]) for _ in range(120)])
    assert levels.kind == "category"


def test_the_free_text_finding_lists_the_column_as_text(tmp_path):
    doc = _doc(tmp_path, text_columns=[])
    report = check_document(doc, tmp_path)
    finding = next(f for f in report.quality.findings if f.code == "free_text")
    assert finding.fix == {"action": "text_column", "column": finding.column}
    problem = next(p for p in report.warnings if p.path == "data_preparation.text_columns")
    assert "data_preparation.text_columns = [" in problem.message
    fixed = apply_fix(
        {"data_preparation": {"drop_columns": [finding.column]}},
        finding.fix,
    )
    # one treatment per column: listing it as text takes it out of drop_columns
    assert fixed["data_preparation"] == {"drop_columns": [], "text_columns": [finding.column]}
    assert fix_text(finding.fix, {}) == f'data_preparation.text_columns = ["{finding.column}"]'
    both = check_document(_doc(tmp_path, text_columns=["title", "body"]), tmp_path)
    assert not [p for p in both.problems if "free text" in p.message], both.problems


# ------------------------------------------------------------------ config and formats


def _doc(folder: Path, *, fmt: str = "csv", text_columns=("title", "body"), **training):
    rows = _table(random.Random(2))
    if fmt == "json":
        data = folder / "tickets.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "parquet":
        import pandas as pd

        data = folder / "tickets.parquet"
        pd.DataFrame(rows).to_parquet(data)
    else:
        import csv

        data = folder / "tickets.csv"
        with data.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return {
        "schema_version": 1,
        "project": {"name": "tickets"},
        "profile": {"data_format": "text" if fmt == "csv" else fmt},
        "data_collection": {"input_uri": data.name, "target_column": "team"},
        "data_preparation": {"text_columns": list(text_columns)},
        "training": training,
    }


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_text_columns_validate_in_csv_json_lines_and_parquet(tmp_path, fmt):
    report = check_document(_doc(tmp_path, fmt=fmt), tmp_path)
    assert not report.errors, report.errors
    config = report.config
    assert config is not None
    # no algorithm chosen: the linear model, which suits sparse word features
    assert config.training.algorithm == "sklearn_linear"
    assert "algorithm" not in config.training.model_fields_set


def test_a_text_column_that_is_not_in_the_data_is_named(tmp_path):
    doc = _doc(tmp_path, text_columns=["body", "bdy"])
    errors = check_document(doc, tmp_path).errors
    assert any(
        p.path == "data_preparation.text_columns" and "'bdy' is not a column" in p.message
        for p in errors
    ), errors


def _config(tmp_path, **changes) -> WizardConfig:
    doc = _doc(tmp_path)
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        doc.setdefault(section, {})[key] = value
    return WizardConfig.model_validate(doc)


def test_what_text_columns_do_not_combine_with_is_refused_with_the_fix(tmp_path):
    messages = {
        p.path: p.message
        for p in cross_check(
            _config(
                tmp_path,
                training__algorithm="xgboost",
                deployment__services=["model-registry", "batch-transform"],
                data_preparation__engine="spark",
            )
        )
    }
    assert "training.algorithm = 'sklearn_linear'" in messages["training.algorithm"]
    assert "deployment.services" not in messages  # batch transform serves raw records
    assert "engine = 'sklearn'" in messages["data_preparation.engine"]
    target = cross_check(_config(tmp_path, data_preparation__text_columns=["body", "team"]))
    assert any(p.path == "data_preparation.text_columns" for p in target)


def test_an_algorithm_the_person_chose_is_kept(tmp_path):
    config = _config(tmp_path, training__algorithm="sklearn_random_forest")
    assert config.training.algorithm == "sklearn_random_forest"
    assert not cross_check(config)


def test_images_are_refused_with_a_message_that_no_longer_says_tabular_only(tmp_path):
    doc = _doc(tmp_path)
    doc["profile"]["data_format"] = "images"
    (problem,) = [p for p in cross_check(WizardConfig.model_validate(doc))]
    assert problem.path == "profile.data_format"
    assert "free text" in problem.message and "not images" in problem.message
    assert "tabular" not in problem.message


def test_the_plan_passes_text_columns_to_prepare_and_features(tmp_path):
    plan = build_plan(_config(tmp_path, feature_engineering__max_text_features=5000))
    prepare = plan.step("PrepareData").arguments
    features = plan.step("EngineerFeatures").arguments
    for args in (prepare, features):
        joined = " ".join(args)
        assert "--text-column title" in joined and "--text-column body" in joined
    assert features[features.index("--max-text-features") + 1] == "5000"
    assert "--max-text-features" not in prepare


# ------------------------------------------------------------------ the text demo


def test_the_text_demo_validates_without_a_warning_and_lists_its_text(tmp_path):
    doc = template_document("text-demo")
    config_path = tmp_path / "wizard.toml"
    write_template_data("text-demo", config_path)
    report = check_document(copy.deepcopy(doc), tmp_path)
    assert not report.errors and not report.warnings, report.problems
    kinds = {c.name: c.kind for c in report.quality.columns}
    assert kinds == {
        "subject": "free_text",
        "body": "free_text",
        "channel": "category",
        "tenure_months": "number",
        "team": "category",
    }
    assert report.config is not None
    assert report.config.data_preparation.text_columns == ["subject", "body"]
    assert report.config.training.algorithm == "sklearn_linear"
