"""The textual-serve server ``sm-wizard serve`` runs, locked down (issue 30).

textual-serve starts the served command once per websocket and streams its screen; as it
comes, any web page open in the browser could open that websocket (a foreign ``Origin`` got
``101 Switching Protocols``) and drive the app with this machine's files and AWS
credentials, and every tab shared one autosave. ``GuardedServer`` adds, as Jupyter does:

- a per-process secret **token**: the page is served only at ``/?token=SECRET`` (the URL
  ``serve`` prints) and the websocket only at ``/ws/SECRET`` (a path, because the page's
  script appends ``?width=..&height=..`` to the websocket URL);
- an **Origin** check: the websocket's ``Origin`` must be the page's own origin
  (``http://`` + the ``Host`` it was asked for), so another site's page is refused;
- a **Host** check while listening on loopback: only loopback names, so a DNS-rebinding
  page (``evil.example`` resolving to 127.0.0.1) is refused even before the token;
- a **state folder per session**: each websocket's app gets its own
  ``SM_WIZARD_STATE_DIR`` (``<state>/serve/session-*``) so two tabs never offer or overwrite
  each other's autosave. The local model registry stays shared (the session folder links to
  it). A session folder is removed when its tab closes, unless it holds an autosave.

Refusals happen before the websocket handshake: an HTTP 403, never a ``101``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from cli.options import shell_command
from wizard.store import AUTOSAVE_NAME, state_dir

log = logging.getLogger("sm-wizard.serve")

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "ip6-localhost"})


def host_name(host_header: str) -> str:
    """The host of a ``Host`` header, without the port (``[::1]:8000`` → ``::1``)."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class SessionAppService(AppService):
    """textual-serve's app process with its own state folder."""

    def __init__(self, *args: Any, state: Path, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = state

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        environment["SM_WIZARD_STATE_DIR"] = str(self.state)
        return environment


class GuardedServer(Server):
    """textual-serve's ``Server`` with a token, an Origin and Host check and per-session state.

    ``loopback``: the address listened on is loopback, so only loopback ``Host`` names are
    served. ``state_root``: where session folders go (default ``<state>/serve``).
    """

    def __init__(
        self,
        command: str,
        *,
        host: str,
        port: int,
        title: str,
        token: str,
        loopback: bool,
        state_root: Path | None = None,
    ) -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.token = token
        self.loopback = loopback
        self.shared_state = state_dir()
        self.state_root = state_root or self.shared_state / "serve"

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{token}", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def on_startup(self, app: web.Application) -> None:
        """Quiet: ``serve`` prints the one URL to open (textual-serve's would lack the token)."""

    # ------------------------------------------------------------------ checks

    def refusal(self, request: web.Request, token: str | None, websocket: bool) -> str | None:
        """Why ``request`` is refused, or ``None`` when it may go on."""
        if self.loopback and host_name(request.host) not in LOOPBACK_HOSTS | {self.host}:
            return "this server answers only to its loopback address"
        if not token or not secrets.compare_digest(token.encode(), self.token.encode()):
            return "a valid token is required: open the URL sm-wizard serve printed"
        if websocket:
            origin = request.headers.get("Origin")
            if origin != f"{request.scheme}://{request.host}":
                return "the websocket's Origin is not this server's page"
        return None

    def forbidden(self, request: web.Request, reason: str) -> web.HTTPForbidden:
        log.warning("refused %s %s: %s", request.method, request.path, reason)
        return web.HTTPForbidden(text=f"sm-wizard serve: {reason}\n")

    # ------------------------------------------------------------------ handlers

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        reason = self.refusal(request, request.query.get("token"), websocket=False)
        if reason:
            raise self.forbidden(request, reason)
        base = f"{request.scheme}://{request.host}"
        socket_scheme = "wss" if request.scheme == "https" else "ws"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{socket_scheme}://{request.host}/ws/{self.token}",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["Referrer-Policy"] = "no-referrer"  # the token stays in this page
        response.headers["Cache-Control"] = "no-store"
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        reason = self.refusal(request, request.match_info.get("token"), websocket=True)
        if reason:
            raise self.forbidden(request, reason)
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        state = self.new_session_state()
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            app_service = SessionAppService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
                state=state,
            )
            await app_service.start(width, height)
            try:
                await self._process_messages(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # as textual-serve does: log, never take the server down
            log.exception(error)
        finally:
            if app_service is not None:
                await app_service.stop()
            self.end_session_state(state)
        return websocket

    # ------------------------------------------------------------------ session state

    def new_session_state(self) -> Path:
        """A fresh state folder for one browser session, sharing the model registry."""
        self.state_root.mkdir(parents=True, exist_ok=True)
        state = Path(tempfile.mkdtemp(prefix="session-", dir=self.state_root))
        registry = self.shared_state / "registry"
        with contextlib.suppress(OSError):  # no registry link: runs register per session
            registry.mkdir(parents=True, exist_ok=True)
            (state / "registry").symlink_to(registry, target_is_directory=True)
        return state

    def end_session_state(self, state: Path) -> None:
        """Remove a session's folder unless it holds an autosave (work not yet saved to a
        file): then say on the server's terminal where it is and how to go on with it."""
        autosave = state / AUTOSAVE_NAME
        if not autosave.exists():
            shutil.rmtree(state, ignore_errors=True)
            return
        print(
            "A browser session ended with answers not saved to a file; they are kept in "
            f"{autosave} (go on with: {shell_command('sm-wizard', 'edit', autosave)})",
            file=sys.stderr,
            flush=True,
        )
