"""Tuning: which trials each strategy proposes, early stopping, and picking the best."""

from __future__ import annotations

import json
import math
import random

import pytest
from local_helpers import Finished, Workspace, run_engine

from runners.events import MetricEvent
from runners.local import RunLayout, local_engine_for
from runners.local.tuning import (
    Range,
    TrialPlanner,
    TrialRecord,
    best_trial,
    grid_trials,
    parse_ranges,
    random_trial,
)
from wizard.store import write_document
from wizard.templates import template_document

DEPTH = Range("max_depth", "categorical", values=("2", "4", "6"))
OBJECTIVE = Range("objective", "categorical", values=("binary:logistic", "binary:hinge"))


def test_grid_is_every_combination_once_first_range_slowest() -> None:
    trials = grid_trials([DEPTH, OBJECTIVE])
    assert trials == [
        {"max_depth": d, "objective": o}
        for d in ("2", "4", "6")
        for o in ("binary:logistic", "binary:hinge")
    ]
    planner = TrialPlanner("Grid", [DEPTH, OBJECTIVE], max_jobs=6, direction="Maximize")
    proposed = []
    while (trial := planner.propose()) is not None:
        proposed.append(trial)
    assert proposed == trials


def test_grid_requires_max_jobs_to_equal_the_combinations() -> None:
    with pytest.raises(ValueError, match="max_jobs to equal that number"):
        TrialPlanner("Grid", [DEPTH, OBJECTIVE], max_jobs=4, direction="Maximize")


def test_grid_deduplicates_values() -> None:
    ranges = parse_ranges([{"name": "max_depth", "type": "categorical", "values": ["2", "2", "3"]}])
    assert grid_trials(ranges) == [{"max_depth": "2"}, {"max_depth": "3"}]


def test_random_draws_independently_within_the_ranges() -> None:
    ranges = [
        Range("eta", "continuous", 0.001, 1.0, "Logarithmic"),
        Range("max_depth", "integer", 2, 10, "Linear"),
        Range("subsample", "continuous", 0.5, 0.99, "ReverseLogarithmic"),
        DEPTH.__class__("booster", "categorical", values=("gbtree", "dart")),
    ]
    rng = random.Random(7)
    trials = [random_trial(ranges, rng) for _ in range(400)]
    etas = [float(t["eta"]) for t in trials]
    assert all(0.001 <= e <= 1.0 for e in etas)
    # Log scaling: about half the draws fall below the geometric middle (~0.0316).
    below = sum(e < math.sqrt(0.001 * 1.0) for e in etas) / len(etas)
    assert 0.4 < below < 0.6
    depths = [int(t["max_depth"]) for t in trials]
    counts = [depths.count(d) for d in range(2, 11)]  # every integer equally likely
    assert sum(counts) == len(trials) and min(counts) > 0.5 * len(trials) / 9
    assert all(0.5 <= float(t["subsample"]) <= 0.99 for t in trials)
    assert {t["booster"] for t in trials} == {"gbtree", "dart"}
    # Seeded: the same seed proposes the same trials.
    planner_a = TrialPlanner("Random", ranges, max_jobs=5, direction="Maximize", seed=3)
    planner_b = TrialPlanner("Random", ranges, max_jobs=5, direction="Maximize", seed=3)
    assert [planner_a.propose() for _ in range(6)] == [planner_b.propose() for _ in range(6)]
    assert planner_a.propose() is None  # the budget is max_jobs


def test_best_trial_follows_the_objective_direction() -> None:
    trials = [
        TrialRecord("trial-001", {}, "Completed", 0.8),
        TrialRecord("trial-002", {}, "Completed", 0.9),
        TrialRecord("trial-003", {}, "Failed", 0.99),
        TrialRecord("trial-004", {}, "Completed", 0.9),
        TrialRecord("trial-005", {}, "Completed", None),
    ]
    assert best_trial(trials, "Maximize").id == "trial-002"  # ties: the earlier trial
    assert best_trial(trials, "Minimize").id == "trial-001"
    assert best_trial([trials[2]], "Maximize") is None


def test_bayesian_proposals_stay_in_range() -> None:
    ranges = [Range("eta", "continuous", 0.01, 0.5, "Logarithmic"), DEPTH]
    planner = TrialPlanner("Bayesian", ranges, max_jobs=8, direction="Maximize", seed=1)
    for index in range(8):
        trial = planner.propose()
        assert trial is not None and 0.01 <= float(trial["eta"]) <= 0.5
        assert trial["max_depth"] in DEPTH.values
        # A smooth objective with its best at eta = 0.1.
        score = -abs(math.log(float(trial["eta"]) / 0.1))
        planner.observe(TrialRecord(f"t{index}", trial, "Completed", score))
    assert planner.propose() is None


def test_hyperband_stops_trials_behind_at_a_rung() -> None:
    planner = TrialPlanner(
        "Hyperband", [DEPTH], max_jobs=6, direction="Maximize", expected_reports=9
    )
    # Rungs at 1 and 3 reports (9/9, 9/3). Three trials reach the first rung.
    good, fair, poor = (
        TrialRecord(n, {}, reports=[v]) for n, v in [("a", 0.9), ("b", 0.8), ("c", 0.5)]
    )
    assert planner.should_stop(good) is None
    assert planner.should_stop(fair) is None  # fewer than 3 at the rung: continue
    reason = planner.should_stop(poor)
    assert reason and "Hyperband" in reason


def test_median_rule_stops_a_trial_worse_than_the_median() -> None:
    planner = TrialPlanner(
        "Random",
        [DEPTH],
        max_jobs=6,
        direction="Minimize",
        early_stopping="Auto",
        expected_reports=10,
    )
    for name, values in (("a", [0.3] * 10), ("b", [0.4] * 10)):
        planner.observe(TrialRecord(name, {}, "Completed", values[-1], reports=values))
    assert planner.should_stop(TrialRecord("c", {}, reports=[0.2])) is None
    assert "early stopping" in planner.should_stop(TrialRecord("d", {}, reports=[0.9]))


def test_tuning_run_selects_the_best_trial(demo_run: Finished, demo_workspace: Workspace) -> None:
    doc = template_document("demo")
    doc["training"]["hyperparameters"] = {"num_round": 8, "eval_metric": "auc,logloss"}
    doc["tuning"] = {
        "enabled": True,
        "strategy": "Grid",
        "objective_metric": "validation:logloss",
        "max_jobs": 2,
        "max_parallel_jobs": 2,
        "ranges": [{"name": "max_depth", "type": "categorical", "values": ["1", "4"]}],
    }
    config = demo_workspace.folder / "tuning.toml"
    write_document(config, doc)
    engine = local_engine_for(
        config,
        run_root=demo_workspace.run_root,
        registry_dir=demo_workspace.registry,
        max_workers=2,
    )
    finished = run_engine(engine)
    assert finished.status == "Succeeded"
    recorder = finished.recorder
    assert recorder.step_event("PrepareData", "Succeeded").cache_hit is True  # unchanged
    assert recorder.steps("Tune") == ["Starting", "Executing", "Succeeded"]
    layout = RunLayout(engine.run_dir)
    summary = json.loads((layout.step_dir("Tune") / "tuning.json").read_text())
    trials = summary["trials"]
    assert [t["hyperparameters"]["max_depth"] for t in trials] == ["1", "4"]
    assert all(t["status"] == "Completed" and t["reports"] == 8 for t in trials)
    best = min(trials, key=lambda t: t["objective"])  # logloss: lower is better
    assert summary["best_trial"] == best["id"]
    assert engine.step_states()["Tune"].details["best_trial"] == best["id"]
    chosen = (layout.step_dir("Tune") / "output/model/model.tar.gz").read_bytes()
    trial_model = layout.trial_dir("Tune", best["id"]) / "output/model.tar.gz"
    assert chosen == trial_model.read_bytes()
    objectives = [
        e.value
        for e in recorder.events
        if isinstance(e, MetricEvent) and e.step == "Tune" and e.name == "validation:logloss"
    ]
    assert sorted(objectives) == sorted(t["objective"] for t in trials)
    hps = json.loads(
        (layout.ml_root("Tune", best["id"]) / "input/config/hyperparameters.json").read_text()
    )
    assert hps["_tuning_objective_metric"] == "validation:logloss"
    assert hps["num_round"] == "8" and hps["max_depth"] == best["hyperparameters"]["max_depth"]
