"""The AWS service catalog: what each service is for and what the export makes of it.

The data lives in ``data/catalog.toml`` (one ``[[service]]`` table per catalog id); this
module loads it once and gives typed access. Catalog ids are a contract (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from .stages import STAGE_IDS

Automation = Literal["step", "script", "manual"]


@dataclass(frozen=True, slots=True)
class Service:
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
    """The step ``Type`` in the pipeline definition when ``automation == "step"``."""
    export: str
    """What the exported project contains for this service."""
    docs_url: str
    price_basis: str | None = None

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
        }


@cache
def load_catalog() -> dict[str, Service]:
    """All services by id, in file order."""
    raw = tomllib.loads((Path(__file__).parent / "data" / "catalog.toml").read_text("utf-8"))
    services: dict[str, Service] = {}
    for entry in raw["service"]:
        stages = tuple(entry["stages"])
        unknown = [s for s in stages if s not in STAGE_IDS]
        if unknown:  # a packaging defect, not a user mistake
            raise ValueError(f"catalog entry {entry['id']!r} names unknown stages {unknown}")
        services[entry["id"]] = Service(
            id=entry["id"],
            name=entry["name"],
            stages=stages,
            purpose=entry["purpose"],
            choose_when=entry["choose_when"],
            avoid_when=entry["avoid_when"],
            automation=entry["automation"],
            pipeline_step=entry.get("pipeline_step") or None,
            export=entry["export"],
            docs_url=entry["docs_url"],
            price_basis=entry.get("price_basis") or None,
        )
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
