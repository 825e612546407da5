"""The suite's preloaded runner (``tests/preloaded.py``) behaves as ``subprocess.run`` does
for the commands it is used for: output, exit codes, the environment, the working folder,
``sys.argv`` and ``sys.path``, timeouts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import preloaded
import pytest

pytestmark = preloaded.SHARED_SERVER

SCRIPT = """\
import json, os, sys
print(json.dumps({"argv": sys.argv, "cwd": os.getcwd(), "path0": sys.path[0],
                  "tests_on_path": any(p.endswith("tests") for p in sys.path),
                  "flag": os.environ.get("PRELOADED_FLAG"), "name": __name__}))
print("to stderr ✓", file=sys.stderr)
sys.exit(int(sys.argv[1]))
"""


def _both(tmp_path: Path, *args: str, env: dict[str, str]) -> tuple:
    (tmp_path / "script.py").write_text(SCRIPT, "utf-8")
    command = [sys.executable, "script.py", *args]
    fresh = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    forked = preloaded.run(command, cwd=tmp_path, env=env, timeout=60)
    return fresh, forked


def test_a_script_sees_what_a_fresh_interpreter_sees(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PRELOADED_FLAG": "on"}
    fresh, forked = _both(tmp_path, "3", "two words", env=env)
    assert forked.returncode == fresh.returncode == 3
    assert json.loads(forked.stdout) == json.loads(fresh.stdout)
    assert json.loads(forked.stdout)["argv"] == ["script.py", "3", "two words"]
    assert json.loads(forked.stdout)["name"] == "__main__"
    assert not json.loads(forked.stdout)["tests_on_path"]  # no test module leaks in
    assert forked.stderr == fresh.stderr == "to stderr ✓\n"


def test_an_uncaught_exception_exits_1_with_its_traceback(tmp_path: Path) -> None:
    (tmp_path / "boom.py").write_text("raise ValueError('broken on purpose')\n")
    done = preloaded.run([sys.executable, "boom.py"], cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert "ValueError: broken on purpose" in done.stderr
    assert "Traceback" in done.stderr


def test_a_module_runs_with_dash_m(tmp_path: Path) -> None:
    (tmp_path / "hello.py").write_text("import sys\nprint('hello', sys.argv[1:])\n")
    done = preloaded.run([sys.executable, "-m", "hello", "x"], cwd=tmp_path, timeout=60)
    assert (done.returncode, done.stdout) == (0, "hello ['x']\n")


def test_a_timeout_stops_the_child_and_raises_like_subprocess(tmp_path: Path) -> None:
    (tmp_path / "hang.py").write_text(
        "import time\nprint('started', flush=True)\ntime.sleep(600)\n"
    )
    with pytest.raises(subprocess.TimeoutExpired) as stopped:
        preloaded.run([sys.executable, "hang.py"], cwd=tmp_path, timeout=1)
    assert stopped.value.output == "started\n"


def test_only_this_interpreters_commands_are_taken(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="this interpreter"):
        preloaded.run(["/bin/echo", "hi"], cwd=tmp_path)
