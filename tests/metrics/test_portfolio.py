"""The portfolio row joins registry, latest survey and recent crime correctly."""

from datetime import date

import pytest

from metrics.filters import Filters
from metrics.portfolio import portfolio, residents_surveyed


def test_portfolio_row_carries_score_margin_and_n(tiny):
    with tiny.connect() as conn:
        frame = portfolio(conn, Filters(date(2024, 1, 1), date(2024, 3, 31), partnership="P"))
    row = frame.iloc[0]
    assert row["name"] == "Partnership P"
    assert row["trust"] == pytest.approx(82.5)
    assert row["trust_n"] == 3
    assert row["trust_margin"] > 0
    assert row["population"] == 1000
    assert row["crime_after"] == 8  # all crime in A up to March 2024 falls in the last 12 months


def test_residents_surveyed_counts_partnership_areas_only(tiny):
    with tiny.connect() as conn:
        assert residents_surveyed(conn, Filters(date(2024, 1, 1), date(2024, 3, 31))) == 3
