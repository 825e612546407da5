from __future__ import annotations

import pytest

from wizard.cost import HOURS_PER_MONTH, estimate_cost
from wizard.instances import load_price_table
from wizard.plan import build_plan
from wizard.validation import validate_or_raise


def _estimate(doc):
    config = validate_or_raise(doc)
    return estimate_cost(build_plan(config), config)


def test_each_compute_step_is_priced(demo_doc):
    demo_doc["evaluation"]["services"] = ["model-monitor"]  # its QualityCheck job is priced too
    cost = _estimate(demo_doc)
    priced = {s.step for s in cost.steps}
    assert priced == {
        "PrepareData",
        "EngineerFeatures",
        "DataQualityBaseline",
        "Train",
        "Evaluate",
        "BatchTransform",
    }
    table = load_price_table()
    train = next(s for s in cost.steps if s.step == "Train")
    assert train.hourly_usd == table.hourly("ml.m5.large", "training")
    assert train.max_hours == 1.0  # max_runtime_seconds = 3600 is the ceiling
    assert train.max_usd == pytest.approx(train.hourly_usd)
    assert 0 < cost.typical_usd <= cost.max_usd
    assert cost.as_of and cost.source.startswith("https://")


def test_tuning_multiplies_by_trials(demo_doc):
    demo_doc["tuning"] = {
        "enabled": True,
        "objective_metric": "validation:auc",
        "max_jobs": 8,
        "max_parallel_jobs": 2,
        "ranges": [{"name": "eta", "min_value": 0.1, "max_value": 0.3}],
    }
    tune = next(s for s in _estimate(demo_doc).steps if s.step == "Tune")
    assert tune.jobs == 8 and tune.max_usd == pytest.approx(8 * tune.hourly_usd)


def test_spot_uses_max_wait_as_ceiling(demo_doc):
    demo_doc["training"] |= {"use_spot": True, "max_wait_seconds": 7200}
    train = next(s for s in _estimate(demo_doc).steps if s.step == "Train")
    assert train.max_hours == 2.0 and "spot" in train.note


def test_endpoints_are_priced_per_hour_and_month(demo_doc):
    demo_doc["deployment"]["services"] = ["model-registry", "endpoints"]
    demo_doc["deployment"]["endpoint_instance_count"] = 2
    (endpoint,) = _estimate(demo_doc).endpoints
    hourly = load_price_table().hourly("ml.m5.large", "hosting") * 2
    assert endpoint.hourly_usd == pytest.approx(hourly)
    assert endpoint.monthly_usd == pytest.approx(hourly * HOURS_PER_MONTH, rel=1e-3)
