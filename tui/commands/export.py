"""``sm-wizard export FILE --out DIR``: write the SageMaker Pipelines project for a config.

    sm-wizard export wizard.toml --out churn            # write the project
    sm-wizard export wizard.toml --out churn --verify   # ... and prove its definition builds
    sm-wizard export churn/wizard.toml --out churn --force   # regenerate in place

Files that already exist with other content are not replaced without --force, and nothing
is ever deleted. Exit codes: 0 written (and verified), 1 the definition does not build,
2 bad input or files in the way (a message says which).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the project into (created if needed).",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Build the pipeline definition offline (no AWS, no network) and list its steps.",
)
@click.option("--force", is_flag=True, help="Overwrite files whose content differs.")
def export(file: Path, out: Path, verify: bool, force: bool) -> None:
    """Write the SageMaker Pipelines project for FILE into the folder --out."""
    from exporters import export_project
    from wizard.store import load_config

    config = load_config(file)
    report = export_project(config, out, config_dir=file.parent, force=force)
    for label, paths in (
        ("created", report.created),
        ("overwritten", report.overwritten),
    ):
        for path in paths:
            click.echo(f"  {label:<12}{path}")
    click.echo(report.summary())
    for path in report.missing:
        click.echo(
            f"warning: {file.parent / path} was not found, so it was not copied; the project's "
            "wizard.toml points at it (data_collection.input_uri)",
            err=True,
        )
    if not verify:
        click.echo(f"next: cd {out} && python pipeline.py --help   (or: sm-wizard run {file})")
        return

    from exporters.verify import verify_project

    click.echo("building the pipeline definition offline ...")
    result = verify_project(out)
    if not result.ok:
        click.echo(result.explain(), err=True)
        sys.exit(1)
    click.echo(result.explain())
    for line in result.graph_lines():
        click.echo(f"  {line}")
