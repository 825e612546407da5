"""The ``[profile]`` answers, normalised for the recommendation rules: plain values plus the
derived facts several rules share (large data, real-time hosting, why Model Monitor cannot
watch it...)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import get_args

from ..config.project import Profile

LARGE_DATA_GB = 50.0
"""From this size (CSV, JSON, images, text) one instance running pandas or scikit-learn is no
longer practical: preparation moves to Spark."""

LARGE_PARQUET_GB = 10.0
"""Parquet is compressed and columnar: 10 GB of Parquet is typically 50 GB or more once loaded, so
Parquet reaches Spark scale sooner."""

# The allowed answers come from the config model, so the two can never disagree.
_CHOICES: dict[str, tuple[str, ...]] = {
    name: get_args(Profile.model_fields[name].annotation)
    for name in (
        "data_source",
        "data_format",
        "problem_type",
        "experience",
        "prediction_mode",
        "traffic",
        "retraining",
    )
}

_FORMAT_WORDS = {
    "csv": "CSV",
    "parquet": "Parquet",
    "json": "JSON",
    "images": "images",
    "text": "text",
}


def _choice(profile: Profile, name: str) -> str:
    raw = getattr(profile, name)
    value = str(raw.value if isinstance(raw, Enum) else raw)
    if value not in _CHOICES[name]:
        raise ValueError(
            f"profile.{name} must be one of {', '.join(_CHOICES[name])}; got {value!r}"
        )
    return value


def _amount(size_gb: float) -> str:
    if size_gb < 0.01:
        return "under 0.01 GB"
    return "about " + f"{size_gb:,.2f}".rstrip("0").rstrip(".") + " GB"


@dataclass(frozen=True, slots=True)
class Answers:
    """The profile as plain values, plus the derived facts the rules share."""

    data_source: str
    data_format: str
    data_size_gb: float
    problem_type: str
    experience: str
    prefer_low_code: bool
    prediction_mode: str
    traffic: str
    models_count: int
    explainability_required: bool
    retraining: str
    share_features: bool

    @classmethod
    def of(cls, profile: Profile) -> Answers:
        """Read ``profile``; ``ValueError`` names a field whose value is not a known choice."""
        return cls(
            data_source=_choice(profile, "data_source"),
            data_format=_choice(profile, "data_format"),
            data_size_gb=float(profile.data_size_gb),
            problem_type=_choice(profile, "problem_type"),
            experience=_choice(profile, "experience"),
            prefer_low_code=bool(profile.prefer_low_code),
            prediction_mode=_choice(profile, "prediction_mode"),
            traffic=_choice(profile, "traffic"),
            models_count=int(profile.models_count),
            explainability_required=bool(profile.explainability_required),
            retraining=_choice(profile, "retraining"),
            share_features=bool(profile.share_features),
        )

    @property
    def format_words(self) -> str:
        return _FORMAT_WORDS[self.data_format]

    @property
    def data_phrase(self) -> str:
        """E.g. "Your data is about 500 GB of CSV"."""
        return f"Your data is {_amount(self.data_size_gb)} of {self.format_words}"

    @property
    def tabular(self) -> bool:
        return self.data_format in ("csv", "parquet", "json")

    @property
    def text(self) -> bool:
        """Free text, in a table of one row per text (CSV, Parquet or JSON lines)."""
        return self.data_format == "text"

    @property
    def large_data(self) -> bool:
        threshold = LARGE_PARQUET_GB if self.data_format == "parquet" else LARGE_DATA_GB
        return self.data_size_gb >= threshold

    @property
    def realtime(self) -> bool:
        return self.prediction_mode in ("realtime", "both")

    @property
    def batch(self) -> bool:
        return self.prediction_mode in ("batch", "both")

    @property
    def bursty(self) -> bool:
        return self.traffic in ("spiky", "intermittent")

    @property
    def several_models(self) -> bool:
        return self.models_count > 1

    @property
    def low_code_leaning(self) -> bool:
        return self.prefer_low_code or self.experience == "newcomer"

    @property
    def realtime_hosting(self) -> str | None:
        """The catalog id that serves real-time predictions, or None for batch only."""
        if not self.realtime:
            return None
        if self.several_models:
            return "multi-model-endpoints"
        if self.bursty:
            return "serverless-inference"
        return "endpoints"

    @property
    def monitor_blocker(self) -> str | None:
        """Why Model Monitor cannot watch the real-time endpoint chosen above, or None."""
        hosting = self.realtime_hosting
        if hosting == "serverless-inference":
            return (
                f"your {self.traffic} traffic points to a serverless endpoint, and serverless "
                "endpoints cannot capture the requests Model Monitor analyses"
            )
        if hosting == "multi-model-endpoints":
            return (
                f"your {self.models_count} models point to a multi-model endpoint, which Model "
                "Monitor does not support"
            )
        return None
