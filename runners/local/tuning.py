"""Hyperparameter tuning on this machine: which trials to run, when to stop one, which won.

The four strategies of SageMaker Automatic Model Tuning:

* **Grid** (exactly as SageMaker defines it): every distinct combination of the categorical
  values, each once, in order (the first range varies slowest). SageMaker requires
  ``MaxNumberOfTrainingJobs`` to equal the number of combinations when it is given; so does
  this engine, so a mistake shows here before it reaches AWS.
* **Random** (exactly as SageMaker defines it): every trial draws each hyperparameter
  independently from its range: uniformly for Linear scaling, uniformly in log space for
  Logarithmic, and for ReverseLogarithmic uniformly in the log of (1 - value). Auto is
  treated as Linear. An integer range [a, b] is drawn the same way over [a, b + 1) and
  rounded down, so each integer is equally likely under Linear scaling. Draws are seeded, so a
  re-run proposes the same trials.
* **Bayesian** (a local approach; SageMaker's own optimizer is not public): a few random
  trials first, then each new trial maximizes the expected improvement under a Gaussian
  process (scikit-learn, Matern kernel) fitted to the trials so far, over 512 random
  candidates. Ranges are scaled to [0, 1] (after the log transform where the scaling asks
  for it) and categorical values one-hot encoded. Trials proposed while others still run
  count as if they had scored the current average ("constant liar"), so parallel trials
  spread out instead of piling onto one point.
* **Hyperband** (a local approach): trials are drawn as Random does, and stopped early the
  way asynchronous successive halving does it, using the intermediate objective values the
  training job logs (the built-in XGBoost logs one per boosting round). With reduction
  factor 3 and R the expected number of reports (``num_round``), checkpoints ("rungs") sit
  at R/3, R/9, ... reports; a trial reaching a rung continues only if it is in the top
  third of the trials that reached that rung (the first two always continue). A training
  script that reports once (train.py) has no rungs, so Hyperband is then Random search.

Early stopping ``Auto`` (for Random and Bayesian) follows SageMaker's description: after a
tenth of its reports, a trial stops when its objective is worse than the median of the
earlier finished trials' running averages at the same point (at least two finished).

The objective is the *last* value of the objective metric a trial logged (SageMaker's
final metric), found with the metric definitions' regular expressions; the best trial is the
one with the best objective (ties: the earlier trial) among the trials that completed. A
trial stopped early keeps the last value it logged (``tuning.json`` shows it), but its job was
ended before it saved a model, so it cannot be chosen; nor can a failed one.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Direction = Literal["Maximize", "Minimize"]
REDUCTION_FACTOR = 3
BAYESIAN_CANDIDATES = 512


@dataclass(frozen=True, slots=True)
class Range:
    name: str
    type: Literal["continuous", "integer", "categorical"]
    min_value: float | None = None
    max_value: float | None = None
    scaling: str = "Auto"
    values: tuple[str, ...] = ()

    @classmethod
    def from_setting(cls, data: Mapping[str, Any]) -> Range:
        return cls(
            name=str(data["name"]),
            type=data.get("type", "continuous"),
            min_value=data.get("min_value"),
            max_value=data.get("max_value"),
            scaling=data.get("scaling", "Auto") or "Auto",
            values=tuple(dict.fromkeys(str(v) for v in data.get("values", ()))),
        )

    # The value space a strategy works in: [0, 1] after the scaling's transform. An integer
    # range [a, b] spans [a, b + 1) and is floored, so every integer is equally likely.

    def _span(self) -> tuple[float, float]:
        assert self.min_value is not None and self.max_value is not None
        low, high = float(self.min_value), float(self.max_value)
        return (low, high + 1) if self.type == "integer" else (low, high)

    def _forward(self, value: float) -> float:
        if self.scaling == "Logarithmic":
            return math.log(value)
        if self.scaling == "ReverseLogarithmic":
            return -math.log(1 - value)  # increasing in value, like the others
        return value

    def _backward(self, value: float) -> float:
        if self.scaling == "Logarithmic":
            return math.exp(value)
        if self.scaling == "ReverseLogarithmic":
            return 1 - math.exp(-value)
        return value

    def from_unit(self, unit: float) -> float | int:
        """The value at position ``unit`` (0..1) of the scaled range."""
        low, high = (self._forward(v) for v in self._span())
        x = self._backward(low + (high - low) * min(max(unit, 0.0), 1.0))
        assert self.min_value is not None and self.max_value is not None
        if self.type == "integer":
            return min(math.floor(x), int(self.max_value))
        return min(max(x, float(self.min_value)), float(self.max_value))

    def to_unit(self, value: float) -> float:
        low, high = (self._forward(v) for v in self._span())
        return 0.0 if high == low else (self._forward(value) - low) / (high - low)

    def sample(self, rng: random.Random) -> str:
        if self.type == "categorical":
            return rng.choice(self.values)
        return format_value(self.from_unit(rng.random()))


def format_value(value: float | int) -> str:
    """Hyperparameter values travel as strings, as SageMaker passes them."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.6g}"


def parse_ranges(settings: Sequence[Mapping[str, Any]]) -> list[Range]:
    return [Range.from_setting(item) for item in settings]


def grid_trials(ranges: Sequence[Range]) -> list[dict[str, str]]:
    """Every distinct combination of categorical values, the first range varying slowest."""
    if any(r.type != "categorical" for r in ranges):
        raise ValueError("Grid search takes categorical ranges only")
    names = [r.name for r in ranges]
    return [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(r.values for r in ranges))
    ]


def random_trial(ranges: Sequence[Range], rng: random.Random) -> dict[str, str]:
    return {r.name: r.sample(rng) for r in ranges}


def better(a: float, b: float, direction: Direction) -> bool:
    return a > b if direction == "Maximize" else a < b


@dataclass(slots=True)
class TrialRecord:
    id: str
    hyperparameters: dict[str, str]
    status: str = "Pending"  # Pending, InProgress, Completed, Failed, Stopped
    objective: float | None = None
    reports: list[float] = field(default_factory=list)
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "hyperparameters": self.hyperparameters,
            "status": self.status,
            "objective": self.objective,
            "reports": len(self.reports),
            "reason": self.reason,
        }


def best_trial(trials: Sequence[TrialRecord], direction: Direction) -> TrialRecord | None:
    """The trial with the best final objective (ties go to the earlier trial)."""
    best: TrialRecord | None = None
    best_value = math.nan
    for trial in trials:
        value = trial.objective
        if trial.status == "Failed" or value is None or math.isnan(value):
            continue
        if best is None or better(value, best_value, direction):
            best, best_value = trial, value
    return best


class TrialPlanner:
    """Proposes trials for a strategy and decides early stops. Thread-safe."""

    def __init__(
        self,
        strategy: str,
        ranges: Sequence[Range],
        *,
        max_jobs: int,
        direction: Direction,
        seed: int = 0,
        early_stopping: str = "Off",
        expected_reports: int = 1,
    ) -> None:
        self.strategy = strategy
        self.ranges = list(ranges)
        self.direction = direction
        self.early_stopping = early_stopping
        self.expected_reports = max(1, int(expected_reports))
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._proposed = 0
        self._grid: list[dict[str, str]] | None = None
        if strategy == "Grid":
            self._grid = grid_trials(self.ranges)
            if max_jobs != len(self._grid):
                raise ValueError(
                    f"Grid search runs every combination of the categorical values "
                    f"({len(self._grid)}); SageMaker requires max_jobs to equal that number, "
                    f"but it is {max_jobs}. Set tuning.max_jobs = {len(self._grid)}"
                )
            self.total = len(self._grid)
        else:
            self.total = max_jobs
        self._observed: list[tuple[dict[str, str], float]] = []
        self._pending: list[dict[str, str]] = []
        self._finished: list[TrialRecord] = []
        self._rungs = self._rung_points() if strategy == "Hyperband" else []
        self._rung_values: dict[int, list[float]] = {r: [] for r in self._rungs}
        self._decided: set[tuple[str, int]] = set()

    # ------------------------------------------------------------------ proposing

    def propose(self) -> dict[str, str] | None:
        """The next trial's hyperparameters, or None when the budget is used up."""
        with self._lock:
            if self._proposed >= self.total:
                return None
            index = self._proposed
            self._proposed += 1
            if self._grid is not None:
                trial = self._grid[index]
            elif self.strategy == "Bayesian" and len(self._observed) >= self._initial_random():
                trial = self._bayesian()
            else:
                trial = random_trial(self.ranges, self._rng)
            self._pending.append(trial)
            return dict(trial)

    def observe(self, trial: TrialRecord) -> None:
        """A trial ended (completed, stopped or failed)."""
        with self._lock:
            if trial.hyperparameters in self._pending:
                self._pending.remove(trial.hyperparameters)
            self._finished.append(trial)
            if trial.objective is not None and not math.isnan(trial.objective):
                self._observed.append((trial.hyperparameters, trial.objective))

    def _initial_random(self) -> int:
        return min(self.total, max(3, self.total // 4))

    def _bayesian(self) -> dict[str, str]:
        import numpy as np
        from scipy.stats import norm
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        sign = 1.0 if self.direction == "Maximize" else -1.0
        points = [self._encode(h) for h, _ in self._observed]
        values = [sign * v for _, v in self._observed]
        liar = float(np.mean(values))
        points += [self._encode(h) for h in self._pending]
        values += [liar] * len(self._pending)
        model = GaussianProcessRegressor(
            kernel=ConstantKernel(1.0) * Matern(length_scale=0.5, nu=2.5) + WhiteKernel(1e-4),
            normalize_y=True,
            random_state=self._rng.randrange(2**31),
        )
        with warnings.catch_warnings():  # a few noisy points make the optimizer chatty
            warnings.simplefilter("ignore")
            model.fit(np.array(points), np.array(values))
        candidates = [random_trial(self.ranges, self._rng) for _ in range(BAYESIAN_CANDIDATES)]
        mean, std = model.predict(np.array([self._encode(c) for c in candidates]), return_std=True)
        best = max(values[: len(self._observed)])
        std = np.maximum(std, 1e-9)
        z = (mean - best) / std
        improvement = (mean - best) * norm.cdf(z) + std * norm.pdf(z)
        return candidates[int(np.argmax(improvement))]

    def _encode(self, trial: Mapping[str, str]) -> list[float]:
        vector: list[float] = []
        for r in self.ranges:
            if r.type == "categorical":
                vector += [1.0 if trial[r.name] == v else 0.0 for v in r.values]
            else:
                vector.append(r.to_unit(float(trial[r.name])))
        return vector

    # ------------------------------------------------------------------ stopping

    def _rung_points(self) -> list[int]:
        rungs, point = [], self.expected_reports / REDUCTION_FACTOR
        while point >= 1:
            rungs.append(math.ceil(point))
            point /= REDUCTION_FACTOR
        return sorted(set(rungs))

    def should_stop(self, trial: TrialRecord) -> str | None:
        """Called after each intermediate report; a reason when the trial should stop."""
        reports = trial.reports
        if not reports:
            return None
        with self._lock:
            if self.strategy == "Hyperband":
                return self._asha(trial)
            if self.early_stopping == "Auto":
                return self._median_rule(trial)
        return None

    def _asha(self, trial: TrialRecord) -> str | None:
        count = len(trial.reports)
        if count not in self._rung_values or (trial.id, count) in self._decided:
            return None
        self._decided.add((trial.id, count))
        value = trial.reports[-1]
        peers = self._rung_values[count]
        peers.append(value)
        if len(peers) < REDUCTION_FACTOR:
            return None
        keep = math.ceil(len(peers) / REDUCTION_FACTOR)
        ranked = sorted(peers, reverse=self.direction == "Maximize")
        if better(ranked[keep - 1], value, self.direction):
            return (
                f"Hyperband: at {count} reports its objective {value:.6g} is not in the top "
                f"{keep} of {len(peers)} trials"
            )
        return None

    def _median_rule(self, trial: TrialRecord) -> str | None:
        count = len(trial.reports)
        if count < max(1, self.expected_reports // 10):
            return None
        averages = [
            statistics.fmean(t.reports[:count])
            for t in self._finished
            if len(t.reports) >= count and t.status != "Failed"
        ]
        if len(averages) < 2:
            return None
        median = statistics.median(averages)
        value = trial.reports[-1]
        if better(median, value, self.direction):
            return (
                f"early stopping: objective {value:.6g} after {count} reports is worse than "
                f"the median {median:.6g} of earlier trials"
            )
        return None
