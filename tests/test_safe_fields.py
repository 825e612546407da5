"""Every text field of the config is matched whole (issue 30, item 2).

Patterns written ``^...$`` let a trailing newline through (``$`` matches before it):
``name = "churn-1\\n"`` was valid and export made a folder named ``churn-1\\n``. The walk
below takes every string field of every section (found from the models, so a new field is
walked too), gives it a valid value with a trailing newline, and with a control character
inside, and expects a problem at that field.
"""

from __future__ import annotations

import copy
import re
import typing
from typing import Any

import pytest

from wizard.config import SECTION_MODELS
from wizard.templates import template_document
from wizard.validation import validate_document

# A valid value for fields the demo leaves out (or leaves empty).
VALID: dict[str, Any] = {
    "project.role_arn": "arn:aws:iam::123456789012:role/SageMakerRole",
    "project.scheduler_role_arn": "arn:aws:iam::123456789012:role/SchedulerRole",
    "project.bucket": "my-bucket",
    "data_preparation.drop_columns": ["mean radius"],
    "data_preparation.parse_numbers": ["mean texture"],
    "data_preparation.parse_dates": ["mean area"],
    "data_preparation.text_columns": ["mean texture"],
    "feature_engineering.feature_group_name": "breast-features",
    "training.checkpoint_s3_uri": "s3://my-bucket/checkpoints",
    "evaluation.bias_facet": "mean radius",
    "evaluation.services": ["experiments"],
    "monitoring.schedule": "cron(0 * ? * * *)",
    "orchestration.schedule": "rate(7 days)",
}


def _string_fields() -> list[tuple[str, str, bool]]:
    """(section, field, is_list) for every field holding text or a list of text."""
    found = []
    for section, model in SECTION_MODELS.items():
        for name, info in model.model_fields.items():
            annotation = info.annotation
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            origin = typing.get_origin(annotation)
            text = annotation is str or (origin is typing.Union and str in args)
            choice = origin is typing.Literal and all(isinstance(a, str) for a in args)
            if text or choice:
                found.append((section, name, False))
            elif origin is list and args and typing.get_origin(args[0]) is typing.Annotated:
                if typing.get_args(args[0])[0] is str:
                    found.append((section, name, True))
            elif origin is list and args == [str]:
                found.append((section, name, True))
    return found


FIELDS = _string_fields()


def _valid_value(doc: dict[str, Any], section: str, name: str) -> Any:
    key = f"{section}.{name}"
    if key in VALID:
        return copy.deepcopy(VALID[key])
    value = doc.get(section, {}).get(name)
    if value not in (None, "", []):
        return copy.deepcopy(value)
    default = SECTION_MODELS[section].model_fields[name].default
    assert default not in (None, "", []), f"give {key} a valid value in VALID"
    return copy.deepcopy(default)


def _with(section: str, name: str, value: Any) -> dict[str, Any]:
    doc = template_document("demo")
    doc.setdefault(section, {})[name] = value
    if name == "schedule" and section == "monitoring":
        doc["monitoring"]["services"] = ["model-monitor", "cloudwatch"]
    if name == "checkpoint_s3_uri":  # checkpoints go with spot training
        doc["training"].update(use_spot=True, max_wait_seconds=7200)
    return doc


def test_the_walk_finds_the_pattern_fields() -> None:
    names = {f"{s}.{n}" for s, n, _ in FIELDS}
    for expected in (
        "project.name",
        "project.bucket",
        "project.role_arn",
        "project.region",
        "project.s3_prefix",
        "data_collection.input_uri",
        "data_collection.target_column",
        "orchestration.schedule",
        "orchestration.cache_expire_after",
        "deployment.model_package_group",
        "data_preparation.drop_columns",
    ):
        assert expected in names


@pytest.mark.parametrize(("section", "name", "is_list"), FIELDS, ids=lambda x: str(x))
@pytest.mark.parametrize("spoil", ["trailing-newline", "control-inside", "trailing-cr"])
def test_every_text_field_refuses_line_breaks_and_control_characters(
    section: str, name: str, is_list: bool, spoil: str
) -> None:
    base = template_document("demo")
    valid = _valid_value(base, section, name)
    good = _with(section, name, valid)
    _, problems = validate_document(good)
    assert not [p for p in problems if p.path.startswith(f"{section}.{name}")], problems

    def spoiled(text: str) -> str:
        if spoil == "trailing-newline":
            return text + "\n"
        if spoil == "trailing-cr":
            return text + "\r"
        return text[:1] + "\x07" + text[1:]

    value = [spoiled(valid[0]), *valid[1:]] if is_list else spoiled(valid)
    _, problems = validate_document(_with(section, name, value))
    at_field = [p for p in problems if p.path.startswith(f"{section}.{name}")]
    assert at_field, f"{section}.{name} = {value!r} passed validation"
    assert all(p.is_error for p in at_field)


def test_a_trailing_newline_in_the_name_is_refused_in_plain_words() -> None:
    doc = template_document("demo")
    doc["project"]["name"] = "churn-1\n"
    _, problems = validate_document(doc)
    [problem] = problems
    assert problem.path == "project.name"
    assert "ends with a line break" in problem.message and "remove it" in problem.message
    doc["project"]["name"] = "chu\x1brn"
    _, problems = validate_document(doc)
    assert "control character" in problems[0].message


def test_no_pattern_in_the_field_rules_relies_on_dollar() -> None:
    """``$`` matches before a final newline; every pattern must be matched whole."""
    from wizard.config import fields

    for value in vars(fields).values():
        if isinstance(value, re.Pattern):
            assert not value.pattern.endswith("$"), value.pattern


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("tuning_values", ["a\n"]),
        ("hyperparameter_name", "max_depth\n"),
        ("hyperparameter_value", "x\n"),
    ],
)
def test_nested_text_refuses_line_breaks(key: str, value: Any) -> None:
    doc = template_document("demo")
    if key == "tuning_values":
        doc["tuning"] = {
            "enabled": True,
            "strategy": "Random",
            "objective_metric": "validation:auc",
            "ranges": [{"name": "max_depth", "type": "categorical", "values": value}],
        }
    elif key == "hyperparameter_name":
        doc["training"]["hyperparameters"] = {value: 3}
    else:
        doc["training"]["hyperparameters"] = {"objective": value}
    _, problems = validate_document(doc)
    assert problems and all(p.is_error for p in problems), problems
