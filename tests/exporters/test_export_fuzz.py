"""Fuzzing the exporter: any valid config exports valid, well-formed Python whose code is only
what the templates write; a person's text can change string values, never the code.

(The definitions of a few fuzzed configs are built as well: test_export_verify.py.)
"""

from __future__ import annotations

import ast
import copy
import json
import random
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
from export_cases import parse_python, random_document
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from exporters import render_project, write_project
from wizard.plan import build_plan
from wizard.templates import template_document
from wizard.validation import validate_document, validate_or_raise

REFERENCE_SEEDS = range(150)
# Files that are copied, not rendered: no person's value reaches them.
VERBATIM = ("code/", "tests/offline.py", "lambda/handler.py")


def _rendered_python(files: dict[str, str]) -> dict[str, str]:
    return {
        path: text
        for path, text in files.items()
        if path.endswith(".py") and not path.startswith(VERBATIM)
    }


def _code_names(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """What a file calls (``f(...)`` -> f, ``a.b.c(...)`` -> c) and every identifier it
    uses (names, attributes, keyword arguments)."""
    calls: set[str] = set()
    names: set[str] = set()
    for node in ast.walk(parse_python(text)):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                calls.add(func.id)
            elif isinstance(func, ast.Attribute):
                calls.add(func.attr)
            else:
                calls.add(type(func).__name__)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)
    return frozenset(calls), frozenset(names)


@cache
def _reference() -> tuple[frozenset[str], frozenset[str]]:
    """Calls and identifiers the templates write, over many benign random configs."""
    texts: set[str] = set()
    for seed in REFERENCE_SEEDS:
        config = validate_or_raise(random_document(random.Random(seed)))
        texts |= set(_rendered_python(render_project(build_plan(config), config)).values())
    calls: set[str] = set()
    names: set[str] = set()
    for text in texts:
        file_calls, file_names = _code_names(text)
        calls |= file_calls
        names |= file_names
    return frozenset(calls), frozenset(names)


def test_the_reference_calls_are_the_expected_kind() -> None:
    calls, _ = _reference()
    assert {"ProcessingStep", "TrainingStep", "ConditionStep", "retrieve", "Join"} <= calls
    assert not calls & {"eval", "exec", "__import__", "system", "popen", "compile"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_any_valid_config_exports_well_formed_files(rng: random.Random) -> None:
    config, problems = validate_document(random_document(rng))
    assume(config is not None)
    assert config is not None, problems
    plan = build_plan(config)
    files = render_project(plan, config)
    calls, names = _reference()
    for path, text in _rendered_python(files).items():
        compile(text, path, "exec")
        file_calls, file_names = _code_names(text)
        assert file_calls <= calls, f"{path} calls {sorted(file_calls - calls)}"
        assert file_names <= names, f"{path} names {sorted(file_names - names)}"
    assert tomllib.loads(files["wizard.toml"])["project"]["name"] == config.project.name
    assert tomllib.loads(files["pyproject.toml"])
    for stage_services in plan.services.values():
        for service in stage_services:
            assert f"(`{service}`)" in files["README.md"]
    # the scaffold's test knows exactly the planned steps
    assert all(f'"{s.name}"' in files["tests/test_pipeline.py"] for s in plan.steps)


def _skeleton(text: str) -> str:
    """The code without its string and number values."""
    tree = parse_python(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            node.value = None
    return ast.dump(tree)


_HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "__import__('os').system('id')",
            '"; import os; os.system("id"); x = "',
            "x\n    import os\nos.system('id')",
            "a\\",
            "\\' + __import__('os').getcwd() + \\'",
            "}}{{ config }}{% raw %}",
            "#",
            "x" * 5000,
            "\u2028import os",
            "${{ secrets.TOKEN }}",
        ]
    ),
)
# The free-text values a person can type, by where they live in the document.
_FIELDS = {
    ("project", "description"): "project.description",
    ("data_collection", "target_column"): "data_collection.target_column",
    ("evaluation", "bias_facet"): "evaluation.bias_facet",
    ("feature_engineering", "feature_group_name"): "feature_engineering.feature_group_name",
    ("deployment", "model_package_group"): "deployment.model_package_group",
    ("project", "name"): "project.name",
    ("project", "s3_prefix"): "project.s3_prefix",
    ("data_collection", "input_uri"): "data_collection.input_uri",
}


def _rich_document() -> dict:
    doc = copy.deepcopy(template_document("demo"))
    doc["evaluation"] |= {"services": ["clarify", "model-monitor"], "bias_facet": "gender"}
    doc["feature_engineering"] |= {
        "services": ["processing-jobs", "feature-store"],
        "feature_group_name": "shared",
    }
    doc["training"]["hyperparameters"] = {"objective": "binary:logistic"}
    doc["tuning"] = {
        "enabled": True,
        "strategy": "Grid",
        "objective_metric": "validation:auc",
        "max_jobs": 2,
        "ranges": [{"name": "max_depth", "type": "categorical", "values": ["3", "5"]}],
    }
    doc["deployment"]["services"] = ["model-registry", "endpoints", "lambda"]
    return doc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(
        [*_FIELDS, ("training", "hyperparameters"), ("tuning", "ranges"), ("drop", "columns")]
    ),
    value=_HOSTILE,
)
def test_typed_text_is_rejected_or_stays_a_value(field: tuple[str, str], value: str) -> None:
    benign = _rich_document()
    hostile = copy.deepcopy(benign)
    section, key = field
    if field == ("training", "hyperparameters"):
        hostile["training"]["hyperparameters"]["objective"] = value
    elif field == ("tuning", "ranges"):
        hostile["tuning"]["ranges"][0]["values"] = ["3", value]
    elif field == ("drop", "columns"):
        hostile["data_preparation"]["drop_columns"] = [value]
        benign["data_preparation"]["drop_columns"] = ["c"]
    else:
        hostile[section][key] = value
    config, problems = validate_document(hostile)
    if config is None:
        assert problems  # rejected, with a message naming the field
        if field in _FIELDS:
            assert any(p.path.startswith(_FIELDS[field].split(".")[0]) for p in problems)
        return
    reference = validate_or_raise(benign)
    if field == ("data_collection", "input_uri") and value.startswith("s3://"):
        reference = config  # data already in S3: no upload code, a different program
    got = render_project(build_plan(config), config)
    expected = render_project(build_plan(reference), reference)
    assert sorted(got) == sorted(expected)
    for path, text in _rendered_python(got).items():
        assert _skeleton(text) == _skeleton(expected[path]), f"{value!r} changed the code of {path}"
    # Values in data files stay parseable data.
    assert tomllib.loads(got["wizard.toml"])
    assert json.dumps(got["README.md"])


def test_code_like_values_are_rejected_by_validation() -> None:
    # S3 keys may contain quotes and parentheses, and a description is free text: those
    # are written as inert string values (the property test above).
    inert = {("project", "description"), ("project", "s3_prefix"), ("data_collection", "input_uri")}
    for field, path in _FIELDS.items():
        if field in inert:
            continue
        for value in ("x'y", 'x"y', "x\ny", "x\\y", "__import__('os')"):
            doc = _rich_document()
            doc[field[0]][field[1]] = value
            config, problems = validate_document(doc)
            assert config is None, f"{path} accepted {value!r}"
            assert any(p.path.split(".")[0] == path.split(".")[0] for p in problems)


# Long and wide values that are still valid, where the formatter might lay lines out
# differently (wrapping, parentheses) from the templates.
_LONG_VALUES = (
    ("project", "description", "d" * 79),
    ("project", "description", "日本語の説明" * 12),
    ("project", "description", "x" * 1000),
    ("project", "s3_prefix", "p/" * 45 + "end"),
    ("data_collection", "input_uri", "s3://some-bucket/" + "k" * 300 + ".csv"),
    ("data_collection", "input_uri", "data/" + "n" * 200 + ".csv"),
    ("data_collection", "target_column", "T" * 128),
    ("evaluation", "bias_facet", "F" * 128),
)


def test_fuzzed_exports_are_ruff_clean(tmp_path: Path) -> None:
    for seed in range(6):
        config = validate_or_raise(random_document(random.Random(1000 + seed)))
        write_project(tmp_path / f"p{seed}", render_project(build_plan(config), config))
    for index, (section, key, value) in enumerate(_LONG_VALUES):
        doc = _rich_document()
        doc["training"]["hyperparameters"]["objective"] = "o" * 256
        doc["tuning"]["ranges"][0]["values"] = ["3", "v" * 256]
        doc["deployment"]["services"] += ["api-gateway"]
        doc["training"]["services"] = ["training-jobs", "autopilot"]
        doc[section][key] = value
        config = validate_or_raise(doc)
        write_project(tmp_path / f"long{index}", render_project(build_plan(config), config))
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "."],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.parametrize("seed", [3, 5])
def test_random_documents_are_valid(seed: int) -> None:
    # The generator must stay useful: most documents it draws are valid.
    valid = sum(
        validate_document(random_document(random.Random(seed * 100 + i)))[0] is not None
        for i in range(30)
    )
    assert valid >= 25
