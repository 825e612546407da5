"""Verification: the exported definitions build offline and match the Plan; failures are
explained with the step and the field at fault."""

from __future__ import annotations

import json
from pathlib import Path

import preloaded
import pytest
from export_cases import FUZZ_BUILD_SEEDS, MUTATIONS, Case

from exporters.definition import (
    Problem,
    StepInfo,
    compare_with_plan,
    lint_definition,
    parse_definition,
)
from exporters.verify import (
    VerifyError,
    VerifyResult,
    definition_json,
    explain_failure,
    verify_project,
)


def test_definitions_build_and_match_the_plan(
    cases: dict[str, Case], verified: dict[str, VerifyResult]
) -> None:
    assert set(verified) == set(cases)
    for name, result in verified.items():
        plan = cases[name].plan
        assert result.ok, result.explain()
        assert [s.name for s in result.steps] == list(plan.names)
        assert compare_with_plan(result.steps, plan) == []
        by_name = {s.name: s for s in result.steps}
        for step in plan.steps:
            assert by_name[step.name].type == step.kind
            assert set(step.depends_on) <= set(by_name[step.name].depends_on)


def test_nothing_tried_the_network(verified: dict[str, VerifyResult]) -> None:
    for result in verified.values():
        assert not [p for p in result.problems if "network" in p.message]


def test_definition_details(verified: dict[str, VerifyResult]) -> None:
    large = verified["large_realtime"].definition
    assert large is not None
    steps = {s["Name"]: s for s in _all_steps(large)}
    tuning = steps["Tune"]["Arguments"]
    assert tuning["HyperParameterTuningJobConfig"]["Strategy"] == "Bayesian"
    assert tuning["TrainingJobDefinition"]["EnableManagedSpotTraining"] is True
    assert tuning["TrainingJobDefinition"]["StoppingCondition"]["MaxWaitTimeInSeconds"] == 14400
    assert (
        steps["PrepareData"]["Arguments"]["ProcessingResources"]["ClusterConfig"]["InstanceCount"]
        == 4
    )
    assert steps["DataBiasCheck"]["CheckType"] == "DATA_BIAS"
    small = verified["small_batch"].definition
    assert small is not None
    small_steps = {s["Name"]: s for s in _all_steps(small)}
    assert (
        "CacheConfig" not in small_steps["Train"]
        or not small_steps["Train"]["CacheConfig"]["Enabled"]
    )
    assert small_steps["Train"]["Arguments"]["HyperParameters"]["n_estimators"] == "200"
    assert small_steps["CheckMetric"]["Arguments"]["Conditions"][0]["Type"] == "LessThanOrEqualTo"


def _all_steps(definition):
    from exporters.definition import iter_steps

    return [step for step, _, _ in iter_steps(definition)]


def test_the_scaffolds_own_tests_pass(background) -> None:
    done = background.result("scaffold-tests")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "9 passed" in done.stdout  # the serving check runs prepare.py and features.py


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_the_scaffolds_own_tests_catch_each_bug(background, mutation: str) -> None:
    """Issue 11 item 9: each bug that still builds a definition fails the scaffold's tests,
    in the test that checks for it, with a message naming it."""
    done = background.result(f"mutated:{mutation}")
    failing_test = MUTATIONS[mutation][2]
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"FAILED tests/test_pipeline.py::{failing_test}" in done.stdout, done.stdout[-3000:]
    assert "1 failed, 8 passed" in done.stdout, done.stdout[-3000:]
    new = MUTATIONS[mutation][1]
    named = {
        "instance type": "ml.m5.huge",
        "JsonGet path": "'valeu' is missing",
        "hyperparameter": "'n_estimator'",
        "split_type": "'Lines' is not one of SplitType",
    }[mutation]
    assert named in done.stdout, (new, done.stdout[-3000:])


def test_a_built_in_model_is_registered_without_empty_script_settings(
    verified: dict[str, VerifyResult],
) -> None:
    """Issue 11 item 2: no SAGEMAKER_PROGRAM/SAGEMAKER_SUBMIT_DIRECTORY of "" in the model
    package (endpoints made from it would inherit them); the serving scripts keep their real
    ones. Issue 28: the package carries what serving raw records needs: the built-in
    algorithm between features.py's preprocessing model (an inference pipeline), a
    scikit-learn model as one container whose model.tar.gz holds it all."""
    for name, built_in in (("large_realtime", True), ("small_batch", False)):
        definition = verified[name].definition
        assert definition is not None
        [register] = [s for s in _all_steps(definition) if s["Type"] == "RegisterModel"]
        specification = register["Arguments"]["InferenceSpecification"]
        containers = specification["Containers"]
        assert specification["SupportedContentTypes"] == ["text/csv", "application/json"]
        for container in containers:
            environment = container.get("Environment", {})
            assert "" not in environment.values(), environment
        stages = [c.get("Environment", {}).get("SM_WIZARD_SERVING_STAGE") for c in containers]
        if built_in:
            assert stages == ["features", None, "answers"]
            assert "xgboost" in containers[1]["Image"]
            assert "SAGEMAKER_PROGRAM" not in containers[1].get("Environment", {})
            preprocessing = json.dumps(containers[0]["ModelDataUrl"])
            assert "EngineerFeatures" in preprocessing and "model.tar.gz" in preprocessing
        else:
            [container] = containers
            assert container["Environment"]["SAGEMAKER_PROGRAM"] == "inference.py"


def test_no_experiments_run_is_created(verified: dict[str, VerifyResult]) -> None:
    """Issue 28: the definition carries no PipelineExperimentConfig (the SDK's default in
    most regions, us-east-1 among them), so the role needs no Experiments permissions."""
    for name, result in verified.items():
        assert result.definition is not None
        assert result.definition.get("PipelineExperimentConfig") is None, name


def test_check_baselines_are_kept_per_execution(verified: dict[str, VerifyResult]) -> None:
    """Issue 11 item 3: each execution's QualityCheck/ClarifyCheck writes to its own folder,
    so a later run never overwrites what an earlier registered version points to."""
    definition = verified["large_realtime"].definition
    assert definition is not None
    checks = [s for s in _all_steps(definition) if s["Type"] in ("QualityCheck", "ClarifyCheck")]
    assert {s["Type"] for s in checks} == {"QualityCheck", "ClarifyCheck"}
    for step in checks:
        [output] = step["Arguments"]["ProcessingOutputConfig"]["Outputs"]
        values = output["S3Output"]["S3Uri"]["Std:Join"]["Values"]
        assert {"Get": "Execution.PipelineExecutionId"} in values, values
        assert step["Name"] in values


def test_verify_builds_for_the_projects_region(
    cases: dict[str, Case], verified: dict[str, VerifyResult]
) -> None:
    """Issue 11 item 1: the definition is built for the config's region (not us-east-1), the
    result names it, and every image comes from that region's registry."""
    for name in ("small_batch", "large_realtime"):
        result, region = verified[name], cases[name].config.project.region
        assert region != "us-east-1"
        assert result.region == region
        assert result.images and all(
            f".dkr.ecr.{region}.amazonaws.com/" in i for i in result.images
        )
        text = result.explain()
        assert f"builds for {region}" in text
        assert all(f"image {image}" in text for image in result.images)


def test_a_broken_pipeline_is_explained(background) -> None:
    result = background.result("broken")
    assert not result.ok
    text = result.explain()
    assert "step Train" in text
    assert "Join(" in text  # the hint says what to do instead
    assert "pipeline.py line" in text


def test_definition_json_for_the_sagemaker_engine(background) -> None:
    text = background.result("definition-json")
    definition = json.loads(text)
    assert definition["Parameters"][0]["DefaultValue"] == "s3://team-bucket/input/data.csv"
    assert "s3://team-bucket/code/v1/prepare.py" in text
    assert "arn:aws:iam::123456789012:role/Runner" in text
    assert "eu-west-1" in text


def test_fuzzed_configs_build_their_definitions(background) -> None:
    for seed in FUZZ_BUILD_SEEDS:
        config, result = background.result(f"fuzz:{seed}")
        assert result.ok, f"seed {seed} ({config.training.algorithm}): {result.explain()}"
        assert {s.type for s in result.steps} >= {"Tuning", "ClarifyCheck", "Transform"}


@preloaded.SHARED_SERVER
def test_definition_json_raises_with_the_explanation(tmp_path: Path) -> None:
    (tmp_path / "pipeline.py").write_text("raise RuntimeError('boom')\n", "utf-8")
    with pytest.raises(VerifyError) as raised:
        definition_json(tmp_path, bucket="b-b-b", role_arn="arn", region="us-east-1")
    assert "boom" in raised.value.message


def test_a_missing_project_is_reported(tmp_path: Path) -> None:
    result = verify_project(tmp_path)
    assert not result.ok and "no pipeline.py" in result.explain()


# ----------------------------------------------------------------- pure parts


def _definition(*steps: dict, parameters: tuple[str, ...] = ()) -> dict:
    return {
        "Parameters": [{"Name": n, "Type": "String"} for n in parameters],
        "Steps": list(steps),
    }


def test_parse_definition_follows_data_explicit_and_branch_edges() -> None:
    definition = _definition(
        {"Name": "A", "Type": "Processing", "Arguments": {}},
        {
            "Name": "B",
            "Type": "Training",
            "Arguments": {
                "X": {"Get": "Steps.A.ProcessingOutputConfig.Outputs['t'].S3Output.S3Uri"}
            },
        },
        {
            "Name": "C",
            "Type": "Condition",
            "DependsOn": ["B"],
            "Arguments": {
                "IfSteps": [{"Name": "D", "Type": "Fail", "Arguments": {}}],
                "ElseSteps": [],
            },
        },
    )
    assert parse_definition(definition) == (
        StepInfo("A", "Processing", ()),
        StepInfo("B", "Training", ("A",)),
        StepInfo("C", "Condition", ("B",)),
        StepInfo("D", "Fail", ("C",), "if"),
    )


def test_lint_finds_what_sagemaker_would_reject() -> None:
    definition = _definition(
        {
            "Name": "A",
            "Type": "Processing",
            "Arguments": {
                "ProcessingInputs": [{"S3Input": {"S3Uri": "data/local.csv"}}],
                "Environment": {"X": "<sagemaker.core.workflow.parameters.ParameterString>"},
                "Y": {"Get": "Parameters.Missing"},
                "Z": {"Get": "Steps.Ghost.ModelName"},
            },
            "DependsOn": ["Nobody"],
        },
        {"Name": "A", "Type": "Fail", "Arguments": {}},
    )
    problems = [str(p) for p in lint_definition(definition)]
    assert any("two steps have this name" in p for p in problems)
    assert any("not an S3 URI" in p and "ProcessingInputs[0].S3Input.S3Uri" in p for p in problems)
    assert any("text of a Python object" in p for p in problems)
    assert any("parameter 'Missing'" in p for p in problems)
    assert any("step 'Ghost'" in p for p in problems)
    assert any("unknown step 'Nobody'" in p for p in problems)


def test_lint_finds_a_cycle_once() -> None:
    definition = _definition(
        {"Name": "A", "Type": "Processing", "Arguments": {}, "DependsOn": ["C"]},
        {"Name": "B", "Type": "Training", "Arguments": {}, "DependsOn": ["A"]},
        {"Name": "C", "Type": "Processing", "Arguments": {}, "DependsOn": ["B"]},
        {"Name": "D", "Type": "Fail", "Arguments": {}, "DependsOn": ["C"]},
    )
    cycles = [p for p in lint_definition(definition) if "a cycle" in p.message]
    assert len(cycles) == 1
    assert cycles[0].step in {"A", "B", "C"}
    assert cycles[0].message.startswith("waits for itself through ")
    acyclic = _definition(
        {"Name": "A", "Type": "Processing", "Arguments": {}},
        {"Name": "B", "Type": "Training", "Arguments": {}, "DependsOn": ["A"]},
    )
    assert list(lint_definition(acyclic)) == []


def test_compare_with_plan_names_missing_and_extra_edges(cases: dict[str, Case]) -> None:
    plan = cases["demo"].plan
    steps = [StepInfo(s.name, s.kind, tuple(s.depends_on), s.branch) for s in plan.steps]
    assert compare_with_plan(steps, plan) == []
    steps[1] = StepInfo(steps[1].name, steps[1].type, ())  # EngineerFeatures forgets PrepareData
    steps[0] = StepInfo(steps[0].name, steps[0].type, ("Train",))  # and PrepareData waits for Train
    problems = compare_with_plan(steps[:-1], plan)
    text = "\n".join(str(p) for p in problems)
    assert "step EngineerFeatures DependsOn: does not wait for PrepareData" in text
    assert "step PrepareData: waits for Train" in text
    assert f"step {plan.steps[-1].name}: is in the plan but not in the definition" in text


def test_explain_failure_names_step_and_field(tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.py"
    pipeline.write_text(
        "x = 1\n    # ------------------ Train (Training)\n    trainer = ModelTrainer(\n", "utf-8"
    )
    problems, evidence = explain_failure(
        {
            "type": "ValidationError",
            "message": "1 validation error for Compute",
            "line": 3,
            "source": "trainer = ModelTrainer(",
            "fields": [{"field": "instance_count", "message": "Input should be a valid integer"}],
            "traceback": ["Traceback ...", "ValidationError: 1 validation error"],
        },
        pipeline,
    )
    assert problems == [Problem("Input should be a valid integer", "Train", "instance_count")]
    assert "pipeline.py line 3" in evidence
    problems, _ = explain_failure(
        {"type": "TypeError", "message": "__init__() got an unexpected keyword argument 'foo'"},
        pipeline,
    )
    assert problems[0].field == "foo" and "SDK v3" in problems[0].message


@preloaded.SHARED_SERVER
def test_verify_ignores_a_configured_endpoint_url(
    cases: dict[str, Case], verified: dict[str, VerifyResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 28: an ``AWS_ENDPOINT_URL`` (or a service's ``AWS_ENDPOINT_URL_*``) in the
    person's environment, say for LocalStack, must not send the offline build anywhere:
    moto only answers AWS's own endpoints, so the build used to fail."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", "http://127.0.0.1:9")
    case = cases["small_batch"]
    result = verify_project(case.project, plan=case.plan)
    assert result.ok, result.explain()
