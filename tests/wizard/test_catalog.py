"""The service catalog and the instance price table: complete, consistent, and loadable."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest
from pydantic import ValidationError

from wizard.catalog import Service, get_service, load_catalog, services_for_stage
from wizard.instances import JOB_KINDS, instance_types_for, load_price_table
from wizard.stages import STAGE_IDS

# docs/ARCHITECTURE.md, "The nine stages": the catalog ids each stage offers (a contract).
DESIGN_STAGES: dict[str, set[str]] = {
    "data_collection": {"s3", "glue", "data-exchange", "kinesis"},
    "data_preparation": {
        "data-wrangler",
        "glue-databrew",
        "lambda",
        "athena",
        "quicksight",
        "processing-jobs",
    },
    "feature_engineering": {"feature-store", "processing-jobs", "lambda"},
    "training": {
        "training-jobs",
        "autopilot",
        "jumpstart",
        "blazingtext",
        "studio",
        "experiments",
        "debugger",
        "aws-batch",
    },
    "tuning": {"automatic-model-tuning"},
    "evaluation": {"experiments", "studio-notebooks", "clarify", "model-monitor"},
    "deployment": {
        "endpoints",
        "batch-transform",
        "serverless-inference",
        "multi-model-endpoints",
        "lambda",
        "api-gateway",
        "model-registry",
    },
    "monitoring": {"model-monitor", "cloudwatch", "cloudtrail"},
    "orchestration": {"pipelines", "eventbridge"},
}
DESIGN_IDS = set().union(*DESIGN_STAGES.values())

PIPELINE_STEP_TYPES = {
    "Processing",
    "Training",
    "Tuning",
    "Transform",
    "RegisterModel",
    "Model",
    "QualityCheck",
    "ClarifyCheck",
}
CATALOG_KEYS = {
    "id",
    "name",
    "stages",
    "purpose",
    "choose_when",
    "avoid_when",
    "automation",
    "pipeline_step",
    "export",
    "docs_url",
    "price_basis",
}


def _raw_entries() -> list[dict[str, object]]:
    text = resources.files("wizard").joinpath("data/catalog.toml").read_text("utf-8")
    return tomllib.loads(text)["service"]


def test_catalog_has_exactly_the_design_ids() -> None:
    assert set(load_catalog()) == DESIGN_IDS
    assert len(_raw_entries()) == len(DESIGN_IDS)  # no duplicate tables


@pytest.mark.parametrize("stage", STAGE_IDS)
def test_each_stage_offers_the_design_services(stage: str) -> None:
    assert {s.id for s in services_for_stage(stage)} == DESIGN_STAGES[stage]


def test_design_table_covers_all_stages() -> None:
    assert set(DESIGN_STAGES) == set(STAGE_IDS)


@pytest.mark.parametrize("entry", _raw_entries(), ids=lambda e: str(e["id"]))
def test_entries_have_exactly_the_loader_keys(entry: dict[str, object]) -> None:
    assert set(entry) - CLOSED_KEYS == CATALOG_KEYS
    assert set(entry) & CLOSED_KEYS in (set(), CLOSED_KEYS)


CLOSED_KEYS = {"closed_to_new_customers", "instead"}
# Issue 28: AWS's own pages say these no longer accept new customers (checked 2026-12-07)
CLOSED = {
    "debugger": "debugger-availability-change.html",
    "clarify": "clarify-availability-change.html",
    "model-monitor": "model-monitor-availability-change.html",
}


def test_services_closed_to_new_customers_cite_aws() -> None:
    closed = {
        sid: s.closed_to_new_customers
        for sid, s in load_catalog().items()
        if s.closed_to_new_customers
    }
    assert set(closed) == set(CLOSED)
    for sid, page in CLOSED.items():
        assert closed[sid] == f"https://docs.aws.amazon.com/sagemaker/latest/dg/{page}"
        assert get_service(sid).instead


def test_closed_needs_instead() -> None:
    with pytest.raises(ValidationError, match="go together"):
        Service.model_validate(
            _entry(closed_to_new_customers="https://docs.aws.amazon.com/sagemaker/latest/dg/x.html")
        )


@pytest.mark.parametrize("service_id", sorted(DESIGN_IDS))
def test_text_fields_are_filled_in(service_id: str) -> None:
    service = get_service(service_id)
    for field in ("name", "purpose", "choose_when", "avoid_when", "export", "docs_url"):
        value = getattr(service, field)
        assert value and value.strip() == value, field
    for field in ("purpose", "choose_when", "avoid_when", "export"):
        assert len(getattr(service, field)) > 30, field  # a sentence, not a placeholder
    assert service.stages
    assert len(set(service.stages)) == len(service.stages)


@pytest.mark.parametrize("service_id", sorted(DESIGN_IDS))
def test_docs_url_is_aws_documentation(service_id: str) -> None:
    url = get_service(service_id).docs_url
    assert url.startswith(("https://docs.aws.amazon.com/", "https://aws.amazon.com/"))
    assert " " not in url


@pytest.mark.parametrize("service_id", sorted(DESIGN_IDS))
def test_automation_and_pipeline_step_agree(service_id: str) -> None:
    service = get_service(service_id)
    assert service.automation in ("step", "script", "manual")
    if service.automation == "step":
        assert service.pipeline_step in PIPELINE_STEP_TYPES
    else:
        assert service.pipeline_step is None


@pytest.mark.parametrize(
    ("service_id", "automation", "step"),
    [
        ("processing-jobs", "step", "Processing"),
        ("training-jobs", "step", "Training"),
        ("automatic-model-tuning", "step", "Tuning"),
        ("batch-transform", "step", "Transform"),
        ("model-registry", "step", "RegisterModel"),
        ("model-monitor", "step", "QualityCheck"),
        ("clarify", "step", "ClarifyCheck"),
        ("s3", "script", None),
        ("autopilot", "script", None),  # the SDK v3 AutoMLStep is broken
        ("endpoints", "script", None),
        ("debugger", "manual", None),  # closed to new customers
    ],
)
def test_known_automation(service_id: str, automation: str, step: str | None) -> None:
    service = get_service(service_id)
    assert (service.automation, service.pipeline_step) == (automation, step)


def test_multi_stage_services_list_every_stage() -> None:
    catalog = load_catalog()
    assert catalog["lambda"].stages == ("data_preparation", "feature_engineering", "deployment")
    assert catalog["experiments"].stages == ("training", "evaluation")
    assert catalog["model-monitor"].stages == ("evaluation", "monitoring")
    assert catalog["processing-jobs"].stages == ("data_preparation", "feature_engineering")


def test_to_dict_is_json_ready() -> None:
    data = get_service("autopilot").to_dict()
    assert data["id"] == "autopilot"
    assert data["stages"] == ["training"]
    assert set(data) == CATALOG_KEYS | CLOSED_KEYS


def _entry(**changes: object) -> dict[str, object]:
    return _raw_entries()[0] | changes


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"stages": ["data_collection", "nowhere"]}, "unknown stages"),
        ({"stages": []}, "no stage"),
        ({"automation": "step", "pipeline_step": ""}, "pipeline_step"),
        ({"automation": "script", "pipeline_step": "Processing"}, "pipeline_step"),
        ({"automation": "sometimes"}, "automation"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_the_loader_rejects_a_malformed_entry(changes: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Service.model_validate(_entry(**changes))


def test_a_missing_key_is_rejected() -> None:
    entry = _entry()
    del entry["docs_url"]
    with pytest.raises(ValueError, match="docs_url"):
        Service.model_validate(entry)


def test_get_service_names_unknown_id() -> None:
    with pytest.raises(KeyError, match="nope"):
        get_service("nope")


# --- instance price table -----------------------------------------------------------------

REQUIRED_INSTANCES = {
    "ml.t3.medium",
    "ml.t3.large",
    "ml.m5.large",
    "ml.m5.xlarge",
    "ml.m5.2xlarge",
    "ml.m5.4xlarge",
    "ml.m6i.large",
    "ml.m6i.xlarge",
    "ml.m6i.2xlarge",
    "ml.c5.xlarge",
    "ml.c5.2xlarge",
    "ml.c5.4xlarge",
    "ml.r5.large",
    "ml.r5.xlarge",
    "ml.r5.2xlarge",
    "ml.g4dn.xlarge",
    "ml.g4dn.2xlarge",
    "ml.g5.xlarge",
    "ml.g5.2xlarge",
    "ml.p3.2xlarge",
}


def test_price_table_metadata() -> None:
    table = load_price_table()
    assert table.region == "us-east-1"
    assert table.as_of == "2026-11-01"
    assert table.currency == "USD"
    assert table.source.startswith("https://aws.amazon.com/sagemaker/pricing/")
    # both serverless prices are billed: 0 means the table lost a price, not a free service
    assert table.serverless_per_gb_second > 0
    assert table.serverless_per_gb_data_processed > 0
    assert table.serverless_per_gb_second == pytest.approx(0.00002)
    assert table.serverless_per_gb_data_processed == pytest.approx(0.016)


def test_price_table_has_the_required_instances() -> None:
    assert set(load_price_table().instances) >= REQUIRED_INSTANCES


def test_every_instance_is_priced_for_a_known_job_kind() -> None:
    for inst in load_price_table().instances.values():
        assert inst.prices, inst.name
        assert set(inst.prices) <= set(JOB_KINDS), inst.name
        assert all(0 < p < 100 for p in inst.prices.values()), inst.name
        assert inst.vcpu > 0 and inst.memory_gib > 0 and inst.gpus >= 0
        assert inst.name.startswith("ml.")


def test_job_kinds_follow_what_sagemaker_accepts() -> None:
    table = load_price_table()
    assert "ml.t3.medium" not in instance_types_for("hosting")  # endpoints take ml.t2.*
    assert "ml.t3.medium" not in instance_types_for("training")
    assert "ml.t3.medium" in instance_types_for("processing")
    assert "ml.r5.large" not in instance_types_for("transform")
    assert table.hourly("ml.m5.large", "training") == pytest.approx(0.115)
    assert table.hourly("ml.t3.medium", "training") is None
    assert table.hourly("ml.nope", "training") is None
    for kind in JOB_KINDS:
        assert instance_types_for(kind), kind


def test_gpu_instances_declare_their_gpus() -> None:
    instances = load_price_table().instances
    for name in ("ml.g4dn.xlarge", "ml.g5.xlarge", "ml.p3.2xlarge"):
        assert instances[name].gpus == 1
    assert instances["ml.m5.large"].gpus == 0
