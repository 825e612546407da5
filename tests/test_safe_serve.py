"""``sm-wizard serve`` is locked down (issue 30, item 5).

A real aiohttp server on 127.0.0.1 (aiohttp's test server) runs ``GuardedServer`` with a
stand-in app command that records its ``SM_WIZARD_STATE_DIR`` and exits. Checked at the
HTTP and websocket level: no token or a wrong one, a foreign ``Origin``, no ``Origin`` and a
DNS-rebinding ``Host`` are refused with 403 (never ``101 Switching Protocols``); the page
and a same-origin websocket with the token are served; two sessions get two state folders.
"""

from __future__ import annotations

import asyncio
import shlex
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from cli.commands import serve as serve_module
from cli.served import GuardedServer, host_name

TOKEN = "t0k3n-for-the-test"


def _server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[GuardedServer, Path]:
    monkeypatch.setenv("SM_WIZARD_STATE_DIR", str(tmp_path / "state"))
    record = tmp_path / "sessions.txt"
    script = (
        "import os, pathlib, sys; "
        f"p = pathlib.Path({str(record)!r}); "
        "state = pathlib.Path(os.environ['SM_WIZARD_STATE_DIR']); "
        "(state / 'autosave.toml').write_text('x = 1'); "
        "p.open('a').write(str(state) + chr(10))"
    )
    command = shlex.join([sys.executable, "-c", script])
    server = GuardedServer(
        command, host="127.0.0.1", port=0, title="test", token=TOKEN, loopback=True
    )
    return server, record


def _run(tmp_path, monkeypatch, body: Callable[[TestClient, GuardedServer, Path], Awaitable]):
    server, record = _server(tmp_path, monkeypatch)

    async def main() -> None:
        app = await server._make_app()
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            await body(client, server, record)

    asyncio.run(main())


def _origin(client: TestClient) -> str:
    return f"http://127.0.0.1:{client.server.port}"


async def _handshake(
    client: TestClient, path: str, headers: dict[str, str], keep: list | None = None
) -> int:
    """The status of a raw websocket handshake (101 = accepted); ``keep`` receives the open
    connection instead of it being closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", client.server.port)
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {headers.pop('Host', f'127.0.0.1:{client.server.port}')}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    status = await reader.readline()
    if keep is None:
        writer.close()
    else:
        keep.append(writer)
    return int(status.split()[1])


def test_the_page_needs_the_token(tmp_path, monkeypatch) -> None:
    async def body(client: TestClient, server: GuardedServer, record: Path) -> None:
        assert (await client.get("/")).status == 403
        assert (await client.get("/?token=wrong")).status == 403
        page = await client.get(f"/?token={TOKEN}")
        assert page.status == 200
        text = await page.text()
        assert f"/ws/{TOKEN}" in text and page.headers["Referrer-Policy"] == "no-referrer"
        rebound = await client.get(f"/?token={TOKEN}", headers={"Host": "evil.example:80"})
        assert rebound.status == 403

    _run(tmp_path, monkeypatch, body)


def test_a_foreign_origin_or_a_missing_token_gets_no_websocket(tmp_path, monkeypatch) -> None:
    async def body(client: TestClient, server: GuardedServer, record: Path) -> None:
        own = _origin(client)
        cases = {
            "foreign origin": (f"/ws/{TOKEN}", {"Origin": "http://evil.example"}),
            "no origin": (f"/ws/{TOKEN}", {}),
            "other port": (f"/ws/{TOKEN}", {"Origin": "http://127.0.0.1:1"}),
            "no token": ("/ws", {"Origin": own}),
            "wrong token": ("/ws/guess", {"Origin": own}),
            "rebinding host": (
                f"/ws/{TOKEN}",
                {"Host": "evil.example:80", "Origin": "http://evil.example:80"},
            ),
        }
        for name, (path, headers) in cases.items():
            status = await _handshake(client, path, dict(headers))
            assert status in (403, 404), f"{name}: {status}"
        assert not record.exists()  # no app process was started
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect(f"/ws/{TOKEN}", headers={"Origin": "http://evil.example"})
        assert refused.value.status == 403

    _run(tmp_path, monkeypatch, body)


def test_same_origin_with_the_token_is_served_and_each_session_has_its_own_state(
    tmp_path, monkeypatch
) -> None:
    async def body(client: TestClient, server: GuardedServer, record: Path) -> None:
        kept: list = []
        assert await _handshake(client, f"/ws/{TOKEN}", {"Origin": _origin(client)}, kept) == 101
        await _until(lambda: len(_sessions(record)) == 1)
        kept[0].close()
        for count in (2, 3):  # two more sessions, one after the other
            socket = await client.ws_connect(f"/ws/{TOKEN}", headers={"Origin": _origin(client)})
            await _until(lambda count=count: len(_sessions(record)) == count)
            await socket.close()

    _run(tmp_path, monkeypatch, body)
    sessions = _sessions(tmp_path / "sessions.txt")
    assert len(sessions) == 3 and len(set(sessions)) == 3, sessions
    shared = tmp_path / "state"
    for state in map(Path, sessions):
        assert state.parent == shared / "serve" and state.name.startswith("session-")
        assert (state / "registry").resolve() == (shared / "registry").resolve()
        assert (state / "autosave.toml").exists()  # kept: it holds a session's work
    assert not (shared / "autosave.toml").exists()  # nothing in the shared autosave


async def _until(predicate: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def _sessions(record: Path) -> list[str]:
    return record.read_text().split() if record.exists() else []


def test_an_empty_session_folder_is_removed(tmp_path, monkeypatch) -> None:
    server, _ = _server(tmp_path, monkeypatch)
    state = server.new_session_state()
    assert state.is_dir() and state != server.new_session_state()
    server.end_session_state(state)
    assert not state.exists() and (tmp_path / "state" / "registry").is_dir()


def test_a_session_with_unsaved_answers_is_kept_and_said(tmp_path, monkeypatch, capsys) -> None:
    server, _ = _server(tmp_path, monkeypatch)
    state = server.new_session_state()
    (state / "autosave.toml").write_text("x = 1")
    server.end_session_state(state)
    assert (state / "autosave.toml").exists()
    said = capsys.readouterr().err
    assert str(state / "autosave.toml") in said and "sm-wizard edit" in said


def test_the_printed_url_carries_the_process_token(monkeypatch) -> None:
    made = {}

    class Fake:
        def serve(self) -> None:
            pass

    def fake_make(host, port, args):
        made["token"] = serve_module.process_token()
        return Fake()

    monkeypatch.setattr(serve_module, "make_server", fake_make)
    result = CliRunner().invoke(serve_module.serve, [])
    assert result.exit_code == 0, result.output
    token = serve_module.process_token()
    assert f"http://127.0.0.1:8000/?token={token}" in result.stdout
    assert made["token"] == token and len(token) >= 32


def test_make_server_is_guarded() -> None:
    server = serve_module.make_server("127.0.0.1", 8765, ())
    assert isinstance(server, GuardedServer)
    assert server.token == serve_module.process_token() and server.loopback
    assert not serve_module.make_server("0.0.0.0", 8765, ()).loopback


def test_host_name() -> None:
    assert host_name("127.0.0.1:8000") == "127.0.0.1"
    assert host_name("[::1]:8000") == "::1"
    assert host_name("localhost") == "localhost"
