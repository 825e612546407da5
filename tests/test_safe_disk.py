"""Full disks (issue 30, item 5): a failed export leaves the old project or nothing, and the
local engine turns a failed write into a failed step with the reason, never a traceback.

The disk is "full" in-process: the write functions the code uses raise
``OSError(ENOSPC)`` after N calls (no root, no real full file system)."""

from __future__ import annotations

import errno
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from exporters.merge import RECORD_PATH
from wizard.store import save_config
from wizard.templates import template_document, write_template_data
from wizard.validation import validate_or_raise


def _enospc(path: object = None) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), None if path is None else str(path))


class FullAfter:
    """Counts calls; from call ``limit + 1`` on (only that one with ``once``), raises ENOSPC
    instead of calling through."""

    def __init__(self, real, limit: int, *, once: bool = False) -> None:
        self.real, self.limit, self.calls, self.once = real, limit, 0, once

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls > self.limit and not (self.once and self.calls > self.limit + 1):
            raise _enospc()
        return self.real(*args, **kwargs)


def _demo_config(folder: Path) -> Path:
    path = folder / "wizard.toml"
    save_config(path, validate_or_raise(template_document("demo")))
    write_template_data("demo", path)
    return path


def _export(config: Path, out: Path, *extra: str):
    return CliRunner().invoke(main, ["export", str(config), "--out", str(out), *extra])


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


class FullWrites:
    """Makes the n-th file write of the exporter (``os.fdopen(..., "wb").write`` or a data
    copy) fail with ENOSPC."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
        import exporters.staging as staging

        self.writes = 0
        self.limit = limit
        real_fdopen, real_copy = os.fdopen, staging.shutil.copyfile
        outer = self

        def fdopen(fd: int, mode: str = "r", *args, **kwargs):
            handle = real_fdopen(fd, mode, *args, **kwargs)
            if "w" in mode:
                outer.count()
            return handle

        def copyfile(source, target, *args, **kwargs):
            outer.count()
            return real_copy(source, target, *args, **kwargs)

        monkeypatch.setattr(staging.os, "fdopen", fdopen)
        monkeypatch.setattr(staging.shutil, "copyfile", copyfile)

    def count(self) -> None:
        self.writes += 1
        if self.writes > self.limit:
            raise _enospc()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return _demo_config(tmp_path)


@pytest.mark.parametrize("limit", [0, 4, 13, 16])
def test_a_fresh_export_onto_a_full_disk_leaves_nothing(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    FullWrites(monkeypatch, limit)
    result = _export(config, tmp_path / "nested" / "proj")
    assert result.exit_code == 2, result.output
    assert "the disk is full" in result.output and "nothing was written" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no project, no temp folder


def test_a_fresh_export_is_whole_when_the_disk_has_room(config: Path, tmp_path: Path) -> None:
    result = _export(config, tmp_path / "proj")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "proj" / "wizard.toml").is_file()
    assert (tmp_path / "proj" / RECORD_PATH).is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("limit", [0, 1, 3])
def test_a_re_export_onto_a_full_disk_changes_nothing(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    out = tmp_path / "proj"
    assert _export(config, out).exit_code == 0
    (out / "README.md").write_text((out / "README.md").read_text() + "my note\n")
    config.write_text(config.read_text().replace("demo", "demo-two", 1))
    before = _tree(out)
    FullWrites(monkeypatch, limit)
    result = _export(config, out)
    assert result.exit_code == 2, result.output
    assert "the disk is full" in result.output and "nothing was changed" in result.output
    assert re.search(r"cannot write \S+ in ", result.output)  # names the file
    assert "Traceback" not in result.output
    assert _tree(out) == before  # every file old, the record as it was, no temporary files


@pytest.mark.parametrize("once", [True, False])
def test_a_failed_rename_leaves_a_record_that_matches_the_disk(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, once: bool
) -> None:
    """Renames need no space, but if one fails all the same: with ``once`` the record is
    rewritten to match the disk; when every later write fails too, the old record stays and
    the next export still sees no edit (the replaced files equal the new rendering)."""
    import exporters.staging as staging

    out = tmp_path / "proj"
    assert _export(config, out).exit_code == 0
    config.write_text(config.read_text().replace("demo", "demo-two", 1))
    monkeypatch.setattr(staging.os, "replace", FullAfter(os.replace, 2, once=once))
    result = _export(config, out)
    assert result.exit_code == 2, result.output
    assert "2 of" in result.output and "Traceback" not in result.output
    monkeypatch.undo()
    record = json.loads((out / RECORD_PATH).read_text())
    from exporters.merge import sha256

    for relative, entry in record["files"].items() if once else ():
        assert sha256((out / relative).read_bytes()) == entry["sha256"], relative
    assert not [p for p in out.rglob("*.tmp")]
    again = _export(config, out)  # the next export finishes the job without conflicts
    assert again.exit_code == 0, again.output
    assert "conflict" not in again.output


# ---------------------------------------------------------------------- the local engine


class FullFile:
    """A file whose writes fail with ENOSPC after ``limit`` of them (the disk filled up)."""

    def __init__(self, real, limit: int) -> None:
        self.real, self.limit, self.writes = real, limit, 0

    def write(self, text: str) -> int:
        self.writes += 1
        if self.writes > self.limit:
            raise _enospc()
        return self.real.write(text)

    def flush(self) -> None:
        self.real.flush()

    def close(self) -> None:
        self.real.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return _demo_config(tmp_path)


def _run(config: Path, tmp_path: Path, **kwargs):
    """Run the demo with the local engine; (status, events, engine)."""
    import threading

    from runners.local import local_engine_for

    events: list = []
    lock = threading.Lock()

    def emit(event) -> None:
        with lock:
            events.append(event)

    engine = local_engine_for(
        config,
        run_root=tmp_path / "runs",
        registry_dir=tmp_path / "registry",
        max_workers=2,
        **kwargs,
    )
    status = engine.run(emit, threading.Event())
    return status, events, engine


def _check_failed_in_words(status, events, engine, capfd, words: str) -> None:
    from runners.events import ExecutionEvent, StepEvent

    assert status == "Failed"
    final = [e for e in events if isinstance(e, ExecutionEvent)][-1]
    assert final.status == "Failed" and words in (final.reason or ""), final.reason
    steps = [e for e in events if isinstance(e, StepEvent)]
    failed = [e for e in steps if e.status == "Failed"]
    assert (failed or not steps) and all(words in (e.reason or "") for e in failed), failed
    err = capfd.readouterr().err
    assert "Traceback" not in err and "internal error" not in (final.reason or ""), err
    info = json.loads(engine.layout.run_json.read_text())
    assert info["status"] == "Failed" and words in info["reason"]


@pytest.mark.parametrize("limit", [1, 4])
def test_a_full_run_folder_fails_the_step_with_the_reason(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd, limit: int
) -> None:
    """step.json and run.json cannot be written atomically (no room for the copy)."""
    import runners.local.recorder as recorder

    monkeypatch.setattr(recorder, "atomic_write_text", FullAfter(recorder.atomic_write_text, limit))
    status, events, engine = _run(workspace, tmp_path)
    _check_failed_in_words(status, events, engine, capfd, "the disk is full")
    for path in engine.layout.steps.glob("*/step.json"):  # whole records, none left running
        assert json.loads(path.read_text())["status"] in ("Failed", "Succeeded", "Skipped")


def test_a_full_events_file_fails_the_run_with_the_reason(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd
) -> None:
    from runners.local.recorder import RunRecorder

    real_open = RunRecorder.open_events

    def open_events(self: RunRecorder) -> None:
        real_open(self)
        self._events_file = FullFile(self._events_file, 5)

    monkeypatch.setattr(RunRecorder, "open_events", open_events)
    status, events, engine = _run(workspace, tmp_path)
    _check_failed_in_words(status, events, engine, capfd, "the disk is full: cannot write")
    assert "events.jsonl" in json.loads(engine.layout.run_json.read_text())["reason"]


def test_a_full_step_log_stops_the_job_and_fails_the_step(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd
) -> None:
    from runners.local.steprun import StepRun

    real_init = StepRun.__init__

    def init(self: StepRun, *args, **kwargs) -> None:
        real_init(self, *args, **kwargs)
        self._log_file = FullFile(self._log_file, 2)

    monkeypatch.setattr(StepRun, "__init__", init)
    status, events, engine = _run(workspace, tmp_path)
    _check_failed_in_words(status, events, engine, capfd, "the disk is full: cannot write")


def test_a_full_registry_fails_the_register_step_and_leaves_no_half_version(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd
) -> None:
    import runners.local.registry as registry

    def full(source, target, *args, **kwargs):
        raise _enospc(target)

    monkeypatch.setattr(registry.shutil, "copy2", full)
    status, events, engine = _run(workspace, tmp_path, parameters={"MetricThreshold": 0.0})
    _check_failed_in_words(
        status, events, engine, capfd, "the disk is full: cannot write the model registry"
    )
    assert not list((tmp_path / "registry").glob("*/0*"))


def test_a_run_folder_with_no_room_at_all_still_ends_failed_without_a_traceback(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd
) -> None:
    """Neither the atomic copy nor the in-place rewrite of a record fits: the run still
    ends Failed (its events say why), with no traceback on stderr."""
    import runners.local.recorder as recorder
    from runners.events import ExecutionEvent

    monkeypatch.setattr(recorder, "atomic_write_text", FullAfter(recorder.atomic_write_text, 3))

    def no_room(*args, **kwargs):
        raise _enospc()

    monkeypatch.setattr(recorder, "open", no_room, raising=False)
    status, events, _ = _run(workspace, tmp_path)
    assert status == "Failed"
    final = [e for e in events if isinstance(e, ExecutionEvent)][-1]
    assert final.status == "Failed" and "the disk is full" in (final.reason or "")
    assert "Traceback" not in capfd.readouterr().err
