"""Thin years of decisions are pooled before a share is drawn: every period a chart shows
rests on at least MIN_DECISIONS decisions (unless the whole record has fewer), nothing is
lost or counted twice, and a share whose numerator is 20 or fewer is flagged unstable."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.decisions import COUNT_COLUMNS, MIN_DECISIONS, decision_periods


def _years(counts: list[tuple[int, int, int, int]], first: int = 2020) -> pd.DataFrame:
    """decision_years' shape from (police, partners, residents, on_time) per year; every
    decision is due."""
    rows = []
    for k, (police, partners, residents, on_time) in enumerate(counts):
        n = police + partners + residents
        rows.append(
            {
                "year": first + k,
                "decisions": n,
                "police": police,
                "partners": partners,
                "residents": residents,
            }
            | {"agreed": 0, "done": n, "dropped": 0, "due": n, "on_time": min(on_time, n)}
        )
    years = pd.DataFrame(rows, columns=["year", *COUNT_COLUMNS])
    years["non_police"] = years["partners"] + years["residents"]
    return years


def test_a_part_year_of_three_decisions_is_pooled_not_shown_as_100_percent():
    # 2020: 3 decisions, all by partners (a part year: the planted 'Faith 2020 100%'); then full years
    years = _years([(0, 3, 0, 3), (10, 12, 10, 25), (10, 12, 10, 25), (2, 2, 1, 4)])
    periods = decision_periods(years)
    assert list(periods["period"]) == ["2020-21", "2022-23"]  # 3 + 32, then 32 + the short tail of 5
    assert list(periods["decisions"]) == [35, 37]
    assert (periods["decisions"] >= MIN_DECISIONS).all()
    assert periods.loc[0, "non_police_share"] == 25 / 35  # not the 100% of three decisions
    assert list(periods["residents_share_unstable"]) == [True, True]  # 10 and 11 residents' decisions
    assert list(periods["follow_through_unstable"]) == [False, False]  # 28 and 29 done on time


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(*(st.integers(0, 25) for _ in range(3)), st.integers(0, 60)),
        min_size=1,
        max_size=9,
    ),
    st.integers(min_value=5, max_value=60),
)
def test_every_period_has_enough_decisions_and_none_is_lost(counts, least):
    years = _years(counts)
    periods = decision_periods(years, least)
    if years["decisions"].sum() >= least:
        assert (periods["decisions"] >= least).all(), periods[["period", "decisions"]]
    else:
        assert len(periods) == 1
    covered = [
        y for a, b in zip(periods["first_year"], periods["last_year"], strict=True) for y in range(a, b + 1)
    ]
    assert covered == list(years["year"])  # consecutive, in order, each year once
    for column in [*COUNT_COLUMNS, "non_police"]:
        assert periods[column].sum() == years[column].sum()
    for share, count, n in (
        ("residents_share", "residents", "decisions"),
        ("follow_through", "on_time", "due"),
    ):
        flagged = [bool(m) and k <= 20 for k, m in zip(periods[count], periods[n], strict=True)]
        assert list(periods[f"{share}_unstable"]) == flagged
        inside = periods[periods[n] > 0]
        assert (inside[f"{share}_ci_low"] <= inside[share] + 1e-9).all()
        assert (inside[share] <= inside[f"{share}_ci_high"] + 1e-9).all()


def test_no_decisions_no_periods():
    assert decision_periods(_years([]).iloc[0:0]).empty
