"""The verbs that write, check and explain a config without running anything.

    sm-wizard init [--template demo|regression-demo|text-demo|blank] [--out FILE]
    sm-wizard validate FILE [--no-data]      # errors exit 2, warnings pass
    sm-wizard recommend FILE [--json]        # services per stage, with reasons
    sm-wizard catalog [--stage ID] [--json]  # the services the wizard knows
    sm-wizard plan FILE [--json]             # steps, compute and estimated cost

They import only the domain (``wizard``) and, for an ``s3://`` input, the S3 check: no
Textual, no rich, no boto3 unless the data is on S3.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from cli.options import CONFIG_FILE, cannot_write, fail, s3_probe_for, shell_command


@click.command()
@click.option(
    "--template",
    type=click.Choice(["demo", "regression-demo", "text-demo", "blank"]),
    default="demo",
    show_default=True,
    help="demo: binary classification on bundled sample data; regression-demo; text-demo: "
    "support tickets routed by their words (free text); blank.",
)
@click.option("--out", "out", type=CONFIG_FILE, default=Path("wizard.toml"), show_default=True)
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def init(template: str, out: Path, force: bool) -> None:
    """Write a complete starting config (and the demo's sample data next to it)."""
    from wizard.store import write_document
    from wizard.templates import template_document, write_template_data

    if out.exists() and not force:
        fail(f"{out} already exists; choose another --out or add --force")
    try:
        write_document(out, template_document(template), replace_unreadable=force)
        written = write_template_data(template, out)
    except OSError as exc:
        raise cannot_write(out, exc) from None
    click.echo(f"wrote {out}")
    for path in written:
        click.echo(f"wrote {path} (sample data)")
    if template == "blank":
        click.echo(
            f"next: {shell_command('sm-wizard', 'edit', out)}   "
            f"(or fill it in, then {shell_command('sm-wizard', 'validate', out)})"
        )
    else:
        click.echo(
            f"next: {shell_command('sm-wizard', 'plan', out)}   then   "
            f"{shell_command('sm-wizard', 'run', out, '--engine', 'local')}"
        )


def _load(file: Path):
    from wizard.store import load_config

    return load_config(file)


@click.command()
@click.argument("file", type=CONFIG_FILE)
@click.option("--no-data", is_flag=True, help="Check the answers only; do not read the data.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON object on stdout: valid, every problem, and the data report.",
)
def validate(file: Path, no_data: bool, as_json: bool) -> None:
    """Exit 0 if FILE is valid (warnings are printed but pass); else exit 2 with one line
    per problem, naming the field by its TOML path and saying how to fix it. Reading the
    data, it also reports what would make a model meaningless: columns that leak the
    target, identifiers, numbers and dates written as text, imbalance, label spellings."""
    from wizard.check import check_document
    from wizard.store import read_document
    from wizard.validation import validate_document

    doc = read_document(file)
    quality = None
    if no_data:
        _, problems = validate_document(doc)
    else:
        report = check_document(
            doc, file.resolve().parent, s3_probe=s3_probe_for(doc), with_profile=False
        )
        problems, quality = list(report.problems), report.quality
    errors = [p for p in problems if p.is_error]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "file": str(file),
                    "valid": not errors,
                    "problems": [
                        {"path": p.path, "severity": p.severity, "message": p.message}
                        for p in problems
                    ],
                    "data_report": quality.to_dict() if quality is not None else None,
                },
                ensure_ascii=False,
            )
        )
        sys.exit(2 if errors else 0)
    for problem in errors:
        click.echo(f"{file}: error: {problem}", err=True)
    for problem in problems:
        if not problem.is_error:
            click.echo(f"{file}: warning: {problem}", err=True)
    if errors:
        count = len(errors)
        click.echo(f"{file}: {count} error{'s' if count != 1 else ''}; not valid", err=True)
        sys.exit(2)
    warned = len(problems) - len(errors)
    click.echo(
        f"{file}: valid" + (f" ({warned} warning{'s' if warned != 1 else ''})" if warned else "")
    )


@click.command()
@click.argument("file", type=CONFIG_FILE)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def recommend(file: Path, as_json: bool) -> None:
    """Recommended services per stage, with reasons. Reads only [profile]."""
    from wizard.recommend import recommend as run_rules
    from wizard.recommend import recommendations_to_json_dict
    from wizard.store import read_document
    from wizard.validation import validate_section

    doc = read_document(file)
    profile, problems = validate_section("profile", doc.get("profile", {}))
    if profile is None:
        for problem in problems:
            click.echo(f"{file}: {problem}", err=True)
        sys.exit(2)
    recs = run_rules(profile)
    if as_json:
        click.echo(json.dumps(recommendations_to_json_dict(recs), indent=2))
        return
    from wizard.stages import get_stage

    for rec in recs:
        click.echo(click.style(get_stage(rec.stage).title, bold=True))
        for pick in rec.recommended:
            click.echo(f"  + {pick.service}: {pick.reason}")
        for pick in rec.alternatives:
            click.echo(f"    {pick.service}: {pick.reason}")


@click.command()
@click.option("--stage", "stage_id", help="Only this stage's services (a stage id).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def catalog(stage_id: str | None, as_json: bool) -> None:
    """The AWS services the wizard knows, what each is for and what the export makes of it."""
    from wizard.catalog import load_catalog, services_for_stage
    from wizard.stages import STAGE_IDS

    if stage_id is not None and stage_id not in STAGE_IDS:
        fail(f"unknown stage {stage_id!r}; choose one of: {', '.join(STAGE_IDS)}")
    services = services_for_stage(stage_id) if stage_id else list(load_catalog().values())
    if as_json:
        click.echo(json.dumps({"services": [s.to_dict() for s in services]}, indent=2))
        return
    for service in services:
        step = f" (pipeline step: {service.pipeline_step})" if service.pipeline_step else ""
        click.echo(click.style(f"{service.id}", bold=True) + f"  {service.name}{step}")
        click.echo(f"  {service.purpose}")
        click.echo(f"  choose when: {service.choose_when}")
        click.echo(f"  avoid when:  {service.avoid_when}")
        click.echo(f"  export:      {service.export}")
        click.echo(f"  docs:        {service.docs_url}")


@click.command()
@click.argument("file", type=CONFIG_FILE)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plan(file: Path, as_json: bool) -> None:
    """The pipeline's steps, dependencies, compute and estimated cost."""
    from wizard.cost import estimate_cost
    from wizard.plan import build_plan

    config = _load(file)
    the_plan = build_plan(config)
    cost = estimate_cost(the_plan, config)
    if as_json:
        click.echo(json.dumps(the_plan.to_dict() | {"cost": cost.to_dict()}, indent=2))
        return
    click.echo(click.style(f"pipeline {the_plan.pipeline_name}", bold=True))
    for step in the_plan.steps:
        after = f"  after {', '.join(step.depends_on)}" if step.depends_on else ""
        branch = f"  [{step.branch} branch]" if step.branch else ""
        compute = ""
        if step.compute:
            c = step.compute
            compute = f"  {c.instance_count} x {c.instance_type}"
        click.echo(f"  {step.name:<22}{step.kind:<14}{compute}{after}{branch}")
    click.echo("")
    click.echo(
        f"estimated cost per run: ${cost.typical_usd:.2f} typical, at most ${cost.max_usd:.2f} "
        f"({cost.region} on-demand prices of {cost.as_of})"
    )
    for endpoint in cost.endpoints:
        click.echo(
            f"  + {endpoint.service}: ${endpoint.hourly_usd:.3f}/hour"
            + (f" (${endpoint.monthly_usd:.0f}/month)" if endpoint.monthly_usd else "")
            + f", {endpoint.note}"
        )
