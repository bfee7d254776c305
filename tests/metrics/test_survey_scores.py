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


def test_share_positive_counts_the_top_two_boxes(tiny):
    with tiny.connect() as conn:
        trust = _row(survey_scores(conn, PERIOD), "trust")
    # only r2 (10 of 10) is in the top two boxes (9-10): weight 2 of 4
    assert trust["share_positive"] == pytest.approx(50.0)
    assert trust["share_ci_low"] == 0.0  # 50 - 60.0 clamped: a share cannot be negative


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
