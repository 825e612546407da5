"""What a pipeline run will cost, from the Plan and the dated price table.

For each step with compute: instance count × hours × on-demand price. The *typical* hours
are a documented heuristic from the data size (small data finishes in minutes); the
*at most* figure uses the step's maximum runtime as the ceiling, which is what AWS could
bill before stopping the job. Tuning multiplies by the number of trials. Endpoints are
priced per hour and per month (730 h) since they run until deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import WizardConfig
from .instances import JobKind, load_price_table
from .plan.dag import Plan

HOURS_PER_MONTH = 730
# Typical hours per job before data size counts: instance start-up (~3-5 min) plus work.
_BASE_HOURS = {"processing": 0.1, "training": 0.1, "transform": 0.1}
# Extra hours per GB of input, per kind (a conservative single-instance rate).
_HOURS_PER_GB = {"processing": 0.02, "training": 0.05, "transform": 0.01}
SPOT_SAVING = 0.7  # managed spot usually saves 70-90%; we assume the low end


@dataclass(frozen=True, slots=True)
class StepCost:
    step: str
    kind: str
    instance_type: str
    instance_count: int
    jobs: int
    hourly_usd: float
    typical_hours: float
    max_hours: float
    typical_usd: float
    max_usd: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class EndpointCost:
    service: str
    instance_type: str
    instance_count: int
    hourly_usd: float
    monthly_usd: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class CostEstimate:
    steps: tuple[StepCost, ...]
    endpoints: tuple[EndpointCost, ...]
    region: str
    as_of: str
    source: str
    currency: str

    @property
    def typical_usd(self) -> float:
        return round(sum(s.typical_usd for s in self.steps), 2)

    @property
    def max_usd(self) -> float:
        return round(sum(s.max_usd for s in self.steps), 2)

    def to_dict(self) -> dict[str, object]:
        return {
            "currency": self.currency,
            "region": self.region,
            "prices_as_of": self.as_of,
            "price_source": self.source,
            "per_run": {"typical": self.typical_usd, "at_most": self.max_usd},
            "steps": [_as_dict(s) for s in self.steps],
            "endpoints": [_as_dict(e) for e in self.endpoints],
        }


def _as_dict(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]


def estimate_cost(plan: Plan, config: WizardConfig) -> CostEstimate:
    table = load_price_table()
    size_gb = config.profile.data_size_gb
    steps: list[StepCost] = []
    for step in plan.steps:
        compute = step.compute
        if compute is None:
            continue
        kind: JobKind = compute.job
        hourly = table.hourly(compute.instance_type, kind) or 0.0
        typical = min(
            _BASE_HOURS[kind] + _HOURS_PER_GB[kind] * size_gb / compute.instance_count,
            compute.max_runtime_seconds / 3600,
        )
        ceiling = compute.max_runtime_seconds / 3600
        if compute.spot and compute.max_wait_seconds:
            ceiling = compute.max_wait_seconds / 3600
        jobs, note = 1, ""
        if step.kind == "Tuning":
            jobs = int(step.settings["max_jobs"])
            note = f"{jobs} training jobs"
        rate = hourly * compute.instance_count * jobs
        typical_usd = rate * typical
        max_usd = rate * ceiling
        if compute.spot:
            typical_usd *= 1 - SPOT_SAVING
            note = (note + "; " if note else "") + f"spot: assumes {SPOT_SAVING:.0%} saving"
        steps.append(
            StepCost(
                step=step.name,
                kind=step.kind,
                instance_type=compute.instance_type,
                instance_count=compute.instance_count,
                jobs=jobs,
                hourly_usd=hourly,
                typical_hours=round(typical, 3),
                max_hours=round(ceiling, 3),
                typical_usd=round(typical_usd, 4),
                max_usd=round(max_usd, 4),
                note=note,
            )
        )
    return CostEstimate(
        steps=tuple(steps),
        endpoints=tuple(_endpoint_costs(plan, config)),
        region=table.region,
        as_of=table.as_of,
        source=table.source,
        currency=table.currency,
    )


def _endpoint_costs(plan: Plan, config: WizardConfig) -> list[EndpointCost]:
    table = load_price_table()
    deploy = config.deployment
    chosen = set(plan.services.get("deployment", ()))
    result: list[EndpointCost] = []
    for service in ("endpoints", "multi-model-endpoints"):
        if service in chosen:
            hourly = (table.hourly(deploy.endpoint_instance_type, "hosting") or 0.0) * (
                deploy.endpoint_instance_count
            )
            result.append(
                EndpointCost(
                    service=service,
                    instance_type=deploy.endpoint_instance_type,
                    instance_count=deploy.endpoint_instance_count,
                    hourly_usd=round(hourly, 4),
                    monthly_usd=round(hourly * HOURS_PER_MONTH, 2),
                    note="runs until deleted",
                )
            )
    if "serverless-inference" in chosen:
        per_second = table.serverless_per_gb_second * deploy.serverless_memory_mb / 1024
        result.append(
            EndpointCost(
                service="serverless-inference",
                instance_type=f"{deploy.serverless_memory_mb} MB serverless",
                instance_count=0,
                hourly_usd=round(per_second * 3600, 4),
                monthly_usd=0.0,
                note="billed only while handling requests: the hourly figure is one hour of "
                f"continuous compute, plus ${table.serverless_per_gb_data_processed:g} per GB "
                "of data in and out",
            )
        )
    return result
