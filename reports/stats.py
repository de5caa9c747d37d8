"""The few statistics the report derives itself (the marts hold the rest).

- :func:`wilson` — the Wilson 95% interval the marts use for precision and recall, here for
  progression rates of segments and signals and for accuracy.
- :func:`roc_points` / :func:`pr_points` — ROC and precision–recall curves from per-score
  counts of progressed and not-progressed contacts (every distinct score is a threshold,
  tied scores form one step, as in the marts' AUC and average precision).
- :func:`thin` — fewer points for drawing, endpoints kept.
- :func:`mcnemar_p` — whether two models' paired right/wrong counts differ by more than chance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

Point = tuple[float, float]

#: The z of a 95% interval, as the marts use it (so intervals here match theirs).
Z95 = 1.96


def wilson(successes: int | None, trials: int | None, *, z: float = Z95) -> Point | None:
    """Wilson score interval (low, high) for ``successes`` out of ``trials``; None if no trials."""
    if not trials or successes is None:
        return None
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    denominator = 1 + z2 / trials
    low = max(0.0, (centre - spread) / denominator)
    high = min(1.0, (centre + spread) / denominator)
    # p = 0 or 1 gives a bound of 0 or 1 up to rounding; say so exactly.
    return (0.0 if low < 1e-12 else low), (1.0 if high > 1 - 1e-12 else high)


def _descending(groups: Sequence[tuple[float, int, int]]) -> list[tuple[float, int, int]]:
    return sorted(groups, key=lambda g: g[0], reverse=True)


def roc_points(groups: Sequence[tuple[float, int, int]]) -> list[Point]:
    """(false positive rate, true positive rate) from (score, progressed, not progressed)
    counts per distinct score, thresholds descending, from (0, 0) to (1, 1).

    Empty when either class is absent (the curve is undefined then).
    """
    positives = sum(g[1] for g in groups)
    negatives = sum(g[2] for g in groups)
    if not positives or not negatives:
        return []
    tp = fp = 0
    points: list[Point] = [(0.0, 0.0)]
    for _score, pos, neg in _descending(groups):
        tp += pos
        fp += neg
        points.append((fp / negatives, tp / positives))
    return points


def pr_points(groups: Sequence[tuple[float, int, int]]) -> list[Point]:
    """(recall, precision) at every distinct score taken as threshold, descending, starting
    at recall 0 with the first threshold's precision. Empty without a progressed contact."""
    positives = sum(g[1] for g in groups)
    if not positives:
        return []
    tp = fp = 0
    points: list[Point] = []
    for _score, pos, neg in _descending(groups):
        tp += pos
        fp += neg
        points.append((tp / positives, tp / (tp + fp)))
    return [(0.0, points[0][1]), *points]


def trapezoid_area(points: Sequence[Point]) -> float:
    """Area under a curve given as (x, y) points in x order (the ROC AUC for ROC points)."""
    return sum((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in pairwise(points))


def thin(points: Sequence[Point], max_points: int = 400) -> list[Point]:
    """At most ``max_points`` points, evenly taken, first and last always kept."""
    if len(points) <= max_points:
        return list(points)
    step = (len(points) - 1) / (max_points - 1)
    return [points[round(i * step)] for i in range(max_points)]


def mcnemar_p(only_first: int, only_second: int) -> float | None:
    """Two-sided McNemar p-value for paired right/wrong counts: exact binomial below 25
    discordant pairs, else chi-square with continuity correction. None without discordance."""
    n = only_first + only_second
    if n == 0:
        return None
    if n < 25:
        k = min(only_first, only_second)
        tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
        return min(1.0, 2 * tail)
    chi2 = (abs(only_first - only_second) - 1) ** 2 / n
    return math.erfc(math.sqrt(chi2 / 2))
