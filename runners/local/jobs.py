"""Running one job as a subprocess, and moving files the way SageMaker does around jobs.

A *job* is what SageMaker would start a container for: a Processing job, a Training job
(one per tuning trial), a Transform job, a check job. Here it is a subprocess of this
Python interpreter, in its own process group, with its stdout and stderr read line by
line as they come. The engine bounds how many run at once (one slot per core by default).

Stopping sends SIGTERM to the job's process group (as SageMaker does to a container),
waits a grace period, then sends SIGKILL. Whatever the job wrote stays where it is.

A job that is ``python SCRIPT ...`` is forked from a warm interpreter that has imported what the
run's scripts import of numpy, pandas, scikit-learn and the like already (``forkserver.py``,
one per process and set of imports, shared by its runs), instead of paying those imports
again in each job; any other job, or any job when that server is unavailable, starts
fresh. The job sees the same thing either way (see ``forkserver.py``).

Jobs die with their run: each holds (through ``jobwatch.py`` when started fresh, through the
fork server when forked) the read end of a pipe whose write end only this process has; if this
process dies (``kill -9`` included), the pipe closes and the watcher ends the job's process
group. ``kill_all`` ends every running job at once (a run left without waiting).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .forkclient import ForkedJob, ForkServer

BASE_ENV = {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
"""What every job's environment adds to this process's."""
STDERR_TAIL = 5
"""How many of the last stderr lines a failure reason quotes."""
JOBWATCH = Path(__file__).with_name("jobwatch.py")


class Cancel(Protocol):
    """What ``JobRunner.run`` polls to cancel a job: a ``threading.Event`` or the like."""

    def is_set(self) -> bool: ...


@dataclass(slots=True)
class JobResult:
    returncode: int | None
    stopped: bool = False
    timed_out: bool = False
    duration: float = 0.0
    stderr_tail: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.stopped and not self.timed_out


class JobRunner:
    """Starts jobs within a bounded number of slots and stops them on request."""

    def __init__(
        self,
        slots: int,
        stop: threading.Event,
        *,
        grace_seconds: float = 10.0,
        forks: ForkServer | None = None,
    ) -> None:
        self._forks = forks
        self._slots = threading.BoundedSemaphore(max(1, slots))
        self._stop = stop
        self.grace_seconds = grace_seconds
        self._active = 0
        self._active_lock = threading.Lock()
        self._cores = os.cpu_count() or 1
        self._processes: set[subprocess.Popen | ForkedJob] = set()

    def _threads_per_job(self) -> int:
        """Cores per running job. On AWS every job has its own instance; here jobs share
        the machine, so each gets its share (OMP_NUM_THREADS) instead of all of it."""
        with self._active_lock:
            return max(1, self._cores // max(1, self._active))

    def run(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        on_line: Callable[[str, str], None],
        on_start: Callable[[int], None] | None = None,
        on_stopping: Callable[[], None] | None = None,
        cancel: Cancel | None = None,
        max_runtime: float | None = None,
        watch_log: str | None = None,
    ) -> JobResult:
        """Run ``command`` to its end; ``on_line(stream, line)`` gets every output line,
        ``on_start(pid)`` the job's process id (also its process group's).

        Returns early (``stopped``) when the engine's stop event or ``cancel`` is set, and
        ``timed_out`` when ``max_runtime`` seconds pass (SageMaker's MaxRuntimeInSeconds).
        ``watch_log``: where the job's watcher notes that it ended the job because this
        process died (the step's log).
        """

        def cancelled() -> bool:
            return self._stop.is_set() or (cancel is not None and cancel.is_set())

        while not self._slots.acquire(timeout=0.1):  # wait for a free core
            if cancelled():
                if on_stopping:
                    on_stopping()
                return JobResult(None, stopped=True)
        try:
            if cancelled():
                if on_stopping:
                    on_stopping()
                return JobResult(None, stopped=True)
            with self._active_lock:
                self._active += 1
            if "OMP_NUM_THREADS" not in env:
                env = {**env, "OMP_NUM_THREADS": str(self._threads_per_job())}
            try:
                return self._run(
                    command,
                    env,
                    cwd,
                    on_line,
                    on_start,
                    on_stopping,
                    cancelled,
                    max_runtime,
                    watch_log,
                )
            finally:
                with self._active_lock:
                    self._active -= 1
        finally:
            self._slots.release()

    def kill_all(self) -> int:
        """SIGKILL every running job's process group now; returns how many there were."""
        with self._active_lock:
            processes = list(self._processes)
        for process in processes:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        return len(processes)

    def _run(
        self, command, env, cwd, on_line, on_start, on_stopping, cancelled, max_runtime, watch_log
    ):
        started = time.monotonic()
        Path(cwd).mkdir(parents=True, exist_ok=True)
        watch_read, watch_write = os.pipe()  # both close-on-exec; the read end is passed on
        try:
            process = self._start(command, env, cwd, watch_read, watch_log)
        except BaseException:
            os.close(watch_write)
            raise
        finally:
            os.close(watch_read)
        with self._active_lock:
            self._processes.add(process)
        try:
            return self._follow(
                process, started, on_line, on_start, on_stopping, cancelled, max_runtime
            )
        finally:
            with self._active_lock:
                self._processes.discard(process)
            os.close(watch_write)

    def _start(self, command, env, cwd, watch_read: int, watch_log: str | None):
        """Forked from the warm server when it can, else fresh under ``jobwatch.py``; either
        way the job leads its own process group and ends if this process dies."""
        if self._forks is not None:
            forked = self._forks.spawn(
                command, env=env, cwd=cwd, watch=watch_read, log_path=watch_log
            )
            if forked is not None:
                return forked
        watcher = [sys.executable, "-I", "-S", str(JOBWATCH), str(watch_read), watch_log or "-"]
        return subprocess.Popen(
            [*watcher, "--", *command],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            start_new_session=True,  # its own process group: stop reaches its children too
            pass_fds=(watch_read,),
        )

    def _follow(self, process, started, on_line, on_start, on_stopping, cancelled, max_runtime):
        if on_start:
            on_start(process.pid)
        tail: deque[str] = deque(maxlen=STDERR_TAIL)
        errors: list[Exception] = []

        def pump(stream, name: str) -> None:
            # Keep reading whatever ``on_line`` does: a job whose output is not read blocks.
            # Its first error is raised in the step's thread once the job has ended.
            for raw in stream:
                line = raw.rstrip("\r\n")
                if name == "stderr" and line.strip():
                    tail.append(line)
                if not errors:
                    try:
                        on_line(name, line)
                    except Exception as exc:
                        errors.append(exc)
            stream.close()

        readers = [
            threading.Thread(target=pump, args=(process.stdout, "stdout"), daemon=True),
            threading.Thread(target=pump, args=(process.stderr, "stderr"), daemon=True),
        ]
        exited = threading.Event()

        def wait() -> None:  # wakes the loop below the moment the job exits
            process.wait()
            exited.set()

        readers.append(threading.Thread(target=wait, daemon=True))
        for reader in readers:
            reader.start()
        stopped = timed_out = False
        while not exited.wait(0.05):
            if cancelled():
                stopped = True
                if on_stopping:
                    on_stopping()
                self._terminate(process)
                break
            if max_runtime is not None and time.monotonic() - started > max_runtime:
                timed_out = True
                self._terminate(process)
                break
        for reader in readers:
            reader.join()
        if errors:
            raise errors[0]
        return JobResult(
            process.returncode,
            stopped=stopped,
            timed_out=timed_out,
            duration=time.monotonic() - started,
            stderr_tail=list(tail),
        )

    def _terminate(self, process: subprocess.Popen | ForkedJob) -> None:
        """SIGTERM to the group, then SIGKILL after the grace period."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=self.grace_seconds)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def pid_alive(pid: int | None) -> bool:
    """True if a process with this id exists (it may belong to someone else)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited process its parent has not collected yet)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def end_orphan(pid: int, inside: Path, grace_seconds: float = 5.0) -> bool:
    """Stop a job a dead engine left running: its process group, if ``pid`` still leads
    one and works inside ``inside`` (so a recycled process id is never touched). Linux
    only (it reads /proc); elsewhere it does nothing. True if something was stopped."""
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")
        if os.getpgid(pid) != pid:
            return False
    except OSError:
        return False
    root = os.path.realpath(inside)
    if os.path.commonpath([root, os.path.realpath(cwd)]) != root:
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    return True


# --------------------------------------------------------------------------- files


def link_tree(source: Path, destination: Path) -> None:
    """Make ``destination`` hold ``source`` (a file goes inside it, a folder's content is
    mirrored), hard-linking files where possible and copying otherwise. SageMaker copies
    inputs into the container; hard links give the same view without the copy."""
    source, destination = Path(source), Path(destination)
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    if source.is_file():
        _link_file(source, destination / source.name)
        return
    for path in sorted(source.rglob("*")):
        target = destination / path.relative_to(source)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_file(path, target)


def _link_file(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def pack_model(model_dir: Path, archive: Path) -> None:
    """``model.tar.gz`` of a folder's content, as SageMaker packs ``/opt/ml/model``.

    Deterministic (sorted names, zeroed times and owners), so the same model gives the same
    bytes and steps downstream of an unchanged model stay cache hits.
    """
    archive.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(Path(model_dir).rglob("*")):
            info = tar.gettarinfo(str(path), arcname=path.relative_to(model_dir).as_posix())
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if path.is_file():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    with (
        archive.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz,
    ):
        gz.write(buffer.getvalue())


def unpack_model(archive: Path, destination: Path) -> None:
    """Extract ``model.tar.gz``, refusing members that would land outside ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    root = os.path.realpath(destination)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            target = os.path.realpath(os.path.join(root, member.name))
            if os.path.commonpath([root, target]) != root:
                raise ValueError(f"{archive.name}: unsafe path {member.name!r}")
        tar.extractall(root, filter="data")
