"""Which unstarted steps will not run: branches not taken and what depends on them."""

from __future__ import annotations

from runners.sagemaker.definition import DefinedStep
from runners.sagemaker.unstarted import (
    UnstartedSteps,
    branches_not_taken,
    dependency_order,
    will_not_run,
)

CONDITION_TRUE = {
    "StepName": "Check",
    "StepStatus": "Succeeded",
    "Metadata": {"Condition": {"Outcome": "True"}},
}


def test_a_step_after_a_skipped_one_is_skipped_whatever_the_listing_order() -> None:
    # "Report" is listed before the step it depends on: the walk follows the edges
    definition = [
        DefinedStep("Check", "Condition"),
        DefinedStep("Report", "Processing", ("Fallback",)),
        DefinedStep("Fallback", "Processing", ("Check",), "Check", "else"),
        DefinedStep("Register", "RegisterModel", ("Check",), "Check", "if"),
    ]
    names = [step.name for step in dependency_order(definition)]
    assert names.index("Fallback") < names.index("Report")
    assert will_not_run(definition, branches_not_taken([CONDITION_TRUE])) == {
        "Fallback": "branch not taken: Check was True",
        "Report": "after Fallback, which did not run",
    }


def test_a_dependency_cycle_keeps_the_definition_order() -> None:
    definition = [DefinedStep("A", "Processing", ("B",)), DefinedStep("B", "Processing", ("A",))]
    assert dependency_order(definition) == definition


def test_each_word_is_reported_once_pending_then_skipped() -> None:
    events = []
    unstarted = UnstartedSteps(events.append, lambda: "2026-01-01T00:00:00Z")
    definition = [
        DefinedStep("Check", "Condition"),
        DefinedStep("Fallback", "Processing", ("Check",), "Check", "else"),
    ]
    assert unstarted.report(definition, [], "Executing")
    assert not unstarted.report(definition, [], "Executing")
    assert unstarted.report(definition, [CONDITION_TRUE], "Executing")
    assert [(e.step, e.status, e.reason) for e in events] == [
        ("Check", "Pending", None),
        ("Fallback", "Pending", None),
        ("Fallback", "Skipped", "branch not taken: Check was True"),
    ]


def test_a_step_a_succeeded_execution_never_ran_is_not_called_a_branch_not_taken() -> None:
    events = []
    unstarted = UnstartedSteps(events.append, lambda: "2026-01-01T00:00:00Z")
    definition = [DefinedStep("Train", "Training"), DefinedStep("Extra", "Processing")]
    started = [{"StepName": "Train", "StepStatus": "Succeeded"}]
    unstarted.report(definition, started, "Executing")
    unstarted.report(definition, started, "Succeeded")
    assert [(e.step, e.status, e.reason) for e in events] == [
        ("Extra", "Pending", None),
        ("Extra", "Skipped", "not run: the execution succeeded without it"),
    ]
