"""A small account for the screenshots and demos: two pipelines, a few executions of each
(one running, one failed with a long reason, others done), each with its parameters, served
by ``SimulatedAws`` on a clock whose "now" is the real time.

``demo_account(until)`` returns the served account and the clock; the running execution of
``churn-training`` reaches ``until`` seconds and stands still there (``StoppingClock``), so a
picture shows it mid-run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Final

from .clock import StoppingClock
from .execution import ScriptedExecution
from .pipelines import BRANCHING, BRANCHING_PARAMETERS, branching_steps
from .simulated_aws import SimulatedAws

PIPELINE: Final = "churn-training"
FAILURE: Final = (
    "AlgorithmError: ExecuteUserScriptError:\n"
    "ExitCode 1\n"
    "ErrorMessage \"ValueError: the label column 'churned' holds 3 distinct values "
    "(no, yes, unknown); binary:logistic needs exactly 2. Drop or relabel the 412 rows "
    "labelled 'unknown' (data_preparation.normalise_labels), or choose "
    'multiclass_classification."\n'
    'Command "/miniconda3/bin/python3 -m train --max_depth 6 --eta 0.2 --num_round 400"'
)


def _logs(step: str, count: int) -> tuple[str, ...]:
    if step == "Train":
        return tuple(
            f"[{i:>3}]#011train-logloss:{0.69 - i * 0.004:.5f}#011validation-auc:"
            f"{0.80 + i * 0.0011:.5f}"
            for i in range(count)
        )
    return tuple(f"{step}: processed part {i + 1} of {count}" for i in range(count))


def _steps(fail: bool = False) -> list:
    overrides = {
        name: {"logs": _logs(name, 40 if name == "Train" else 6)}
        for name in ("PrepareData", "Train", "DataQualityBaseline", "Evaluate", "BatchTransform")
    }
    overrides["Train"]["executing"] = 300
    if fail:
        overrides["Train"]["fail_reason"] = FAILURE
    steps = branching_steps(overrides, starting=30, executing=90, gap=5)
    train = next(s for s in steps if s.name == "Train")
    # the baseline runs beside the training, as the definition allows
    return [replace(s, start=train.start) if s.name == "DataQualityBaseline" else s for s in steps]


@dataclass
class Scene:
    aws: SimulatedAws
    clock: StoppingClock
    running: str
    """The running execution's ARN."""
    failed: str
    """The failed execution's ARN."""


def demo_account(until: float = 330.0, now: datetime | None = None) -> Scene:
    """The account, with ``churn-training``'s latest execution ``until`` seconds in."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    history = 3 * 86400.0
    clock = StoppingClock(until=0.0, start=now - timedelta(seconds=history + until))
    aws = SimulatedAws(clock)

    def add(pipeline: str, execution_id: str, fail: bool, parameters: tuple) -> str:
        return aws.add(
            ScriptedExecution(
                _steps(fail),
                pipeline_name=pipeline,
                execution_id=execution_id,
                started=clock.wall(),
                document=BRANCHING,
                parameters=parameters,
            )
        )

    base = dict(BRANCHING_PARAMETERS)
    older = [
        ("fraud-daily", "k2v9d0q1w8ze", False, {**base, "InputData": "s3://demo-bucket/fraud/"}),
        (PIPELINE, "7hq2mxc0p4ab", False, {**base, "TrainInstanceType": "ml.m5.xlarge"}),
        (PIPELINE, "d81xk3rt0w5n", True, {**base, "AucThreshold": "0.9"}),
    ]
    arns = []
    for pipeline, execution_id, fail, values in older:
        arns.append(add(pipeline, execution_id, fail, tuple(values.items())))
        clock.advance(history / len(older))
    running = add(PIPELINE, "0ylmwt0ugxnz", False, BRANCHING_PARAMETERS)
    clock.until = clock.monotonic() + until
    return Scene(aws, clock, running, arns[-1])
