"""The local model registry: SageMaker Model Registry's groups and versions, as JSON files.

A RegisterModel step adds a *version* to a *model package group*: the model artifact, its
approval status (PendingManualApproval, Approved, Rejected), the evaluation metrics and
where it came from. ``sm-wizard models`` lists it.

Layout (default root ``$XDG_STATE_HOME/sm-wizard/registry``, or
``$SM_WIZARD_STATE_DIR/registry``)::

    <root>/<group>/group.json                  name, description, created
    <root>/<group>/<version>/model_package.json  version 1, 2, ... (folder names 00001, ...)
    <root>/<group>/<version>/model.tar.gz      a copy of the artifact
    <root>/<group>/<version>/preprocessing.tar.gz  features.py's serving model, when the
                                               version is an inference pipeline
    <root>/<group>/<version>/evaluation.json   the evaluation report, if any

Versions are numbered by creating their folder, which only one writer can do: two runs
registering at once get different numbers.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from runners.events import utc_now
from wizard.errors import WizardError
from wizard.store import atomic_write_text, state_dir

APPROVAL_STATUSES = ("PendingManualApproval", "Approved", "Rejected")
ARN_PREFIX = "arn:aws:sagemaker:local:000000000000:model-package"


def default_registry_dir() -> Path:
    return state_dir() / "registry"


@dataclass(frozen=True, slots=True)
class ModelPackage:
    group: str
    version: int
    arn: str
    approval_status: str
    created: str
    model_data: str
    """Path of the registered copy of model.tar.gz."""
    metrics: dict[str, float] = field(default_factory=dict)
    content_types: list[str] = field(default_factory=list)
    inference_instances: list[str] = field(default_factory=list)
    transform_instances: list[str] = field(default_factory=list)
    framework: str = ""
    source: dict[str, Any] = field(default_factory=dict)
    """Where it came from: pipeline, run id, run folder, step."""
    updated: str | None = None
    containers: list[dict[str, Any]] = field(default_factory=list)
    """How it is served, as InferenceSpecification.Containers: ``image``, ``model_data``
    (a registered copy), ``environment``; several for an inference pipeline. Empty for
    versions registered before models answered raw records."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ModelPackageGroup:
    name: str
    description: str
    created: str
    versions: tuple[ModelPackage, ...] = ()

    @property
    def latest(self) -> ModelPackage | None:
        return self.versions[-1] if self.versions else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "created": self.created,
            "versions": [v.to_dict() for v in self.versions],
        }


class RegistryError(WizardError):
    """Unknown group or version, or an invalid approval status."""


class LocalModelRegistry:
    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_registry_dir()

    # ------------------------------------------------------------------ writing

    def create_group(self, name: str, description: str = "") -> ModelPackageGroup:
        """Create the group if it does not exist (idempotent)."""
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "group.json"
        if not path.exists():
            atomic_write_text(
                path,
                json.dumps(
                    {"name": name, "description": description, "created": utc_now()}, indent=2
                ),
            )
        return self.group(name)

    def register(
        self,
        group: str,
        *,
        model_data: Path,
        approval_status: str = "PendingManualApproval",
        metrics: dict[str, float] | None = None,
        evaluation: Path | None = None,
        content_types: list[str] | None = None,
        inference_instances: list[str] | None = None,
        transform_instances: list[str] | None = None,
        framework: str = "",
        source: dict[str, Any] | None = None,
        description: str = "",
        containers: list[dict[str, Any]] | None = None,
    ) -> ModelPackage:
        """Add a new version to ``group`` (created if needed) and return it.

        ``containers`` name their artifacts by path; the registered version's name the
        copies it keeps (``model_data`` itself becomes ``model.tar.gz``)."""
        _check_status(approval_status)
        model_data = Path(model_data)
        if not model_data.is_file():
            raise RegistryError(f"the model artifact {model_data} does not exist")
        self.create_group(group, description)
        folder, version = self._new_version_folder(group)
        try:
            stored = folder / "model.tar.gz"
            shutil.copy2(model_data, stored)
            if evaluation is not None and Path(evaluation).is_file():
                shutil.copy2(evaluation, folder / "evaluation.json")
            stored_containers = _store_containers(containers or [], model_data, folder)
            package = ModelPackage(
                group=group,
                version=version,
                arn=f"{ARN_PREFIX}/{group}/{version}",
                approval_status=approval_status,
                created=utc_now(),
                model_data=str(stored),
                metrics=dict(metrics or {}),
                content_types=list(content_types or []),
                inference_instances=list(inference_instances or []),
                transform_instances=list(transform_instances or []),
                framework=framework,
                source=dict(source or {}),
                containers=stored_containers,
            )
            self._write(folder, package)
        except BaseException:  # a full disk: leave no half-written version behind
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return package

    def update_approval(self, group: str, version: int, status: str) -> ModelPackage:
        """Approve or reject a version (SageMaker's UpdateModelPackage)."""
        _check_status(status)
        current = self.get(group, version)
        updated = ModelPackage(
            **{**current.to_dict(), "approval_status": status, "updated": utc_now()}
        )
        self._write(self._version_folder(group, version), updated)
        return updated

    # ------------------------------------------------------------------ reading

    def group_names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "group.json").is_file())

    def group(self, name: str) -> ModelPackageGroup:
        path = self.root / name / "group.json"
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise RegistryError(
                f"no model package group {name!r} in {self.root}", "Unknown model group"
            ) from None
        return ModelPackageGroup(
            name=data["name"],
            description=data.get("description", ""),
            created=data.get("created", ""),
            versions=tuple(self.versions(name)),
        )

    def groups(self) -> list[ModelPackageGroup]:
        return [self.group(name) for name in self.group_names()]

    def versions(self, group: str) -> list[ModelPackage]:
        folder = self.root / group
        packages = []
        for path in sorted(folder.glob("*/model_package.json")):
            try:
                packages.append(ModelPackage(**json.loads(path.read_text())))
            except (ValueError, TypeError):
                continue  # a version being written right now, or damaged: skip it
        return sorted(packages, key=lambda p: p.version)

    def get(self, group: str, version: int) -> ModelPackage:
        path = self._version_folder(group, version) / "model_package.json"
        try:
            return ModelPackage(**json.loads(path.read_text()))
        except FileNotFoundError:
            raise RegistryError(
                f"model group {group!r} has no version {version}", "Unknown model version"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        return {"registry": str(self.root), "groups": [g.to_dict() for g in self.groups()]}

    # ------------------------------------------------------------------ internals

    def _version_folder(self, group: str, version: int) -> Path:
        return self.root / group / f"{version:05d}"

    def _new_version_folder(self, group: str) -> tuple[Path, int]:
        existing = [
            int(p.name) for p in (self.root / group).iterdir() if p.is_dir() and p.name.isdigit()
        ]
        version = max(existing, default=0) + 1
        while True:
            folder = self._version_folder(group, version)
            try:
                os.mkdir(folder)  # atomic: only one writer creates a given version
            except FileExistsError:
                version += 1
                continue
            return folder, version

    def _write(self, folder: Path, package: ModelPackage) -> None:
        atomic_write_text(folder / "model_package.json", json.dumps(package.to_dict(), indent=2))


def _store_containers(
    containers: list[dict[str, Any]], model_data: Path, folder: Path
) -> list[dict[str, Any]]:
    """Copy each container's artifact into the version's folder; point at the copies."""
    copies = {str(model_data): folder / "model.tar.gz"}
    stored = []
    for container in containers:
        source = str(container["model_data"])
        if source not in copies:
            name = "preprocessing.tar.gz" if len(copies) == 1 else f"artifact-{len(copies)}.tar.gz"
            copies[source] = folder / name
            shutil.copy2(source, copies[source])
        stored.append({**container, "model_data": str(copies[source])})
    return stored


def _check_status(status: str) -> None:
    if status not in APPROVAL_STATUSES:
        raise RegistryError(
            f"{status!r} is not an approval status; use one of: {', '.join(APPROVAL_STATUSES)}"
        )
