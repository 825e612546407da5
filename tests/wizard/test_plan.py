from __future__ import annotations

import dataclasses

import pytest

from wizard.errors import PlanError
from wizard.plan import build_plan
from wizard.plan import dag as plan_dag
from wizard.plan.check import check_plan
from wizard.plan.dag import Plan, PlanStep, StepInput
from wizard.validation import validate_or_raise


def test_demo_plan_shape(demo_doc):
    plan = build_plan(validate_or_raise(demo_doc))
    assert plan.names == (
        "PrepareData",
        "EngineerFeatures",
        "Train",
        "Evaluate",
        "CheckMetric",
        "RegisterModel",
        "CreateModel",
        "BatchTransform",
        "MetricBelowThreshold",
    )
    kinds = {s.name: s.kind for s in plan}
    assert kinds["CreateModel"] == "Model" and kinds["MetricBelowThreshold"] == "Fail"
    assert plan.step("Train").depends_on == ("EngineerFeatures",)
    assert plan.step("RegisterModel").branch == "if"
    assert plan.step("MetricBelowThreshold").branch == "else"
    assert plan.condition["json_path"] == "binary_classification_metrics.auc.value"
    assert plan.scripts == ("prepare.py", "features.py", "evaluate.py")


def test_quality_baseline_reads_the_raw_rows_beside_feature_engineering(demo_doc):
    """Model Monitor (closed to new customers, so not in the demo) adds a QualityCheck step.
    Its baseline describes what the endpoint is sent (raw records), so it reads prepare's
    baseline sample, not the engineered features, and runs beside them."""
    demo_doc["evaluation"]["services"] = ["model-monitor"]
    plan = build_plan(validate_or_raise(demo_doc))
    quality = plan.step("DataQualityBaseline")
    assert quality.kind == "QualityCheck"
    assert quality.depends_on == ("PrepareData",)
    assert [(i.step, i.output) for i in quality.inputs] == [("PrepareData", "baseline")]
    assert quality.settings["dataset_format"] == "csv"
    assert "baseline" in [o.name for o in plan.step("PrepareData").outputs]
    assert "DataQualityBaseline" in plan.levels()[1]


def test_tuning_replaces_training(demo_doc):
    demo_doc["tuning"] = {
        "enabled": True,
        "strategy": "Random",
        "objective_metric": "validation:auc",
        "max_jobs": 4,
        "max_parallel_jobs": 2,
        "ranges": [{"name": "max_depth", "type": "integer", "min_value": 2, "max_value": 6}],
    }
    plan = build_plan(validate_or_raise(demo_doc))
    assert plan.has("Tune") and not plan.has("Train")
    tune = plan.step("Tune")
    assert tune.kind == "Tuning" and tune.settings["objective_type"] == "Maximize"
    assert plan.step("Evaluate").input("model").step == "Tune"


def test_choices_shape_the_plan(demo_doc):
    demo_doc["evaluation"] = {
        "services": ["clarify"],
        "metric": "auc",
        "threshold": 0.8,
        "bias_facet": "mean_radius",
    }
    demo_doc["deployment"]["services"] = ["model-registry", "endpoints"]
    demo_doc["data_preparation"]["engine"] = "spark"
    plan = build_plan(validate_or_raise(demo_doc))
    assert plan.has("DataBiasCheck") and not plan.has("DataQualityBaseline")
    assert not plan.has("BatchTransform") and not plan.has("CreateModel")
    assert plan.step("PrepareData").script == "prepare_spark.py"
    assert "DataBiasCheck" in plan.step("CheckMetric").depends_on


def test_regression_uses_lower_is_better(demo_doc):
    demo_doc["profile"]["problem_type"] = "regression"
    demo_doc["evaluation"] = {"metric": "rmse", "threshold": 10.0}
    plan = build_plan(validate_or_raise(demo_doc))
    assert plan.condition["operator"] == "LessThanOrEqualTo"
    assert plan.condition["json_path"] == "regression_metrics.rmse.value"
    hps = plan.step("Train").settings["hyperparameters"]
    assert hps["objective"] == "reg:squarederror"


def test_every_input_is_produced_upstream(demo_doc):
    plan = build_plan(validate_or_raise(demo_doc))
    for step in plan:
        for item in step.inputs:
            if item.step:
                producer = plan.step(item.step)
                assert item.output in {o.name for o in producer.outputs}
                assert plan.names.index(producer.name) < plan.names.index(step.name)


def _with_steps(plan: Plan, steps: list[PlanStep]) -> Plan:
    return dataclasses.replace(plan, steps=tuple(steps))


def test_check_plan_rejects_cycles_duplicates_and_dangling_inputs(demo_doc):
    plan = build_plan(validate_or_raise(demo_doc))
    steps = list(plan.steps)
    with pytest.raises(PlanError, match="two steps"):
        check_plan(_with_steps(plan, [*steps, steps[0]]))
    cyclic = [dataclasses.replace(steps[0], depends_on=("Train",)), *steps[1:]]
    with pytest.raises(PlanError, match="cycle"):
        check_plan(_with_steps(plan, cyclic))
    dangling = dataclasses.replace(
        steps[1], inputs=(StepInput("x", step="PrepareData", output="nope"),)
    )
    with pytest.raises(PlanError, match="no output"):
        check_plan(_with_steps(plan, [steps[0], dangling, *steps[2:]]))
    unknown = dataclasses.replace(steps[1], depends_on=("Ghost",))
    with pytest.raises(PlanError, match="unknown step"):
        check_plan(_with_steps(plan, [steps[0], unknown, *steps[2:]]))


def test_check_plan_rejects_reads_it_does_not_depend_on_and_stray_branches(demo_doc):
    demo_doc["evaluation"]["services"] = ["model-monitor"]  # a step off Evaluate's path
    plan = build_plan(validate_or_raise(demo_doc))
    steps = list(plan.steps)
    evaluate = plan.names.index("Evaluate")
    # reads the quality baseline's statistics, on no path of its dependencies
    extra = StepInput("statistics", step="DataQualityBaseline", output="statistics")
    loose = dataclasses.replace(steps[evaluate], inputs=(*steps[evaluate].inputs, extra))
    with pytest.raises(PlanError, match="without depending"):
        check_plan(_with_steps(plan, [*steps[:evaluate], loose, *steps[evaluate + 1 :]]))
    # reads a step that comes after it
    early = dataclasses.replace(steps[1], inputs=(StepInput("m", step="Train", output="model"),))
    with pytest.raises(PlanError, match="not upstream"):
        check_plan(_with_steps(plan, [steps[0], early, *steps[2:]]))
    stray = dataclasses.replace(steps[-1], depends_on=("Evaluate",))
    with pytest.raises(PlanError, match="does not follow CheckMetric"):
        check_plan(_with_steps(plan, [*steps[:-1], stray]))


def test_graph_queries_follow_every_path(demo_doc):
    """upstream/downstream are transitive; levels group each step after all it needs."""
    demo_doc["evaluation"]["services"] = ["model-monitor"]  # two independent branches
    plan = build_plan(validate_or_raise(demo_doc))
    assert plan.upstream("PrepareData") == set()
    assert plan.upstream("Evaluate") == {"PrepareData", "EngineerFeatures", "Train"}
    assert plan.upstream("BatchTransform") == {
        "PrepareData",
        "EngineerFeatures",
        "DataQualityBaseline",
        "Train",
        "Evaluate",
        "CheckMetric",
        "CreateModel",
    }
    assert plan.downstream("CheckMetric") == {
        "RegisterModel",
        "CreateModel",
        "BatchTransform",
        "MetricBelowThreshold",
    }
    assert plan.downstream("BatchTransform") == set()
    assert plan.downstream("Ghost") == set()
    with pytest.raises(KeyError):
        plan.upstream("Ghost")
    assert plan.levels() == [
        ["PrepareData"],
        ["EngineerFeatures", "DataQualityBaseline"],
        ["Train"],
        ["Evaluate"],
        ["CheckMetric"],
        ["RegisterModel", "CreateModel", "MetricBelowThreshold"],
        ["BatchTransform"],
    ]
    for step in plan:
        assert plan.upstream(step.name) >= set(step.depends_on)
        assert all(step.name in plan.downstream(dep) for dep in step.depends_on)


def test_plan_to_dict_is_json_ready(demo_doc):
    import json

    data = build_plan(validate_or_raise(demo_doc)).to_dict()
    assert json.loads(json.dumps(data))["steps"][0]["name"] == plan_dag.PREPARE
