"""The run folder: where a local run keeps everything, laid out like SageMaker's containers.

One folder per run (default ``<config dir>/.sm-wizard/runs/<run id>``)::

    <run>/
      run.json              id, pipeline, status, parameters, config/project paths, pid
      events.jsonl          every RunEvent, one JSON line each, appended as it happens
      plan.json             the Plan that ran
      wizard.toml           the config that ran (a snapshot: retry and re-attach read it)
      project/              the exported project whose code/ scripts run (unless the config
                            lives in an exported project: then that project's code/ runs)
      steps/<Step>/
        step.json           status, attempt, cache hit/key, times, reason, outputs, metrics
        logs.txt            every line the step's job(s) wrote (stdout and stderr)
        processing/         Processing jobs: SM_PROCESSING_ROOT, i.e. /opt/ml/processing
          input/<name>/       inputs, copied (hard-linked) from upstream outputs
          output/<name>/      outputs, as the script wrote them
        training/           Training jobs: SM_WIZARD_ML_ROOT, i.e. /opt/ml
          input/config/hyperparameters.json, inputdataconfig.json, resourceconfig.json
          input/data/<channel>/
          model/              SM_MODEL_DIR (packed into output/model/model.tar.gz)
          output/data/        SM_OUTPUT_DATA_DIR (kept as is; SageMaker uploads output.tar.gz)
          output/failure      the failure reason a job may leave
        trials/<trial>/     Tuning: each training job's training/ folder and its
                            output/model.tar.gz; tuning.json (next to trials/) lists them
        model/              Transform: the unpacked model the batch job serves
        output/<name>/      every other step's outputs (model/model.tar.gz, statistics/,
                            constraints/, analysis/, predictions/, model_name/model.json,
                            model_package/model_package.json)
    <runs folder>/.cache/   the step cache index, shared by the runs next to it

Everything a step produces stays in its folder after it ends, fails or is stopped.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from wizard.plan.dag import PROCESSING_ROOT, PlanStep

STATE_DIR_NAME = ".sm-wizard"
RUNS_DIR_NAME = "runs"
CACHE_DIR_NAME = ".cache"
ML_ROOT = "/opt/ml"


def default_run_root(config_dir: Path) -> Path:
    return Path(config_dir) / STATE_DIR_NAME / RUNS_DIR_NAME


def new_run_id(now: datetime | None = None) -> str:
    """Sortable and unique: ``20261126-120000-3f9a``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def new_run_dir(run_root: Path) -> Path:
    """Create a fresh, empty run folder under ``run_root``."""
    run_root = Path(run_root)
    run_root.mkdir(parents=True, exist_ok=True)
    while True:
        candidate = run_root / new_run_id()
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate


class RunLayout:
    """Paths inside one run folder (nothing is created until a caller writes)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def run_json(self) -> Path:
        return self.root / "run.json"

    @property
    def events(self) -> Path:
        return self.root / "events.jsonl"

    @property
    def plan_json(self) -> Path:
        return self.root / "plan.json"

    @property
    def config(self) -> Path:
        return self.root / "wizard.toml"

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def steps(self) -> Path:
        return self.root / "steps"

    def step_dir(self, step: str) -> Path:
        return self.steps / step

    def step_json(self, step: str) -> Path:
        return self.step_dir(step) / "step.json"

    def step_log(self, step: str) -> Path:
        return self.step_dir(step) / "logs.txt"

    def processing_root(self, step: str) -> Path:
        """What ``/opt/ml/processing`` is for this step's job."""
        return self.step_dir(step) / "processing"

    def ml_root(self, step: str, trial: str | None = None) -> Path:
        """What ``/opt/ml`` is for this step's training job (or one tuning trial's)."""
        base = self.trial_dir(step, trial) if trial else self.step_dir(step)
        return base / "training"

    def trial_dir(self, step: str, trial: str) -> Path:
        return self.step_dir(step) / "trials" / trial

    def container_path(self, step: str, path: str) -> Path:
        """Map a Processing container path (``/opt/ml/processing/...``) into the run."""
        if path == PROCESSING_ROOT or path.startswith(PROCESSING_ROOT + "/"):
            relative = path[len(PROCESSING_ROOT) :].lstrip("/")
            return self.processing_root(step) / relative
        raise ValueError(f"{path!r} is not under {PROCESSING_ROOT}")

    def output_dir(self, step: PlanStep, output: str) -> Path:
        """Where ``step``'s output ``output`` lives in this run."""
        for item in step.outputs:
            if item.name == output and item.path:
                return self.container_path(step.name, item.path)
        return self.step_dir(step.name) / "output" / output

    def relative(self, path: Path) -> str:
        return os.path.relpath(path, self.root)
