"""Fuzzing the loader and validators: random TOML documents and random values for every
field never raise; a bad document always gives exit 2 and messages naming fields."""

from __future__ import annotations

import copy
from pathlib import Path

import tomli_w
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cli.main import main
from wizard.config import SECTION_MODELS
from wizard.templates import template_document
from wizard.validation import validate_document

DEMO = template_document("demo")

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "ml.m5.large",
            "s3://bucket/x",
            "cron(0 3 * * ? *)",
            "__import__('os')",
            "a\nb",
            "x\\y",
            "'\"",
            "x" * 600,
            "Bayesian",
            "auc",
            "-1",
            "1e309",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)

# every (section, key) of the demo plus the models' other fields
FIELDS = sorted(
    {(section, key) for section, model in SECTION_MODELS.items() for key in model.model_fields}
)


def _drop_none(value):
    if isinstance(value, dict):
        return {str(k): _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value if v is not None]
    return value


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FIELDS), values), min_size=1, max_size=4))
def test_random_field_values_never_raise(changes):
    doc = copy.deepcopy(DEMO)
    for (section, key), value in changes:
        doc.setdefault(section, {})[key] = value
    config, problems = validate_document(doc)
    assert (config is None) == bool(problems)
    for problem in problems:
        assert problem.message
        assert problem.section in {*SECTION_MODELS, "schema_version", ""} or problem.path


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=12), values, max_size=6))
def test_random_documents_never_raise(doc):
    config, problems = validate_document(doc)
    assert config is None and problems


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.sampled_from(FIELDS), values), min_size=1, max_size=3))
# found by a random run: a carriage return in a path split the message over two lines
@example(changes=[(("data_collection", "input_uri"), "0\r")])
def test_cli_validate_exit_codes(tmp_path: Path, changes):
    doc = copy.deepcopy(DEMO)
    for (section, key), value in changes:
        doc.setdefault(section, {})[key] = value
    doc = _drop_none(doc)
    path = tmp_path / "fuzz.toml"
    try:
        path.write_text(tomli_w.dumps(doc))
    except (TypeError, ValueError):
        return  # not representable in TOML (e.g. mixed-type arrays are fine; NaN keys etc.)
    result = CliRunner().invoke(main, ["validate", str(path)], catch_exceptions=False)
    assert result.exit_code in (0, 2)
    if result.exit_code == 2:
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert all(": " in line for line in lines)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_random_bytes_as_a_file(tmp_path: Path, content):
    path = tmp_path / "junk.toml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    result = CliRunner().invoke(main, ["validate", str(path)], catch_exceptions=False)
    assert result.exit_code == 2
