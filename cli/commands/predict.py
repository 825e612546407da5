"""``sm-wizard predict FILE``: use a locally registered model on raw records.

    sm-wizard predict wizard.toml --input new.csv                 answers on stdout
    sm-wizard predict wizard.toml --input new.csv --out preds.csv --model 3
    sm-wizard predict wizard.toml --serve [--port 8080]           POST /invocations

The model is a version of FILE's model package group in the local registry (what
``sm-wizard models`` lists): the one given with --model, else the newest approved, else the
newest. It runs the same serving code as the endpoint (runners/local/predict.py).
"""

from __future__ import annotations

from pathlib import Path

import click

from cli.options import CONFIG_FILE, shell_command


@click.command()
@click.argument("file", type=CONFIG_FILE)
@click.option(
    "--input",
    "source",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Records to score: CSV (a header line is optional) or JSON.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the answers here."
)
@click.option(
    "--model",
    "version",
    type=click.IntRange(min=1),
    help="Model version (default: newest approved, else newest).",
)
@click.option("--json", "as_json", is_flag=True, help="Answer in JSON instead of CSV.")
@click.option(
    "--serve", is_flag=True, help="Answer HTTP requests (POST /invocations) until Ctrl+C."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--registry",
    "registry_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Registry folder (default: the state folder's registry/).",
)
def predict(
    file: Path,
    source: Path | None,
    out: Path | None,
    version: int | None,
    as_json: bool,
    serve: bool,
    host: str,
    port: int,
    registry_dir: Path | None,
) -> None:
    """Score raw records with a locally registered model, or serve it on 127.0.0.1."""
    from runners.local import predict as local
    from runners.local.registry import LocalModelRegistry
    from wizard.errors import WizardError
    from wizard.store import load_config

    if serve == (source is not None):
        raise WizardError("give --input FILE to score, or --serve to answer HTTP requests")
    group = load_config(file).deployment.model_package_group
    package = local.choose_version(LocalModelRegistry(registry_dir), group, version)
    click.echo(
        f"model: {package.group} version {package.version} ({package.approval_status})", err=True
    )
    if serve:
        click.echo(
            "try: "
            + shell_command(
                "curl",
                "-s",
                "-H",
                "Content-Type: text/csv",
                "--data-binary",
                "@records.csv",
                f"http://{host}:{port}/invocations",
            ),
            err=True,
        )
        raise SystemExit(local.serve(package, host=host, port=port))
    assert source is not None
    answers = local.predict_file(
        package, source, out=out, accept=local.JSON if as_json else local.CSV
    )
    if out is None:
        text = answers.decode()
        click.echo(text, nl=not text.endswith("\n"))
    else:
        lines = answers.decode().count("\n")
        click.echo(f"wrote {lines} answer{'s' if lines != 1 else ''} to {out}", err=True)
