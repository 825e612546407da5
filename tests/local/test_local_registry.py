"""The local model registry, ``sm-wizard models``, JsonGet, the cache's pieces and the
job helpers."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from runners.local.cache import StepCache, digest_path, parse_iso_duration
from runners.local.conditions import JsonGetError, compare, json_get
from runners.local.jobs import end_orphan, pack_model, pid_alive, unpack_model
from runners.local.registry import LocalModelRegistry, RegistryError


@pytest.fixture
def artifact(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.joblib").write_bytes(b"model")
    pack_model(model, tmp_path / "out" / "model.tar.gz")
    return tmp_path / "out" / "model.tar.gz"


def test_register_numbers_versions_and_keeps_a_copy(tmp_path, artifact) -> None:
    registry = LocalModelRegistry(tmp_path / "registry")
    first = registry.register("churn", model_data=artifact, metrics={"auc": 0.91})
    second = registry.register("churn", model_data=artifact, approval_status="Approved")
    assert (first.version, second.version) == (1, 2)
    assert first.arn.endswith("model-package/churn/1")
    assert first.model_data != str(artifact)
    assert Path(first.model_data).read_bytes() == artifact.read_bytes()
    group = registry.group("churn")
    assert [v.approval_status for v in group.versions] == ["PendingManualApproval", "Approved"]
    assert group.latest.metrics == {} and group.versions[0].metrics == {"auc": 0.91}


def test_concurrent_registrations_get_distinct_versions(tmp_path, artifact) -> None:
    registry = LocalModelRegistry(tmp_path / "registry")
    registry.create_group("churn")
    versions: list[int] = []

    def register() -> None:
        versions.append(registry.register("churn", model_data=artifact).version)

    threads = [threading.Thread(target=register) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(versions) == list(range(1, 9))


def test_approval_updates_and_bad_status(tmp_path, artifact) -> None:
    registry = LocalModelRegistry(tmp_path / "registry")
    registry.register("churn", model_data=artifact)
    assert registry.update_approval("churn", 1, "Approved").approval_status == "Approved"
    assert registry.get("churn", 1).approval_status == "Approved"
    with pytest.raises(RegistryError, match="not an approval status"):
        registry.update_approval("churn", 1, "Maybe")
    with pytest.raises(RegistryError, match="no version 7"):
        registry.get("churn", 7)


def test_models_command_lists_and_approves(tmp_path, artifact) -> None:
    registry_dir = tmp_path / "registry"
    LocalModelRegistry(registry_dir).register(
        "churn", model_data=artifact, metrics={"auc": 0.93, "accuracy": 0.9}
    )
    runner = CliRunner()
    listing = runner.invoke(main, ["models", "--registry", str(registry_dir)])
    assert listing.exit_code == 0, listing.output
    assert "churn" in listing.output and "PendingManualApproval" in listing.output
    assert "auc=0.93" in listing.output
    as_json = runner.invoke(main, ["models", "--registry", str(registry_dir), "--json"])
    document = json.loads(as_json.output)
    assert document["groups"][0]["versions"][0]["metrics"]["auc"] == 0.93
    approved = runner.invoke(
        main, ["models", "--registry", str(registry_dir), "--approve", "churn/1"]
    )
    assert approved.exit_code == 0 and "Approved" in approved.output
    unknown = runner.invoke(main, ["models", "--registry", str(registry_dir), "--group", "x"])
    assert unknown.exit_code == 2 and "no model package group 'x'" in unknown.output


def test_models_command_with_an_empty_registry(tmp_path) -> None:
    result = CliRunner().invoke(main, ["models", "--registry", str(tmp_path / "none")])
    assert result.exit_code == 0 and "no registered models yet" in result.output


def test_json_get_follows_sagemaker_paths() -> None:
    report = {"metrics": {"auc": {"value": 0.9}}, "list": [{"a": 1}, {"a": 2}]}
    assert json_get(report, "metrics.auc.value") == 0.9
    assert json_get(report, "list[1].a") == 2
    assert json_get(report, "$.metrics['auc'].value") == 0.9
    with pytest.raises(JsonGetError, match="no 'f1' under metrics"):
        json_get(report, "metrics.f1.value")


def test_condition_operators() -> None:
    assert compare("GreaterThanOrEqualTo", 0.9, 0.9)
    assert not compare("GreaterThan", "0.9", 0.9)  # numbers compare as numbers
    assert compare("LessThanOrEqualTo", 3, 4.5)
    assert compare("Equals", "a", "a")
    with pytest.raises(JsonGetError):
        compare("LessThan", None, 1)


def test_cache_pieces(tmp_path) -> None:
    assert parse_iso_duration("P30D") == timedelta(days=30)
    assert parse_iso_duration("PT12H") == timedelta(hours=12)
    with pytest.raises(ValueError):
        parse_iso_duration("30 days")
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.csv").write_text("1\n")
    before = digest_path(folder)
    (folder / "a.csv").write_text("2\n")
    assert digest_path(folder) != before
    cache = StepCache(tmp_path / "cache", "p", expire_after=timedelta(seconds=-1))
    cache.store("Step", "key", tmp_path, "run-1")
    assert cache.lookup("Step", "key") is None  # expired
    assert StepCache(tmp_path / "cache", "p").lookup("Step", "key").run_id == "run-1"


def test_model_archives_are_deterministic_and_safe(tmp_path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "xgboost-model").write_bytes(b"abc")
    pack_model(model, tmp_path / "a.tar.gz")
    (model / "xgboost-model").touch()  # a new mtime: the same bytes must come out
    pack_model(model, tmp_path / "b.tar.gz")
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()
    unpack_model(tmp_path / "a.tar.gz", tmp_path / "unpacked")
    assert (tmp_path / "unpacked" / "xgboost-model").read_bytes() == b"abc"


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
def test_orphaned_jobs_are_ended_only_inside_their_run(tmp_path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    job = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        cwd=run_dir,
        start_new_session=True,
    )
    try:
        assert end_orphan(job.pid, tmp_path / "elsewhere") is False  # not inside: untouched
        assert pid_alive(job.pid)
        assert end_orphan(job.pid, run_dir) is True
        assert job.wait(timeout=10) != 0
    finally:
        job.kill()
        job.wait()
