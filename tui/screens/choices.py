"""The options of fields whose valid values the domain lists: instance types with their
prices, the data's columns (once read), the algorithm's metrics and hyperparameters.

``field_specs`` (``tui/widgets/form.py``) asks ``choices_source(session)`` by key; the
answers depend on the session's current draft, so they are computed when a form is built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wizard.algorithms import ALGORITHMS, training_metrics
from wizard.defaults import (
    EVALUATION_METRICS,
    default_metric,
    default_objective,
)
from wizard.instances import load_price_table

MARKED_BY = {
    "data_preparation.drop_columns": "drop_column",
    "data_preparation.parse_numbers": "parse_number",
    "data_preparation.parse_dates": "parse_date",
    "data_preparation.text_columns": "text_column",
}
"""Which of the data report's fixes suggests ticking a column in which list."""

FINDING_WORDS = {
    "identifier": "an id",
    "leak": "leaks the answer",
    "constant": "one value only",
    "mostly_missing": "mostly missing",
    "free_text": "free text",
    "many_levels": "too many categories",
    "number_as_text": "numbers written as text",
    "decimal_comma": "decimal commas",
    "datetime": "dates",
}


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
        if key == "evaluation_metrics":
            fitting = EVALUATION_METRICS.get(problem_type_of(app_session), ())
            return [(m, m) for m in fitting]
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


def default_source(session: Any) -> Callable[[str], Any]:
    """Defaults that follow the other answers (``wizard.defaults``), by TOML path: the form
    then shows what an unset field will be (rmse for a regression, not auc)."""

    def source(path: str) -> Any:
        if path == "evaluation.metric":
            return default_metric(problem_type_of(session))
        if path == "tuning.objective_metric":
            return default_objective(algorithm_of(session), problem_type_of(session))
        if path.startswith("profile."):
            return session.profile_answers().get(path.removeprefix("profile."))
        return None

    return source


def mark_source(session: Any) -> Callable[[str], Sequence[tuple[str, str]]]:
    """The columns the data report suggests for a list of columns (``MARKED_BY``), each with
    a few words of why; empty until the data has been read."""

    def source(path: str) -> Sequence[tuple[str, str]]:
        action = MARKED_BY.get(path)
        quality = getattr(session.data_report, "quality", None)
        if action is None or quality is None:
            return []
        marks: dict[str, str] = {}
        for finding in quality.findings:
            if (finding.fix or {}).get("action") == action and finding.column:
                why = FINDING_WORDS.get(finding.code, finding.code.replace("_", " "))
                if why not in marks.get(finding.column, ""):
                    shown = marks.get(finding.column)
                    marks[finding.column] = f"{shown}, {why}" if shown else why
        return list(marks.items())

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
