"""Every command the CLI prints for a person to paste survives hostile paths (issue 30).

``init``, ``export`` and ``runs`` run for real with ``--out`` paths holding spaces, quotes,
``$HOME``, ``;touch PWNED``, backticks, a leading ``-`` and a newline; each printed command
is checked with ``bash -n`` and then run in bash, with stub ``sm-wizard`` and ``python``
commands that record the arguments they got: no PWNED file appears and the path arrives
intact.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

HOSTILE = [
    "p;touch PWNED.toml",
    "a b.toml",
    "it's.toml",
    '"q" $HOME.toml',
    "`touch PWNED`.toml",
    "$(touch PWNED).toml",
    "-dash.toml",
    "x\ny.toml",
    "tab\there&.toml",
]

STUB = """#!/bin/sh
printf '%s\\0' "$(basename "$0")" "$(pwd)" "$@" >> "$RECORD"
printf '\\n' >> "$RECORD"
"""


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SM_WIZARD_STATE_DIR": str(cwd / ".state")}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _stubs(tmp: Path) -> Path:
    bin_dir = tmp / "stub-bin"
    bin_dir.mkdir()
    for name in ("sm-wizard", "python"):
        stub = bin_dir / name
        stub.write_text(STUB)
        stub.chmod(0o755)
    return bin_dir


def _paste(command: str, cwd: Path, bin_dir: Path) -> list[list[str]]:
    """``command`` checked by ``bash -n`` then run; the stubs' records (name, cwd, args...)."""
    checked = subprocess.run(["bash", "-n", "-c", command], capture_output=True, text=True)
    assert checked.returncode == 0, (command, checked.stderr)
    record = cwd / ".record"
    record.unlink(missing_ok=True)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "RECORD": str(record),
        "HOME": str(cwd / "home"),
    }
    ran = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True)
    assert ran.returncode == 0, (command, ran.stderr)
    assert not list(cwd.rglob("PWNED*")), f"pasting {command!r} ran an injected command"
    calls = record.read_text().split("\0\n") if record.exists() else []
    return [call.split("\0") for call in calls if call]


def _next_commands(stdout: str, separator: str) -> list[str]:
    """The commands of the ``next:`` text (which may span lines: a quoted newline)."""
    text = stdout[stdout.index("next: ") + len("next: ") :].rstrip("\n")
    first, _, rest = text.partition(separator)
    return [first, rest.rstrip(")")]


@pytest.mark.parametrize("name", HOSTILE)
def test_init_next_commands_are_safe_to_paste(tmp_path: Path, name: str) -> None:
    bin_dir = _stubs(tmp_path)
    result = _cli(["init", "--template", "demo", "--out", name], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / name).is_file()
    plan, run = _next_commands(result.stdout, "   then   ")
    [call] = _paste(plan, tmp_path, bin_dir)
    assert call[0] == "sm-wizard" and call[2] == "plan"
    assert Path(tmp_path, call[3]).resolve() == (tmp_path / name).resolve()
    [call] = _paste(run, tmp_path, bin_dir)
    assert call[2:] == ["run", call[3], "--engine", "local"]
    assert Path(tmp_path, call[3]).resolve() == (tmp_path / name).resolve()


@pytest.mark.parametrize("name", ["p;touch PWNED.toml", "x\ny $HOME.toml"])
def test_blank_init_next_commands_are_safe_to_paste(tmp_path: Path, name: str) -> None:
    bin_dir = _stubs(tmp_path)
    result = _cli(["init", "--template", "blank", "--out", name], tmp_path)
    assert result.returncode == 0, result.stderr
    edit, validate = _next_commands(result.stdout, "   (or fill it in, then ")
    for command, verb in ((edit, "edit"), (validate, "validate")):
        [call] = _paste(command, tmp_path, bin_dir)
        assert call[2] == verb and Path(tmp_path, call[3]).resolve() == (tmp_path / name).resolve()


@pytest.mark.parametrize("name", ["out;touch PWNED", "a 'b' $HOME", "new\nline", "-d `x`"])
def test_export_next_commands_are_safe_to_paste(tmp_path: Path, name: str) -> None:
    bin_dir = _stubs(tmp_path)
    assert _cli(["init", "--template", "demo", "--out", "w.toml"], tmp_path).returncode == 0
    result = _cli(["export", "w.toml", "--out", name], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / name / "pipeline.py").is_file()
    cd_python, run = _next_commands(result.stdout, "   (or: ")
    [call] = _paste(cd_python, tmp_path, bin_dir)
    assert call[0] == "python" and call[2:] == ["pipeline.py", "--help"]
    assert Path(call[1]).resolve() == (tmp_path / name).resolve()  # the cd arrived
    [call] = _paste(run, tmp_path, bin_dir)
    assert call[2:] == ["run", "w.toml"]


def test_runs_hints_are_safe_to_paste(tmp_path: Path) -> None:
    bin_dir = _stubs(tmp_path)
    name = "r;touch PWNED $HOME.toml"
    assert _cli(["init", "--template", "demo", "--out", name], tmp_path).returncode == 0
    result = _cli(["runs", name], tmp_path)
    assert result.returncode == 0, result.stderr
    command = re.search(r"start one with: (.*)", result.stdout, re.S).group(1).rstrip("\n")
    [call] = _paste(command, tmp_path, bin_dir)
    assert call[2:] == ["run", name]


def test_shell_command_quotes_and_guards_a_leading_dash() -> None:
    from cli.options import shell_command

    assert shell_command("sm-wizard", "plan", Path("-x.toml")) == "sm-wizard plan ./-x.toml"
    assert shell_command("cd", Path("a b")) == "cd 'a b'"
    assert json.loads(json.dumps(shell_command("x", "$HOME"))) == "x '$HOME'"
