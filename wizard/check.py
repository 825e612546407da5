"""Everything ``sm-wizard validate`` and Review say about a config document: the model's
rules and AWS's rules (``wizard.validation``) together with the checks that read the data
(``wizard.datacheck``).

It sits above both so that neither calls the other: the data checks use the validation's
``Problem`` and section models, and this module merges their findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import WizardConfig
from .datacheck import check_data
from .defaults import profile_answers
from .errors import ConfigError
from .validation import Problem, validate_document


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Everything ``sm-wizard validate`` and Review say: the config (when it has no error),
    the errors, and the warnings."""

    config: WizardConfig | None
    problems: tuple[Problem, ...]
    profile: Any = None
    """The data profile (``wizard.datafacts.DataProfile``) when the data was read."""
    quality: Any = None
    """The data quality report (``wizard.datareport.DataQualityReport``) when the data was
    read and fits the answers."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def check_document(
    doc: Any, base_dir: Any, *, s3_probe: Any = None, with_profile: bool = True
) -> CheckReport:
    """The model's rules, AWS's rules and the checks that read the data. ``base_dir`` is
    where relative input paths start (the config file's folder, or for an autosaved session
    the folder the wizard was started in); ``s3_probe`` checks S3 inputs (see
    ``wizard.datacheck``)."""
    config, problems = validate_document(doc)
    data = check_data(doc, base_dir, s3_probe=s3_probe, with_profile=with_profile)
    # One message per problem: where the answer itself breaks a rule, what the data check
    # makes of that answer only repeats it ("… contains control characters", then "… does
    # not exist").
    faulty = {p.path for p in problems if p.is_error}
    merged = [*problems, *(p for p in data.problems if p.path not in faulty)]
    if config is not None:
        config, more = resolve_from_data(config, data.profile)
        merged.extend(more)
    if data.errors or any(p.is_error for p in merged):
        config = None
    return CheckReport(config, tuple(merged), data.profile, data.quality)


SMALL_DATA_ROWS = 5000
"""Below this many rows, XGBoost's trees are kept shallower (``max_depth`` 4, not 6): on
small tables deep trees learn the noise (bench/bench_quality.py: Carseats, 400 rows, RMSE
1.74 at depth 6 and 1.56 at depth 4, against 1.53 for HistGradientBoosting)."""


def resolve_from_data(config: WizardConfig, profile: Any) -> tuple[WizardConfig, list[Problem]]:
    """The answers the data gives where the person gave none: the data's size (which the
    advice and the cost estimate read), a multiclass model built for as many classes as the
    target has (XGBoost's ``num_class``), and shallower trees for a small table."""
    given = profile_answers(config.profile, str(config.data_collection.input_uri), profile)
    if given:
        answers = config.profile.model_copy(update=given)
        answers.model_fields_set.difference_update(given)  # still the data's answers
        config = config.model_copy(update={"profile": answers})
    rows = getattr(profile, "rows", None)
    training = config.training
    if (
        training.algorithm == "xgboost"
        and isinstance(rows, int)
        and rows < SMALL_DATA_ROWS
        and "max_depth" not in training.hyperparameters
    ):
        hps = {**training.hyperparameters, "max_depth": 4}
        config = config.model_copy(
            update={"training": training.model_copy(update={"hyperparameters": hps})}
        )
    config, bias_problems = _bias_thresholds(config, profile)
    if bias_problems or config.profile.problem_type != "multiclass_classification":
        return config, bias_problems
    if config.data_collection.num_classes is not None:
        return config, []
    classes = getattr(profile, "classes", None) or {}
    if len(classes) >= 3:
        collection = config.data_collection.model_copy(update={"num_classes": len(classes)})
        collection.model_fields_set.discard("num_classes")  # still the data's answer
        return config.model_copy(update={"data_collection": collection}), []
    if config.training.algorithm != "xgboost" or profile is not None:
        return config, []
    return config, [
        Problem(
            "data_collection.num_classes",
            "the data could not be read here, so its classes were not counted; XGBoost must "
            "know how many there are: set data_collection.num_classes (e.g. 5)",
        )
    ]


def checked_config(doc: Any, base_dir: Any, *, s3_probe: Any = None) -> WizardConfig:
    """What ``export`` and ``run`` build from: the config with every check ``validate``
    makes (the data's included) and the answers the data gives. Raises ``ConfigError``
    listing the same errors ``validate`` prints, before anything is written or started."""
    report = check_document(doc, base_dir, s3_probe=s3_probe, with_profile=False)
    if report.config is None:
        raise ConfigError(report.errors)
    return report.config


def _bias_thresholds(config: WizardConfig, profile: Any) -> tuple[WizardConfig, list[Problem]]:
    """Clarify's thresholds from the data where the person gave none: a numeric facet with
    many values is cut at its median (the SDK's BiasConfig needs a threshold for it), and a
    regression label counts as favourable above the training labels' median."""
    evaluation = config.evaluation
    if "clarify" not in evaluation.services:
        return config, []
    medians = getattr(profile, "medians", None) or {}
    update: dict[str, float] = {}
    if evaluation.bias_facet_threshold is None and evaluation.bias_facet in medians:
        update["bias_facet_threshold"] = medians[evaluation.bias_facet]
    regression = config.profile.problem_type == "regression"
    if regression and evaluation.bias_label_threshold is None:
        target = config.data_collection.target_column
        if target in medians:
            update["bias_label_threshold"] = medians[target]
        elif profile is None:
            return config, [
                Problem(
                    "evaluation.bias_label_threshold",
                    "the data could not be read here, so the labels' median is unknown; the "
                    "bias check needs the value above which a label counts as favourable: "
                    "set evaluation.bias_label_threshold (e.g. the median price)",
                )
            ]
    if not update:
        return config, []
    section = evaluation.model_copy(update=update)
    section.model_fields_set.difference_update(update)  # still the data's answers
    return config.model_copy(update={"evaluation": section}), []
