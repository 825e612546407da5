"""A job forked from the run's warm server is the same job as ``python SCRIPT ARGS...``.

Each test runs the same script both ways (through ``JobRunner`` with and without the fork
server) where it can, and compares what the job saw and did; the rest check what only the
forked path has: who may be forked, and what happens when the server dies or is not needed.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path

import pytest
from local_helpers import group_members, wait_until

from runners.local import forkclient
from runners.local.forkclient import ForkServer, script_imports, shared_server
from runners.local.jobs import BASE_ENV, JobRunner
from runners.local.project import template_scripts

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="forking is POSIX only"),
    pytest.mark.xdist_group("local-forks"),  # one worker starts the module's server
]

PROBE = """
import json, os, sys
import neighbour
import numpy as np
import threadpoolctl
try:
    import jobwatch
    leaked = True
except ImportError:
    leaked = False
print(json.dumps({
    "name": __name__,
    "argv": sys.argv,
    "cwd": os.getcwd(),
    "path0": sys.path[0],
    "answer": os.environ.get("ANSWER"),
    "neighbour": neighbour.VALUE,
    "leaked": leaked,
    "random": float(np.random.random()),
    "threads": {i["user_api"]: i["num_threads"] for i in threadpoolctl.threadpool_info()},
    "stdin": sys.stdin.read(),
}))
print("to stderr", file=sys.stderr)
sys.exit(int(os.environ.get("EXIT", "0")))
"""


DATA_LIBRARIES = ["numpy", "pandas", "sklearn.ensemble"]
"""What the probe's server imports ahead (scikit-learn brings its OpenMP thread pool)."""


@pytest.fixture(scope="module")
def server():
    forks = ForkServer(sys.executable, {**os.environ, **BASE_ENV}, preload=DATA_LIBRARIES)
    yield forks
    forks.close()


@pytest.fixture
def script(tmp_path: Path) -> Path:
    code = tmp_path / "code"
    code.mkdir()
    (code / "neighbour.py").write_text("VALUE = 42\n")
    path = code / "probe.py"
    path.write_text(PROBE)
    return path


def run(
    command,
    *,
    forks=None,
    env=None,
    cwd: Path,
    cancel=None,
    max_runtime=None,
    on_first_line=None,
    runner: JobRunner | None = None,
):
    """Run one job to its end: (JobResult, its lines by stream, [its pid])."""
    lines: dict[str, list[str]] = {"stdout": [], "stderr": []}
    pids: list[int] = []

    def on_line(stream: str, line: str) -> None:
        lines[stream].append(line)
        if on_first_line is not None and len(lines["stdout"]) == 1 and stream == "stdout":
            on_first_line()

    runner = runner or JobRunner(2, threading.Event(), grace_seconds=2, forks=forks)
    result = runner.run(
        command,
        env={**os.environ, **BASE_ENV, **(env or {})},
        cwd=cwd,
        on_line=on_line,
        on_start=pids.append,
        cancel=cancel,
        max_runtime=max_runtime,
    )
    return result, lines, pids


def test_a_forked_job_sees_what_a_fresh_one_sees(server, script: Path, tmp_path: Path) -> None:
    command = [sys.executable, str(script), "--alpha", "1"]
    env = {"ANSWER": "yes", "EXIT": "3", "OMP_NUM_THREADS": "2"}
    seen = {}
    for forks in (server, None):
        result, lines, _ = run(command, forks=forks, env=env, cwd=tmp_path / "work")
        assert result.returncode == 3, lines
        assert lines["stderr"] == ["to stderr"]
        seen[forks is not None] = json.loads(lines["stdout"][0])
    forked, fresh = seen[True], seen[False]
    assert server.preloaded == [*DATA_LIBRARIES, "threadpoolctl"]
    for key in ("name", "argv", "cwd", "path0", "answer", "neighbour", "leaked", "stdin"):
        assert forked[key] == fresh[key], key
    assert forked["name"] == "__main__" and forked["argv"] == [str(script), "--alpha", "1"]
    assert forked["path0"] == str(script.parent) and forked["leaked"] is False
    # OMP_NUM_THREADS applied after the fork, to every thread pool loaded (the forked job has
    # scikit-learn's OpenMP loaded already; the fresh one only numpy's BLAS)
    assert forked["threads"]["blas"] == fresh["threads"]["blas"] == 2
    assert set(forked["threads"].values()) == {2}


def test_each_forked_job_draws_its_own_random_numbers(server, script, tmp_path) -> None:
    draws = {
        json.loads(run([sys.executable, str(script)], forks=server, cwd=tmp_path)[1]["stdout"][0])[
            "random"
        ]
        for _ in range(3)
    }
    assert len(draws) == 3


def test_jobs_that_end_at_once_are_still_waited_for(server, tmp_path: Path) -> None:
    """Twelve jobs at once that end as soon as they start, each with its own exit code. A
    job's end can be read before the thread that asked for it has woken up with its process
    id; the end travels with the reply, so it cannot be lost (a race, so not every run can
    show it: this checks that many quick jobs at once each get their own code back)."""
    script = tmp_path / "quick.py"
    script.write_text("import sys\nsys.exit(int(sys.argv[1]))\n")
    runner = JobRunner(4, threading.Event(), forks=server)
    results = {}

    def one(code: int) -> None:
        results[code] = run([sys.executable, str(script), str(code)], cwd=tmp_path, runner=runner)

    threads = [threading.Thread(target=one, args=(code,)) for code in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert {code: result[0].returncode for code, result in results.items()} == {
        code: code for code in range(12)
    }


def both_ways(server, script: Path, cwd: Path) -> dict[bool, tuple]:
    """{forked?: (JobResult, lines)} of ``python SCRIPT`` run forked, then fresh."""
    ran = {}
    for forks in (server, None):
        result, lines, _ = run([sys.executable, str(script)], forks=forks, cwd=cwd)
        ran[forks is not None] = (result, lines)
    return ran


def test_a_failing_script_reports_from_its_own_frames(server, tmp_path: Path) -> None:
    script = tmp_path / "fails.py"
    script.write_text("import pandas\n\ndef load():\n    raise KeyError('target')\n\nload()\n")
    ran = both_ways(server, script, tmp_path)
    for result, lines in ran.values():
        assert result.returncode == 1
        assert lines["stderr"][0] == "Traceback (most recent call last):"
        assert "forkserver" not in "\n".join(lines["stderr"]) and "runpy" not in lines["stderr"][1]
    assert ran[True][0].stderr_tail == ran[False][0].stderr_tail
    assert ran[True][0].stderr_tail[-1] == "KeyError: 'target'"


def test_a_script_that_does_not_compile_reports_as_python_does(server, tmp_path: Path) -> None:
    script = tmp_path / "typo.py"
    script.write_text("import pandas\n\ndef load(:\n    pass\n")
    ran = both_ways(server, script, tmp_path)
    assert [result.returncode for result, _ in ran.values()] == [1, 1]
    forked, fresh = ran[True][1]["stderr"], ran[False][1]["stderr"]
    assert forked == fresh
    assert forked[0] == f'  File "{script}", line 3' and "SyntaxError" in forked[-1]


ENDING = """
import atexit, sys, threading, time
log = open("unclosed.txt", "w")  # never closed: the interpreter's end flushes it
log.write("written, never flushed\\n")
atexit.register(print, "atexit ran")

def late():
    time.sleep(0.2)
    print("thread finished", flush=True)

threading.Thread(target=late).start()  # not a daemon: the process waits for it
print("main done")
sys.exit(sys.argv[1] if len(sys.argv) > 1 else None)
"""


@pytest.mark.parametrize("argument", ["", "a message"])
def test_a_forked_job_ends_as_a_fresh_one_does(server, tmp_path: Path, argument: str) -> None:
    """The forked job skips the modules' teardown, nothing else: it waits for its threads,
    runs its atexit handlers, flushes what it left open, and exits with the same code."""
    script = tmp_path / "ending.py"
    script.write_text(ENDING)
    ends = {}
    for forks in (server, None):
        work = tmp_path / ("forked" if forks else "fresh")
        work.mkdir()
        command = [sys.executable, str(script), *([argument] if argument else [])]
        result, lines, _ = run(command, forks=forks, cwd=work)
        unclosed = (work / "unclosed.txt").read_text()
        ends[forks is not None] = (result.returncode, lines, unclosed)
    assert ends[True] == ends[False]
    returncode, lines, unclosed = ends[True]
    assert lines["stdout"] == ["main done", "thread finished", "atexit ran"]
    assert unclosed == "written, never flushed\n"
    assert (returncode, lines["stderr"]) == ((1, ["a message"]) if argument else (0, []))


SLEEPER = (
    "import subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
    "print('started', flush=True)\n"
    "time.sleep(600)\n"
)


@pytest.mark.parametrize("how", ["stop", "max_runtime"])
def test_a_stopped_or_timed_out_forked_job_ends_with_its_child(server, tmp_path, how) -> None:
    script = tmp_path / "sleeps.py"
    script.write_text(SLEEPER)
    cancel = threading.Event()
    outcome = run(
        [sys.executable, str(script)],
        forks=server,
        cwd=tmp_path,
        cancel=cancel,
        max_runtime=1 if how == "max_runtime" else None,
        on_first_line=cancel.set if how == "stop" else None,
    )
    result, lines, pids = outcome
    assert lines["stdout"] == ["started"]
    assert result.returncode == -signal.SIGTERM  # SIGTERM to the group, as SageMaker does
    assert result.stopped if how == "stop" else result.timed_out
    wait_until(lambda: not group_members(pids[0]), 20, "the job and its child to end")


def test_only_python_scripts_with_the_same_start_up_settings_are_forked(tmp_path) -> None:
    script = tmp_path / "parent.py"
    script.write_text("import os\nprint(open(f'/proc/{os.getppid()}/cmdline').read())\n")
    env = {**os.environ, **BASE_ENV}
    server = ForkServer(sys.executable, env)
    assert server.eligible([sys.executable, str(script)], env)
    assert not server.eligible([sys.executable, "-c", "pass"], env)
    assert not server.eligible(["/bin/echo", str(script)], env)
    assert not server.eligible([sys.executable, str(script)], {**env, "PYTHONPATH": "/elsewhere"})
    assert not server.eligible([sys.executable, str(script)], {**env, "LD_PRELOAD": "x.so"})
    # a job that may not fork still runs, fresh (its parent is jobwatch.py, not the server),
    # and no server is started for it
    result, lines, _ = run(
        [sys.executable, str(script)], forks=server, env={"PYTHONPATH": str(tmp_path)}, cwd=tmp_path
    )
    assert result.ok and "jobwatch.py" in lines["stdout"][0]
    assert server._process is None
    result, lines, _ = run([sys.executable, str(script)], forks=server, cwd=tmp_path)
    assert result.ok and "forkserver.py" in lines["stdout"][0]
    server.close()


def test_a_dead_server_ends_its_jobs_and_later_jobs_start_fresh(tmp_path: Path) -> None:
    forks = ForkServer(sys.executable, {**os.environ, **BASE_ENV})
    try:
        script = tmp_path / "sleeps.py"
        script.write_text("import time\nprint('started', flush=True)\ntime.sleep(600)\n")
        killed = lambda: os.kill(forks._process.pid, signal.SIGKILL)  # noqa: E731
        result, _, pids = run(
            [sys.executable, str(script)], forks=forks, cwd=tmp_path, on_first_line=killed
        )
        assert result.returncode == -signal.SIGKILL  # its end can no longer be known: ended
        wait_until(lambda: not group_members(pids[0]), 20, "the orphaned job to end")
        quick = tmp_path / "quick.py"
        quick.write_text("print('fresh')\n")
        result, lines, _ = run([sys.executable, str(quick)], forks=forks, cwd=tmp_path)
        assert result.ok and lines["stdout"] == ["fresh"]
    finally:
        forks.close()


def test_closing_a_server_still_importing_ends_it_at_once() -> None:
    forks = ForkServer(sys.executable, {**os.environ, **BASE_ENV}, preload=DATA_LIBRARIES)
    forks.start()
    forks.close()
    assert forks._process is not None and forks._process.returncode is not None
    unused = ForkServer(sys.executable, {**os.environ, **BASE_ENV})
    unused.close()  # never started: nothing to end
    assert unused._process is None


def test_the_server_imports_what_the_scripts_import_of_the_data_libraries(tmp_path) -> None:
    (tmp_path / "top.py").write_text(
        "import os, numpy as np\n"
        "from sklearn import metrics\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "from . import sibling\n"
        "import helpers  # the project's own module: never imported ahead\n"
    )
    (tmp_path / "late.py").write_text(
        "def main():\n    import xgboost\n    from pandas import *\n    import numpy\n"
    )
    (tmp_path / "broken.py").write_text("import pandas\nthis is not python\n")
    scripts = [tmp_path / n for n in ("top.py", "late.py", "broken.py", "missing.py")]
    assert script_imports(scripts) == [
        "numpy",
        "sklearn",
        "sklearn.metrics",
        "sklearn.ensemble",
        "sklearn.ensemble.RandomForestClassifier",  # not a module: the server skips it
        "xgboost",
        "pandas",
    ]
    # the step scripts a demo run starts import the data libraries the server preloads
    demo = set(script_imports(template_scripts().values()))
    assert {"numpy", "pandas", "sklearn.ensemble", "xgboost"} <= demo


def test_a_run_whose_scripts_import_no_data_library_forks_a_bare_interpreter(
    tmp_path: Path,
) -> None:
    script = tmp_path / "plain.py"
    script.write_text(
        "import sys\nprint(sorted(m for m in ('numpy', 'pandas') if m in sys.modules))\n"
    )
    # only libraries of PRELOADABLE are ever imported by the server, whatever it is asked
    forks = ForkServer(
        sys.executable, {**os.environ, **BASE_ENV}, preload=[*script_imports([script]), "json"]
    )
    try:
        result, lines, _ = run([sys.executable, str(script)], forks=forks, cwd=tmp_path)
        assert result.ok and lines["stdout"] == ["[]"]
        assert forks.preloaded == []
    finally:
        forks.close()


def test_runs_of_a_process_share_a_warm_server_while_it_is_usable(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(forkclient, "_shared", {})
    script = tmp_path / "parent.py"
    script.write_text("import os\nprint(os.getppid())\n")
    env = {**os.environ, **BASE_ENV}
    first = shared_server(sys.executable, env, ["numpy"])
    try:
        # another run, another state folder and test name: the same server
        assert (
            shared_server(sys.executable, {**env, "SM_WIZARD_STATE_DIR": "/x"}, ["numpy"]) is first
        )
        # other imports, or a variable a library reads as it loads: a server of their own
        assert shared_server(sys.executable, env, ["numpy", "pandas"]) is not first
        assert (
            shared_server(sys.executable, {**env, "OMP_NUM_THREADS": "7"}, ["numpy"]) is not first
        )
        parents = set()
        for _ in range(2):  # two runs, one after the other
            runner = JobRunner(1, threading.Event(), grace_seconds=2, forks=first)
            result, lines, _ = run([sys.executable, str(script)], cwd=tmp_path, runner=runner)
            assert result.ok
            parents.add(int(lines["stdout"][0]))
        assert parents == {first._process.pid}
        os.kill(first._process.pid, signal.SIGKILL)  # a server that died is replaced
        wait_until(lambda: not first.usable, 20, "the client to see its server end")
        replacement = shared_server(sys.executable, env, ["numpy"])
        assert replacement is not first and first._process.returncode == -signal.SIGKILL
        result, lines, _ = run([sys.executable, str(script)], cwd=tmp_path, forks=replacement)
        assert result.ok and int(lines["stdout"][0]) == replacement._process.pid
    finally:
        forkclient.close_shared_servers()
    assert replacement._process.returncode is not None


@pytest.mark.parametrize(
    ("value", "platform", "expected"),
    [
        ("", "linux", True),
        ("", "darwin", False),  # fork without exec is unsafe with macOS system frameworks
        ("1", "darwin", True),
        ("0", "linux", False),
        ("off", "linux", False),
    ],
)
def test_jobs_fork_by_default_on_linux_only(monkeypatch, value, platform, expected) -> None:
    monkeypatch.setenv(forkclient.FORK_JOBS_VARIABLE, value)
    monkeypatch.setattr(forkclient.sys, "platform", platform)
    assert forkclient.fork_jobs_by_default() is expected
