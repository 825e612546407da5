"""The AWS service catalog: what each service is for and what the export makes of it.

The data lives in ``data/catalog.toml`` (one ``[[service]]`` table per catalog id); this
module loads it once, validates every entry against the ``Service`` model (a defect there is
a packaging error, reported when the catalog is first read) and gives typed access. Catalog
ids are a contract (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from .stages import STAGE_IDS

Automation = Literal["step", "script", "manual"]


class Service(BaseModel):
    """One ``[[service]]`` table: every key required, no unknown key, stages known."""

    # defer_build: the schema is built when the catalog is first read, not at import
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: str
    name: str
    stages: tuple[str, ...]
    purpose: str
    choose_when: str
    avoid_when: str
    automation: Automation
    """``step``: a SageMaker Pipelines step; ``script``: a boto3/SDK script in the export;
    ``manual``: console/Studio work the export's README explains."""
    pipeline_step: str | None
    """The step ``Type`` in the pipeline definition when ``automation == "step"``
    (``""`` in the file means none)."""
    export: str
    """What the exported project contains for this service."""
    docs_url: str
    price_basis: str | None
    """How it is billed (``""`` in the file means there is nothing to bill)."""
    closed_to_new_customers: str | None = None
    """AWS's page saying the service no longer accepts new customers (existing customers
    keep it), or None while it is open to every account. Such a service is never
    recommended, only offered as an alternative, with ``instead``."""
    instead: str | None = None
    """What an account new to a closed service uses instead (required when closed)."""

    @field_validator("closed_to_new_customers")
    @classmethod
    def _aws_page(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://docs.aws.amazon.com/"):
            raise ValueError("closed_to_new_customers must be the AWS documentation page")
        return value

    @model_validator(mode="after")
    def _closed_says_instead(self) -> Service:
        if (self.closed_to_new_customers is None) != (self.instead is None):
            raise ValueError("closed_to_new_customers and instead go together")
        return self

    @field_validator("pipeline_step", "price_basis", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return value or None

    @field_validator("stages")
    @classmethod
    def _known_stages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [s for s in value if s not in STAGE_IDS]
        if unknown:
            raise ValueError(f"names unknown stages {unknown}")
        if not value or len(set(value)) != len(value):
            raise ValueError("lists no stage, or a stage twice")
        return value

    @model_validator(mode="after")
    def _step_type_iff_step(self) -> Service:
        if (self.automation == "step") != (self.pipeline_step is not None):
            raise ValueError("pipeline_step is set exactly when automation = 'step'")
        return self

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "stages": list(self.stages),
            "purpose": self.purpose,
            "choose_when": self.choose_when,
            "avoid_when": self.avoid_when,
            "automation": self.automation,
            "pipeline_step": self.pipeline_step,
            "export": self.export,
            "docs_url": self.docs_url,
            "price_basis": self.price_basis,
            "closed_to_new_customers": self.closed_to_new_customers,
            "instead": self.instead,
        }


@cache
def load_catalog() -> dict[str, Service]:
    """All services by id, in file order. A malformed entry raises ``ValueError`` naming it
    (a packaging defect, not a user mistake)."""
    raw = tomllib.loads((Path(__file__).parent / "data" / "catalog.toml").read_text("utf-8"))
    services: dict[str, Service] = {}
    for entry in raw["service"]:
        try:
            service = Service.model_validate(entry)
        except ValidationError as exc:
            raise ValueError(f"catalog entry {entry.get('id')!r} is malformed: {exc}") from None
        if service.id in services:
            raise ValueError(f"catalog entry {service.id!r} appears twice")
        services[service.id] = service
    return services


def get_service(service_id: str) -> Service:
    catalog = load_catalog()
    try:
        return catalog[service_id]
    except KeyError:
        raise KeyError(f"unknown service {service_id!r}") from None


def services_for_stage(stage_id: str) -> list[Service]:
    """The services the wizard knows for one stage, in catalog order."""
    return [s for s in load_catalog().values() if stage_id in s.stages]
