"""``sm-wizard run FILE``: run the pipeline a config describes, streaming every step's status.

    sm-wizard run wizard.toml                         # local engine, the monitor screen
    sm-wizard run wizard.toml --headless              # live progress lines, no TUI
    sm-wizard run wizard.toml --json                  # one run event per line (DESIGN.md)
    sm-wizard run wizard.toml --engine sagemaker --role-arn ARN --bucket B

Exit codes: 0 the run succeeded, 1 it failed, 2 bad input (a message names the problem),
130 interrupted (Ctrl+C, or Stop in the monitor).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from sm_wizard.wizard.errors import WizardError

CONFIG_FILE = click.Path(dir_okay=False, path_type=Path)


def _missing_engine(name: str, exc: ImportError) -> WizardError:
    return WizardError(
        f"the {name} engine is not available in this build ({exc}); "
        "see sm-wizard run --help for the engines",
        "Engine unavailable",
    )


def local_engine(file: Path, run_dir: Path | None) -> Any:
    """The embedded engine, on this machine (``runners.local``)."""
    try:
        from sm_wizard.runners.local import local_engine_for
    except ImportError as exc:
        raise _missing_engine("local", exc) from exc
    return local_engine_for(file, run_root=run_dir)


def sagemaker_settings(config: Any, role_arn: str | None, bucket: str | None) -> tuple[str, str]:
    """The role ARN and bucket: options win over ``[project]``; say which one is missing."""
    role = (role_arn or config.project.role_arn or "").strip()
    where = (bucket or config.project.bucket or "").strip().removeprefix("s3://").rstrip("/")
    missing = []
    if not role:
        missing.append("an IAM role ARN: set role_arn in [project] or pass --role-arn ARN")
    if not where:
        missing.append("an S3 bucket: set bucket in [project] or pass --bucket NAME")
    if missing:
        raise WizardError(
            "running on SageMaker needs " + "; and ".join(missing), "Missing settings"
        )
    return role, where


def sagemaker_engine(file: Path, config: Any, role_arn: str, bucket: str) -> Any:
    """The SageMaker engine for this config (``runners.sagemaker``).

    It runs the exported project: FILE's own folder when that is an export (``pipeline.py``
    and the step scripts beside it), else a fresh export in ``.sm-wizard/sagemaker/`` next
    to FILE. Local input data is uploaded with the code; the definition is built by the
    project's ``pipeline.py`` with the real SDK, pointing at the uploaded copies.
    """
    try:
        from sm_wizard.runners import sagemaker
        from sm_wizard.runners.sagemaker.engine import SageMakerEngine
    except ImportError as exc:
        raise _missing_engine("sagemaker", exc) from exc
    factory = getattr(sagemaker, "sagemaker_engine_for", None)
    if factory is not None:  # the engine's own way, when it offers one
        return factory(file, role_arn=role_arn, bucket=bucket)

    from sm_wizard.exporters import export_project
    from sm_wizard.exporters.verify import definition_json
    from sm_wizard.wizard.plan import build_plan

    plan = build_plan(config)
    config_dir = Path(file).resolve().parent
    project = config_dir
    exported = (project / "pipeline.py").is_file() and all(
        (project / "code" / script).is_file() for script in plan.scripts
    )
    if not exported:
        project = config_dir / ".sm-wizard" / "sagemaker" / plan.pipeline_name
        export_project(config, project, config_dir=config_dir, force=True)
    region = config.project.region
    prefix = config.project.s3_prefix
    uri = config.data_collection.input_uri
    data_files: list[Path] = []
    input_data_uri: str | None = None
    if not uri.startswith("s3://"):
        local = Path(uri) if Path(uri).is_absolute() else config_dir / uri
        data_files = [local]
        input_data_uri = f"s3://{bucket}/{prefix}/data/{local.name}"

    def definition(code_uri: str, data_uri: str) -> str:
        return definition_json(
            project,
            bucket=bucket,
            role_arn=role_arn,
            region=region,
            code_s3_prefix=code_uri,
            input_data_uri=input_data_uri,
        )

    return SageMakerEngine(
        pipeline_name=plan.pipeline_name,
        role_arn=role_arn,
        bucket=bucket,
        code_dir=project / "code",
        definition_provider=definition,
        prefix=prefix,
        data_files=data_files,
        description=config.project.description or None,
        region=region,
    )


@click.command()
@click.argument("file", type=CONFIG_FILE)
@click.option(
    "--engine",
    "engine_name",
    type=click.Choice(["local", "sagemaker"]),
    default="local",
    show_default=True,
    help="local: on this machine, no AWS account needed. sagemaker: on AWS.",
)
@click.option("--headless", is_flag=True, help="Live progress lines instead of the TUI.")
@click.option("--json", "json_lines", is_flag=True, help="One JSON run event per line.")
@click.option("--role-arn", help="IAM role SageMaker assumes (default: [project] role_arn).")
@click.option("--bucket", help="S3 bucket for code, data and outputs (default: [project] bucket).")
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for local runs (default: runs/ next to FILE).",
)
def run(
    file: Path,
    engine_name: str,
    headless: bool,
    json_lines: bool,
    role_arn: str | None,
    bucket: str | None,
    run_dir: Path | None,
) -> None:
    """Run FILE's pipeline and stream every step's status.

    Opens the monitor screen (Enter: step details, l: logs, s: stop, r: retry, q: quit),
    or with --headless prints live progress, or with --json one event per line.
    Exit code: 0 succeeded, 1 failed, 2 bad input, 130 interrupted.
    """
    from sm_wizard.wizard.plan import build_plan
    from sm_wizard.wizard.store import load_config

    config = load_config(file)
    plan = build_plan(config)
    if engine_name == "local":
        engine = local_engine(file, run_dir)
    else:
        if run_dir is not None:
            raise WizardError("--run-dir is for --engine local; SageMaker runs keep outputs in S3")
        role, where = sagemaker_settings(config, role_arn, bucket)
        engine = sagemaker_engine(file, config, role, where)

    if headless or json_lines:
        from sm_wizard.tui.headless import run_headless

        code = run_headless(
            engine,
            json_lines=json_lines,
            steps=[(s.name, s.kind) for s in plan.steps],
            title=plan.pipeline_name,
        )
    else:
        from sm_wizard.tui.monitor import run_monitor

        code = run_monitor(engine, plan, plan.pipeline_name)
    sys.exit(code)
