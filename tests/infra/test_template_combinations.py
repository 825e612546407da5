"""cfn-lint on every infra/ template the wizard can produce (issue 28): the exported CI lints
infra/ and a warning fails it (cfn-lint exits 4 on W2001, an unused parameter, say).

The configs walk every combination of the choices that change the templates: the deployment
(no endpoint or each kind of endpoint, with no front, a Lambda front, API Gateway or both),
the monitoring services, a schedule in orchestration, Feature Store, and the data collection
services CloudFormation creates (Glue, Kinesis, both or neither). Combinations the validation refuses (API
Gateway with no endpoint) are skipped. Rendering all of them takes about two seconds; many
give the same template, so each distinct template is linted once (a test each).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint
from helpers import demo_document

from exporters.infra import infra_files
from wizard.errors import WizardError
from wizard.plan import build_plan
from wizard.validation import validate_or_raise

ENDPOINTS = ((), ("endpoints",), ("serverless-inference",), ("multi-model-endpoints",))
FRONTS = ((), ("lambda",), ("api-gateway",), ("lambda", "api-gateway"))
MONITORING = tuple(
    combination
    for size in range(4)
    for combination in itertools.combinations(("model-monitor", "cloudwatch", "cloudtrail"), size)
)
SCHEDULED = (False, True)
FEATURE_STORE = (False, True)
COLLECTION = (("s3",), ("s3", "glue", "kinesis"))


def _document(
    endpoint: tuple[str, ...],
    front: tuple[str, ...],
    monitoring: tuple[str, ...],
    scheduled: bool,
    feature_store: bool,
    collection: tuple[str, ...],
) -> dict[str, Any]:
    doc = demo_document()
    if {"serverless-inference", "multi-model-endpoints"} & set(endpoint):
        # the built-in XGBoost is served as an inference pipeline, which neither hosts
        doc["training"]["algorithm"] = "sklearn_random_forest"
        doc["training"]["hyperparameters"] = {}
    doc["deployment"]["services"] = ["model-registry", "batch-transform", *endpoint, *front]
    doc["monitoring"]["services"] = list(monitoring)
    doc["data_collection"]["services"] = list(collection)
    if scheduled:
        doc["orchestration"]["services"] = ["pipelines", "eventbridge"]
        doc["orchestration"]["schedule"] = "cron(0 3 ? * MON *)"
        doc["profile"]["retraining"] = "scheduled"
    if feature_store:
        doc["feature_engineering"]["services"] = ["processing-jobs", "feature-store"]
        doc["feature_engineering"]["feature_group_name"] = "demo-features"
    return doc


def _combinations() -> Iterator[tuple[str, dict[str, Any]]]:
    for choice in itertools.product(
        ENDPOINTS, FRONTS, MONITORING, SCHEDULED, FEATURE_STORE, COLLECTION
    ):
        endpoint, front, monitoring, scheduled, feature_store, collection = choice
        words = [*collection, *endpoint, *front, *monitoring]
        words += ["schedule"] * scheduled + ["feature-store"] * feature_store
        yield "+".join(words), _document(*choice)


def _distinct_templates() -> tuple[dict[tuple[str, str], str], int, int]:
    """Each distinct (file, template text) with the first combination that gives it, and
    how many combinations were valid and refused."""
    found: dict[tuple[str, str], str] = {}
    valid = refused = 0
    for name, doc in _combinations():
        try:
            config = validate_or_raise(doc)
        except WizardError:
            refused += 1
            continue
        valid += 1
        for path, text in infra_files(build_plan(config), config).items():
            found.setdefault((path, text), name)

    return found, valid, refused


TEMPLATES, VALID, REFUSED = _distinct_templates()


def test_the_walk_covers_the_choices() -> None:
    """Most combinations are valid, and they give many distinct templates of both files."""
    assert VALID > 800 and REFUSED < VALID
    paths = [path for path, _ in TEMPLATES]
    assert paths.count("infra/bootstrap.json") >= 2
    assert paths.count("infra/services.json") >= 60


@pytest.mark.parametrize(
    ("path", "text"),
    list(TEMPLATES),
    ids=[f"{path.removeprefix('infra/')}:{name}" for (path, _), name in TEMPLATES.items()],
)
def test_every_template_combination_is_cfn_lint_clean(path: str, text: str) -> None:
    matches = lint(text, config=ManualArgs(regions=["us-east-1", "eu-west-1"]))
    problems = [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches]
    assert problems == [], f"{path} of {TEMPLATES[(path, text)]}"
