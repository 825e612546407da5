"""Starts local jobs by forking an interpreter that has already imported the data libraries.

    python forkserver.py FD [MODULE ...]

Every local job is ``python SCRIPT ARGS...``, and most of its time on a small dataset is the
import of numpy, pandas and scikit-learn (1.5-2 s of CPU each time). This process imports the
MODULEs once (the engine names the ones the run's scripts import; only libraries of
``PRELOADABLE`` are ever imported here), then, for each job the engine asks for on the Unix
socket ``FD``, forks: the child becomes what ``python SCRIPT ARGS...`` would be (its own
session and process group, the job's environment, working folder, stdin from /dev/null,
stdout and stderr on the pipes the engine passed, ``sys.argv``, ``sys.path[0]`` = the
script's folder, ``__main__``, numpy's global random state re-seeded, the thread limits of
``OMP_NUM_THREADS`` applied) and runs the script. Start-up cost: a few milliseconds instead of
seconds. It ends as that process would (its threads waited for, its ``atexit`` handlers run,
what it left open flushed, the same exit code), minus the teardown of every module: ~100 ms
of CPU less per job (``leave``).

What it buys (measured on 2026-12-07, ``python bench/bench_local.py --rounds 5`` on two busy
cores): the demo pipeline's local run takes a median 4.8 s with its jobs forked here against
23.2 s with every job a fresh interpreter (0.20 and 0.76 of running the scripts by hand).

The engine only sends a job here when its interpreter and every start-up setting
(``PYTHON*``, ``LD_*``) match the ones this process started with (``forkclient.eligible``);
anything else starts fresh, as before.

Messages (one JSON object per SOCK_SEQPACKET datagram):

    engine -> here   {"id": N, "argv": [...], "env": {...}, "cwd": "...", "log": "..."}
                     with three file descriptors: the job's stdout, its stderr, and the read
                     end of the engine's watch pipe (see below)
    here -> engine   {"ready": true, "preloaded": [...]}   once, after the imports
                     {"id": N, "pid": P}                    the job started (P leads its group)
                     {"id": N, "error": "..."}              it could not start
                     {"pid": P, "returncode": R}            it ended (R < 0: killed by signal -R)

Jobs die with their run, as under ``jobwatch.py``: the engine never writes to a job's watch
pipe, so its read end here only reaches end-of-file when the engine's process ends, however
it ends (``kill -9`` included); the socket closes at the same moment. Either way this process
ends the job's process group (SIGTERM, SIGKILL after ``GRACE_SECONDS``), notes it in the step's
log, and, once the socket is closed and no job is left, exits.

Standard library only at the top (the preloads are optional: a missing one is skipped), and
nothing here imports sm_wizard: it runs under the project's interpreter, which may be another.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import socket
import sys
import time
import traceback

GRACE_SECONDS = 5.0
MAX_MESSAGE = 1 << 20
PRELOADABLE = ("numpy", "pandas", "scipy", "joblib", "sklearn", "xgboost", "threadpoolctl")
"""The libraries whose modules may be imported here ahead of the jobs: slow to import, and
importing them does nothing else. A job's own modules never are (importing one runs its code
here, outside the job)."""
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Read by the native libraries when they load: set to 1 here, so loading starts no thread
pools; each job's own values are applied after the fork (threadpoolctl)."""


def preload(names: list[str]) -> list[str]:
    """Import ``names`` (those of ``PRELOADABLE`` libraries), and threadpoolctl with any of
    them: a job's thread limits are applied through it."""
    wanted = [n for n in names if n.partition(".")[0] in PRELOADABLE]
    if wanted and "threadpoolctl" not in wanted:
        wanted.append("threadpoolctl")
    loaded = []
    for name in wanted:
        try:
            importlib.import_module(name)
        except Exception:  # an optional speed-up: a job imports it itself
            continue
        loaded.append(name)
    return loaded


class Server:
    def __init__(self, control: socket.socket) -> None:
        self.control: socket.socket | None = control
        self.jobs: dict[int, Job] = {}
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_write, False)
        signal.set_wakeup_fd(self.wake_write)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)

    def send(self, message: dict) -> None:
        if self.control is not None:
            with contextlib.suppress(OSError):
                self.control.send(json.dumps(message).encode())

    def serve(self) -> dict | None:
        """Answer requests until the engine is gone and every job has ended. Returns only in
        a forked job (the request it is to run), so that the job runs at the top of the stack,
        and leaves the interpreter the way a script's process does."""
        while self.control is not None or self.jobs:
            readable = [self.wake_read, *(j.watch for j in self.jobs.values() if j.watch >= 0)]
            if self.control is not None:
                readable.append(self.control.fileno())
            with contextlib.suppress(InterruptedError):
                ready, _, _ = select.select(readable, [], [])
            if self.wake_read in ready:
                with contextlib.suppress(BlockingIOError, InterruptedError):
                    os.read(self.wake_read, 4096)
            self.reap()
            ended = [pid for pid, j in self.jobs.items() if j.watch in ready and at_eof(j.watch)]
            if self.control is not None and self.control.fileno() in ready:
                request = self.receive()
                if request is None:  # the engine has gone: so have its jobs
                    self.control.close()
                    self.control = None
                    ended = list(self.jobs)
                elif "argv" in request:
                    job = self.start(request)
                    if job is not None:
                        return job
            if ended:
                self.end_groups(ended)
        return None

    def receive(self) -> dict | None:
        assert self.control is not None
        try:
            data, fds, _, _ = socket.recv_fds(self.control, MAX_MESSAGE, 3)
        except OSError:
            return None
        if not data:
            for fd in fds:
                os.close(fd)
            return None
        request = json.loads(data)
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            self.send({"id": request.get("id"), "error": "expected three file descriptors"})
            return {}
        request["fds"] = fds
        return request

    def start(self, request: dict) -> dict | None:
        stdout, stderr, watch = request["fds"]
        try:
            pid = os.fork()
        except OSError as exc:
            for fd in request["fds"]:
                os.close(fd)
            self.send({"id": request["id"], "error": f"fork failed: {exc}"})
            return None
        if pid == 0:
            self.become_job(request)
            return request
        os.close(stdout)
        os.close(stderr)
        self.jobs[pid] = Job(watch, request.get("log") or "-")
        self.send({"id": request["id"], "pid": pid})
        return None

    def become_job(self, request: dict) -> None:
        """In the forked child: leave everything of the server behind."""
        stdout, stderr, _ = request["fds"]
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setsid()  # a session and process group of its own: a stop reaches its children too
        if self.control is not None:
            self.control.close()
        for job in self.jobs.values():
            job.close()
        os.close(self.wake_read)
        os.close(self.wake_write)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(stdout, 1)
        os.dup2(stderr, 2)
        for fd in {null, *request["fds"]}:
            os.close(fd)

    def reap(self) -> None:
        while self.jobs:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            job = self.jobs.pop(pid, None)
            if job is not None:
                job.close()
            self.send({"pid": pid, "returncode": os.waitstatus_to_exitcode(status)})

    def end_groups(self, pids: list[int]) -> None:
        """The engine has died: stop these jobs' process groups, as SageMaker stops a job."""
        for pid in pids:
            self.jobs[pid].close()  # read once: end-of-file
            note(
                self.jobs[pid].log,
                f"[sm-wizard] the run's process ended while this job was running (process "
                f"{pid}): stopping the job (SIGTERM, then SIGKILL after {GRACE_SECONDS:g} s)",
            )
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while any(pid in self.jobs for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
            self.reap()
        for pid in pids:
            if pid in self.jobs:
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)


class Job:
    """A running job, as the server knows it: its end of the watch pipe and its step's log."""

    __slots__ = ("log", "watch")

    def __init__(self, watch: int, log: str) -> None:
        self.watch, self.log = watch, log

    def close(self) -> None:
        if self.watch >= 0:
            os.close(self.watch)
            self.watch = -1


def at_eof(fd: int) -> bool:
    try:
        return not os.read(fd, 1)  # the engine never writes: readable means it has gone
    except OSError:
        return True


def note(log: str, line: str) -> None:
    if log != "-":
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def run_job(request: dict) -> int:
    """Be ``python SCRIPT ARGS...``: the script runs as ``__main__``; what it raises ends this
    process the way it would end that one (SystemExit's code; a traceback and 1). Returns
    the exit code, for ``leave``."""
    script, *args = request["argv"][1:]
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    try:  # the name `ps -o comm` and top show, instead of the server's
        with open("/proc/self/comm", "w") as comm:
            comm.write(os.path.basename(script)[:15])
    except OSError:
        pass
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # a fresh process draws its own seed; a fork would share ours
    threads = request["env"].get("OMP_NUM_THREADS", "")
    threadpoolctl = sys.modules.get("threadpoolctl")
    if threadpoolctl is not None and threads.isdigit() and int(threads) > 0:
        threadpoolctl.threadpool_limits(int(threads))
    try:
        run_as_main(os.path.abspath(script))
    except SystemExit as stop:
        return exit_code(stop)
    except BaseException as exc:  # as the interpreter reports it: from the script's frames
        tb = exc.__traceback__
        path = os.path.abspath(script)
        while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != path:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb)  # None: it did not compile
        return 1
    return 0


def run_as_main(path: str) -> None:
    """Run the script as ``python PATH`` runs it: in a module ``__main__`` (the one
    ``leave`` clears) whose ``__file__`` is the absolute path."""
    import builtins
    import types
    from importlib.machinery import SourceFileLoader

    main = types.ModuleType("__main__")
    main.__dict__.update(
        __file__=path,
        __cached__=None,
        __loader__=SourceFileLoader("__main__", path),
        __builtins__=builtins,
    )
    sys.modules["__main__"] = main
    with open(path, "rb") as source:  # a syntax error is reported as python reports it
        code = compile(source.read(), path, "exec", dont_inherit=True)
    exec(code, main.__dict__)


def clear_module(module: object) -> None:
    """Drop a module's names as the interpreter does as it ends: those with one leading
    underscore first, then the rest, ``__builtins__`` last. One by one, by reference count:
    a file the script left open is flushed by its own finalizer (a garbage collection
    finalizes a file and its buffer in any order, and can lose what was still buffered)."""
    names = getattr(module, "__dict__", {})
    for private in (True, False):
        for name in list(names):
            if name != "__builtins__" and (name[:1] == "_" and name[:2] != "__") == private:
                names[name] = None


def exit_code(stop: SystemExit) -> int:
    """The status ``sys.exit(code)`` gives a process, as the interpreter maps it."""
    if stop.code is None:
        return 0
    if isinstance(stop.code, int):
        return stop.code & 0xFF
    print(stop.code, file=sys.stderr)
    return 1


def leave(code: int, job: bool) -> None:
    """End this process as the interpreter ends a script's, minus the teardown of every
    module: wait for the threads that are not daemons, run the ``atexit`` handlers, finalize
    the script's own objects (a file it never closed is flushed), flush the standard
    streams. The teardown is what ``os._exit`` skips: with the data libraries loaded it
    costs ~100 ms of CPU per job (and ~350 ms in a fresh interpreter), and it writes to
    every page the job shares with the server."""
    import atexit
    import gc
    import threading

    try:
        shutdown = getattr(threading, "_shutdown", None)
        if shutdown is not None:
            shutdown()
        atexit._run_exitfuncs()
        if job:
            clear_module(sys.modules.get("__main__"))
            gc.collect()  # only what the job made: what the server had loaded is frozen
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            with contextlib.suppress(Exception):
                if stream is not None:
                    stream.flush()
    finally:
        os._exit(code)


def main(argv: list[str]) -> dict | None:
    if len(argv) < 2 or not argv[1].isdigit():
        print("usage: forkserver.py FD [MODULE ...]", file=sys.stderr)
        sys.exit(2)
    del sys.path[0]  # this file's folder: a job must not import its neighbours
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    control = socket.socket(fileno=int(argv[1]))
    server = Server(control)
    os.environ.update(dict.fromkeys(THREAD_VARIABLES, "1"))  # a job's env replaces it all
    loaded = preload(argv[2:])
    import gc

    gc.freeze()  # the preloaded objects stay shared with every job, not copied on write
    server.send({"ready": True, "preloaded": loaded})
    return server.serve()


if __name__ == "__main__":
    job = main(sys.argv)
    # the server (once its jobs have ended) and each job end without the modules' teardown
    if job is None:
        leave(0, job=False)
    else:
        leave(run_job(job), job=True)
