"""Hyperparameters within their documented ranges, one message per problem (issue 15), and
messages a newcomer understands (issue 10)."""

from __future__ import annotations

import pytest

from wizard.algorithms import ALGORITHMS
from wizard.validation import validate_section


def _hp(name, value, algorithm="xgboost"):
    _, problems = validate_section(
        "training", {"algorithm": algorithm, "hyperparameters": {name: value}}
    )
    return problems


@pytest.mark.parametrize("algorithm", list(ALGORITHMS))
def test_every_hyperparameter_bound_is_enforced(algorithm):
    for hp in ALGORITHMS[algorithm].hyperparameters:
        if hp.low is None:
            continue
        assert _hp(hp.name, hp.low, algorithm) == []
        assert _hp(hp.name, hp.high, algorithm) == []
        (below,) = _hp(hp.name, hp.low - 1, algorithm)
        assert below.path == f"training.hyperparameters.{hp.name}"
        assert hp.range_text() in below.message
        (above,) = _hp(hp.name, hp.high * 2 + 1, algorithm)
        assert hp.range_text() in above.message


def test_the_reported_cases():
    assert "from 1 to 10000" in _hp("num_round", -5)[0].message
    assert "from 0.001 to 1" in _hp("eta", 2)[0].message
    assert "whole number" in _hp("num_round", 2.5)[0].message
    assert "takes a number" in _hp("eta", "fast")[0].message


@pytest.mark.parametrize("value", ["x" * 100_000, [1] * 5000, {"a": "b" * 9000}, None])
def test_a_bad_value_gives_one_short_message(value):
    problems = _hp("num_round", value)
    assert len(problems) == 1
    assert len(problems[0].message) < 120
    assert "xxxxxxxxxx" not in problems[0].message


def test_huge_inputs_are_not_echoed_anywhere():
    _, problems = validate_section("profile", {"problem_type": "y" * 50_000})
    assert len(problems) == 1 and len(problems[0].message) < 300
    _, problems = validate_section("data_preparation", {"random_seed": "9" * 5000 + "x"})
    assert len(problems) == 1 and len(problems[0].message) < 200


def test_ratio_message_reads_as_a_sentence():
    _, problems = validate_section(
        "data_preparation", {"train_ratio": 0.7, "validation_ratio": 0.35, "test_ratio": 0.15}
    )
    (problem,) = problems
    assert "shares add up to 1.2" in problem.message and "+" in problem.message


def test_space_in_prefix_is_called_a_space():
    _, problems = validate_section("project", {"name": "p", "s3_prefix": "my prefix"})
    assert "has a space" in problems[0].message and "'my-prefix'" in problems[0].message
    _, problems = validate_section("project", {"name": "p", "s3_prefix": "/lead"})
    assert "'lead'" in problems[0].message


def test_a_problem_is_one_line_whatever_the_user_typed():
    from wizard.validation import Problem

    problem = Problem("data_collection.input_uri", "data/x\r\n\x1b[2J.csv does not exist")
    assert str(problem) == "data_collection.input_uri: data/x\\r\\n\\x1b[2J.csv does not exist"
    assert str(Problem("", "é ü 😀 stay as they are")) == "é ü 😀 stay as they are"


def test_a_bad_path_gets_its_message_not_the_data_checks_echo_of_it(demo_file):
    import tomllib

    from wizard.check import check_document

    doc = tomllib.loads(demo_file.read_text())
    doc["data_collection"]["input_uri"] = "0\r"
    report = check_document(doc, demo_file.parent)
    paths = [p.path for p in report.problems if p.is_error]
    assert paths == ["data_collection.input_uri"], report.problems
