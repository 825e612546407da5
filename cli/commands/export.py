"""``sm-wizard export FILE [--out DIR]``: write the SageMaker Pipelines project for a config.

    sm-wizard export wizard.toml --out churn            # write the project
    sm-wizard export wizard.toml --out churn --verify   # ... and prove its definition builds
    sm-wizard export churn/wizard.toml                  # regenerate in place, keeping edits
    sm-wizard export churn/wizard.toml --diff           # show what would change, write nothing

Without --out the project goes next to FILE: into FILE's own folder if that is an export
already, else into a folder named after the project. Exporting again merges the new
rendering with the edits you made since (three ways, against what the last export wrote):
clean merges are applied; where both changed the same lines the file gets conflict markers,
is listed, and the exit code is 1. --force takes the new rendering for every file. Nothing is
ever deleted. Exit codes: 0 written (and verified), 1 conflicts to resolve or the definition
does not build, 2 bad input or files in the way (a message says which).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.options import load_checked, shell_command


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the project into (created if needed). Default: next to FILE.",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Build the pipeline definition offline (no AWS, no network) and list its steps.",
)
@click.option(
    "--diff", is_flag=True, help="Show what would change (a unified diff); write nothing."
)
@click.option(
    "--force", is_flag=True, help="Take the new rendering for every file, replacing your edits."
)
def export(file: Path, out: Path | None, verify: bool, diff: bool, force: bool) -> None:
    """Write the SageMaker Pipelines project for FILE (into --out, or next to FILE)."""
    from exporters import default_out_dir, export_project

    config = load_checked(file)
    if out is None:
        out = default_out_dir(file, config.project.name)
    report = export_project(
        config, out, config_dir=file.parent, config_file=file, force=force, dry_run=diff
    )
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if diff:
        for text in (report.diffs or {}).values():
            if text:
                click.echo(text, nl=not text.endswith("\n"))
        if report.conflicts:
            click.echo(
                f"{len(report.conflicts)} file(s) would get conflict markers: "
                + ", ".join(report.conflicts),
                err=True,
            )
        click.echo(report.summary())
        return
    for label, paths in (
        ("created", report.created),
        ("updated", report.updated),
        ("merged", report.merged),
        ("CONFLICT", report.conflicts),
        ("overwritten", report.overwritten),
        ("kept", report.kept),
    ):
        for path in paths:
            click.echo(f"  {label:<12}{path}")
    for path in report.stale:
        click.echo(f"  {'left':<12}{path} (no longer generated; delete it if you do not need it)")
    click.echo(report.summary())
    for path in report.missing:
        click.echo(
            f"warning: {file.parent / path} was not found, so it was not copied; the project's "
            "wizard.toml points at it (data_collection.input_uri)",
            err=True,
        )
    if report.conflicts:
        click.echo(
            f"{len(report.conflicts)} file(s) have changes of yours and of the new export on the "
            "same lines: " + ", ".join(report.conflicts) + ". Both versions are in each file "
            "between <<<<<<< yours and >>>>>>> new export markers; edit them to keep what you "
            "want (or export again with --force to take the new version).",
            err=True,
        )
        sys.exit(1)
    if not verify:
        click.echo(
            f"next: cd {shell_command(out)} && python pipeline.py --help   "
            f"(or: {shell_command('sm-wizard', 'run', file)})"
        )
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
