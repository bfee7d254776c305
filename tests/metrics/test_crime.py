"""Crime counts and rates on the tiny city, against hand counts."""

from datetime import date

import pytest

from metrics.crime import crime_change, crime_monthly
from metrics.filters import Filters


def test_monthly_counts_fill_empty_months_with_zero(tiny):
    with tiny.connect() as conn:
        frame = crime_monthly(conn, Filters(date(2024, 1, 1), date(2024, 3, 31)))
    counts = {(r.month.month, r.crime_group): r.count for r in frame.itertuples()}
    assert counts[(1, "violent")] == 3
    assert counts[(2, "violent")] == 0  # February had no crime: a zero, not a gap
    assert counts[(3, "property")] == 5  # a published count of five
    assert set(frame["partnership"]) == {"P"}  # area B's nine assaults are not a partnership's


def test_rate_is_per_thousand_residents(tiny):
    with tiny.connect() as conn:
        frame = crime_monthly(conn, Filters(date(2024, 1, 1), date(2024, 1, 31), crime_groups=("violent",)))
    assert len(frame) == 1
    assert frame.iloc[0]["rate_per_1000"] == pytest.approx(3 / 1000 * 1000)


def test_group_filter_keeps_only_chosen_groups(tiny):
    with tiny.connect() as conn:
        frame = crime_monthly(conn, Filters(date(2024, 1, 1), date(2024, 3, 31), crime_groups=("property",)))
    assert set(frame["crime_group"]) == {"property"}
    assert frame["count"].sum() == 5


def test_change_compares_the_last_months_with_the_months_before(tiny):
    with tiny.connect() as conn:
        change = crime_change(conn, Filters(date(2023, 1, 1), date(2024, 3, 31)), months=2)
    row = change.iloc[0]
    # last month with data is March 2024: after = Feb + Mar = 5; before = Dec + Jan = 3
    assert (row["before"], row["after"]) == (3, 5)
    assert row["direction"] == "no clear change"
    assert row["window_mid"] == date(2024, 2, 1)


def test_unknown_crime_group_is_refused():
    with pytest.raises(ValueError, match="unknown crime group"):
        Filters(date(2024, 1, 1), date(2024, 3, 31), crime_groups=("fraud",))


def test_period_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends"):
        Filters(date(2024, 3, 1), date(2024, 1, 1))
