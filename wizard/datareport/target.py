"""Facts about the target column and the rows: label spellings that differ only in case or
surrounding spaces, class balance (and the ``scale_pos_weight`` that would even it out),
a problem type the labels contradict, and rows repeated exactly.

Labels are compared as the generated prepare step will see them: pandas keeps ``" no"``
and ``"no"`` apart and reads ``1`` and ``1.0`` alike, and classes are numbered in sorted
order (exporters/templates/code/features.py ``encode_labels``), so the positive class of a
binary target is the larger of the two.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..datasample import is_missing

IMBALANCED_SHARE = 0.10
"""A binary target whose smaller class is under this share of the rows is imbalanced."""
IMBALANCED_RATIO = 0.10
"""A multiclass target whose smallest class has under this fraction of the largest's rows."""
REGRESSION_LIKE = 20
"""A classification target with more distinct numbers than this looks like regression."""


def canonical_number(value: str) -> str:
    """``"1.0"`` and ``"1"`` alike, as pandas reads them; other text unchanged."""
    try:
        number = float(value)
    except ValueError:
        return value
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else value


def label_variants(labels: Sequence[str | None]) -> dict[str, str]:
    """Raw labels that are another label written differently (case, surrounding spaces),
    each mapped to the spelling to keep: the most common one of its group, trimmed."""
    raw = Counter(v for v in labels if not is_missing(v))
    groups: dict[str, Counter[str]] = {}
    for value, count in raw.items():
        key = canonical_number(value.strip()).casefold()  # type: ignore[union-attr]
        groups.setdefault(key, Counter())[value] += count  # type: ignore[index]
    mapping: dict[str, str] = {}
    for spellings in groups.values():
        if len(spellings) < 2 and all(s == s.strip() for s in spellings):
            continue
        trimmed: Counter[str] = Counter()
        for spelling, count in spellings.items():
            trimmed[canonical_number(spelling.strip())] += count
        keep = min(trimmed, key=lambda s: (-trimmed[s], s))
        for spelling in spellings:
            if spelling != keep and canonical_number(spelling) != keep:
                mapping[spelling] = keep
    return dict(sorted(mapping.items()))


def normalised_labels(labels: Sequence[str | None], mapping: dict[str, str]) -> list[str | None]:
    """The labels with ``mapping`` applied, numbers canonical, missing as ``None`` (each
    distinct label worked out once)."""
    table = {
        value: canonical_number(mapping.get(value, value).strip())
        for value in set(labels)
        if not is_missing(value)
    }
    return list(map(table.get, labels))  # type: ignore[arg-type]


def sort_classes(classes: Sequence[str]) -> list[str]:
    """Classes in the order the prepare step numbers them (numbers numerically)."""
    try:
        return sorted(classes, key=float)
    except ValueError:
        return sorted(classes)


@dataclass(frozen=True, slots=True)
class ClassBalance:
    """Rows per class of a classification target (normalised labels)."""

    counts: dict[str, int] = field(default_factory=dict)
    """Rows per class, largest first."""
    positive: str | None = None
    """The class XGBoost calls 1, for a binary target."""
    scale_pos_weight: float | None = None
    """Negatives / positives, for a binary target."""

    @property
    def minority(self) -> str | None:
        return min(self.counts, key=lambda c: (self.counts[c], c)) if self.counts else None

    @property
    def minority_share(self) -> float:
        total = sum(self.counts.values())
        return self.counts[self.minority] / total if total and self.minority else 0.0

    @property
    def imbalanced(self) -> bool:
        if len(self.counts) < 2:
            return False
        if len(self.counts) == 2:
            return self.minority_share < IMBALANCED_SHARE
        return min(self.counts.values()) < IMBALANCED_RATIO * max(self.counts.values())


def class_balance(labels: Sequence[str | None]) -> ClassBalance:
    counts = Counter(v for v in labels if v is not None)
    ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    if len(counts) != 2:
        return ClassBalance(ordered)
    negative, positive = sort_classes(list(counts))
    weight = round(counts[negative] / counts[positive], 3)
    return ClassBalance(ordered, positive, weight)


def problem_type_hint(labels: Sequence[str | None], problem_type: str) -> tuple[str, str] | None:
    """(the problem type the normalised labels suggest, why), when they contradict
    ``problem_type``; ``None`` when they agree."""
    present = [v for v in labels if v is not None]
    if not present:
        return None
    distinct = set(present)
    numeric = all(_is_number(v) for v in distinct)
    if problem_type == "regression":
        if not numeric:
            kind = "binary_classification" if len(distinct) == 2 else "multiclass_classification"
            example = next(v for v in distinct if not _is_number(v))
            return kind, f"the target holds text such as {example!r}, so it names classes"
        if len(distinct) == 2:
            return "binary_classification", "the target has only two distinct values"
        return None
    if numeric and len(distinct) > REGRESSION_LIKE:
        return "regression", f"looks like regression: {len(distinct):,} distinct numeric values"
    if problem_type == "binary_classification" and len(distinct) > 2:
        return "multiclass_classification", f"the target has {len(distinct)} classes, not two"
    if problem_type == "multiclass_classification" and len(distinct) == 2:
        return "binary_classification", "the target has two classes"
    return None


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def duplicate_rows(rows: Sequence[tuple[str | None, ...]]) -> int:
    """Rows that repeat an earlier row exactly (every cell equal)."""
    return len(rows) - len(set(rows))
