"""Runs one local job, and ends it if the engine that started it dies (``kill -9`` included).

    python -I -S jobwatch.py FD LOG -- COMMAND...

The engine keeps the write end of a pipe whose read end is ``FD`` here, and never writes to it.
While the engine lives, reading ``FD`` blocks; when its process ends, however it ends, the kernel
closes the write end and the read returns: this process then sends SIGTERM to its process group
(the job and anything the job started), SIGKILL after ``GRACE_SECONDS``, and appends a line
saying so to ``LOG`` (the step's log; ``-`` for none).

This process leads the job's process group (the engine starts it in a new session), so the
engine's own stop (SIGTERM to the group, then SIGKILL) reaches it and the job alike; it ignores
that SIGTERM itself, waits for the job, and exits as the job did. A standalone script on the
standard library alone (``-S``: no site-packages), so it starts in a few milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

GRACE_SECONDS = 5.0


def _end_group(job: subprocess.Popen, log: str) -> None:
    if log != "-":
        with contextlib.suppress(OSError), open(log, "a", encoding="utf-8") as handle:
            handle.write(
                f"[sm-wizard] the run's process ended while this job was running (process "
                f"{os.getpid()}): stopping the job (SIGTERM, then SIGKILL after "
                f"{GRACE_SECONDS:g} s)\n"
            )
    leader = os.getpgid(0) == os.getpid()  # never signal a group this process does not lead

    def send(signum: int) -> None:
        with contextlib.suppress(OSError):
            if leader:
                os.killpg(0, signum)
            else:
                os.kill(job.pid, signum)

    send(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    while job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    send(signal.SIGKILL)  # the job's own children, and this process


def _watch(fd: int, job: subprocess.Popen, log: str) -> None:
    try:
        while os.read(fd, 1):  # the engine never writes: only EOF (its death) returns
            pass
    except OSError:
        pass
    # poll() answers None while the main thread is inside wait(): give a job that is ending
    # anyway a moment to be reaped instead of calling it orphaned
    try:
        job.wait(timeout=0.5)
    except subprocess.TimeoutExpired:
        _end_group(job, log)


def main(argv: list[str]) -> int:
    if len(argv) < 5 or argv[3] != "--":
        print("usage: jobwatch.py FD LOG -- COMMAND...", file=sys.stderr)
        return 2
    fd, log, command = int(argv[1]), argv[2], argv[4:]
    # A Python handler, not SIG_IGN: the job must get SIGTERM's default action, and handlers
    # (unlike SIG_IGN) are reset in a child at exec.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        job = subprocess.Popen(command)  # same process group; FD is not inherited
    except OSError as exc:
        print(f"cannot start the job: {exc}", file=sys.stderr)
        return 127
    threading.Thread(target=_watch, args=(fd, job, log), daemon=True).start()
    code = job.wait()
    if code < 0:  # ended by a signal: end the same way, so the engine sees what the job saw
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
