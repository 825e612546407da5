"""Which AWS regions have the container images a Plan needs.

Data: ``data/regions.toml``, a dated table generated from the SageMaker SDK's image-URI
configuration (``scripts/build_region_table.py``) and checked against it by a test, so the
domain knows AWS's coverage without importing the SDK. A region missing an image passes
nothing: the exported ``pipeline.py`` would fail there with "Unsupported region".
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .plan.dag import Plan


@dataclass(frozen=True, slots=True)
class ImageSpec:
    framework: str
    """The SDK's ``image_uris.retrieve`` framework name."""
    scopes: tuple[str, ...]
    version: str
    title: str
    why: str


# The versions match exporters/render.py (a test checks it).
IMAGE_SPECS: dict[str, ImageSpec] = {
    "sklearn": ImageSpec(
        "sklearn",
        ("training", "inference"),
        "1.9-0",
        "scikit-learn",
        "the processing steps and scikit-learn training",
    ),
    "xgboost": ImageSpec(
        "xgboost", ("training", "inference"), "3.2-0", "XGBoost", "XGBoost training and inference"
    ),
    "spark": ImageSpec("spark", ("processing",), "3.5", "Spark", "Spark data preparation"),
    "clarify": ImageSpec("clarify", ("processing",), "1.0", "Clarify", "the Clarify bias check"),
    "model-monitor": ImageSpec(
        "model-monitor", ("",), "", "Model Monitor", "the data-quality baseline of Model Monitor"
    ),
}


@dataclass(frozen=True, slots=True)
class RegionTable:
    as_of: str
    source: str
    regions: dict[str, frozenset[str]]
    repositories: dict[str, str]
    """image -> its ECR repository name (the same in every region)"""
    accounts: dict[str, dict[str, str]]
    """image -> {region: the AWS account that owns the repository there}"""


@cache
def load_region_table() -> RegionTable:
    raw = tomllib.loads((Path(__file__).parent / "data" / "regions.toml").read_text("utf-8"))
    images = raw["images"]
    return RegionTable(
        as_of=raw["meta"]["as_of"],
        source=raw["meta"]["source"],
        regions={name: frozenset(entry["regions"]) for name, entry in images.items()},
        repositories={name: entry["repository"] for name, entry in images.items()},
        accounts={name: dict(entry["accounts"]) for name, entry in images.items()},
    )


def image_repository_arn(image: str, region: str, partition: str = "${AWS::Partition}") -> str:
    """The ARN of AWS's ECR repository of ``image`` (an ``IMAGE_SPECS`` key) in ``region``.
    Raises ``KeyError`` when the image is not offered there (validation refuses such a
    region first)."""
    table = load_region_table()
    account = table.accounts[image][region]
    return f"arn:{partition}:ecr:{region}:{account}:repository/{table.repositories[image]}"


def images_for_plan(plan: Plan) -> list[str]:
    """The images (``IMAGE_SPECS`` keys) the Plan's steps run in."""
    needed: list[str] = []

    def add(name: str) -> None:
        if name not in needed:
            needed.append(name)

    for step in plan.steps:
        settings = step.settings
        if step.kind == "Processing":
            add("spark" if settings.get("engine") == "spark" else "sklearn")
        elif step.kind in ("Training", "Tuning", "Model", "Transform", "RegisterModel"):
            built_in = settings.get("built_in")
            if built_in is None and step.kind != "Training":
                continue
            add("xgboost" if built_in else "sklearn")
        elif step.kind == "QualityCheck":
            add("model-monitor")
        elif step.kind == "ClarifyCheck":
            add("clarify")
    return needed


def missing_images(plan: Plan, region: str) -> list[str]:
    table = load_region_table()
    return [name for name in images_for_plan(plan) if region not in table.regions.get(name, ())]


def regions_with(images: list[str]) -> list[str]:
    table = load_region_table()
    sets = [table.regions[name] for name in images if name in table.regions]
    common = frozenset.intersection(*sets) if sets else frozenset()
    return sorted(common)
