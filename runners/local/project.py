"""The project a local run executes, and the one-call way to get an engine for a config.

The local engine runs the *exported* project's ``code/`` scripts, so what runs here is what
runs on AWS. ``prepare_project`` writes that project: with the exporter's
``render_project`` when it is available, otherwise by copying the step scripts from the
package's templates (the same files the exporter copies, byte for byte).

``local_engine_for(config_path)`` loads and validates the config, builds the Plan, makes a
new run folder (``<config dir>/.sm-wizard/runs/<run id>``) and returns a ready engine. When
the config sits in an exported project (``pipeline.py`` and ``code/`` next to it), that
project's own ``code/`` runs, edits included; otherwise a fresh copy is prepared inside the
run folder.
"""

from __future__ import annotations

import importlib
import logging
import shutil
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wizard.check import checked_config
from wizard.config import WizardConfig
from wizard.errors import WizardError
from wizard.plan import build_plan
from wizard.plan.dag import Plan
from wizard.store import read_document

from ..base import Capabilities, Emit, Engine
from .context import resolve_parameters
from .engine import LocalEngine
from .layout import CACHE_DIR_NAME, RunLayout, default_run_root, new_run_dir
from .resume import choose_reuse, find_sources, selection

log = logging.getLogger(__name__)

TEMPLATES_CODE_DIR = Path(__file__).resolve().parents[2] / "exporters" / "templates" / "code"


def template_scripts() -> dict[str, Path]:
    """The step scripts shipped with the package: ``{name: path}``."""
    return {p.name: p for p in sorted(TEMPLATES_CODE_DIR.glob("*.py"))}


def _render(plan: Plan, config: WizardConfig) -> dict[str, str] | None:
    try:
        module = importlib.import_module("exporters.render")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("exporters"):
            return None
        raise
    render_project = getattr(module, "render_project", None)
    if render_project is None:
        return None
    return render_project(plan, config)


def prepare_project(plan: Plan, config: WizardConfig, dest: Path) -> Path:
    """Write the project a run executes into ``dest``; returns ``dest``.

    Uses the exporter's ``render_project(plan, config)`` when it exists; any step script
    it does not provide is copied from the package templates.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    files = _render(plan, config)
    for relative, text in (files or {}).items():
        target = (dest / relative).resolve()
        if dest.resolve() not in target.parents:
            raise ValueError(f"render_project returned a path outside the project: {relative}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    code = dest / "code"
    code.mkdir(exist_ok=True)
    for name, source in template_scripts().items():
        if not (code / name).exists():
            shutil.copyfile(source, code / name)
    return dest


def is_exported_project(folder: Path, plan: Plan) -> bool:
    """True when ``folder`` holds an exported project with every script the Plan runs."""
    folder = Path(folder)
    return (folder / "pipeline.py").is_file() and all(
        (folder / "code" / script).is_file() for script in plan.scripts
    )


def local_engine_for(
    config_path: Path,
    *,
    run_root: Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    max_workers: int | None = None,
    caching: bool | None = None,
    registry_dir: Path | None = None,
    from_step: str | None = None,
    source_run: Path | None = None,
) -> LocalEngine:
    """A LocalEngine for the config at ``config_path``, in a new run folder.

    ``from_step``: the run runs that step and the steps downstream of it, and takes the
    other steps' outputs from ``source_run`` (default: the newest earlier run under
    ``run_root`` that has them all; ``resume.py``).

    Raises ``WizardError`` (exit code 2) for an unreadable or invalid config or a bad
    parameter, and with ``from_step`` for an unknown step, no earlier run to reuse, or a
    reused step whose code, settings or data changed since (no run folder is left then).
    Relative data paths in the config resolve against the config's folder.
    """
    config_path = Path(config_path).resolve()
    # The checks validate makes, the data's included: whatever validate calls an error stops
    # the run here with the same message, before any folder exists or any job starts.
    config = checked_config(read_document(config_path), config_path.parent)
    plan = build_plan(config)
    resolve_parameters(plan, parameters)  # a bad parameter fails before any folder exists
    base_dir = config_path.parent
    run_root = Path(run_root) if run_root else default_run_root(base_dir)
    selected: frozenset[str] = frozenset()
    sources: list[Path] = []
    if from_step is not None:  # refused before any folder exists when nothing can be reused
        selected = selection(plan, from_step)
        if source_run is not None:
            sources = [Path(source_run)]
        else:
            sources = find_sources(run_root, plan, selected, from_step)
    run_dir = new_run_dir(run_root)
    options = {
        "run_root": run_root,
        "parameters": parameters,
        "max_workers": max_workers,
        "caching": caching,
        "registry_dir": registry_dir,
    }

    def run_from(step: str) -> Engine:
        return FromStepRun(config_path, step, source=run_dir, **options)

    try:
        if is_exported_project(base_dir, plan):
            project_dir = base_dir
        else:
            project_dir = prepare_project(plan, config, RunLayout(run_dir).project)
        engine = LocalEngine(
            plan,
            config,
            project_dir,
            run_dir,
            max_workers=max_workers,
            base_dir=base_dir,
            parameters=parameters,
            cache_dir=run_root / CACHE_DIR_NAME,
            registry_dir=registry_dir,
            caching=caching,
            config_path=config_path,
            run_from=run_from,
        )
        if from_step is not None:  # the newest earlier run whose outputs still fit
            engine.reuse = choose_reuse(engine.context(), from_step, selected, sources)
    except BaseException:
        if from_step is not None:  # a refused --from leaves no empty run folder behind
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    return engine


class FromStepRun:
    """An Engine for a new local run from ``step`` that reuses ``source``'s outputs for the
    other steps ("run from here" in the monitor). Its ``run`` makes the run (in the caller's
    worker thread: checking what is reused reads the data) with the config as it is now,
    then runs it; a ``WizardError`` says why it cannot."""

    name = "local"
    capabilities = Capabilities(can_retry=True, can_run_from=True)

    def __init__(self, config_path: Path, step: str, *, source: Path, **options: Any) -> None:
        self.config_path = Path(config_path)
        self.step = step
        self.source = Path(source)
        self.options = options
        self.engine: LocalEngine | None = None

    @property
    def run_dir(self) -> Path | None:
        return self.engine.run_dir if self.engine is not None else None

    def run(self, emit: Emit, stop: threading.Event) -> str:
        if self.engine is None:
            self.engine = local_engine_for(
                self.config_path, from_step=self.step, source_run=self.source, **self.options
            )
        return self.engine.run(emit, stop)

    def retry(self, emit: Emit, stop: threading.Event) -> str:
        if self.engine is None:
            raise WizardError("this run has not started yet", "Nothing to retry")
        return self.engine.retry(emit, stop)

    def from_step(self, step: str) -> Engine:
        if self.engine is None:
            raise WizardError("this run has not started yet", "Cannot run from")
        return self.engine.from_step(step)
