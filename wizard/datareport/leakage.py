"""Target leakage: how well each column alone predicts the target, measured on rows it was
not fitted on, so a column that is the label in disguise (a copy with noise, the label
recoded ``Y``/``N``, a row id issued in label order) stands out from honest features.

Each column becomes levels: a category's values, or for numbers and dates up to
``MAX_BINS`` quantile bins of the sorted values (the bin edges use the column alone, never
the target), with missing values as a level of their own (a column filled in only for one
class is a leak too). The rows are dealt into ``FOLDS`` folds by position; each row is
predicted from the other folds' rows of its level (an m-estimate mean, or the majority
class), and scored:

- binary: AUC of those predictions; for ordered columns also the rank AUC of the value
  itself (over ``RANK_BINS`` fine ranges), taking ``max(auc, 1 - auc)`` (it fits nothing
  but a direction), whichever is higher;
- multiclass: accuracy, beside the majority-class baseline;
- regression: R² of the out-of-fold level mean.

Thresholds, set between what honest columns and leaks score by this measure. Honest strong
features of scikit-learn's bundled data: breast-cancer's worst_perimeter AUC 0.975,
worst_radius and worst_area 0.970, worst_concave_points 0.967; diabetes' s5 and bmi R²
0.31; iris' petal length accuracy 0.94 (baseline 0.33), wine's flavanoids 0.81. The leaks
the issue met score 0.99-1.0 (a noisy copy of a 0/1 label with noise of standard deviation
0.3: 0.99). So ``LEAK_AUC = 0.98``: lower would flag breast-cancer's honest measurements,
higher would miss the noisy copy. (A copy with more noise, standard deviation 0.4, scores
0.96, like an honest strong feature: one column's score cannot tell those apart.) For regression a noisy copy with R² 0.95 still
correlates at 0.975 with the target, while a physical quantity that nearly determines
another can honestly reach 0.9: ``LEAK_R2 = 0.95``. Multiclass: accuracy
``LEAK_ACCURACY = 0.98`` and closing ``LEAK_ERROR_CUT = 90 %`` of the majority baseline's
errors (both, so a 97 % majority class does not make every column a leak).

Pure Python over counters (each cell counted in C, each level worked out once); the rows
scored are capped at ``LEAK_ROWS``.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Literal

FOLDS = 5
MAX_BINS = 32
"""Value ranges a number or date is cut into for the out-of-fold level mean."""
RANK_BINS = 128
"""Finer ranges for the rank AUC: ties within one cost at most a few thousandths."""
ROWS_PER_BIN = 25
SMOOTHING = 2.0
"""Weight of the prior in a level's mean: a level seen once predicts little."""
MIN_LABELLED = 30
LEAK_ROWS = 5_000
"""Rows the leak check scores (a 10,000-row sample is thinned evenly): enough to tell an
AUC of 0.97 from 0.99, in half the time."""
MIN_PER_CLASS = 5

LEAK_AUC = 0.98
LEAK_R2 = 0.95
LEAK_ACCURACY = 0.98
LEAK_ERROR_CUT = 0.9

Metric = Literal["auc", "accuracy", "r2"]


@dataclass(frozen=True, slots=True)
class EncodedTarget:
    """The labelled rows of the sample and their labels, ready for scoring."""

    kind: Literal["binary", "multiclass", "regression"]
    rows: tuple[int, ...]
    """Positions in the sample of the rows with a label."""
    y: tuple[float, ...]
    """0/1 for binary, a class number for multiclass, the value for regression."""
    folds: tuple[int, ...]

    @property
    def baseline(self) -> float:
        """What a column with no information scores: AUC 0.5, the majority share, R² 0."""
        if self.kind == "binary":
            return 0.5
        if self.kind == "multiclass":
            return max(Counter(self.y).values()) / len(self.y)
        return 0.0


@dataclass(frozen=True, slots=True)
class PredictivePower:
    """One column's power to predict the target on its own, on held-out rows."""

    column: str
    metric: Metric
    value: float
    baseline: float
    method: str
    """How the score was reached, in words (``"order of its values alone"``, ``"mean of
    the target per value range"``...)."""
    leak: bool

    def describe(self) -> str:
        """The score in words: ``AUC 0.991 by the mean of the target per value range, on
        held-out rows (a column with no information scores 0.50)``."""
        name = {"auc": "AUC", "accuracy": "accuracy", "r2": "R²"}[self.metric]
        where = "" if self.method.startswith("order") else ", on held-out rows"
        return (
            f"{name} {self.value:.3f} by the {self.method}{where} (a column with no "
            f"information scores {self.baseline:.2f})"
        )


def encode_target(
    labels: Sequence[str | None], kind: str, *, positive: str | None = None
) -> EncodedTarget | None:
    """Labels (already normalised, ``None`` = missing) as numbers, or ``None`` when there
    are too few labelled rows to judge (under ``MIN_LABELLED``, or a binary class under
    ``MIN_PER_CLASS``, or a regression label that is not a number). Of three or more
    classes, those under ``MIN_PER_CLASS`` rows are left out."""
    rows = tuple(i for i, v in enumerate(labels) if v is not None)
    if len(rows) < MIN_LABELLED:
        return None
    rows = _thin(rows, labels, kind)
    present = [labels[i] for i in rows]
    y: list[float]
    if kind == "regression":
        try:
            y = [float(v) for v in present]  # type: ignore[arg-type]
        except ValueError:
            return None
        target_kind: Literal["binary", "multiclass", "regression"] = "regression"
    else:
        counts = Counter(present)
        if len(counts) > 2:  # a class too rare to judge leaves the check, not the others
            kept = {c for c, n in counts.items() if n >= MIN_PER_CLASS}
            if len(kept) < len(counts):
                rows = tuple(i for i in rows if labels[i] in kept)
                present = [labels[i] for i in rows]
                counts = Counter(present)
        if len(counts) < 2 or min(counts.values()) < MIN_PER_CLASS or len(rows) < MIN_LABELLED:
            return None
        classes = sorted(counts)
        if len(classes) == 2:
            hit = positive if positive in counts else classes[1]
            y = [1.0 if v == hit else 0.0 for v in present]
            target_kind = "binary"
        else:
            code = {c: float(i) for i, c in enumerate(classes)}
            y = [code[v] for v in present]  # type: ignore[index]
            target_kind = "multiclass"
    folds = tuple(i % FOLDS for i in range(len(rows)))
    return EncodedTarget(target_kind, rows, tuple(y), folds)


MISSING_NUMBER = math.inf
"""Stands for a missing value among numbers: it sorts after every value."""
MISSING_TEXT = "\U0010ffff"
"""Stands for a missing value among date strings (which sort as the dates do)."""


def _thin(rows: tuple[int, ...], labels: Sequence[str | None], kind: str) -> tuple[int, ...]:
    """At most ``LEAK_ROWS`` rows, evenly spread. For two classes the smaller keeps all its
    rows (up to half the budget) and the larger is thinned: AUC depends on each class's
    values alone, so this changes nothing but the time."""
    if len(rows) <= LEAK_ROWS:
        return rows
    counts = Counter(labels[i] for i in rows)
    if kind != "regression" and len(counts) == 2:
        small = min(counts, key=lambda c: (counts[c], str(c)))
        few = _spread([i for i in rows if labels[i] == small], LEAK_ROWS // 2)
        many = _spread([i for i in rows if labels[i] != small], LEAK_ROWS - len(few))
        return tuple(sorted(few + many))
    return tuple(_spread(list(rows), LEAK_ROWS))


def _spread(rows: list[int], budget: int) -> list[int]:
    if len(rows) <= budget:
        return rows
    return [rows[i * len(rows) // budget] for i in range(budget)]


def ordered_levels(keys: Sequence[Any], missing: Any, bins: int) -> list[int]:
    """Quantile bins ``0..bins-1`` of sortable ``keys`` (the edges come from the column
    alone), equal keys in the same bin; ``missing`` (which sorts last) gets bin ``bins``.
    Done in C: one sort and a ``bisect`` per key."""
    ordered = sorted(keys)
    present = bisect_left(ordered, missing)
    if not present:
        return [bins] * len(keys)
    # bisect_left counts the edges below a key: the last edge, the largest value, puts
    # every value at or under it and the missing marker, above it, in a bin of its own
    edges = [ordered[i * present // bins] for i in range(1, bins)] + [ordered[present - 1]]
    return list(map(bisect_left, repeat(edges), keys))


def column_power(
    column: str,
    keys: Sequence[Any],
    target: EncodedTarget,
    *,
    ordered: bool,
    missing: Any = None,
) -> PredictivePower:
    """``keys`` holds the column's value for each of ``target.rows``: sortable when
    ``ordered``, with ``missing`` (``MISSING_NUMBER`` or ``MISSING_TEXT``) for a missing
    value; otherwise any hashable values, ``None`` for missing."""
    if ordered:
        fine = ordered_levels(keys, missing, RANK_BINS)
        coarse_bins = max(2, min(MAX_BINS, len(keys) // ROWS_PER_BIN))
        coarse = [b * coarse_bins // RANK_BINS for b in range(RANK_BINS)] + [coarse_bins]
        method = "mean of the target per value range"
    else:
        fine, coarse = [], []
        method = "mean of the target per value"
    if target.kind == "binary":
        cells = Counter(zip(fine or keys, target.folds, target.y, strict=True))
        if not ordered:
            return _binary(column, _oof_auc(cells), method)
        ranks: dict[tuple[int, float], int] = defaultdict(int)
        merged: dict[tuple[Hashable, int, float], int] = defaultdict(int)
        for (level, fold, y), n in cells.items():
            merged[coarse[level], fold, y] += n
            if level != RANK_BINS:  # rank the values present
                ranks[level, y] += n
        value = _oof_auc(merged)
        ranked = auc(ranks)
        ranked = max(ranked, 1 - ranked)
        if ranked > value:
            value, method = ranked, "order of its values alone"
        return _binary(column, value, method)
    levels: Sequence[Hashable] = list(map(coarse.__getitem__, fine)) if ordered else keys
    if target.kind == "multiclass":
        value = _oof_accuracy(levels, target)
        base = target.baseline
        cut = (value - base) / (1 - base) if base < 1 else 0.0
        leak = value >= LEAK_ACCURACY and cut >= LEAK_ERROR_CUT
        method = method.replace("mean of the target", "most common class")
        return PredictivePower(column, "accuracy", value, base, method, leak)
    value = _oof_r2(levels, target)
    return PredictivePower(column, "r2", value, 0.0, method, value >= LEAK_R2)


def _binary(column: str, value: float, method: str) -> PredictivePower:
    return PredictivePower(column, "auc", value, 0.5, method, value >= LEAK_AUC)


def auc(pairs: Mapping[tuple[Hashable, float], int]) -> float:
    """Area under the ROC curve from counts of (score, 0/1 label); ties count half."""
    positives: dict[Hashable, int] = defaultdict(int)
    negatives: dict[Hashable, int] = defaultdict(int)
    for (score, label), count in pairs.items():
        (positives if label else negatives)[score] += count
    total_pos, total_neg = sum(positives.values()), sum(negatives.values())
    if not total_pos or not total_neg:
        return 0.5
    below = 0
    area = 0.0
    for score in sorted(positives.keys() | negatives.keys()):  # type: ignore[type-var]
        neg = negatives.get(score, 0)
        area += positives.get(score, 0) * (below + neg / 2)
        below += neg
    return area / (total_pos * total_neg)


def _oof_auc(cells: Mapping[tuple[Hashable, int, float], int]) -> float:
    """AUC of each row's level mean over the other folds (shrunk toward those folds' mean),
    from the rows counted per (level, fold, label) cell."""
    cell_n: dict[tuple[Hashable, int], int] = defaultdict(int)
    cell_pos: dict[tuple[Hashable, int], int] = defaultdict(int)
    level_n: dict[Hashable, int] = defaultdict(int)
    level_pos: dict[Hashable, int] = defaultdict(int)
    fold_n: dict[int, int] = defaultdict(int)
    fold_pos: dict[int, int] = defaultdict(int)
    for (level, fold, y), n in cells.items():
        cell_n[level, fold] += n
        level_n[level] += n
        fold_n[fold] += n
        if y:
            cell_pos[level, fold] += n
            level_pos[level] += n
            fold_pos[fold] += n
    n_all, pos_all = sum(fold_n.values()), sum(fold_pos.values())
    predicted: dict[tuple[float, float], int] = defaultdict(int)
    for (level, fold, y), n in cells.items():
        prior = (pos_all - fold_pos[fold]) / max(1, n_all - fold_n[fold])
        rows = level_n[level] - cell_n[level, fold]
        hits = level_pos[level] - cell_pos[level, fold]
        predicted[(hits + SMOOTHING * prior) / (rows + SMOOTHING), y] += n
    return auc(predicted)


def _oof_accuracy(levels: Sequence[Hashable], target: EncodedTarget) -> float:
    """Share of rows whose level's most common class in the other folds is theirs."""
    cells = Counter(zip(levels, target.folds, target.y, strict=True))
    per_cell: dict[tuple[Hashable, int], Counter[float]] = defaultdict(Counter)
    per_level: dict[Hashable, Counter[float]] = defaultdict(Counter)
    per_fold: dict[int, Counter[float]] = defaultdict(Counter)
    for (level, fold, y), n in cells.items():
        per_cell[level, fold][y] += n
        per_level[level][y] += n
        per_fold[fold][y] += n
    overall: Counter[float] = Counter()
    for counts in per_fold.values():
        overall.update(counts)
    right = 0
    for (level, fold), here in per_cell.items():
        rest = per_level[level] - here  # drops zero counts
        if not rest:  # a level only this fold has: the other folds' majority
            rest = overall - per_fold[fold]
        guess = min(rest, key=lambda c: (-rest[c], c))
        right += here[guess]
    return right / len(target.y)


def _oof_r2(levels: Sequence[Hashable], target: EncodedTarget) -> float:
    """R² of each row's level mean over the other folds (shrunk toward those folds' mean),
    summed per (level, fold) cell: error = Σy² - 2·p·Σy + n·p²."""
    cells = Counter(zip(levels, target.folds, strict=True))
    sums: dict[tuple[Hashable, int], float] = defaultdict(float)
    squares: dict[tuple[Hashable, int], float] = defaultdict(float)
    for key, y in zip(zip(levels, target.folds, strict=True), target.y, strict=True):
        sums[key] += y
        squares[key] += y * y
    level_n: dict[Hashable, int] = defaultdict(int)
    level_s: dict[Hashable, float] = defaultdict(float)
    fold_n: dict[int, int] = defaultdict(int)
    fold_s: dict[int, float] = defaultdict(float)
    for (level, fold), n in cells.items():
        level_n[level] += n
        level_s[level] += sums[level, fold]
        fold_n[fold] += n
        fold_s[fold] += sums[level, fold]
    n_all, s_all = sum(fold_n.values()), sum(fold_s.values())
    mean = s_all / n_all
    total = sum(squares.values()) - n_all * mean * mean
    if total <= 1e-12 * max(1.0, abs(mean)):
        return 0.0
    error = 0.0
    for (level, fold), n in cells.items():
        prior = (s_all - fold_s[fold]) / max(1, n_all - fold_n[fold])
        rows = level_n[level] - n
        p = (level_s[level] - sums[level, fold] + SMOOTHING * prior) / (rows + SMOOTHING)
        error += squares[level, fold] - 2 * p * sums[level, fold] + n * p * p
    return 1 - error / total
