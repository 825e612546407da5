"""The built-in XGBoost is served as an inference pipeline (preprocessing, algorithm,
answers): validate refuses the endpoint kinds SageMaker does not host one on, with the fix."""

from __future__ import annotations

import pytest

from wizard.config import WizardConfig
from wizard.config.crosscheck import cross_check
from wizard.templates import template_document


def _config(algorithm: str, endpoint: str) -> WizardConfig:
    doc = template_document("demo")
    doc["training"]["algorithm"] = algorithm
    if algorithm != "xgboost":
        doc["training"]["hyperparameters"] = {}
    doc["deployment"]["services"] = ["model-registry", endpoint]
    return WizardConfig.model_validate(doc)


@pytest.mark.parametrize("endpoint", ["serverless-inference", "multi-model-endpoints"])
def test_xgboost_on_an_endpoint_that_hosts_no_inference_pipeline_is_refused(endpoint) -> None:
    problems = [p for p in cross_check(_config("xgboost", endpoint)) if p.path.startswith("deploy")]
    assert len(problems) == 1
    assert "inference pipeline" in problems[0].message
    assert f"instead of {endpoint!r}" in problems[0].message
    assert "training.algorithm = 'sklearn_random_forest'" in problems[0].message


@pytest.mark.parametrize("endpoint", ["serverless-inference", "multi-model-endpoints"])
def test_a_scikit_learn_model_is_served_there(endpoint) -> None:
    config = _config("sklearn_random_forest", endpoint)
    assert not [p for p in cross_check(config) if p.path == "deployment.services"]


def test_xgboost_on_a_real_time_endpoint_is_fine() -> None:
    config = _config("xgboost", "endpoints")
    assert not [p for p in cross_check(config) if p.path == "deployment.services"]


def test_an_unset_algorithm_for_a_serverless_endpoint_is_one_it_can_host() -> None:
    doc = template_document("demo")
    doc["training"].pop("algorithm", None), doc["training"].pop("hyperparameters", None)
    doc["deployment"]["services"] = ["model-registry", "serverless-inference"]
    config = WizardConfig.model_validate(doc)
    assert config.training.algorithm == "sklearn_random_forest"
    assert "algorithm" not in config.training.model_fields_set  # still the default
    assert not [p for p in cross_check(config) if p.path == "deployment.services"]
