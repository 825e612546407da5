"""Recommendation rules: the ``[profile]`` answers become AWS services per stage, each with a reason.

Pure and deterministic: the same answers always give the same picks, in the same order. For each
of the nine stages every service the catalog lists for that stage appears exactly once, either as
recommended or as an alternative, so the person sees all the options and why each one is (or is
not) the first choice. Reasons are plain sentences that name the answer behind them.

The rules live one module per group of stages (``data_rules``, ``model_rules``,
``serving_rules``); ``answers`` normalises the profile and ``picks`` gathers each stage's
picks.
"""

from __future__ import annotations

from ..config.project import Profile
from ..stages import STAGE_IDS
from .answers import Answers
from .data_rules import data_collection, data_preparation, feature_engineering
from .model_rules import evaluation, training, tuning
from .picks import StageBuilder, StageRecommendation
from .serving_rules import deployment, monitoring, orchestration


def recommendations_to_json_dict(recs: list[StageRecommendation]) -> dict[str, object]:
    """The ``sm-wizard recommend --json`` document: ``{"stages": [...]}``."""
    return {"stages": [r.to_dict() for r in recs]}


_RULES = {
    "data_collection": data_collection,
    "data_preparation": data_preparation,
    "feature_engineering": feature_engineering,
    "training": training,
    "tuning": tuning,
    "evaluation": evaluation,
    "deployment": deployment,
    "monitoring": monitoring,
    "orchestration": orchestration,
}


def recommend(profile: Profile) -> list[StageRecommendation]:
    """Recommended services and alternatives for all nine stages, in stage order.

    Raises ``ValueError`` naming the field when a profile value is not one of the choices
    docs/ARCHITECTURE.md lists.
    """
    answers = Answers.of(profile)
    recommendations = []
    for stage in STAGE_IDS:
        builder = StageBuilder(stage)
        _RULES[stage](answers, builder)
        recommendations.append(builder.build())
    return recommendations
