"""The engine's side of ``forkserver.py``: start a job by forking a warm interpreter.

    server = shared_server(python, env, script_imports(scripts))  # nothing runs yet
    job = server.spawn(command, env=..., cwd=..., watch=fd, log_path=path)
    if job is None:                            # not eligible, or the server is unavailable
        job = subprocess.Popen(...)            # start it fresh, as before

A server is shared by every run of the process that asks for the same imports with the same
start-up settings, and ends with the process: a second run in the wizard (after a retry or
an edit) forks from the interpreter the first one warmed. ``ForkServer(...)`` and ``close()``
make and end one of its own.

The first job that can fork starts the server, which imports what the run's scripts import of
numpy, pandas, scikit-learn and the like once (``script_imports``); that job waits for the
imports (as it would have imported them itself). A run whose scripts import none of them
forks from a bare interpreter.

A ``ForkedJob`` has the part of ``subprocess.Popen`` the job runner uses (``pid``, text
``stdout`` and ``stderr``, ``poll``, ``wait``, ``returncode``), so following, stopping and
timing out a job work the same for both. Its ``pid`` leads the job's process group.

``spawn`` returns None (and the caller starts the job fresh) when the command is not ``python
SCRIPT ...`` with the server's interpreter, when a start-up setting differs (``PYTHON*`` and
``LD_*`` variables act when an interpreter starts, and the server has started already), when
the server failed to start or died, or when the request could not be sent. So forking is only
ever a speed-up: a job runs either way.
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import itertools
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO

from .forkserver import PRELOADABLE

log = logging.getLogger(__name__)

FORKSERVER = Path(__file__).with_name("forkserver.py")
STARTUP_PREFIXES = ("PYTHON", "LD_")
READY_TIMEOUT = 60.0
"""How long a job waits for the server's imports before it starts fresh instead."""
REPLY_TIMEOUT = 60.0
"""How long a forked start may take before the server is given up (and killed, so that it
cannot start the job late, beside the fresh one started instead)."""


IMPORT_TIME_PREFIXES = (
    "OMP_",
    "MKL_",
    "OPENBLAS_",
    "KMP_",
    "NUMPY_",
    "SCIPY_",
    "PANDAS_",
    "SKLEARN_",
    "JOBLIB_",
    "XGBOOST_",
)
"""Variables the preloaded libraries may read while they are imported: a shared server is
only reused by a run whose environment has the same ones."""

FORK_JOBS_VARIABLE = "SM_WIZARD_FORK_JOBS"
"""``0`` starts every job in a fresh interpreter instead of forking it from a warm one;
``1`` forks them on a system other than Linux too."""


def fork_jobs_by_default() -> bool:
    """Fork jobs from a warm interpreter unless told not to. Only on Linux unless asked: on
    macOS, forking a process that has loaded system frameworks (numpy's Accelerate) without
    exec is unsafe, which is why Python's own multiprocessing spawns there."""
    value = os.environ.get(FORK_JOBS_VARIABLE, "").strip().lower()
    if value in ("0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return hasattr(os, "fork")
    return sys.platform.startswith("linux")


def script_imports(scripts: Iterable[Path]) -> list[str]:
    """The modules of ``forkserver.PRELOADABLE`` libraries that ``scripts`` import, anywhere
    in them (imports inside functions too), in the order first met. ``from sklearn import
    metrics`` names ``sklearn.metrics`` as well, in case it is a module (the server skips a
    name that is not). A script that cannot be read or parsed adds nothing: its job will
    say what is wrong with it."""
    found: dict[str, None] = {}
    for script in scripts:
        try:
            tree = ast.parse(Path(script).read_bytes(), str(script))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            for name in names:
                if name.partition(".")[0] in PRELOADABLE and "*" not in name:
                    found.setdefault(name)
    return list(found)


def startup_settings(env: Mapping[str, str]) -> dict[str, str]:
    """The variables an interpreter reads as it starts (a forked job cannot apply them)."""
    return {k: v for k, v in env.items() if k.startswith(STARTUP_PREFIXES)}


_shared_lock = threading.Lock()
_shared: dict[tuple, ForkServer] = {}


def shared_server(python: str, env: Mapping[str, str], preload: Sequence[str]) -> ForkServer:
    """This process's server for ``python`` with these imports and start-up settings: the one
    an earlier run used if it is still usable, otherwise a new one (started by its first
    job). Every shared server is closed when the process exits."""
    key = (
        python,
        tuple(preload),
        tuple(
            sorted(
                (k, v)
                for k, v in env.items()
                if k.startswith(STARTUP_PREFIXES) or k.startswith(IMPORT_TIME_PREFIXES)
            )
        ),
    )
    with _shared_lock:
        server = _shared.get(key)
        if server is not None and not server.usable:
            server.close()  # reaps it
            server = None
        if server is None:
            server = _shared[key] = ForkServer(python, env, preload=preload)
        return server


def close_shared_servers() -> None:
    """End every shared server (at exit; jobs still running end with their server)."""
    with _shared_lock:
        servers = list(_shared.values())
        _shared.clear()
    for server in servers:
        server.close()


atexit.register(close_shared_servers)


class ForkedJob:
    """A job the server forked: what the job runner needs of a ``subprocess.Popen``."""

    def __init__(self, args: Sequence[str], pid: int, ended: _Ended, stdout: IO, stderr: IO):
        self.args = list(args)
        self.pid = pid
        self.stdout = stdout
        self.stderr = stderr
        self._ended = ended

    @property
    def returncode(self) -> int | None:
        return self._ended.returncode

    def poll(self) -> int | None:
        return self._ended.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended.event.wait(timeout):
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        assert self._ended.returncode is not None
        return self._ended.returncode


class _Ended:
    __slots__ = ("event", "returncode")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.returncode: int | None = None

    def set(self, returncode: int) -> None:
        self.returncode = returncode
        self.event.set()


class _Reply:
    __slots__ = ("ended", "error", "event", "pid")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.pid: int | None = None
        self.ended: _Ended | None = None
        self.error: str | None = None


class ForkServer:
    """One ``forkserver.py`` process, started with the first job that can fork (a run whose
    steps are all cache hits starts none). Runs share one through ``shared_server``."""

    def __init__(self, python: str, env: Mapping[str, str], *, preload: Sequence[str] = ()) -> None:
        self.python = python
        self._env = dict(env)
        self._preload = list(preload)
        self._settings = startup_settings(env)
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._replies: dict[int, _Reply] = {}
        self._ended: dict[int, _Ended] = {}
        self._ready = threading.Event()
        self._failure: str | None = None
        self._closing = False
        self._socket: socket.socket | None = None
        self._process: subprocess.Popen | None = None
        self.preloaded: list[str] = []

    def start(self) -> None:
        """Start the server (once; ``spawn`` does it when needed). It imports meanwhile."""
        with self._start_lock:
            if self._socket is not None:
                return
            if self._closing:
                self._fail("the fork server was closed")
                return
            ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            self._socket = ours
            try:
                self._process = subprocess.Popen(
                    [self.python, str(FORKSERVER), str(theirs.fileno()), *self._preload],
                    env=self._env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    pass_fds=(theirs.fileno(),),
                    start_new_session=True,  # a terminal's Ctrl+C reaches the engine, not this
                )
            except OSError as exc:
                self._fail(f"cannot start {FORKSERVER.name}: {exc}")
                return
            finally:
                theirs.close()
        threading.Thread(target=self._read, name="forkserver-replies", daemon=True).start()
        threading.Thread(target=self._log_stderr, name="forkserver-stderr", daemon=True).start()

    @property
    def usable(self) -> bool:
        """Not closed, and not failed (a server that died is replaced, not reused)."""
        return not self._closing and self._failure is None

    # -------------------------------------------------------------- starting a job

    def eligible(self, command: Sequence[str], env: Mapping[str, str]) -> bool:
        return (
            len(command) >= 2
            and command[0] == self.python
            and not command[1].startswith("-")
            and command[1].endswith(".py")
            and os.path.isfile(command[1])
            and startup_settings(env) == self._settings
        )

    def spawn(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        watch: int,
        log_path: str | None = None,
    ) -> ForkedJob | None:
        """Start ``command`` forked from the server, or return None to have it started fresh.
        ``watch``: the read end of the job's watch pipe (the server keeps a copy)."""
        if not self.eligible(command, env):
            return None
        self.start()
        if not self._wait_ready():
            return None
        assert self._socket is not None
        request_id = next(self._ids)
        reply = _Reply()
        with self._lock:
            self._replies[request_id] = reply
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        message = {
            "id": request_id,
            "argv": list(command),
            "env": dict(env),
            "cwd": str(cwd),
            "log": log_path or "-",
        }
        try:
            socket.send_fds(
                self._socket, [json.dumps(message).encode()], [out_write, err_write, watch]
            )
            sent = True
        except OSError as exc:
            log.warning("could not hand a job to the fork server (%s): starting it fresh", exc)
            sent = False
        finally:
            os.close(out_write)
            os.close(err_write)
        if sent and not reply.event.wait(REPLY_TIMEOUT):
            reply.error = f"no answer in {REPLY_TIMEOUT:g} s"
            if self._process is not None:
                self._process.kill()
            self._fail(f"the fork server did not answer in {REPLY_TIMEOUT:g} s")
        with self._lock:
            self._replies.pop(request_id, None)
        if not sent or reply.pid is None or reply.ended is None:
            if sent:
                log.warning(
                    "the fork server did not start a job (%s): starting it fresh", reply.error
                )
            os.close(out_read)
            os.close(err_read)
            return None
        # the job may have ended already (its end read before this thread woke): its _Ended
        # came with the reply, so that end is not lost
        return ForkedJob(command, reply.pid, reply.ended, _text(out_read), _text(err_read))

    def _wait_ready(self) -> bool:
        self._ready.wait(READY_TIMEOUT)
        return self._ready.is_set() and self._failure is None

    # -------------------------------------------------------------- its messages

    def _read(self) -> None:
        assert self._socket is not None
        while True:
            try:
                data = self._socket.recv(65536)
            except OSError:
                data = b""
            if not data:
                self._fail("the fork server has ended")
                return
            message = json.loads(data)
            with self._lock:
                if message.get("ready"):
                    self.preloaded = message.get("preloaded", [])
                    self._ready.set()
                elif "returncode" in message:
                    ended = self._ended.pop(message["pid"], None)
                    if ended is not None:
                        ended.set(message["returncode"])
                elif "id" in message:
                    reply = self._replies.get(message["id"])
                    ended = None
                    if "pid" in message:
                        # registered before any later message (its end) is read
                        ended = self._ended[message["pid"]] = _Ended()
                    if reply is not None:
                        reply.pid = message.get("pid")
                        reply.ended = ended
                        reply.error = message.get("error")
                        reply.event.set()

    def _log_stderr(self) -> None:
        assert self._process is not None and self._process.stderr is not None
        for line in self._process.stderr:
            log.warning("fork server: %s", line.decode(errors="replace").rstrip())

    def _fail(self, reason: str) -> None:
        """The server is gone: its jobs cannot be waited for; end them, say so, start fresh."""
        with self._lock:
            was_running = self._failure is None and self._ready.is_set()
            self._failure = reason
            orphans = list(self._ended.items())
            self._ended.clear()
            replies = list(self._replies.values())
        self._ready.set()
        for reply in replies:
            reply.error = reason
            reply.event.set()
        for pid, ended in orphans:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
            ended.set(-signal.SIGKILL)
        if was_running and not self._closing:
            log.warning("%s; later jobs start fresh", reason)

    def close(self) -> None:
        """End the server. Normally its jobs have ended with the run; any still running are
        ended by the server (as if the engine had died), within its grace period."""
        with self._start_lock:
            self._closing = True
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
            self._socket.close()
        process = self._process
        if process is None:
            return
        if not self._ready.is_set():  # still importing: nothing of it is needed
            process.kill()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _text(fd: int) -> IO[str]:
    """A job's output, read as ``subprocess.Popen(text=True)`` reads it."""
    return open(fd, encoding="utf-8", errors="replace")  # the reader closes it
