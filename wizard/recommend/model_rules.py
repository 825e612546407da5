"""Recommendation rules for the model stages: training, tuning and evaluation."""

from __future__ import annotations

from dataclasses import dataclass

from ..instances import load_price_table
from .answers import Answers
from .picks import StageBuilder


@dataclass(frozen=True, slots=True)
class _Problem:
    words: str
    objective: str
    """The built-in XGBoost objective the export uses."""
    metric: str
    """The metric the export reports (on the validation set) and the tuner optimises."""
    best: str
    """Whether the tuner keeps the "highest" or the "lowest" value of ``metric``."""


_PROBLEMS = {
    "binary_classification": _Problem("binary classification", "binary:logistic", "AUC", "highest"),
    "multiclass_classification": _Problem(
        "multiclass classification", "multi:softprob", "log loss", "lowest"
    ),
    "regression": _Problem("regression", "reg:squarederror", "RMSE", "lowest"),
}

_RETRAINING_WORDS = {
    "manual": "by hand",
    "scheduled": "on a schedule",
    "on_new_data": "whenever new data arrives",
}


def _hourly(instance: str, kind: str = "training") -> str:
    """An instance's on-demand price in words (the dated table in data/instances.toml)."""
    price = load_price_table().hourly(instance, kind)  # type: ignore[arg-type]
    return f"{instance}, about ${price:.2f} an hour" if price is not None else instance


def training(a: Answers, s: StageBuilder) -> None:
    problem = _PROBLEMS[a.problem_type]
    if a.text:
        _text_training(a, s)
    else:
        s.recommend(
            "training-jobs",
            f"Your problem is {problem.words}: a training job runs the built-in XGBoost "
            f"algorithm with the {problem.objective} objective and reports the validation "
            f"{problem.metric}.",
        )
    if a.prefer_low_code:
        s.recommend(
            "autopilot",
            "You prefer low code: Autopilot tries several algorithms and settings on your table "
            "and ranks the resulting models; the export starts it with autopilot.py.",
        )
    elif a.experience == "newcomer":
        s.alternative(
            "autopilot",
            "You are new to SageMaker: Autopilot builds a baseline model automatically, a "
            "useful yardstick for the model you train yourself.",
        )
    if a.text:
        pass  # JumpStart and BlazingText: said by _text_training
    elif not a.tabular:
        s.recommend(
            "jumpstart",
            f"Your data is {a.format_words}: fine-tuning a pretrained model from JumpStart "
            "beats training from scratch and needs far less labelled data.",
        )
    elif a.low_code_leaning:
        why = "You prefer low code" if a.prefer_low_code else "You are new to SageMaker"
        s.alternative(
            "jumpstart",
            f"{why}: JumpStart has ready-made tabular models (LightGBM, CatBoost, "
            "AutoGluon-Tabular) you can train from Studio without writing code.",
        )
    if a.experience == "newcomer":
        s.alternative(
            "studio",
            "You are new to SageMaker: Studio shows your training jobs, pipeline runs and "
            "models in the browser, which makes it easier to see what happened.",
        )
    if a.retraining != "manual":
        s.alternative(
            "experiments",
            f"You retrain {_RETRAINING_WORDS[a.retraining]}: tracking each run's parameters "
            "and metrics lets you compare the new model with the previous one.",
        )
    else:  # recommended under Model evaluation: never "not needed" here
        s.alternative(
            "experiments",
            "Recommended under Model evaluation, where each run's test metrics are recorded; "
            "tick it here too to track each training run's parameters alongside them.",
        )
    if a.large_data:
        s.alternative(
            "debugger",
            f"{a.data_phrase}, so training runs are long: if your account already uses "
            "Debugger (closed to new customers since July 2026), its rules flag a stalled loss "
            "early.",
        )
    if a.several_models:
        s.alternative(
            "aws-batch",
            f"You will serve {a.models_count} models: AWS Batch can queue their training jobs "
            "by priority within a shared instance budget instead of starting them all at once.",
        )


def _text_training(a: Answers, s: StageBuilder) -> None:
    """Free text: TF-IDF features and a linear model in the pipeline (list the text columns
    in data_preparation.text_columns); JumpStart and BlazingText when they fit better."""
    problem = _PROBLEMS[a.problem_type]
    s.recommend(
        "training-jobs",
        f"Your data is text and your problem is {problem.words}: the feature step turns each "
        "free-text column into TF-IDF weights of its words and character n-grams, and a "
        "training job fits a linear model on them in the scikit-learn container (script "
        "mode). It is the strong, cheap baseline for tickets, reviews and titles: a CPU "
        f"instance ({_hourly('ml.m5.large')}) trains it in minutes.",
    )
    jumpstart = (
        "Better when meaning lies beyond the words (sarcasm, paraphrase) or you have only a "
        "few hundred labelled rows: fine-tune a pretrained text classification model "
        "(BERT family) from JumpStart on your labels. It costs more: a GPU instance "
        f"({_hourly('ml.g5.xlarge')}) to train, and the same per hour to serve in real time."
    )
    blazing = (
        "Built for large volumes of text only: BlazingText classifies hundreds of millions "
        "of words in minutes on one instance "
        f"({_hourly('ml.c5.xlarge')}); it reads text alone, so numbers and categories "
        "beside the text are left out, and it classifies (no regression)."
    )
    if a.problem_type == "regression":
        blazing = "BlazingText classifies text, it does not predict numbers: " + blazing
    if a.low_code_leaning:
        s.recommend("jumpstart", f"{jumpstart} From Studio, without writing code.")
    else:
        s.alternative("jumpstart", jumpstart)
    s.alternative("blazingtext", blazing)


def tuning(a: Answers, s: StageBuilder) -> None:
    if a.prefer_low_code:
        s.alternative(
            "automatic-model-tuning",
            "You prefer low code, and Autopilot (recommended for training) already searches "
            "hyperparameters; add tuning only if you also train your own model.",
        )
        return
    budget = (
        f" {a.data_phrase}, so each trial is costly: start with a few trials."
        if a.large_data
        else ""
    )
    problem = _PROBLEMS[a.problem_type]
    s.recommend(
        "automatic-model-tuning",
        f"Tuning trains several versions of your {problem.words} model with different settings "
        f"and keeps the one with the {problem.best} validation {problem.metric}.{budget}",
    )


def evaluation(a: Answers, s: StageBuilder) -> None:
    s.recommend(
        "experiments",
        "Each run's test metrics are recorded, so before approving a model you can compare its "
        f"test {_PROBLEMS[a.problem_type].metric} with earlier runs.",
    )
    if a.explainability_required:
        s.recommend(
            "clarify",
            "You said decisions are regulated or customer-facing: Clarify measures bias across "
            "groups and explains which features drive predictions (SHAP), and its report is "
            "kept with the model version.",
        )
    else:
        s.alternative(
            "clarify",
            "You did not ask for explainability: add Clarify if the model's decisions affect "
            "people or must be explained.",
        )
    blocker = a.monitor_blocker
    if a.realtime and blocker is None:
        s.recommend(
            "model-monitor",
            "You predict in real time: the data-quality baseline recorded here is what Model "
            "Monitor later compares live requests against.",
        )
    elif blocker is not None:
        s.alternative(
            "model-monitor",
            f"A data-quality baseline still documents what good input looks like, but {blocker}.",
        )
    else:
        s.alternative(
            "model-monitor",
            "You predict in batches: a data-quality baseline lets you check each new batch's "
            "input for drift.",
        )
    if a.experience == "newcomer":
        s.alternative(
            "studio-notebooks",
            "You are new to SageMaker: opening the evaluation report and test predictions in a "
            "notebook shows where the model goes wrong.",
        )
