"""``sm-wizard``: the entry point for the wizard (TUI) and every headless verb.

Commands load lazily: ``sm-wizard validate`` must not pay for Textual, and nothing here
imports boto3 or the SageMaker SDK. Every ``WizardError`` becomes a message on stderr and
exit code 2 (docs/ARCHITECTURE.md: 0 ok, 1 run failed, 2 bad input, 130 interrupted).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from cli.options import CONFIG_FILE
from cli.terminal import need_terminal
from wizard import __version__

# Pydantic looks for plugins in every installed distribution's entry points the first time it
# builds a validator (~40 ms here, a third of `validate`'s own time); sm-wizard uses none.
# A value the person set is kept.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# command name -> "module:attribute" for commands that live in their own modules
LAZY_COMMANDS: dict[str, str] = {
    "init": "cli.commands.design:init",
    "validate": "cli.commands.design:validate",
    "recommend": "cli.commands.design:recommend",
    "catalog": "cli.commands.design:catalog",
    "plan": "cli.commands.design:plan",
    "bootstrap": "cli.commands.bootstrap:bootstrap",
    "export": "cli.commands.export:export",
    "run": "cli.commands.run:run",
    "runs": "cli.commands.run:runs",
    "models": "cli.commands.models:models",
    "predict": "cli.commands.predict:predict",
    "watch": "cli.commands.watch:watch",
    "serve": "cli.commands.serve:serve",
}


class WizardGroup(click.Group):
    """A click group that imports command modules only when they are used and turns
    domain errors into messages instead of tracebacks."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module_name, attr = LAZY_COMMANDS[cmd_name].split(":")
            module = importlib.import_module(module_name)
            return getattr(module, attr)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        from wizard.errors import WizardError

        try:
            return super().invoke(ctx)
        except WizardError as exc:
            click.echo(f"error: {exc.message}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except OSError as exc:  # the system refused a read or write the command needed
            path = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {path}{exc.strerror or exc}", err=True)
            ctx.exit(2)


@click.group(cls=WizardGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="sm-wizard")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Design, export, run and watch SageMaker Pipelines from the terminal.

    With no command, opens the wizard (and resumes the autosaved session, if any).
    """
    if ctx.invoked_subcommand is None:
        _open_wizard(None)


def _open_wizard(path: Path | None) -> None:
    need_terminal(
        "the wizard",
        "From a script: sm-wizard init, sm-wizard validate FILE, sm-wizard export FILE, "
        "sm-wizard run FILE --headless; in a browser: sm-wizard serve.",
    )
    app_module = importlib.import_module("tui.app")
    code = app_module.run_app(path)
    sys.exit(code or 0)


@main.command()
@click.argument("file", type=CONFIG_FILE)
def edit(file: Path) -> None:
    """Open the wizard on FILE (created if it does not exist)."""
    _open_wizard(file)


def entry() -> None:
    """The ``sm-wizard`` command: ``main`` as click runs it, then the process ends as the
    interpreter would end it (threads that are not daemons waited for, ``atexit`` handlers
    run, the standard streams flushed, the same exit status) minus the teardown of every
    module it imported, which nothing here needs.

    Kept because ``validate``'s start-up budget (250 ms over ``python -c pass``) needs it:
    ended by the interpreter, validate adds 240 ms against 212 ms with this exit (wall time
    in the one quiet round of ten on 2026-12-07; 248-253 ms when last measured before), and
    this exit saves 19-40 ms of CPU time in every round (bench/bench_startup.py, both ways
    interleaved), more after commands that imported boto3, Textual or the SageMaker SDK."""
    import atexit
    import contextlib
    import threading

    try:
        main()
        code: Any = 0
    except SystemExit as stop:
        code = stop.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        click.echo(code, err=True)
        code = 1
    try:
        shutdown = getattr(threading, "_shutdown", None)  # what the interpreter calls first
        if shutdown is not None:
            shutdown()
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            # the reader may have gone (a pipe to head), or the stream been closed
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
    finally:
        os._exit(code & 0xFF)


if __name__ == "__main__":  # pragma: no cover
    entry()
