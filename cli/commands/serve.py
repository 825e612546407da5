"""``sm-wizard serve``: the same app in a browser, with textual-serve.

    sm-wizard serve                          # the wizard, on http://127.0.0.1:8000
    sm-wizard serve --port 9000              # another port
    sm-wizard serve -- watch EXECUTION_ARN   # any sm-wizard command line instead of the wizard

Each browser tab runs its own ``sm-wizard`` process on this machine (textual-serve starts the
command per connection and streams its screen over a websocket), so the app keeps this
machine's files and AWS credentials. That is why it listens on 127.0.0.1 unless told
otherwise: whoever can reach the address can use the app as you. Over SSH, forward the port
(``ssh -L 8000:127.0.0.1:8000 host``) rather than listening on a public address.

The URL it prints carries a secret token made for this process (as Jupyter's does): the
page and its websocket need it, the websocket must come from that page (its ``Origin``),
and each tab gets its own state folder, so tabs never share an autosave (``cli/served.py``).
"""

from __future__ import annotations

import functools
import ipaddress
import secrets
import shlex
import sys

import click

from wizard.errors import WizardError

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(args: tuple[str, ...]) -> str:
    """The shell command textual-serve runs per browser tab: this Python, this package."""
    python = shlex.quote(sys.executable)
    return " ".join([python, "-m", "cli.main", *(shlex.quote(a) for a in args)])


def url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@functools.cache
def process_token() -> str:
    """This process's secret: made once, in the URL ``serve`` prints and nowhere else."""
    return secrets.token_urlsafe(24)  # 192 bits, URL-safe


def page_url(host: str, port: int) -> str:
    """The URL to open: the page with this process's token."""
    return f"{url_for(host, port)}/?token={process_token()}"


def make_server(host: str, port: int, args: tuple[str, ...]):
    """The textual-serve ``Server`` (not started)."""
    try:
        from cli.served import GuardedServer  # textual-serve and aiohttp load only here
    except ImportError as exc:  # pragma: no cover - a runtime dependency
        raise WizardError(
            "textual-serve is not installed; install sm-wizard with its dependencies "
            "(uv sync) and try again.",
            "Cannot serve",
        ) from exc
    title = "sm-wizard" + (f" {' '.join(args)}" if args else "")
    return GuardedServer(
        app_command(args),
        host=host,
        port=port,
        title=title,
        token=process_token(),
        loopback=is_loopback(host),
    )


@click.command("serve", context_settings={"ignore_unknown_options": True})
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8000,
    show_default=True,
    help="TCP port to listen on.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback lets others on the network use the app.",
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED, metavar="[-- COMMAND ARGS...]")
@click.pass_context
def serve(ctx: click.Context, port: int, host: str, args: tuple[str, ...]) -> None:
    """The same app in a browser (textual-serve); prints the URL to open.

    With no arguments it serves the wizard; after `--`, any sm-wizard command line
    (e.g. `sm-wizard serve -- watch ARN`).
    """
    host = host.strip()
    if not host:
        raise click.BadParameter("give an address, e.g. 127.0.0.1", param_hint="--host")
    if args and args[0] == "serve":
        raise click.BadParameter("serve cannot serve itself", param_hint="COMMAND")
    try:
        server = make_server(host, port, args)
    except WizardError as err:
        click.echo(f"{err.title}: {err.message}", err=True)
        ctx.exit(err.exit_code)
    if not is_loopback(host):
        click.echo(
            f"! Listening on {host}: anyone who can reach it can use sm-wizard with this "
            "machine's files and AWS credentials. Prefer 127.0.0.1 and an SSH tunnel.",
            err=True,
        )
    click.echo(f"sm-wizard in a browser: {page_url(host, port)}  (Ctrl+C stops)")
    sys.stdout.flush()
    try:
        server.serve()
    except OSError as exc:
        click.echo(
            f"Cannot listen on {host}:{port}: {exc.strerror or exc}. Choose another --port "
            "(or --host).",
            err=True,
        )
        ctx.exit(2)
    except KeyboardInterrupt:
        ctx.exit(130)
