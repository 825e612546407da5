"""What a step may read of its run: the plan, the config, the project, the settings, and
where each input's data is.

``RunContext`` is fixed for the engine's life (the parameters are resolved once, when the
engine is made); steps read it, and nothing changes it. What a step may *do* to its run
(emit events, record its state, start jobs) is ``recorder.RunRecorder``.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.config import WizardConfig
from wizard.errors import WizardError
from wizard.plan.dag import Plan, PlanStep, StepInput

from .containers import container_script
from .layout import RunLayout
from .registry import LocalModelRegistry
from .steps import StepFailed


def resolve_parameters(plan: Plan, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Pipeline parameter values: the defaults, with ``overrides`` checked and typed."""
    values: dict[str, Any] = {p.name: p.default for p in plan.parameters}
    types = {p.name: p.type for p in plan.parameters}
    for name, value in (overrides or {}).items():
        if name not in values:
            raise WizardError(
                f"the pipeline has no parameter {name!r}; it has: {', '.join(values)}",
                "Unknown parameter",
            )
        try:
            if types[name] == "Float":
                value = float(value)
            elif types[name] == "Integer":
                value = int(value)
            else:
                value = str(value)
        except (TypeError, ValueError):
            raise WizardError(
                f"parameter {name} takes a {types[name].lower()}, not {value!r}", "Bad parameter"
            ) from None
        values[name] = value
    return values


@dataclass(frozen=True)
class RunContext:
    """The run's fixed settings, as ``LocalEngine`` was made with them."""

    plan: Plan
    config: WizardConfig
    project_dir: Path
    """The exported project whose ``code/`` scripts run."""
    layout: RunLayout
    base_dir: Path
    """What relative data paths are relative to (the config file's folder)."""
    parameters: Mapping[str, Any]
    """Every pipeline parameter's value for this run (``resolve_parameters``)."""
    registry: LocalModelRegistry
    python: str
    """The interpreter every job runs under."""
    max_workers: int
    """How many jobs run at once."""
    tuning_seed: int

    @property
    def run_dir(self) -> Path:
        return self.layout.root

    @property
    def run_id(self) -> str:
        return self.layout.root.name

    def code_files(self, step: PlanStep) -> list[Path]:
        """The code a step runs: its script in the project, or the local stand-in (its hash
        is part of the step's cache key)."""
        code_dir = self.project_dir / "code"
        if step.kind == "Processing" and step.script:
            return [code_dir / step.script]
        if step.kind in ("Training", "Tuning"):
            if step.settings.get("built_in"):
                return [container_script("xgboost_algorithm")]
            return [code_dir / step.script] if step.script else []
        if step.kind == "Transform":
            files = [container_script("batch_transform")]
            if not self.serves_built_in(step) and (code_dir / "inference.py").exists():
                files.append(code_dir / "inference.py")
            return files
        if step.kind == "QualityCheck":
            return [container_script("model_monitor")]
        if step.kind == "ClarifyCheck":
            return [container_script("clarify")]
        return []

    def serves_built_in(self, step: PlanStep) -> bool:
        """True if ``step`` uses a Model step's model that is the built-in XGBoost's."""
        for item in step.inputs:
            if item.step and self.plan.step(item.step).kind == "Model":
                return bool(self.plan.step(item.step).settings.get("built_in"))
        return False

    def external_source(self, item: StepInput) -> Path:
        """The local file or folder an external input (``uri``) points at."""
        uri = str(self.parameters.get(item.parameter, item.uri) if item.parameter else item.uri)
        if uri.startswith("s3://"):
            raise StepFailed(
                f"the local engine reads local files, and {uri} is on S3: download it "
                f"({shlex.join(['aws', 's3', 'cp', uri, 'data/'])}) and point "
                "data_collection.input_uri (or the InputDataUrl parameter) at the copy"
            )
        path = Path(uri.removeprefix("file://")).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        if not path.exists():
            raise StepFailed(f"input data not found: {path}")
        return path

    def input_source(self, item: StepInput) -> Path:
        """Where an input's data is: an upstream step's output in this run, or external."""
        if item.step is None:
            return self.external_source(item)
        assert item.output is not None
        return self.layout.output_dir(self.plan.step(item.step), item.output)
