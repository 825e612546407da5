"""``sm-wizard models``: the local model registry (groups, versions, approval, metrics).

    sm-wizard models                       every group and its versions
    sm-wizard models --group NAME          one group
    sm-wizard models --json                machine-readable
    sm-wizard models --approve NAME/3      approve version 3 (or --reject NAME/3)

The registry is where local runs' RegisterModel steps put their models:
``$XDG_STATE_HOME/sm-wizard/registry`` (``$SM_WIZARD_STATE_DIR/registry`` when set), or
``--registry DIR``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from wizard.errors import WizardError

SHOWN_METRICS = 4


def _version_ref(text: str) -> tuple[str, int]:
    group, _, version = text.rpartition("/")
    if not group or not version.isdigit():
        raise WizardError(f"give a model version as GROUP/VERSION, e.g. my-models/3 (not {text!r})")
    return group, int(version)


@click.command()
@click.option("--group", "group_name", help="Only this model package group.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--registry",
    "registry_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Registry folder (default: the state folder's registry/).",
)
@click.option("--approve", "approve", metavar="GROUP/VERSION", help="Approve a model version.")
@click.option("--reject", "reject", metavar="GROUP/VERSION", help="Reject a model version.")
def models(
    group_name: str | None,
    as_json: bool,
    registry_dir: Path | None,
    approve: str | None,
    reject: str | None,
) -> None:
    """The local model registry: groups, versions, approval status and metrics."""
    from runners.local.registry import LocalModelRegistry

    registry = LocalModelRegistry(registry_dir)
    if approve and reject:
        raise WizardError("choose one of --approve and --reject")
    if approve or reject:
        name, version = _version_ref(approve or reject or "")
        status = "Approved" if approve else "Rejected"
        package = registry.update_approval(name, version, status)
        if as_json:
            click.echo(json.dumps(package.to_dict(), indent=2))
        else:
            click.echo(f"{package.group} version {package.version}: {package.approval_status}")
        return

    groups = [registry.group(group_name)] if group_name else registry.groups()
    if as_json:
        document = {"registry": str(registry.root), "groups": [g.to_dict() for g in groups]}
        click.echo(json.dumps(document, indent=2))
        return
    if not groups:
        click.echo(f"no registered models yet (registry: {registry.root})")
        click.echo("a local run registers one: sm-wizard run FILE --engine local")
        return
    click.echo(f"registry: {registry.root}")
    for group in groups:
        count = len(group.versions)
        click.echo("")
        click.echo(
            click.style(group.name, bold=True)
            + f"  {count} version{'s' if count != 1 else ''}"
            + (f"  {group.description}" if group.description else "")
        )
        for package in group.versions:
            metrics = "  ".join(
                f"{name}={value:.4g}"
                for name, value in list(package.metrics.items())[:SHOWN_METRICS]
            )
            click.echo(
                f"  v{package.version:<4} {_styled(package.approval_status)} "
                f"{package.created}  {metrics}"
            )


def _styled(status: str) -> str:
    colour = {"Approved": "green", "Rejected": "red"}.get(status, "yellow")
    return click.style(status.ljust(len("PendingManualApproval")), fg=colour)
