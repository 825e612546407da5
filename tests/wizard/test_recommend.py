"""Recommendation rules: every rule, the invariants per stage, and a property test."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from enum import Enum, StrEnum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wizard.catalog import load_catalog, services_for_stage
from wizard.recommend import recommend, recommendations_to_json_dict
from wizard.recommend.answers import LARGE_DATA_GB, LARGE_PARQUET_GB
from wizard.recommend.picks import StageRecommendation
from wizard.stages import STAGE_IDS


@dataclass(frozen=True)
class Profile:
    """Stands in for ``config.Profile`` (same attribute names), so these tests stand alone."""

    data_source: str = "s3"
    data_format: str = "csv"
    data_size_gb: float = 2.0
    problem_type: str = "binary_classification"
    experience: str = "practitioner"
    prefer_low_code: bool = False
    prediction_mode: str = "realtime"
    traffic: str = "steady"
    models_count: int = 1
    explainability_required: bool = False
    retraining: str = "manual"
    share_features: bool = False


BASE = Profile()


def stage(profile: Profile, stage_id: str) -> StageRecommendation:
    return next(r for r in recommend(profile) if r.stage == stage_id)


def recommended(profile: Profile, stage_id: str) -> dict[str, str]:
    return {p.service: p.reason for p in stage(profile, stage_id).recommended}


def alternatives(profile: Profile, stage_id: str) -> dict[str, str]:
    return {p.service: p.reason for p in stage(profile, stage_id).alternatives}


def assert_well_formed(recs: list[StageRecommendation]) -> None:
    assert [r.stage for r in recs] == list(STAGE_IDS)
    for rec in recs:
        rec_ids = [p.service for p in rec.recommended]
        alt_ids = [p.service for p in rec.alternatives]
        catalog_ids = {s.id for s in services_for_stage(rec.stage)}
        assert len(rec_ids) == len(set(rec_ids)) and len(alt_ids) == len(set(alt_ids))
        assert not set(rec_ids) & set(alt_ids), rec.stage
        assert set(rec_ids) | set(alt_ids) == catalog_ids, rec.stage
        # Only tuning may be left out: Autopilot tunes by itself for low-code profiles.
        assert rec_ids or rec.stage == "tuning", f"{rec.stage} recommends nothing"
        for pick in (*rec.recommended, *rec.alternatives):
            assert pick.reason.strip() and pick.reason.endswith("."), pick


# --- shape, order, determinism ----------------------------------------------------------------


def test_all_nine_stages_in_order_and_well_formed() -> None:
    assert_well_formed(recommend(BASE))


def test_deterministic() -> None:
    first = recommendations_to_json_dict(recommend(BASE))
    second = recommendations_to_json_dict(recommend(replace(BASE)))
    assert json.dumps(first) == json.dumps(second)


def test_json_document_matches_design() -> None:
    doc = recommendations_to_json_dict(recommend(BASE))
    json.dumps(doc)  # serialisable
    assert list(doc) == ["stages"]
    first = doc["stages"][0]
    assert first["stage"] == "data_collection"
    assert list(first) == ["stage", "recommended", "alternatives"]
    assert first["recommended"][0] == {"service": "s3", "reason": first["recommended"][0]["reason"]}
    assert all(set(p) == {"service", "reason"} for p in first["alternatives"])


def test_enum_answers_are_accepted() -> None:
    class Source(Enum):  # a plain Enum: its .value is the answer
        DATABASE = "database"

    class Traffic(StrEnum):
        SPIKY = "spiky"

    profile = replace(BASE, data_source=Source.DATABASE, traffic=Traffic.SPIKY)
    assert "glue" in recommended(profile, "data_collection")
    assert "serverless-inference" in recommended(profile, "deployment")


def test_unknown_choice_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"profile\.traffic"):
        recommend(replace(BASE, traffic="sometimes"))


# --- data collection ----------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["s3", "local_files", "database", "streaming", "third_party"])
def test_s3_is_always_recommended(source: str) -> None:
    assert "s3" in recommended(replace(BASE, data_source=source), "data_collection")


def test_streaming_source_recommends_kinesis() -> None:
    profile = replace(BASE, data_source="streaming")
    assert "stream" in recommended(profile, "data_collection")["kinesis"]
    assert "stream" in alternatives(profile, "data_preparation")["lambda"]


def test_third_party_source_recommends_data_exchange() -> None:
    reason = recommended(replace(BASE, data_source="third_party"), "data_collection")
    assert "third party" in reason["data-exchange"]


def test_database_source_recommends_glue_and_athena() -> None:
    profile = replace(BASE, data_source="database")
    assert "database" in recommended(profile, "data_collection")["glue"]
    assert "SQL" in recommended(profile, "data_preparation")["athena"]


def test_small_s3_data_keeps_glue_and_athena_as_plain_options() -> None:
    assert "glue" in alternatives(BASE, "data_collection")
    assert "athena" in alternatives(BASE, "data_preparation")


# --- data scale ---------------------------------------------------------------------------------


def test_small_csv_uses_scikit_learn_processing() -> None:
    reason = recommended(replace(BASE, data_size_gb=2.0), "data_preparation")["processing-jobs"]
    assert "scikit-learn" in reason and "about 2 GB of CSV" in reason
    assert "Spark" not in reason


def test_large_data_uses_spark_processing_and_offers_glue() -> None:
    profile = replace(BASE, data_size_gb=500.0)
    reason = recommended(profile, "data_preparation")["processing-jobs"]
    assert "Spark" in reason and "about 500 GB" in reason
    assert "500 GB" in alternatives(profile, "data_collection")["glue"]
    assert "500 GB" in alternatives(profile, "data_preparation")["athena"]
    assert "Spark" in recommended(profile, "feature_engineering")["processing-jobs"]


@pytest.mark.parametrize(
    ("data_format", "size", "spark"),
    [
        ("csv", LARGE_DATA_GB, True),
        ("csv", LARGE_DATA_GB - 0.5, False),
        ("json", LARGE_DATA_GB, True),
        ("parquet", LARGE_PARQUET_GB, True),
        ("parquet", LARGE_PARQUET_GB - 0.5, False),
    ],
)
def test_spark_threshold(data_format: str, size: float, spark: bool) -> None:
    profile = replace(BASE, data_format=data_format, data_size_gb=size)
    reason = recommended(profile, "data_preparation")["processing-jobs"]
    assert ("Spark" in reason) is spark


def test_tiny_data_size_reads_naturally() -> None:
    reason = recommended(replace(BASE, data_size_gb=0.001), "data_preparation")["processing-jobs"]
    assert "under 0.01 GB" in reason


# --- low code and newcomers ---------------------------------------------------------------------


def test_low_code_preference_recommends_visual_tools_and_autopilot() -> None:
    profile = replace(BASE, prefer_low_code=True)
    assert "low code" in recommended(profile, "data_preparation")["data-wrangler"]
    assert "low code" in alternatives(profile, "data_preparation")["glue-databrew"]
    assert "low code" in recommended(profile, "training")["autopilot"]
    assert "tabular models" in alternatives(profile, "training")["jumpstart"]
    assert "Autopilot" in alternatives(profile, "tuning")["automatic-model-tuning"]


def test_newcomer_gets_guided_tools_as_alternatives() -> None:
    profile = replace(BASE, experience="newcomer")
    assert "new to SageMaker" in alternatives(profile, "data_preparation")["data-wrangler"]
    assert "new to SageMaker" in alternatives(profile, "training")["autopilot"]
    assert "new to SageMaker" in alternatives(profile, "training")["studio"]
    assert "new to SageMaker" in alternatives(profile, "evaluation")["studio-notebooks"]
    assert "jumpstart" in alternatives(profile, "training")
    assert "automatic-model-tuning" in recommended(profile, "tuning")


def test_expert_gets_catalog_reasons_for_unused_tools() -> None:
    reason = alternatives(replace(BASE, experience="expert"), "training")["autopilot"]
    assert reason.startswith("Not needed for your answers.")


def test_images_recommend_jumpstart() -> None:
    profile = replace(BASE, data_format="images")
    assert "images" in recommended(profile, "training")["jumpstart"]
    assert "own script" in recommended(profile, "data_preparation")["processing-jobs"]


def test_text_recommends_tfidf_and_offers_jumpstart_and_blazingtext_with_costs() -> None:
    profile = replace(BASE, data_format="text", experience="practitioner")
    training = recommended(profile, "training")
    assert "TF-IDF" in training["training-jobs"] and "linear model" in training["training-jobs"]
    assert "ml.m5.large, about $0.12 an hour" in training["training-jobs"]
    offered = alternatives(profile, "training")
    assert "ml.g5.xlarge, about $1.41 an hour" in offered["jumpstart"]
    assert "ml.c5.xlarge" in offered["blazingtext"]
    assert "text_columns" in recommended(profile, "data_preparation")["processing-jobs"]
    # a newcomer is pointed at JumpStart's no-code path, still with its price
    newcomer = recommended(replace(profile, experience="newcomer"), "training")
    assert "Studio" in newcomer["jumpstart"] and "$1.41" in newcomer["jumpstart"]
    regression = alternatives(replace(profile, problem_type="regression"), "training")
    assert regression["blazingtext"].startswith("BlazingText classifies text, it does not")


# --- features -----------------------------------------------------------------------------------


def test_shared_features_recommend_feature_store_with_online_store_for_realtime() -> None:
    reason = recommended(replace(BASE, share_features=True), "feature_engineering")["feature-store"]
    assert "reused" in reason and "online store" in reason
    batch = replace(BASE, share_features=True, prediction_mode="batch")
    assert "online store" not in recommended(batch, "feature_engineering")["feature-store"]


def test_unshared_features_keep_feature_store_as_alternative() -> None:
    assert "not shared" in alternatives(BASE, "feature_engineering")["feature-store"]


def test_feature_engineering_always_uses_processing() -> None:
    assert "training split only" in recommended(BASE, "feature_engineering")["processing-jobs"]


# --- training, tuning, evaluation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "objective"),
    [
        ("binary_classification", "binary:logistic"),
        ("multiclass_classification", "multi:softprob"),
        ("regression", "reg:squarederror"),
    ],
)
def test_training_jobs_always_recommended_with_the_problem_objective(
    problem: str, objective: str
) -> None:
    profile = replace(BASE, problem_type=problem, prefer_low_code=True)
    assert objective in recommended(profile, "training")["training-jobs"]


def test_training_alternatives_have_reasons_from_the_answers() -> None:
    profile = replace(BASE, retraining="scheduled", data_size_gb=200.0, models_count=3)
    alts = alternatives(profile, "training")
    assert "on a schedule" in alts["experiments"]
    assert "200 GB" in alts["debugger"] and "closed to new customers" in alts["debugger"]
    assert "3 models" in alts["aws-batch"]
    assert set(alts) >= {"experiments", "debugger", "aws-batch", "studio"}


def test_tuning_recommended_with_the_problem_metric() -> None:
    reason = recommended(replace(BASE, problem_type="regression"), "tuning")
    assert "lowest validation RMSE" in reason["automatic-model-tuning"]
    large = recommended(replace(BASE, data_size_gb=80.0), "tuning")["automatic-model-tuning"]
    assert "highest validation AUC" in large and "costly" in large


def test_evaluation_recommends_experiments() -> None:
    assert "test AUC" in recommended(BASE, "evaluation")["experiments"]


def test_explainability_recommends_clarify_and_cloudtrail() -> None:
    profile = replace(BASE, explainability_required=True)
    assert "regulated" in alternatives(profile, "evaluation")["clarify"]  # closed: issue 28
    assert "regulated" in recommended(profile, "monitoring")["cloudtrail"]
    assert "audit" in recommended(profile, "deployment")["model-registry"]


def test_no_explainability_keeps_clarify_and_cloudtrail_as_alternatives() -> None:
    assert "clarify" in alternatives(BASE, "evaluation")
    assert "cloudtrail" in alternatives(BASE, "monitoring")


# --- deployment ---------------------------------------------------------------------------------


def test_realtime_steady_recommends_endpoint_and_monitoring() -> None:
    assert "steady" in recommended(BASE, "deployment")["endpoints"]
    assert "serverless-inference" in alternatives(BASE, "deployment")
    # Model Monitor is closed to new customers (issue 28): offered, with CloudWatch instead
    assert "model-monitor" in alternatives(BASE, "evaluation")
    assert "drifts" in alternatives(BASE, "monitoring")["model-monitor"]
    assert "latency" in recommended(BASE, "monitoring")["cloudwatch"]


@pytest.mark.parametrize("traffic", ["spiky", "intermittent"])
def test_bursty_realtime_recommends_serverless_and_explains_monitor_limit(traffic: str) -> None:
    profile = replace(BASE, traffic=traffic)
    assert traffic in recommended(profile, "deployment")["serverless-inference"]
    assert "endpoints" in alternatives(profile, "deployment")
    assert "serverless" in alternatives(profile, "monitoring")["model-monitor"]
    assert "serverless" in alternatives(profile, "evaluation")["model-monitor"]


def test_batch_recommends_batch_transform_only() -> None:
    profile = replace(BASE, prediction_mode="batch")
    deploy = recommended(profile, "deployment")
    assert "batches" in deploy["batch-transform"]
    assert set(deploy) == {"model-registry", "batch-transform"}
    assert "batches" in alternatives(profile, "deployment")["endpoints"]
    assert "batch" in alternatives(profile, "monitoring")["model-monitor"]
    assert "api-gateway" in alternatives(profile, "deployment")


def test_both_modes_recommend_endpoint_and_batch_transform() -> None:
    deploy = recommended(replace(BASE, prediction_mode="both"), "deployment")
    assert {"endpoints", "batch-transform", "model-registry"} <= set(deploy)


def test_several_realtime_models_recommend_multi_model_endpoint() -> None:
    profile = replace(BASE, models_count=5, traffic="spiky")
    assert "5 models" in recommended(profile, "deployment")["multi-model-endpoints"]
    alts = alternatives(profile, "deployment")
    assert "single model" in alts["serverless-inference"]
    assert "endpoints" in alts
    assert "multi-model" in alternatives(profile, "monitoring")["model-monitor"]


def test_several_batch_models_do_not_need_multi_model_endpoint() -> None:
    profile = replace(BASE, models_count=5, prediction_mode="batch")
    assert "multi-model-endpoints" in alternatives(profile, "deployment")


def test_realtime_offers_api_gateway_and_lambda_front_door() -> None:
    alts = alternatives(BASE, "deployment")
    assert "HTTPS" in alts["api-gateway"]
    assert "API Gateway" in alts["lambda"]


@pytest.mark.parametrize(
    "profile",
    [
        BASE,
        replace(BASE, prediction_mode="batch"),
        replace(BASE, traffic="intermittent"),
        replace(BASE, models_count=10),
        replace(BASE, prefer_low_code=True, experience="newcomer"),
    ],
)
def test_model_registry_always_recommended(profile: Profile) -> None:
    assert "model-registry" in recommended(profile, "deployment")


# --- orchestration --------------------------------------------------------------------------


def test_scheduled_retraining_recommends_eventbridge_schedule() -> None:
    profile = replace(BASE, retraining="scheduled")
    assert "schedule" in recommended(profile, "orchestration")["pipelines"]
    assert "Scheduler" in recommended(profile, "orchestration")["eventbridge"]


def test_new_data_retraining_recommends_eventbridge_rule() -> None:
    reason = recommended(replace(BASE, retraining="on_new_data"), "orchestration")
    assert "Object Created" in reason["eventbridge"]
    assert "new data" in reason["pipelines"]


def test_manual_retraining_keeps_eventbridge_as_alternative() -> None:
    assert "by hand" in alternatives(BASE, "orchestration")["eventbridge"]
    assert "sm-wizard run" in recommended(BASE, "orchestration")["pipelines"]


# --- property test --------------------------------------------------------------------------

profiles = st.builds(
    Profile,
    data_source=st.sampled_from(["s3", "local_files", "database", "streaming", "third_party"]),
    data_format=st.sampled_from(["csv", "parquet", "json", "images", "text"]),
    data_size_gb=st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False),
    problem_type=st.sampled_from(
        ["binary_classification", "multiclass_classification", "regression"]
    ),
    experience=st.sampled_from(["newcomer", "practitioner", "expert"]),
    prefer_low_code=st.booleans(),
    prediction_mode=st.sampled_from(["realtime", "batch", "both"]),
    traffic=st.sampled_from(["steady", "spiky", "intermittent"]),
    models_count=st.integers(min_value=1, max_value=10_000),
    explainability_required=st.booleans(),
    retraining=st.sampled_from(["manual", "scheduled", "on_new_data"]),
    share_features=st.booleans(),
)


@settings(max_examples=300, deadline=None)
@given(profiles)
def test_any_profile_gives_well_formed_deterministic_recommendations(profile: Profile) -> None:
    recs = recommend(profile)
    assert_well_formed(recs)
    assert bool(recs[STAGE_IDS.index("tuning")].recommended) is not profile.prefer_low_code
    assert recs == recommend(profile)
    # Issue 28: nothing closed to new customers is recommended; as an alternative it says
    # what a new account uses instead
    closed = {s.id: s for s in load_catalog().values() if s.closed_to_new_customers}
    for rec in recs:
        assert not {p.service for p in rec.recommended} & set(closed)
    deploy = {p.service for p in recs[STAGE_IDS.index("deployment")].recommended}
    assert "model-registry" in deploy
    assert deploy & {
        "endpoints",
        "serverless-inference",
        "multi-model-endpoints",
        "batch-transform",
    }


def test_reasons_never_contradict_the_answers():
    """JumpStart's reason follows the answer that made it an alternative; Experiments is never
    'not needed' in Training while Evaluation recommends it (issue 10)."""
    from wizard.config.project import Profile
    from wizard.recommend import recommend as _recommend

    recs = {r.stage: r for r in _recommend(Profile(experience="newcomer", prefer_low_code=False))}
    jumpstart = next(p for p in recs["training"].alternatives if p.service == "jumpstart")
    assert "low code" not in jumpstart.reason and "guided" not in jumpstart.reason
    experiments = next(
        p
        for p in [*recs["training"].recommended, *recs["training"].alternatives]
        if p.service == "experiments"
    )
    assert "Not needed" not in experiments.reason
    assert any(p.service == "experiments" for p in recs["evaluation"].recommended)


def test_closed_services_are_alternatives_that_say_what_to_use_instead() -> None:
    profile = replace(BASE, explainability_required=True, prediction_mode="realtime")
    for stage_id, service in (("evaluation", "clarify"), ("evaluation", "model-monitor")):
        assert service not in recommended(profile, stage_id)
        reason = alternatives(profile, stage_id)[service]
        assert "no longer opens" in reason and "instead" in reason
    assert "model-monitor" not in recommended(profile, "monitoring")
    assert "CloudWatch" in alternatives(profile, "monitoring")["model-monitor"]
