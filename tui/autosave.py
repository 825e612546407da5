"""Saving the session: every change reaches the OS at once, fsync follows off the UI thread.

``write_now`` writes a temporary file in the same folder and renames it over the target, with
no fsync: that is all a killed process needs (the kernel has the bytes), and it takes about a
millisecond, so the app calls it on the UI thread for each change and then tells the writer
(``written``). The writer thread makes it durable against a power cut (fsync of the file and
of its folder) once the changes pause for ``fsync_delay`` seconds, and on ``flush``.

The writer can also write whole jobs itself (``submit``: the newest job per path wins, older
unwritten ones are dropped), for callers that may not block at all.

The outcome of every write is reported through ``on_result(path, error)`` from the writer thread
(``error`` is ``None`` on success), so the app can say honestly whether the last change is saved.

Pure Python (no Textual).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

Producer = Callable[[], "str | None"]
"""Makes the text to write; called on the writer thread (serialising is not the UI's job).
``None`` removes the file instead (in order with the writes queued before it)."""


def write_now(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, without fsync (the caller syncs later)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        try:
            mode = path.stat().st_mode & 0o777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def sync_path(path: Path) -> None:
    """fsync a written file and its folder (the rename)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class AutosaveWriter:
    """One background thread writing the newest snapshot of each file (see the module doc)."""

    def __init__(
        self,
        on_result: Callable[[Path, BaseException | None], None] | None = None,
        *,
        fsync_delay: float = 0.5,
    ) -> None:
        self.on_result = on_result
        self.fsync_delay = fsync_delay
        self._jobs: dict[Path, Producer] = {}
        self._unsynced: set[Path] = set()
        self._busy = False
        self._closed = False
        self._last_job = 0.0
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="sm-wizard-autosave", daemon=True)
        self._thread.start()
        self.writes = 0
        """How many files were written (for tests and measurements)."""
        self.errors: dict[Path, BaseException] = {}
        """Per file, why its last write failed (removed once a write succeeds)."""

    def submit(self, path: Path, produce: Producer) -> None:
        """Queue ``path``'s newest content; returns at once."""
        with self._cond:
            self._jobs[Path(path)] = produce
            self._last_job = time.monotonic()
            self._cond.notify_all()

    def written(self, path: Path) -> None:
        """``path`` was just written by the caller (``write_now``): fsync it once the changes
        pause."""
        with self._cond:
            self._unsynced.add(Path(path))
            self.errors.pop(Path(path), None)
            self._last_job = time.monotonic()
            self._cond.notify_all()

    def idle(self) -> bool:
        """Nothing waiting to be written (fsync may still be due)."""
        with self._cond:
            return not self._jobs and not self._busy

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued job is written and synced; False if that took too long."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._last_job = 0.0  # sync right away
            self._cond.notify_all()
            while self._jobs or self._busy or self._unsynced:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self, timeout: float = 5.0) -> bool:
        done = self.flush(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)
        return done

    # ---------------------------------------------------------------- the thread

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closed:
                    if self._unsynced:
                        wait = self._last_job + self.fsync_delay - time.monotonic()
                        if wait <= 0:
                            break
                        self._cond.wait(wait)
                    else:
                        self._cond.wait()
                if self._closed and not self._jobs and not self._unsynced:
                    return
                jobs, self._jobs = self._jobs, {}
                to_sync = set() if jobs else set(self._unsynced)
                if not jobs:
                    self._unsynced.clear()
                self._busy = True
            for path, produce in jobs.items():
                self._write(path, produce)
            for path in to_sync:
                with contextlib.suppress(OSError):  # a failed sync: the write itself reported
                    sync_path(path)
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _write(self, path: Path, produce: Producer) -> None:
        error: BaseException | None = None
        try:
            text = produce()
            if text is None:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                with self._cond:
                    self._unsynced.discard(path)
                    self.errors.pop(path, None)
                return
            write_now(path, text)
            self.writes += 1
        except Exception as exc:
            error = exc
        with self._cond:
            if error is None:
                self._unsynced.add(path)
                self.errors.pop(path, None)
            else:
                self.errors[path] = error
        if self.on_result is not None:
            with contextlib.suppress(Exception):
                self.on_result(path, error)
