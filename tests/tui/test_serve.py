"""``sm-wizard serve``: options, the command it serves, the URL, loopback by default."""

from __future__ import annotations

import sys

from click.testing import CliRunner

from cli.commands import serve as serve_module
from cli.commands.serve import app_command, is_loopback, serve, url_for


class FakeServer:
    def __init__(self, command, host, port, title):
        self.command, self.host, self.port, self.title = command, host, port, title
        self.served = False
        FakeServer.last = self

    def serve(self):
        self.served = True


def test_defaults_to_loopback_and_prints_the_url(monkeypatch):
    monkeypatch.setattr(
        serve_module, "make_server", lambda h, p, a: FakeServer(app_command(a), h, p, "")
    )
    result = CliRunner().invoke(serve, [])
    assert result.exit_code == 0, result.output
    server = FakeServer.last
    assert server.served and server.host == "127.0.0.1" and server.port == 8000
    assert "http://127.0.0.1:8000" in result.stdout
    assert server.command.startswith(sys.executable) and server.command.endswith("-m cli.main")
    assert "!" not in result.stderr  # no warning on loopback


def test_a_public_host_warns_and_arguments_are_quoted(monkeypatch):
    monkeypatch.setattr(
        serve_module, "make_server", lambda h, p, a: FakeServer(app_command(a), h, p, "")
    )
    result = CliRunner().invoke(
        serve, ["--host", "0.0.0.0", "--port", "9001", "--", "edit", "a b;rm"]
    )
    assert result.exit_code == 0, result.output
    assert "anyone who can reach it" in result.stderr
    assert FakeServer.last.command.endswith("-m cli.main edit 'a b;rm'")
    assert "http://0.0.0.0:9001" in result.stdout


def test_bad_port_is_exit_2():
    result = CliRunner().invoke(serve, ["--port", "70000"])
    assert result.exit_code == 2 and "70000" in result.output


def test_port_in_use_is_a_message_not_a_traceback(monkeypatch):
    class Busy(FakeServer):
        def serve(self):
            raise OSError(98, "Address already in use")

    monkeypatch.setattr(serve_module, "make_server", lambda h, p, a: Busy(app_command(a), h, p, ""))
    result = CliRunner().invoke(serve, ["--port", "8123"])
    assert result.exit_code == 2
    assert "Address already in use" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.output


def test_helpers():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.com")
    assert url_for("::1", 80) == "http://[::1]:80"


def test_serve_is_a_registered_command():
    from cli.main import LAZY_COMMANDS

    assert LAZY_COMMANDS["serve"] == "cli.commands.serve:serve"
