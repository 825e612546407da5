"""Instance types the wizard offers, per job kind, with their dated on-demand prices.

Data: ``data/instances.toml``. The table is deliberately small and dated: prices change, and
the estimate says which date and region it used.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

JobKind = Literal["processing", "training", "transform", "hosting"]
JOB_KINDS: tuple[JobKind, ...] = ("processing", "training", "transform", "hosting")


@dataclass(frozen=True, slots=True)
class InstanceType:
    name: str
    vcpu: int
    memory_gib: float
    gpus: int
    prices: dict[str, float]
    """USD per instance-hour by job kind; a kind missing here is not offered for that job."""

    def offered_for(self, kind: JobKind) -> bool:
        return kind in self.prices


@dataclass(frozen=True, slots=True)
class PriceTable:
    region: str
    as_of: str
    source: str
    currency: str
    instances: dict[str, InstanceType]
    serverless_per_gb_second: float
    serverless_per_gb_data_processed: float

    def names_for(self, kind: JobKind) -> list[str]:
        return [n for n, i in self.instances.items() if i.offered_for(kind)]

    def hourly(self, instance_type: str, kind: JobKind) -> float | None:
        inst = self.instances.get(instance_type)
        return None if inst is None else inst.prices.get(kind)


@cache
def load_price_table() -> PriceTable:
    raw = tomllib.loads((Path(__file__).parent / "data" / "instances.toml").read_text("utf-8"))
    instances = {
        entry["name"]: InstanceType(
            name=entry["name"],
            vcpu=int(entry["vcpu"]),
            memory_gib=float(entry["memory_gib"]),
            gpus=int(entry.get("gpus", 0)),
            prices={k: float(v) for k, v in entry["price"].items()},
        )
        for entry in raw["instance"]
    }
    meta = raw["meta"]
    return PriceTable(
        region=meta["region"],
        as_of=meta["as_of"],
        source=meta["source"],
        currency=meta["currency"],
        instances=instances,
        serverless_per_gb_second=float(meta["serverless_per_gb_second"]),
        serverless_per_gb_data_processed=float(meta["serverless_per_gb_data_processed"]),
    )


def instance_types_for(kind: JobKind) -> list[str]:
    return load_price_table().names_for(kind)
