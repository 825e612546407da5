"""The headless verbs, run in-process through click's runner (exit codes per docs/ARCHITECTURE.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from wizard.stages import STAGE_IDS


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_init_validate_plan(tmp_path: Path):
    out = tmp_path / "w.toml"
    result = invoke("init", "--template", "demo", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "breast_cancer.csv").exists()
    assert invoke("validate", str(out)).exit_code == 0
    plan = invoke("plan", str(out))
    assert plan.exit_code == 0 and "Train" in plan.output and "estimated cost" in plan.output
    data = json.loads(invoke("plan", str(out), "--json").output)
    assert data["steps"][0]["name"] == "PrepareData"
    assert data["cost"]["per_run"]["typical"] > 0


def test_init_refuses_to_overwrite(tmp_path: Path):
    out = tmp_path / "w.toml"
    assert invoke("init", "--out", str(out)).exit_code == 0
    result = invoke("init", "--out", str(out))
    assert result.exit_code == 2 and "already exists" in result.output
    assert invoke("init", "--out", str(out), "--force").exit_code == 0


def test_regression_demo_is_valid(tmp_path: Path):
    out = tmp_path / "r.toml"
    assert invoke("init", "--template", "regression-demo", "--out", str(out)).exit_code == 0
    assert invoke("validate", str(out)).exit_code == 0


def test_blank_lists_what_to_fill(tmp_path: Path):
    out = tmp_path / "b.toml"
    invoke("init", "--template", "blank", "--out", str(out))
    result = invoke("validate", str(out))
    assert result.exit_code == 2
    assert "data_collection.input_uri" in result.output
    assert "data_collection.target_column" in result.output
    # recommend reads only [profile], so it works on an unfinished file
    assert invoke("recommend", str(out), "--json").exit_code == 0


def test_validate_bad_file_exit_2(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("schema_version = 1\n[project]\nname = 'bad name'\n")
    result = invoke("validate", str(bad))
    assert result.exit_code == 2
    assert "project.name" in result.output
    corrupt = tmp_path / "corrupt.toml"
    corrupt.write_text("[project\n")
    result = invoke("validate", str(corrupt))
    assert result.exit_code == 2 and "not valid TOML" in result.output
    assert invoke("validate", str(tmp_path / "missing.toml")).exit_code == 2


def test_recommend_json_contract(demo_file: Path):
    result = invoke("recommend", str(demo_file), "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert [s["stage"] for s in data["stages"]] == list(STAGE_IDS)
    for stage in data["stages"]:
        for pick in stage["recommended"] + stage["alternatives"]:
            assert set(pick) == {"service", "reason"} and pick["reason"]


def test_recommend_human_readable(demo_file: Path):
    result = invoke("recommend", str(demo_file))
    assert result.exit_code == 0 and "Model training" in result.output


def test_catalog(tmp_path: Path):
    data = json.loads(invoke("catalog", "--json").output)
    ids = {s["id"] for s in data["services"]}
    assert {"s3", "pipelines", "clarify", "serverless-inference"} <= ids
    staged = json.loads(invoke("catalog", "--stage", "tuning", "--json").output)
    assert [s["id"] for s in staged["services"]] == ["automatic-model-tuning"]
    result = invoke("catalog", "--stage", "nope")
    assert result.exit_code == 2 and "unknown stage" in result.output
    assert "docs:" in invoke("catalog", "--stage", "training").output


def test_plan_on_invalid_config_exit_2(tmp_path: Path, demo_doc):
    from wizard.store import write_document

    demo_doc["training"]["instance_count"] = -3
    path = tmp_path / "w.toml"
    write_document(path, demo_doc)
    result = invoke("plan", str(path))
    assert result.exit_code == 2 and "training.instance_count" in result.output


ENTRY = """
import atexit, sys, threading, time
from cli.main import entry
atexit.register(print, "atexit ran")

def late():
    time.sleep(0.2)
    print("thread finished", flush=True)

threading.Thread(target=late).start()
sys.argv = ["sm-wizard", *sys.argv[1:]]
entry()
"""


@pytest.mark.parametrize(
    ("args", "code", "stderr"),
    [
        (["catalog", "--json"], 0, ""),
        (["validate", "missing.toml"], 2, "error: missing.toml: no such file"),
    ],
)
def test_the_command_ends_as_the_interpreter_would(tmp_path: Path, args, code, stderr) -> None:
    """``sm-wizard`` (``cli.main:entry``) skips the modules' teardown and nothing else: the
    whole output, piped, arrives; threads and atexit handlers finish; the exit status holds."""
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, *args], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == code, done.stderr
    assert done.stderr.startswith(stderr)
    lines = done.stdout.splitlines()
    # the thread was waited for and the atexit handler ran last; when the thread prints
    # (before, inside or after the command's output) depends on the machine's load
    assert lines[-1] == "atexit ran" and lines.count("thread finished") == 1
    if args[0] == "catalog":  # the JSON, longer than the stream's buffer, is whole
        assert len(done.stdout) > 8192
        own = [line for line in lines[:-1] if line != "thread finished"]
        assert json.loads("\n".join(own))


def test_cli_modules_import_neither_tui_nor_textual() -> None:
    """Every ``cli`` module loads without ``tui`` or Textual: the interactive verbs import
    the screens inside the command, so headless verbs (and ``--help``) never pay for them.
    ``cli.served`` is the ``serve`` verb's web server (textual-serve, which loads rich); only
    that verb imports it, inside the command."""
    probe = (
        "import pkgutil, importlib, sys, cli, cli.commands\n"
        "for package in (cli, cli.commands):\n"
        "    for info in pkgutil.iter_modules(package.__path__, package.__name__ + '.'):\n"
        "        if info.name != 'cli.served':\n"
        "            importlib.import_module(info.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tui', 'textual', 'rich')))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
