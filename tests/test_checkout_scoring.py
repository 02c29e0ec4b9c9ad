"""Scores as Lighthouse computes them: the log-normal curve and the weighted category mean."""

from __future__ import annotations

import pytest

from opsctl.checkout.scoring import (
    LogNormalCurve,
    display_score,
    log_normal_score,
    rating,
    weighted_mean,
)

FIELDS = LogNormalCurve(p10=8, median=11.3)


def test_control_points_score_as_lighthouse_defines_them():
    assert FIELDS.score(8) == pytest.approx(0.9, abs=1e-9)
    assert FIELDS.score(11.3) == pytest.approx(0.5, abs=1e-9)


@pytest.mark.parametrize(
    ("value", "expected"),
    # Lighthouse's getLogNormalScore({p10: 8, median: 11.3}, value), rounded to 2 decimals.
    [(4, 1.0), (6, 0.99), (9, 0.8), (10, 0.67), (12, 0.41), (15, 0.15), (20, 0.02)],
)
def test_curve_between_and_beyond_the_control_points(value, expected):
    assert round(FIELDS.score(value), 2) == expected


def test_scores_are_clamped_into_their_bands_and_fall_with_the_value():
    scores = [FIELDS.score(v) for v in (1, 7.9, 8, 8.1, 11.2, 11.3, 11.4, 40)]
    assert scores == sorted(scores, reverse=True)
    assert FIELDS.score(7.99) >= 0.9 and FIELDS.score(11.31) < 0.5
    assert log_normal_score(0, p10=8, median=11.3) == 1.0


def test_control_points_must_be_ordered_and_positive():
    with pytest.raises(ValueError):
        LogNormalCurve(p10=12, median=11.3)
    with pytest.raises(ValueError):
        LogNormalCurve(p10=0, median=11.3)


def test_weighted_mean_leaves_out_audits_that_do_not_apply():
    assert weighted_mean([(1.0, 48), (0.0, 26), (None, 100)]) == pytest.approx(0.65, abs=0.01)
    assert weighted_mean([(None, 10)]) is None
    assert weighted_mean([(0.5, 0)]) is None


def test_display_score_and_rating_bands():
    assert display_score(0.845) == 85 and display_score(None) is None
    assert [rating(s) for s in (0.9, 0.89, 0.5, 0.49, None)] == [
        "pass",
        "average",
        "average",
        "fail",
        "n/a",
    ]
