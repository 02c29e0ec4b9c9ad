"""Scores as Lighthouse computes them: log-normal curves and weighted means.

A numeric audit maps a measured value (form fields, steps, an abandonment
rate) to a score from 0 to 1 on a log-normal curve fixed by two control
points, exactly as Lighthouse scores its metrics
(``shared/statistics.js``, ``getLogNormalScore``): the value ``p10`` scores
0.9, the ``median`` scores 0.5, lower values score higher. Scores are then
rounded to two decimals, and a category's score is the weighted mean of its
audits' scores, audits that do not apply left out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

#: Closest double to erfc⁻¹(1/5): erfc of it is 0.2, which puts ``p10`` at a score of 0.9.
INVERSE_ERFC_ONE_FIFTH = 0.9061938024368232
#: Lighthouse's boundaries: a score is "pass" from 0.9, "average" from 0.5, else "fail".
PASS_THRESHOLD = 0.9
AVERAGE_THRESHOLD = 0.5
_MAX_AVERAGE = 0.8999999999999999
_MAX_FAILING = 0.49999999999999994


@dataclass(frozen=True)
class LogNormalCurve:
    """A scoring curve: ``p10`` scores 0.9, ``median`` scores 0.5 (lower values are better)."""

    p10: float
    median: float

    def __post_init__(self) -> None:
        if self.p10 <= 0 or self.median <= 0:
            raise ValueError("p10 and median must be greater than zero")
        if self.p10 >= self.median:
            raise ValueError("p10 must be less than the median")

    def score(self, value: float) -> float:
        """The score of ``value`` on this curve (see :func:`log_normal_score`)."""
        return log_normal_score(value, p10=self.p10, median=self.median)


def log_normal_score(value: float, *, p10: float, median: float) -> float:
    """Lighthouse's ``getLogNormalScore``: 1 minus the log-normal CDF at ``value``.

    The curve is the complementary CDF of the log-normal distribution whose
    median is ``median`` and whose 10th percentile is ``p10``. Like
    Lighthouse, the result is clamped so that values at or below ``p10``
    always pass (≥ 0.9), values up to the median are "average" and values
    above it fail (< 0.5); values ≤ 0 score 1. Lighthouse approximates erf;
    this uses the exact :func:`math.erfc`.
    """
    if value <= 0:
        return 1.0
    x_log_ratio = math.log(value / median)
    p10_log_ratio = -math.log(p10 / median)
    standardized = x_log_ratio * INVERSE_ERFC_ONE_FIFTH / p10_log_ratio
    complementary_percentile = math.erfc(standardized) / 2
    if value <= p10:
        return max(PASS_THRESHOLD, min(1.0, complementary_percentile))
    if value <= median:
        return max(AVERAGE_THRESHOLD, min(_MAX_AVERAGE, complementary_percentile))
    return max(0.0, min(_MAX_FAILING, complementary_percentile))


def clamp_score(score: float) -> float:
    """A score rounded to two decimals within [0, 1], as Lighthouse reports audit scores."""
    return round(min(1.0, max(0.0, score)), 2)


def rating(score: float | None) -> str:
    """``pass``, ``average``, ``fail`` or ``n/a``: how a score reads (Lighthouse's colours)."""
    if score is None:
        return "n/a"
    if score >= PASS_THRESHOLD:
        return "pass"
    if score >= AVERAGE_THRESHOLD:
        return "average"
    return "fail"


def weighted_mean(scored: Iterable[tuple[float | None, float]]) -> float | None:
    """The weighted mean of ``(score, weight)`` pairs, 0..1; ``None`` when nothing counts.

    Pairs without a score (not applicable, errored) and with weight 0 are
    left out, so they neither help nor hurt.
    """
    total = weights = 0.0
    for score, weight in scored:
        if score is None or weight <= 0:
            continue
        total += score * weight
        weights += weight
    if weights == 0:
        return None
    return clamp_score(total / weights)


def display_score(score: float | None) -> int | None:
    """A category score as shown to people: 0..100, rounded (Lighthouse's display)."""
    return None if score is None else math.floor(score * 100 + 0.5)
