"""Jobs die with their run (issue 15): SIGTERM and SIGHUP to ``sm-wizard run`` stop it like
Ctrl+C (a final Stopped event naming the signal), and when the runner is killed outright
(``kill -9``) its jobs end too; ``sm-wizard runs`` says what happened. After every signal, no
process of the job's process group is left (read from /proc).

The run is the real CLI on an exported demo whose first step starts a grandchild and sleeps,
so there is always a job (and a job's child) running when the signal comes. Both ways a job
starts are covered: forked from the run's warm server (the default) and fresh under
``jobwatch.py`` (``SM_WIZARD_FORK_JOBS=0``).
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from local_helpers import group_members, make_workspace, wait_until

from cli.main import main

pytestmark = [
    pytest.mark.skipif(
        not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)"
    ),
    # One worker runs the module: each test's clean-up kills what is left of the module's
    # jobs, which must not be another test's jobs still running on another worker.
    pytest.mark.xdist_group("local-signals"),
]

SM_WIZARD = Path(sys.executable).with_name("sm-wizard")
STARTED = "slow step started"
SLEEPER_TAG = "sm-wizard-signals-test"
"""In the command line of the slow step's child, so the clean-up finds this module's
sleepers and no other module's (test_local_forks starts sleepers of its own)."""
SLOW_SCRIPT = f"""# stands in for prepare.py: starts a child, says so, then never ends by itself
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", {SLEEPER_TAG!r}])
print({STARTED!r}, flush=True)
time.sleep(600)
"""


@pytest.fixture(scope="module")
def slow_project(tmp_path_factory) -> Path:
    """An exported demo whose PrepareData step never ends by itself; its config."""
    workspace = make_workspace(tmp_path_factory.mktemp("signals"))
    out = workspace.folder / "proj"
    result = CliRunner().invoke(main, ["export", str(workspace.config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (out / "code" / "prepare.py").write_text(SLOW_SCRIPT)
    return out / "wizard.toml"


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def fork_servers_of(parent: int) -> list[int]:
    """The fork servers ``parent`` started (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rpartition(")")[2].split()[1])
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if ppid == parent and b"forkserver.py" in cmdline:
                found.append(int(entry))
    return found


class Runner:
    """``sm-wizard run CONFIG --json`` in a child process, its events read as they come."""

    def __init__(self, config: Path, fork: bool = True) -> None:
        self.config = config
        self.process = subprocess.Popen(
            [str(SM_WIZARD), "run", str(config), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "SM_WIZARD_FORK_JOBS": "1" if fork else "0"},
        )
        self.events: queue.Queue[dict] = queue.Queue()
        self.seen: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.events.put(json.loads(line))

    def wait_for(self, predicate, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None and self.events.empty():
                    break
                continue
            self.seen.append(event)
            if predicate(event):
                return event
        raise AssertionError(f"no such event; saw {self.seen[-5:]}")

    def drain(self) -> list[dict]:
        while not self.events.empty():
            self.seen.append(self.events.get())
        return self.seen


def start_slow_run(config: Path, fork: bool = True) -> tuple[Runner, Path, int]:
    """A run whose slow job (and its child) is running: the runner, run folder, job pgid."""
    runner = Runner(config, fork)
    first = runner.wait_for(lambda e: e["type"] == "execution")
    run_dir = config.parent / ".sm-wizard" / "runs" / first["id"]
    runner.wait_for(lambda e: e["type"] == "log" and e["line"] == STARTED)
    step = json.loads((run_dir / "steps" / "PrepareData" / "step.json").read_text())
    pgid = step["pids"][0]
    # the step's script and the script's own child (and, started fresh, its watcher)
    wait_until(lambda: len(group_members(pgid)) >= 2, 20, "the job's processes")
    return runner, run_dir, pgid


def runs_line(config: Path, run_id: str) -> str:
    result = CliRunner().invoke(main, ["runs", str(config)])
    assert result.exit_code == 0, result.output
    return next(line for line in result.output.splitlines() if line.startswith(run_id))


@pytest.fixture(autouse=True)
def _no_job_left_behind(slow_project: Path):
    yield
    # belt and braces for a failed assertion: nothing a test started may outlive it. Only this
    # module's own jobs (the sleeper, and processes working inside its project): other tests'
    # jobs, on other xdist workers, must not be touched.
    ours = os.path.realpath(slow_project.parent)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
                cwd = os.readlink(f"/proc/{entry}/cwd")
            except OSError:
                continue
            if SLEEPER_TAG.encode() in cmdline or cwd.startswith(ours + os.sep):
                with contextlib.suppress(OSError):
                    os.kill(int(entry), signal.SIGKILL)


@pytest.mark.parametrize(
    ("signum", "fork"),
    [(signal.SIGTERM, True), (signal.SIGHUP, True), (signal.SIGTERM, False)],
    ids=["SIGTERM", "SIGHUP", "SIGTERM-fresh"],
)
def test_a_signal_stops_the_run_like_ctrl_c(slow_project: Path, signum: int, fork: bool) -> None:
    runner, run_dir, pgid = start_slow_run(slow_project, fork)
    runner.process.send_signal(signum)
    assert runner.process.wait(timeout=60) == 130
    name = signal.Signals(signum).name
    events = runner.drain()
    last = events[-1]
    assert last["type"] == "execution" and last["status"] == "Stopped"
    assert last["reason"] == f"stopped: {name}"
    steps = [(e["step"], e["status"]) for e in events if e["type"] == "step"]
    assert ("PrepareData", "Stopped") in steps
    wait_until(lambda: not group_members(pgid), 20, "the job's processes to end")
    info = json.loads((run_dir / "run.json").read_text())
    assert info["status"] == "Stopped" and info["reason"] == f"stopped: {name}"
    assert f"Stopped     try 1  stopped: {name}" in runs_line(slow_project, run_dir.name)
    recorded = (run_dir / "events.jsonl").read_text().splitlines()
    assert json.loads(recorded[-1])["reason"] == f"stopped: {name}"


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "fresh"])
def test_killing_the_runner_ends_its_jobs(slow_project: Path, fork: bool) -> None:
    runner, run_dir, pgid = start_slow_run(slow_project, fork)
    servers = fork_servers_of(runner.process.pid)
    assert len(servers) == (1 if fork else 0)
    runner.process.kill()  # SIGKILL: nothing in the runner gets to run
    assert runner.process.wait(timeout=30) == -signal.SIGKILL
    # the job's watcher (the fork server, or jobwatch.py) sees the runner's end and stops
    # the job and its child
    wait_until(lambda: not group_members(pgid), 20, "the job's processes to end")
    log = (run_dir / "steps" / "PrepareData" / "logs.txt").read_text()
    assert "[sm-wizard] the run's process ended while this job was running" in log
    wait_until(lambda: not any(alive(pid) for pid in servers), 20, "the fork server to end")
    line = runs_line(slow_project, run_dir.name)
    assert "Interrupted" in line and "runner killed" in line


def test_the_monitor_stops_the_run_on_sigterm(slow_project: Path) -> None:
    """Without --headless (the TUI monitor, on a terminal): the app exits, the run stops."""
    master, slave = pty.openpty()
    runs = slow_project.parent / ".sm-wizard" / "runs"
    before = set(runs.iterdir()) if runs.exists() else set()
    process = subprocess.Popen(
        [str(SM_WIZARD), "run", str(slow_project)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"},
        start_new_session=True,
    )
    os.close(slave)
    screen = bytearray()

    def read_screen() -> None:
        while True:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                screen.extend(chunk)
            elif process.poll() is not None:
                return

    reader = threading.Thread(target=read_screen, daemon=True)
    reader.start()
    try:

        def started() -> Path | None:
            for run_dir in set(runs.iterdir()) - before if runs.exists() else ():
                log = run_dir / "steps" / "PrepareData" / "logs.txt"
                if log.exists() and STARTED in log.read_text():
                    return run_dir
            return None

        run_dir = wait_until(started, 60, "the slow step to start")
        pgid = json.loads((run_dir / "steps" / "PrepareData" / "step.json").read_text())["pids"][0]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 130
        reader.join(10)
        wait_until(lambda: not group_members(pgid), 20, "the job's processes to end")
        last = json.loads((run_dir / "events.jsonl").read_text().splitlines()[-1])
        assert last["type"] == "execution" and last["status"] == "Stopped"
        assert last["reason"] == "stopped: SIGTERM"
        assert b"Stopped (stopped: SIGTERM)" in bytes(screen)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
