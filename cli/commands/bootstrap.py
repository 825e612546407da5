"""``sm-wizard bootstrap FILE``: the bucket and scoped roles as one CloudFormation stack.

    sm-wizard bootstrap wizard.toml                # show the change set, ask, create it
    sm-wizard bootstrap wizard.toml --yes          # ... without asking (scripts, CI)
    sm-wizard bootstrap wizard.toml --delete       # remove the stack (the bucket is kept)
    sm-wizard bootstrap wizard.toml --delete --delete-bucket   # ... and empty + delete it

The stack's outputs (role ARN, bucket, scheduler role ARN) are written into FILE's
[project] table, so `sm-wizard run FILE --engine sagemaker` and the exported pipeline.py
need no ARN. No credential is ever written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cli.options import CONFIG_FILE, shell_command
from wizard.errors import WizardError

OUTPUT_KEYS = {
    "RoleArn": "role_arn",
    "BucketName": "bucket",
    "SchedulerRoleArn": "scheduler_role_arn",
}


def record_outputs(file: Path, outputs: dict[str, str]) -> list[str]:
    """Write the stack's outputs into FILE's [project] (validated, atomic)."""
    from wizard.store import read_document, write_document
    from wizard.validation import validate_or_raise

    doc = read_document(file)
    project = doc.setdefault("project", {})
    recorded = []
    for output, key in OUTPUT_KEYS.items():
        if outputs.get(output):
            project[key] = outputs[output]
            recorded.append(key)
    validate_or_raise(doc)
    write_document(file, doc)
    return recorded


def forget_outputs(file: Path, keys: list[str]) -> None:
    from wizard.store import read_document, write_document

    doc = read_document(file)
    project = doc.get("project", {})
    if any(k in project for k in keys):
        for key in keys:
            project.pop(key, None)
        write_document(file, doc)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _confirm(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not _interactive():
        raise WizardError(f"{question} needs an answer: run it in a terminal, or add --yes")
    return click.confirm(question, default=False)


@click.command()
@click.argument("file", type=CONFIG_FILE)
@click.option("--yes", is_flag=True, help="Do not ask before changing the account.")
@click.option("--delete", is_flag=True, help="Remove the stack (the bucket is kept).")
@click.option(
    "--delete-bucket",
    is_flag=True,
    help="With --delete: also empty the bucket (every object version) and delete it.",
)
@click.option("--profile", help="AWS profile to use (default: the usual AWS settings).")
@click.option("--region", help="AWS region (default: [project] region).")
def bootstrap(
    file: Path,
    yes: bool,
    delete: bool,
    delete_bucket: bool,
    profile: str | None,
    region: str | None,
) -> None:
    """Create (or --delete) the CloudFormation stack with FILE's bucket and scoped roles.

    Shows the change set in words and asks before executing it (--yes: do not ask), waits
    with progress, then records role_arn, bucket (and scheduler_role_arn when the pipeline
    has a schedule) in FILE's [project] table.
    """
    from exporters.cfn import stack_name, template_text
    from exporters.infra import bootstrap_template
    from runners.sagemaker.aws import AwsSession
    from runners.sagemaker.bootstrap import Bootstrapper
    from wizard.plan import build_plan
    from wizard.store import load_config

    if delete_bucket and not delete:
        raise WizardError("--delete-bucket goes with --delete")
    config = load_config(file)
    session = AwsSession(region=region or config.project.region, profile=profile)
    stack = stack_name(config)
    runner = Bootstrapper(session, stack)
    echo: Any = click.echo

    if delete:
        what = f"stack {stack}" + (" and its bucket, with all its data," if delete_bucket else "")
        if not _confirm(f"Delete {what} in {session.region}?", yes):
            click.echo("nothing was deleted")
            return
        for note in runner.delete(
            echo,
            delete_bucket=delete_bucket,
            bucket=config.project.bucket or None,
            project=config.project.name,
        ):
            click.echo(note)
        forget_outputs(
            file, ["role_arn", "scheduler_role_arn", *(["bucket"] if delete_bucket else [])]
        )
        return

    body = template_text(bootstrap_template(build_plan(config), config))
    click.echo(f"planning stack {stack} in {session.region} ...")
    change_plan = runner.prepare(body, tags={"sm-wizard:project": config.project.name})
    for line in change_plan.words():
        click.echo(line)
    if not change_plan.empty:
        try:
            go = _confirm("Execute this change set?", yes)
        except BaseException:
            runner.discard(change_plan)
            raise
        if not go:
            runner.discard(change_plan)
            click.echo("nothing was changed (the change set was removed)")
            return
        try:
            outputs = runner.execute(change_plan, echo)
        except KeyboardInterrupt:
            click.echo(
                f"stopped waiting; CloudFormation goes on with stack {stack}. Run bootstrap "
                "again to record its outputs once it is done",
                err=True,
            )
            raise
    else:
        outputs = runner.outputs()
    recorded = record_outputs(file, outputs)
    for key in recorded:
        click.echo(f"recorded [project] {key} = {outputs[_output_of(key)]}")
    click.echo(f"next: {shell_command('sm-wizard', 'run', file, '--engine', 'sagemaker')}")


def _output_of(key: str) -> str:
    return next(o for o, k in OUTPUT_KEYS.items() if k == key)
