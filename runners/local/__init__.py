"""The local engine: run the exported pipeline on this machine, no AWS account, no Docker.

    from runners.local import local_engine_for

    engine = local_engine_for(Path("wizard.toml"))      # new run folder, project prepared
    status = engine.run(emit, stop)                      # blocks; emit gets every RunEvent
    if status == "Failed":
        engine.retry(emit, stop)                         # re-runs what did not succeed

``run`` blocks until the execution ends; call it from a worker thread. ``emit`` is called
from several threads, one event at a time (serialized by the engine); keep it quick.
Set ``stop`` to stop the run (Stopping, then Stopped).

Modules: ``engine`` (scheduling, run and retry), ``stepexec`` (one step's execution and the
step cache around it), ``context`` (what a step reads of its run: plan, settings, inputs),
``recorder`` (what a step may do to its run: events, step records, lock, stop, jobs),
``steprun`` (what a handler is given), ``steps`` (a step's state and how it ends),
``handlers`` (what each step kind does; the model's steps in ``model_steps``), ``jobs``
(subprocesses and files; ``forkserver`` and ``forkclient`` start jobs from a warm
interpreter), ``tuning`` (trial strategies), ``conditions`` (JsonGet), ``registry`` (the
local model registry), ``layout`` (the run folder), ``runs`` (listing, replaying,
re-attaching), ``project`` (the project a run executes), ``containers`` (local stand-ins for
AWS's own containers).
"""

from .context import resolve_parameters
from .engine import LocalEngine
from .layout import RunLayout, default_run_root
from .project import is_exported_project, local_engine_for, prepare_project, template_scripts
from .registry import LocalModelRegistry, ModelPackage, ModelPackageGroup
from .runs import (
    AttachedRun,
    RetriedRun,
    RunSummary,
    find_run,
    follow_run,
    list_runs,
    open_run,
    read_events,
)
from .steps import StepState

__all__ = [
    "AttachedRun",
    "LocalEngine",
    "LocalModelRegistry",
    "ModelPackage",
    "ModelPackageGroup",
    "RetriedRun",
    "RunLayout",
    "RunSummary",
    "StepState",
    "default_run_root",
    "find_run",
    "follow_run",
    "is_exported_project",
    "list_runs",
    "local_engine_for",
    "open_run",
    "prepare_project",
    "read_events",
    "resolve_parameters",
    "template_scripts",
]
