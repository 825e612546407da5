"""Hostile and unlucky input through the real CLI entry: never a traceback, always exit 2 and a
sentence naming the problem (issue 15: bounded input, unwritable folders).

Most cases run in-process through click's CliRunner (fast); the ones that need a real process
(a FIFO that would hang, /dev/zero, memory) run ``sm-wizard`` as a subprocess with a timeout.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import main
from wizard.errors import StoreError
from wizard.limits import (
    MAX_CONFIG_BYTES,
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_KEY_CHARS,
    MAX_KEY_PARTS,
    check_config_text,
    read_config_bytes,
)
from wizard.store import read_document
from wizard.templates import write_template_data

SM_WIZARD = Path(sys.executable).with_name("sm-wizard")

HOSTILE: dict[str, str] = {
    "nested arrays": "v = " + "[" * 1000 + "]" * 1000 + "\n",
    "nested inline tables": "v = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n",
    "a 4,301-digit integer": "[profile]\nmodels_count = " + "1" * 4301 + "\n",
    "a hex integer of 5,000 digits": "[profile]\nmodels_count = 0x" + "f" * 5000 + "\n",
    "an integer past 64 bits": "[profile]\nmodels_count = 99999999999999999999\n",
    "a dotted key of 20,000 parts": ".".join(["a"] * 20_000) + " = 1\n",
    "a table header of 20,000 parts": "[" + ".".join(["a"] * 20_000) + "]\n",
    "a key of 100,000 characters": "k" * 100_000 + " = 1\n",
    "a quoted key of 100,000 characters": '"' + "k" * 100_000 + '" = 1\n',
    "200,000 keys": "".join(f"k{i} = 1\n" for i in range(120_000))[: MAX_CONFIG_BYTES - 10],
    "an array of 400,000 items": "v = [" + "1," * 400_000 + "]\n",
    "deep nesting after 100,000 harmless lines": "#\n" * 100_000
    + "v = "
    + "[" * 100
    + "]" * 100
    + "\n",
}


def _cpu(func, *args) -> float:
    """CPU seconds ``func`` takes (not wall time: 7 sessions share 2 cores here)."""
    started = time.process_time()
    func(*args)
    return time.process_time() - started


# --------------------------------------------------------------------------- the limits


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_is_refused_quickly_with_its_line(name: str) -> None:
    data = HOSTILE[name].encode()
    assert len(data) <= MAX_CONFIG_BYTES
    with pytest.raises(StoreError) as caught:
        check_config_text(data, "wizard.toml")
    message = caught.value.message
    assert message.startswith("wizard.toml")
    if "keys and values" not in message:  # the count is of the whole file; the rest name a line
        assert re.match(r"wizard\.toml line \d+", message), message
    assert len(message) < 400  # a sentence, never the input repeated

    def refuse() -> None:
        with pytest.raises(StoreError):
            check_config_text(data, "wizard.toml")

    assert _cpu(refuse) < 1.0


def test_messages_name_the_key_and_the_limit() -> None:
    with pytest.raises(StoreError, match=r"line 2 \(models_count\).*64-bit"):
        check_config_text(HOSTILE["a 4,301-digit integer"].encode(), "w.toml")
    with pytest.raises(StoreError, match=rf"line 1 \(v\).*more than {MAX_DEPTH} levels"):
        check_config_text(HOSTILE["nested arrays"].encode(), "w.toml")
    with pytest.raises(StoreError, match=rf"more than {MAX_KEY_PARTS} parts"):
        check_config_text(HOSTILE["a dotted key of 20,000 parts"].encode(), "w.toml")
    with pytest.raises(StoreError, match=rf"at most {MAX_KEY_CHARS} characters"):
        check_config_text(HOSTILE["a quoted key of 100,000 characters"].encode(), "w.toml")
    with pytest.raises(StoreError, match=rf"at most {MAX_ITEMS:,}"):
        check_config_text(HOSTILE["200,000 keys"].encode(), "w.toml")
    deep_late = HOSTILE["deep nesting after 100,000 harmless lines"].encode()
    with pytest.raises(StoreError, match=r"line 100001 \(v\)"):
        check_config_text(deep_late, "w.toml")


@pytest.mark.parametrize(
    "text",
    [
        # what only looks deep, long or big: inside strings and comments, or legitimately there
        'description = "' + "[" * 5000 + '"\n',
        "description = '''\n" + "{" * 5000 + "\n'''\n",
        'description = """' + "a.b." * 2000 + '"""\n',
        "# " + "[" * 5000 + "\n" + 'note = "x"\n',
        'account = "' + "1" * 5000 + '"\n',
        "n = 9223372036854775807\nm = -9223372036854775808\nh = 0x7fffffffffffffff\n",
        "t = 1979-05-27T07:32:00.999999-07:00\nf = 3.141592653589793238462643383279\n",
        "v = " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n",
        ".".join(["a"] * MAX_KEY_PARTS) + " = 1\n",
        "k" * MAX_KEY_CHARS + " = 1\n",
        'description = "' + "x" * (MAX_CONFIG_BYTES - 100) + '"\n',
        'e = "\\"[[[[" \n',  # an escaped quote does not end the string
    ],
)
def test_what_is_within_the_limits_is_read(text: str) -> None:
    check_config_text(text.encode(), "w.toml")
    tomllib.loads(text)  # and it is real TOML


_keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20)
_scalars = (
    st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.booleans()
    | st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
)
_documents = st.dictionaries(
    _keys,
    st.recursive(
        _scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
        max_leaves=12,
    ),
    max_size=6,
)


@given(_documents)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_toml_the_writer_makes_passes_the_prescan(doc: dict) -> None:
    """No false refusals: every document within the limits, in any shape tomli-w writes it
    (strings with quotes, brackets and '#', quoted keys, nested tables), is let through."""
    text = tomli_w.dumps(doc)
    check_config_text(text.encode(), "w.toml")
    assert tomllib.loads(text) == doc


# --------------------------------------------------------------------------- the CLI entry


def _cli(runner: CliRunner, *args: str):
    result = runner.invoke(main, list(args), catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args}: {result.exception!r}\n{result.output}"
    )
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("verb", ["validate", "plan", "export", "run", "recommend"])
def test_every_verb_refuses_hostile_files_with_exit_2(runner, tmp_path, verb, name) -> None:
    path = tmp_path / "wizard.toml"
    path.write_text(HOSTILE[name])
    args = [verb, str(path)] + (["--out", str(tmp_path / "proj")] if verb == "export" else [])
    if verb == "run":
        args.append("--json")
    result = _cli(runner, *args)
    assert result.exit_code == 2
    assert f"error: {path}" in result.output
    assert not (tmp_path / "proj").exists() and not (tmp_path / ".sm-wizard").exists()


_toml_ish = st.lists(
    st.sampled_from(
        [
            "[",
            "]",
            "{",
            "}",
            "=",
            ",",
            ".",
            '"',
            "'",
            "#",
            "\n",
            " ",
            "a",
            "1",
            "0x",
            "[profile]\n",
            "[[x]]\n",
            "models_count = ",
            "data_size_gb = ",
            '"""',
            "'''",
            "\\",
            "99999999999999999999",
            "true",
            "1979-05-27",
            "-inf",
        ]
    ),
    max_size=60,
).map("".join)


@given(text=_toml_ish | st.text(max_size=200))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_fuzzed_files_never_crash_validate(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "wizard.toml"
    path.write_text(text, encoding="utf-8")
    result = _cli(CliRunner(), "validate", str(path))
    assert result.exit_code in (0, 2)
    for line in result.output.splitlines():
        if not line.strip():
            continue
        # every line names the file; a problem with the content names its field (a TOML
        # path) or, before the file parses, its line
        assert line.startswith((f"error: {path}", f"{path}: ")), line


def test_fuzzed_documents_name_their_fields(runner, tmp_path, demo_doc) -> None:
    """Wrong types and values in every field of the demo: one line per problem, each
    naming the field by its TOML path (the demo's data is there, so only the field is wrong)."""
    write_template_data("demo", tmp_path / "wizard.toml")
    for section, table in demo_doc.items():
        if not isinstance(table, dict):
            continue
        for key in table:
            for bad in ([[1]], {"x": 1}, "x" * 300, -1, 10**18):
                doc = {**demo_doc, section: {**table, key: bad}}
                path = tmp_path / "wizard.toml"
                path.write_text(tomli_w.dumps(doc))
                result = _cli(runner, "validate", str(path))
                if result.exit_code == 0:
                    continue
                assert result.exit_code == 2
                lines = [line for line in result.output.splitlines() if line.strip()]
                assert lines and all(line.startswith(f"{path}: ") for line in lines)
                assert any(f"{section}." in line or f"{section}:" in line for line in lines)


# --------------------------------------------------------------------------- real processes


# Runs sm-wizard under a small parent that reports the child's peak memory on its last line of
# stderr (this process's RUSAGE_CHILDREN would include every earlier child).
_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(f'peak-rss-kb {peak}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _run(*args: str, timeout: float = 30) -> tuple[subprocess.CompletedProcess, float]:
    """Run ``sm-wizard ARGS``; the result (its own stderr) and its peak memory in MB."""
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(SM_WIZARD), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    stderr, _, last = result.stderr.rstrip("\n").rpartition("\n")
    if not last.startswith("peak-rss-kb "):
        stderr, last = result.stderr, "peak-rss-kb 0"
    result.stderr = stderr
    return result, int(last.split()[1]) / 1024


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(tmp_path) -> None:
    fifo = tmp_path / "wizard.toml"
    os.mkfifo(fifo)
    result, _ = _run("validate", str(fifo), timeout=20)  # before the fix: hangs for ever
    assert result.returncode == 2
    assert "named pipe (FIFO), not a regular file" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_is_refused_in_little_memory() -> None:
    result, peak_mb = _run("validate", "/dev/zero", timeout=20)  # before the fix: MemoryError
    assert result.returncode == 2
    assert "/dev/zero is a character device" in result.stderr
    assert 0 < peak_mb < 100


def test_hostile_files_through_the_real_command(tmp_path) -> None:
    for name in ("nested arrays", "a dotted key of 20,000 parts", "a 4,301-digit integer"):
        path = tmp_path / "wizard.toml"
        path.write_text(HOSTILE[name])
        result, peak_mb = _run("validate", str(path))
        assert result.returncode == 2, name
        assert result.stderr.startswith(f"error: {path} line "), result.stderr
        assert "Traceback" not in result.stderr
        assert 0 < peak_mb < 100
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_CONFIG_BYTES + 1))
    result, peak_mb = _run("validate", str(big))
    assert result.returncode == 2 and "at most 1,000,000 bytes" in result.stderr
    assert 0 < peak_mb < 100


def test_the_size_cap_holds_for_files_that_grow(tmp_path) -> None:
    path = tmp_path / "wizard.toml"
    path.write_bytes(b"#" * MAX_CONFIG_BYTES)
    assert len(read_config_bytes(path)) == MAX_CONFIG_BYTES
    path.write_bytes(b"#" * (MAX_CONFIG_BYTES + 1))
    with pytest.raises(StoreError, match="1,000,001 bytes"):
        read_document(path)


# --------------------------------------------------------------------------- unwritable


def _unwritable_folder() -> Path | None:
    """A folder no one may create files in, root included (sysfs), if this system has one."""
    probe = Path("/sys")
    try:
        (probe / ".sm-wizard-probe").touch()
    except OSError:
        return probe
    (probe / ".sm-wizard-probe").unlink()
    return None


UNWRITABLE = _unwritable_folder()


@pytest.mark.skipif(UNWRITABLE is None, reason="no unwritable folder on this system")
@pytest.mark.parametrize("target", ["w.toml", "sub/w.toml"])
def test_init_into_an_unwritable_folder_exits_2(runner, target) -> None:
    out = UNWRITABLE / target
    result = _cli(runner, "init", "--out", str(out))
    assert result.exit_code == 2
    assert f"error: cannot write {out}" in result.output
    assert "choose a folder you can write to" in result.output


def test_init_where_a_file_blocks_the_folder_exits_2(runner, tmp_path) -> None:
    (tmp_path / "afile").write_text("")
    result = _cli(runner, "init", "--out", str(tmp_path / "afile" / "w.toml"))
    assert result.exit_code == 2
    assert "a file is where a folder should be" in result.output


@pytest.fixture
def demo_file(tmp_path: Path) -> Path:
    """The demo config and its sample data: export and run check the data before they
    write anything, as validate does."""
    from wizard.store import write_document
    from wizard.templates import template_document, write_template_data

    path = tmp_path / "wizard.toml"
    write_document(path, template_document("demo"))
    write_template_data("demo", path)
    return path


@pytest.mark.skipif(UNWRITABLE is None, reason="no unwritable folder on this system")
def test_export_into_an_unwritable_folder_exits_2(runner, demo_file) -> None:
    result = _cli(runner, "export", str(demo_file), "--out", str(UNWRITABLE / "proj"))
    assert result.exit_code == 2
    assert "error:" in result.output and str(UNWRITABLE / "proj") in result.output


def test_run_where_its_run_folder_cannot_be_made_exits_2(runner, demo_file, tmp_path) -> None:
    (demo_file.parent / ".sm-wizard").write_text("")  # a file where the runs folder goes
    result = _cli(runner, "run", str(demo_file), "--json")
    assert result.exit_code == 2
    assert f"cannot write {demo_file.parent / '.sm-wizard' / 'runs'}" in result.output
    if UNWRITABLE is not None:
        result = _cli(runner, "run", str(demo_file), "--json", "--run-dir", str(UNWRITABLE / "r"))
        assert result.exit_code == 2 and "choose a folder you can write to" in result.output
