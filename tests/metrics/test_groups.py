"""Breakdowns by group and benchmarks in words, on the tiny city with race/ethnicity added:
r1 (weight 1, trust 80) and r2 (weight 2, trust 100) are Black, r3 (trust 50) White, all
in area A (partnership P); r4 in area B (trust 0) is Black. Means and intervals are worked
out by hand here."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from board.deck import groups_slide
from charts.figures import figure_table
from charts.groups import group_dots
from db.models import SurveyResponse
from db.rollup import refresh_survey_monthly
from metrics.benchmark import Score, benchmarks, compare, sentence
from metrics.filters import Filters
from metrics.groups import breakdown_sentence, group_scores, public_groups
from metrics.publish import LEADERSHIP, PUBLIC, csv_bytes

Z = 1.959963984540054
FILTERS = Filters(date(2024, 1, 1), date(2024, 3, 31), "P")


@pytest.fixture
def raced(tiny):
    with tiny.begin() as conn:
        for ids, race in (((1, 2, 4), "Black"), ((3,), "White")):
            conn.execute(update(SurveyResponse).where(SurveyResponse.id.in_(ids)).values(race_ethnicity=race))
        refresh_survey_monthly(conn)
    return tiny


def _row(frame, group, construct="trust"):
    rows = frame[(frame["group"] == group) & (frame["construct"] == construct)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_a_partnerships_group_mean_and_interval_match_a_hand_calculation(raced):
    with raced.connect() as conn:
        frame = group_scores(conn, FILTERS, "race_ethnicity")
    black = _row(frame, "Black")
    # weights 1 and 2, scores 80 and 100: mean 280/3; n_eff = 3^2/5 = 1.8
    mean = 280 / 3
    variance = ((6400 + 2 * 10000) / 3 - mean**2) * 1.8 / 0.8
    se = math.sqrt(variance / 1.8)
    assert black["n"] == 2
    assert black["n_eff"] == pytest.approx(1.8)
    assert black["mean"] == pytest.approx(mean)
    assert black["ci_low"] == pytest.approx(mean - Z * se)
    assert black["ci_high"] == pytest.approx(mean + Z * se)
    assert black["share_positive"] == pytest.approx(100)  # 8 and 10 of 0-10 are both positive
    white = _row(frame, "White")
    assert (white["n"], white["mean"]) == (1, 50)
    assert list(frame["scope"].unique()) == ["P"]  # area B's resident is not in P's breakdown


def test_city_wide_breakdown_takes_every_area(raced):
    with raced.connect() as conn:
        frame = group_scores(conn, FILTERS, "race_ethnicity", city=True)
    black = _row(frame, "Black")
    assert black["scope"] == "city"
    assert (black["n"], black["mean"]) == (3, pytest.approx(280 / 4))  # r4 in B adds weight 1, trust 0


def test_a_group_with_no_answers_is_simply_absent(raced):
    with raced.connect() as conn:
        frame = group_scores(conn, FILTERS, "education")  # nobody gave an education
        later = group_scores(conn, Filters(date(2025, 1, 1), date(2025, 12, 31), "P"), "race_ethnicity")
    assert frame.empty
    assert later.empty
    shown = public_groups(frame, PUBLIC)
    assert shown.groups.empty
    assert shown.hidden == ()
    assert figure_table(group_dots(shown.groups, "Trust by education", "trust")).empty


def test_public_view_hides_the_small_groups_by_name_and_leadership_sees_them(raced):
    with raced.connect() as conn:
        frame = group_scores(conn, FILTERS, "race_ethnicity")
    trust = frame[frame["construct"] == "trust"]
    public = public_groups(trust, PUBLIC)
    assert public.groups.empty
    assert public.hidden == ("Black", "White")
    assert public.hidden_text == "Black and White: fewer than 50 answers each, not shown."
    leadership = public_groups(trust, LEADERSHIP)
    assert list(leadership.groups["group"]) == ["Black", "White"]
    assert leadership.hidden == ()
    drawn = figure_table(group_dots(leadership.groups, "Trust by race", "trust"))
    assert list(drawn["y"]) == ["Black (n=2)", "White (n=1)"]


def _breakdown(sizes: list[int]) -> pd.DataFrame:
    """A breakdown of made-up groups G0, G1, ... with the given numbers of answers."""
    rows = []
    for i, n in enumerate(sizes):
        mean, se = 40.0 + i, 20.0 / math.sqrt(n)
        rows.append(
            {"group": f"G{i}", "n": n, "n_eff": float(n), "mean": mean, "se": se,
             "ci_low": mean - Z * se, "ci_high": mean + Z * se}
        )  # fmt: skip
    return pd.DataFrame(rows)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=8))
def test_no_group_under_50_reaches_a_public_chart_csv_or_slide(sizes):
    frame = _breakdown(sizes)
    small = {f"G{i}" for i, n in enumerate(sizes) if n < 50}
    shown = public_groups(frame, PUBLIC)
    assert not small & set(shown.groups["group"])
    assert set(shown.hidden) == small
    flagged = {g for g, f in zip(shown.groups["group"], shown.groups["flag"], strict=True) if f}
    assert flagged == {f"G{i}" for i, n in enumerate(sizes) if 50 <= n < 60}
    drawn = figure_table(group_dots(shown.groups, "Trust by group", "trust"))
    csv = csv_bytes(drawn).decode("utf-8-sig")
    slide = groups_slide(
        frame, PUBLIC, "Partnership P", "race_ethnicity", (date(2024, 1, 1), date(2024, 12, 31))
    )
    slide_csv = csv_bytes(slide.data).decode("utf-8-sig") + (
        csv_bytes(figure_table(slide.figure)).decode("utf-8-sig") if slide.figure else ""
    )
    for group in small:
        assert f"{group} (" not in csv
        assert f"{group} (" not in slide_csv
        assert group in slide.caption  # named in words, never drawn
    if small:
        assert "fewer than 50 answers" in slide.caption
    for group in set(shown.groups["group"]):
        assert f"{group} (n=" in csv


def test_benchmark_words_say_higher_lower_or_similar_by_the_interval():
    city = Score(55.0, 0.5, 9800)
    assert compare(Score(61.0, 1.5, 480), city)[3] == "higher"
    assert compare(Score(49.0, 1.5, 480), city)[3] == "lower"
    assert compare(Score(56.0, 1.5, 480), city)[3] == "similar"  # 1 +/- 3.1 crosses zero
    difference, low, high, _ = compare(Score(61.0, 1.5, 480), city)
    se = math.sqrt(1.5**2 + 0.5**2)
    assert (difference, low, high) == (6.0, pytest.approx(6 - Z * se), pytest.approx(6 + Z * se))
    assert sentence("trust", "city", Score(61.0, 1.5, 480), city) == (
        "Trust in police here (61, n=480) is higher than the city average (55, n=9,800): "
        "6 points (between 3 and 9)."
    )
    assert sentence("trust", "city", Score(49.0, 1.5, 480), city).endswith("6 points (between 3 and 9).")
    assert "is similar to the city average" in sentence("trust", "city", Score(56.0, 1.5, 480), city)
    published = sentence("trust", "similar", Score(61.0, math.nan, None), Score(55.0, math.nan, None))
    assert "cannot be tested" in published
    assert "61" in published
    assert "55" in published


def test_benchmarks_say_when_there_are_too_few_areas_of_similar_population(raced):
    with raced.connect() as conn:
        frame = benchmarks(conn, FILTERS, LEADERSHIP, ("trust",))
    city = frame[frame["against"] == "city"].iloc[0]
    similar = frame[frame["against"] == "similar"].iloc[0]
    # here: r1, r2, r3 in A (mean (80+200+50)/4); the city outside A: r4 in B (0, one answer)
    assert city["here"] == pytest.approx(330 / 4)
    assert city["other"] == 0
    assert city["other_n"] == 1
    assert city["words"] == "not tested"
    assert "Too few answers" in city["sentence"]
    assert similar["words"] == "not compared"
    assert "Only 0 areas without a partnership" in similar["sentence"]
    with raced.connect() as conn:
        public = benchmarks(conn, FILTERS, PUBLIC, ("trust",))
    assert list(public["words"]) == ["not compared"]
    assert "fewer than 30 answers" in public["sentence"][0]


def test_benchmark_and_breakdown_intervals_show_a_decimal_where_whole_points_would_mislead():
    # 1.2 points higher, 95% interval about 0.3 to 2.1: not "1 point (between 0 and 2)"
    said = sentence("trust", "city", Score(56.2, 0.4, 2000), Score(55.0, 0.2, 9800))
    assert said.endswith("1 point (between 0.3 and 2.1).")
    rows = pd.DataFrame(
        {"group": ["White", "Black"], "mean": [70.0, 63.2], "se": [0.15, 0.15], "n": [900, 900]}
    )
    text = breakdown_sentence(rows, "Trust in police", "race_ethnicity")
    assert "a gap of 7 points (between 6.4 and 7.2)." in text


def test_the_latest_12_months_are_the_trust_by_group_slides_window():
    from metrics.groups import latest_months

    long = latest_months(Filters(date(2018, 1, 1), date(2026, 9, 30), "P"))
    assert (long.start, long.end, long.partnership) == (date(2025, 10, 1), date(2026, 9, 30), "P")
    short = latest_months(Filters(date(2026, 3, 15), date(2026, 9, 30)))
    assert short.start == date(2026, 3, 15)
