"""The options of fields whose valid values the domain lists: instance types with their
prices, the data's columns (once read), the algorithm's metrics and hyperparameters.

``field_specs`` (``tui/widgets/form.py``) asks ``choices_source(session)`` by key; the
answers depend on the session's current draft, so they are computed when a form is built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wizard.algorithms import ALGORITHMS, training_metrics
from wizard.instances import load_price_table


def choices_source(app_session: Any) -> Callable[[str], Sequence[tuple[str, Any]]]:
    """Options for text fields whose valid values the domain lists (instances, metrics...)."""

    def source(key: str) -> Sequence[tuple[str, Any]]:
        if key.startswith("instances:"):
            kind = key.split(":", 1)[1]
            table = load_price_table()
            options = []
            for name in table.names_for(kind):  # type: ignore[arg-type]
                inst = table.instances[name]
                price = inst.prices[kind]
                gpu = f", {inst.gpus} GPU" if inst.gpus else ""
                options.append(
                    (
                        f"{name}  {inst.vcpu} vCPU, {inst.memory_gib:g} GiB{gpu}, ${price:.3f}/h",
                        name,
                    )
                )
            return options
        if key == "columns":
            return column_options(app_session)
        algorithm = algorithm_of(app_session)
        if key == "metrics":
            problem = problem_type_of(app_session)
            metrics = training_metrics(algorithm, problem)
            return [(m, m) for m in metrics if m.startswith("validation:")]
        if key == "hyperparameters":
            return [
                (f"{h.name}  ({h.help})", h.name) for h in ALGORITHMS[algorithm].hyperparameters
            ]
        return []

    return source


def column_options(session: Any) -> list[tuple[str, Any]]:
    """The data's columns as choices (empty until the data has been read)."""
    profile = getattr(session.data_report, "profile", None)
    if profile is None or not profile.columns:
        return []
    return [("(none)", "")] + [(f"{c.name}  ({c.kind})", c.name) for c in profile.columns]


def algorithm_of(session: Any) -> str:
    """The chosen training algorithm (xgboost until a known one is chosen)."""
    value = session.section("training").get("algorithm", "xgboost")
    return value if value in ALGORITHMS else "xgboost"


def problem_type_of(session: Any) -> str:
    """The profile's problem type (binary classification until the profile is valid)."""
    profile = session.model("profile")
    return profile.problem_type if profile is not None else "binary_classification"
