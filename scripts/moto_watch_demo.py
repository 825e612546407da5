"""Try ``sm-wizard watch`` with no AWS account: a local moto server with a scripted execution.

    python scripts/moto_watch_demo.py [--fail] [--port 5055] [--speed 1.0]

Starts moto's ThreadedMotoServer on 127.0.0.1 with the test fake installed (the SageMaker
calls moto lacks, and status that moves with time), creates a pipeline and a bucket, starts
an execution that takes about a minute, and prints the command to watch it from another
terminal. ``--fail`` makes the training step fail (then try ``r`` to retry in the monitor).
The server keeps running (new executions play the same script) until Ctrl+C.

Needs the test extras (moto[server], pytest): ``pip install -e '.[test]'``.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import shlex
import sys
import time
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "sagemaker"))
sys.path.insert(0, str(ROOT))  # devtools/ (the scripted execution) is not installed

from sagemaker_fake import ACCOUNT, REGION, SageMakerFake  # noqa: E402

from devtools.scripted import ScriptedStep, sequential_steps  # noqa: E402
from runners.sagemaker.clock import SystemClock  # noqa: E402

PIPELINE = "demo-churn"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}
SPECS = [
    ("Preprocess", "Processing"),
    ("Train", "Training"),
    ("Evaluate", "Processing"),
    ("CheckAccuracy", "Condition"),
    ("Register", "RegisterModel"),
]


def script(speed: float, fail: bool) -> list[ScriptedStep]:
    """About a minute of pipeline at ``speed`` 1.0."""
    train_log = tuple(
        f"[{epoch}]#011train-logloss:{0.69 - epoch * 0.05:.4f}#011validation-auc:"
        f"{0.80 + epoch * 0.015:.4f}"
        for epoch in range(10)
    )
    overrides = {
        "Preprocess": {
            "starting": 4 / speed,
            "executing": 8 / speed,
            "logs": ("reading s3://demo-bucket/raw/churn.csv", "rows: 5000", "wrote train/test"),
        },
        "Train": {
            "starting": 6 / speed,
            "executing": 20 / speed,
            "logs": train_log,
            "metrics": (("validation:auc", 0.935), ("train:logloss", 0.19)),
            "fail_reason": "AlgorithmError: label column has NaN values" if fail else None,
        },
        "Evaluate": {
            "starting": 3 / speed,
            "executing": 6 / speed,
            "logs": ("accuracy=0.91", "auc=0.935"),
        },
        "CheckAccuracy": {"starting": 1 / speed, "executing": 2 / speed},
        "Register": {"starting": 2 / speed, "executing": 3 / speed},
    }
    return sequential_steps(SPECS, gap=1 / speed, overrides=overrides)


def _definition() -> dict:
    """The pipeline as SageMaker would store it: Register on the condition's if-branch and a
    Fail step on its else-branch, so `watch` shows the branch not taken as Skipped."""
    top = [
        {"Name": name, "Type": kind, "Arguments": {}}
        for name, kind in SPECS
        if name not in ("CheckAccuracy", "Register")
    ]
    top.append(
        {
            "Name": "CheckAccuracy",
            "Type": "Condition",
            "DependsOn": ["Evaluate"],
            "Arguments": {
                "Conditions": [],
                "IfSteps": [{"Name": "Register", "Type": "RegisterModel", "Arguments": {}}],
                "ElseSteps": [{"Name": "AccuracyTooLow", "Type": "Fail", "Arguments": {}}],
            },
        }
    )
    for before, step in itertools.pairwise(top):
        step.setdefault("DependsOn", [before["Name"]])
    return {"Version": "2020-12-01", "Steps": top}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    parser.add_argument("--fail", action="store_true", help="make the Train step fail")
    parser.add_argument("--speed", type=float, default=1.0, help="2.0 runs twice as fast")
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer

    os.environ.update(CREDENTIALS)
    os.environ.pop("AWS_PROFILE", None)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    patch = pytest.MonkeyPatch()
    fake = SageMakerFake(SystemClock()).install(patch)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        session = boto3.Session(region_name=REGION)
        sm = session.client("sagemaker", endpoint_url=url)
        s3 = session.client("s3", endpoint_url=url)
        s3.create_bucket(Bucket="demo-bucket")
        import json

        definition = json.dumps(_definition())
        sm.create_pipeline(
            PipelineName=PIPELINE,
            PipelineDefinition=definition,
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerPipelineRole",
        )
        steps = script(args.speed, args.fail)
        fake.script_next_execution(PIPELINE, steps)
        arn = sm.start_pipeline_execution(PipelineName=PIPELINE)["PipelineExecutionArn"]
        # later executions (retries excepted) play the same script
        for _ in range(20):
            fake.script_next_execution(PIPELINE, script(args.speed, args.fail))

        env = " ".join(f"{k}={v}" for k, v in {"AWS_ENDPOINT_URL": url, **CREDENTIALS}.items())
        print(f"moto server with a scripted SageMaker execution at {url}")
        print(f"execution: {arn}")
        print("\nIn another terminal (the monitor; add --headless or --json for lines):")
        print(f"  {env} sm-wizard watch {shlex.quote(arn)}")
        print(f"  {env} sm-wizard watch --pipeline {PIPELINE} --headless")
        print(f"  {env} sm-wizard watch            # browse the account's pipelines")
        print(f"  {env} sm-wizard serve -- watch {shlex.quote(arn)}   # in a browser")
        print(
            f"\nThe execution runs for about {steps[-1].start + 6 / args.speed:.0f} s. "
            "Ctrl+C stops the server.",
            flush=True,
        )
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping the server")
    finally:
        server.stop()
        patch.undo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
