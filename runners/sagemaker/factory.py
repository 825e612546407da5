"""Build the SageMaker engine for a config file: the glue between the export and AWS.

The engine runs the *exported* project: the config's own folder when that is an export
(``pipeline.py`` and the step scripts beside it), else a fresh export in
``.sm-wizard/sagemaker/<pipeline>/`` next to the config. Local input data is uploaded with
the code; the definition is built by the project's own ``pipeline.py`` with the real SDK
(in a subprocess, so this process never imports the SDK), pointing at the uploaded copies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from exporters import export_project
from exporters.verify import definition_json
from wizard.config import WizardConfig
from wizard.plan import build_plan
from wizard.plan.dag import Plan

from .engine import SageMakerEngine


def project_for(config_path: Path, config: WizardConfig, plan: Plan) -> Path:
    """The exported project to run, exporting it first when the config is not in one."""
    config_dir = Path(config_path).resolve().parent
    exported = (config_dir / "pipeline.py").is_file() and all(
        (config_dir / "code" / script).is_file() for script in plan.scripts
    )
    if exported:
        return config_dir
    project = config_dir / ".sm-wizard" / "sagemaker" / plan.pipeline_name
    export_project(config, project, config_dir=config_dir, force=True)
    return project


def sagemaker_engine_for(
    config_path: Path,
    config: WizardConfig,
    *,
    role_arn: str,
    bucket: str,
    **engine_options: Any,
) -> SageMakerEngine:
    """``engine_options`` go to ``SageMakerEngine`` (poll settings, clock, profile,
    ``from_step``...)."""
    plan = build_plan(config)
    project = project_for(config_path, config, plan)
    config_dir = Path(config_path).resolve().parent
    region, prefix = config.project.region, config.project.s3_prefix
    uri = config.data_collection.input_uri
    data_files: list[Path] = []
    input_data_uri: str | None = None
    if not uri.startswith("s3://"):
        local = Path(uri) if Path(uri).is_absolute() else config_dir / uri
        data_files = [local]
        input_data_uri = f"s3://{bucket}/{prefix}/data/{local.name}"

    def definition(code_uri: str, data_uri: str) -> str:
        del data_uri  # the engine's upload location; the definition points at input_data_uri
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
        **engine_options,
    )
