"""Survey scores on the tiny city, against the hand calculation in conftest."""

import math
from datetime import date

import pytest

from metrics.filters import Filters
from metrics.stats import Z95
from metrics.survey import latest_scores, survey_scores

PERIOD = Filters(date(2024, 1, 1), date(2024, 12, 31))


def _row(frame, construct):
    rows = frame[frame["construct"] == construct]
    assert len(rows) == 1
    return rows.iloc[0]


def test_trust_is_the_weighted_mean_of_rescaled_answers(tiny):
    with tiny.connect() as conn:
        trust = _row(survey_scores(conn, PERIOD), "trust")
    # (1*80 + 2*100 + 1*50) / 4 = 82.5; n_eff = 16/6; SE = sqrt(251.25) (see test_stats)
    assert trust["partnership"] == "P"
    assert trust["mean"] == pytest.approx(82.5)
    assert trust["n"] == 3
    assert trust["n_eff"] == pytest.approx(16 / 6)
    assert trust["se"] == pytest.approx(math.sqrt(251.25))
    assert trust["ci_high"] == pytest.approx(82.5 + Z95 * math.sqrt(251.25))


def test_share_positive_agrees_with_the_score_on_a_0_to_10_scale(tiny):
    with tiny.connect() as conn:
        trust = _row(survey_scores(conn, PERIOD), "trust")
    # positive is 7-10 of 0-10: r1 (8) and r2 (10) are, r3 (5) is not: weight 3 of 4. (The
    # top two boxes, 9-10, would count r1's 8 of 10 as not positive.)
    assert trust["share_positive"] == pytest.approx(75.0)
    # 75 +/- 1.96 * sqrt(0.75 * 0.25 / (16 / 6)) = 75 +/- 51.9, clamped at 100
    assert trust["share_ci_low"] == pytest.approx(75 - 1.959964 * math.sqrt(0.75 * 0.25 * 6 / 16) * 100)
    assert trust["share_ci_high"] == 100.0


def test_reverse_worded_items_are_reversed(tiny):
    with tiny.connect() as conn:
        sat = _row(survey_scores(conn, PERIOD), "satisfaction")
    # r1 answered 1 = excellent -> 100; r2 answered 4 = poor -> 25: (1*100 + 2*25) / 3 = 50
    assert sat["mean"] == pytest.approx(50.0)
    assert sat["n"] == 2
    # r1 is positive (top two boxes of the reversed scale), r2 is not: 1/3
    assert sat["share_positive"] == pytest.approx(100 / 3)


def test_other_areas_and_non_residents_are_left_out(tiny):
    with tiny.connect() as conn:
        frame = survey_scores(conn, PERIOD)
    assert set(frame["partnership"]) == {"P"}
    assert _row(frame, "trust")["n"] == 3  # not r4 (area B) nor r5 (officer)


def test_a_period_without_answers_has_no_rows(tiny):
    with tiny.connect() as conn:
        frame = survey_scores(conn, Filters(date(2022, 1, 1), date(2022, 12, 31)))
    assert frame.empty


def test_unknown_partnership_filter_gives_no_rows(tiny):
    with tiny.connect() as conn:
        frame = survey_scores(conn, Filters(date(2024, 1, 1), date(2024, 12, 31), partnership="NOPE"))
    assert frame.empty


def test_latest_scores_keeps_the_last_quarter(tiny):
    with tiny.connect() as conn:
        frame = survey_scores(conn, PERIOD)
    latest = latest_scores(frame)
    assert set(latest["quarter"].dt.date) == {date(2024, 1, 1)}
