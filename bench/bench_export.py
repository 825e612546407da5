#!/usr/bin/env python
"""Benchmark the exporter on the demo config; prints ratios against baselines measured in
the same run (absolute times depend on the machine).

    python bench/bench_export.py [--rounds 5] [--exports 30]

1. Export without --verify, in-process: ``export_project`` (Plan, render, checks, atomic
   writes) against writing the same files with plain ``open().write()``.
2. ``--verify``: ``verify_project`` (subprocess, offline harness, JSON report, lint, plan
   comparison) against the bare cost of the same work with nothing around it: a subprocess
   that imports the SDK and the project's pipeline.py under moto and calls definition().
   Target: at most 1.3. Also shown: the whole ``sm-wizard export --verify`` command.

Rounds are paired and alternate which side goes first, so that load from other processes
hits each alike; the medians of the per-pair ratios are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from exporters import export_project, render_project
from exporters.verify import verify_project
from wizard.plan import build_plan
from wizard.store import load_config, save_config
from wizard.templates import template_document, write_template_data
from wizard.validation import validate_or_raise

VERIFY_TARGET = 1.3
OFFLINE_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "SAGEMAKER_VALIDATE_ROLE": "false",
}
# The bare cost: import the SDK and the project, build the definition, nothing else.
BARE_BUILD = """
import importlib.util, sys
import boto3
from moto import mock_aws
spec = importlib.util.spec_from_file_location("pipeline", sys.argv[1] + "/pipeline.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from sagemaker.core.telemetry import telemetry_logging
telemetry_logging._send_telemetry_request = lambda *args, **kwargs: None
with mock_aws():
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="offline-bucket")
    session = module.make_session("us-east-1", "offline-bucket")
    pipeline = module.build_pipeline(
        session, role_arn="arn:aws:iam::111122223333:role/Bench", bucket="offline-bucket"
    )
    print(len(pipeline.definition()))
"""


def _timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


def _plain_write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)


def bench_export(config_path: Path, workdir: Path, exports: int) -> tuple[float, float]:
    config = load_config(config_path)
    files = render_project(build_plan(config), config)
    export_project(config, workdir / "warm-up", config_dir=config_path.parent)
    ours, ratios = [], []
    for i in range(exports):  # paired rounds, alternating which goes first
        pair = [
            lambda i=i: _timed(
                export_project, config, workdir / f"e{i}", config_dir=config_path.parent
            ),
            lambda i=i: _timed(_plain_write, workdir / f"p{i}", files),
        ]
        if i % 2:
            plain_time, our_time = pair[1](), pair[0]()
        else:
            our_time, plain_time = pair[0](), pair[1]()
        ours.append(our_time)
        ratios.append(our_time / plain_time)
    return statistics.median(ours), statistics.median(ratios)


def bench_verify(config_path: Path, project: Path, workdir: Path, rounds: int) -> dict:
    environment = os.environ | OFFLINE_ENVIRONMENT
    cli = Path(sys.executable).with_name("sm-wizard")
    bare, verify, command, ratios = [], [], [], []
    for index in range(rounds):  # paired rounds: bare and verify, in alternating order
        if index % 2:
            started = time.perf_counter()
            result = verify_project(project)
            verify.append(time.perf_counter() - started)
        bare.append(
            _timed(
                subprocess.run,
                [sys.executable, "-c", BARE_BUILD, str(project)],
                env=environment,
                check=True,
                capture_output=True,
            )
        )
        if not index % 2:
            started = time.perf_counter()
            result = verify_project(project)
            verify.append(time.perf_counter() - started)
        ratios.append(verify[-1] / bare[-1])
        if not result.ok:
            raise SystemExit(result.explain())
        command.append(
            _timed(
                subprocess.run,
                [
                    str(cli),
                    "export",
                    str(config_path),
                    "--out",
                    str(workdir / f"c{index}"),
                    "--verify",
                ],
                env=environment,
                check=True,
                capture_output=True,
            )
        )
    return {
        "bare": statistics.median(bare),
        "verify": statistics.median(verify),
        "command": statistics.median(command),
        "ratio": statistics.median(ratios),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="verify rounds (default 5)")
    parser.add_argument("--exports", type=int, default=30, help="in-process exports (default 30)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        workdir = Path(tmp)
        config_path = workdir / "demo" / "wizard.toml"
        save_config(config_path, validate_or_raise(template_document("demo")))
        write_template_data("demo", config_path)

        ours, export_ratio = bench_export(config_path, workdir, args.exports)
        print(f"export (no --verify), in-process, demo: {ours * 1000:.1f} ms per export")
        print(f"  ratio to writing the same files plainly (median of pairs): {export_ratio:.2f}")

        project = workdir / "e0"
        times = bench_verify(config_path, project, workdir, args.rounds)
        ratio = times["ratio"]
        print(
            f"--verify: {times['verify']:.2f} s; bare import + definition build in a "
            f"subprocess: {times['bare']:.2f} s (medians of {args.rounds})"
        )
        print(f"  ratio verify / bare (median of pairs): {ratio:.2f} (target <= {VERIFY_TARGET})")
        print(
            f"  ratio whole `sm-wizard export --verify` / bare: "
            f"{times['command'] / times['bare']:.2f} (CLI start-up and export included)"
        )
    return 0 if ratio <= VERIFY_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
