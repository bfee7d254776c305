"""Maps' numbers: rates per 1,000 a year checked by hand and against the raw incidents, the
public rules on every area, no data never shown as zero, and classes that say what they mean."""

from __future__ import annotations

import sqlite3
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import insert, select

from charts.maps import FEWER_PATTERN, NO_DATA_PATTERN, Shade, area_map, drawn_areas, no_data
from charts.theme import DIVERGING_5
from db.models import Area, CrimeMonthly, OffenceCategory
from metrics.maps import area_shapes, crime_rates, relative_class, relative_classes, score_class
from metrics.publish import FEWER_THAN, LEADERSHIP, NOT_SHOWN, PUBLIC

SQUARE = '{{"type":"Polygon","coordinates":[[[{x},0],[{x1},0],[{x1},1],[{x},1],[{x},0]]]}}'


@pytest.fixture
def four_areas(engine):
    """Four side-by-side areas of 10,000 residents with 0, 5, 40 and 100 violent crimes in
    2024 (spread over its 12 months), and a property crime that must not count."""
    with engine.begin() as conn:
        for i, name in enumerate(("Ash", "Beech", "Cedar", "Damson")):
            conn.execute(
                insert(Area).values(
                    id=i + 1,
                    code=f"A{i + 1}",
                    name=name,
                    kind="beat",
                    population=10_000,
                    boundary=SQUARE.format(x=i, x1=i + 1),
                    label_lon=i + 0.5,
                    label_lat=0.5,
                )
            )
        conn.execute(
            insert(OffenceCategory),
            [
                {"id": 1, "source": "t", "source_code": "A", "name": "Assault", "crime_group": "violent"},
                {"id": 2, "source": "t", "source_code": "T", "name": "Theft", "crime_group": "property"},
            ],
        )
        rows = []
        for area, total in ((2, 5), (3, 40), (4, 100)):
            for m in range(12):
                share = total // 12 + (1 if m < total % 12 else 0)
                if share:
                    rows.append(
                        {"area_id": area, "month": date(2024, m + 1, 1), "category_id": 1, "count": share}
                    )
        rows.append({"area_id": 1, "month": date(2024, 6, 1), "category_id": 2, "count": 7})
        conn.execute(insert(CrimeMonthly), rows)
    return engine


def _rates(engine, rules, start=date(2024, 1, 1), end=date(2024, 12, 31)):
    with engine.connect() as conn:
        return crime_rates(conn, [1, 2, 3, 4], start, end, ("violent",), rules).set_index("area_id")


def test_leadership_sees_every_rate_worked_out_by_hand(four_areas):
    rates = _rates(four_areas, LEADERSHIP)
    assert list(rates["count"]) == [0, 5, 40, 100]
    # 100 crimes among 10,000 residents over 12 months: 10 per 1,000 a year
    assert rates.loc[4, "rate"] == pytest.approx(10.0)
    assert rates.loc[3, "rate"] == pytest.approx(4.0)
    assert rates.loc[1, "rate"] == 0  # a real zero: the area has data and no violent crime


def test_a_half_year_is_annualised(four_areas):
    rates = _rates(four_areas, LEADERSHIP, date(2024, 1, 1), date(2024, 6, 30))
    # Damson: 9 crimes a month in Jan-Apr, 8 in May-Jun = 52 in 6 months -> 10.4 per 1,000 a year
    assert rates.loc[4, "count"] == 52
    assert rates.loc[4, "rate"] == pytest.approx(52 / 10_000 * 1000 * 2)
    assert rates.loc[4, "months"] == 6


def test_the_public_never_sees_a_small_count_or_the_rate_that_gives_it_away(four_areas):
    rates = _rates(four_areas, PUBLIC)
    assert rates.loc[2, "count_text"] == FEWER_THAN
    assert pd.isna(rates.loc[2, "rate"])
    assert pd.isna(rates.loc[2, "shown"])
    # with Beech hidden, the next smallest non-zero area is hidden too: the total cannot reveal it
    assert rates.loc[3, "count_text"] == NOT_SHOWN
    assert pd.isna(rates.loc[3, "rate"])
    assert rates.loc[4, "rate"] == pytest.approx(10.0)
    assert rates.loc[1, "count_text"] == "0"
    assert rates.loc[4, "flag"] == ""


def test_a_public_rate_from_20_or_fewer_crimes_is_flagged_unstable(four_areas):
    rates = _rates(four_areas, PUBLIC, date(2024, 1, 1), date(2024, 2, 29))
    assert rates.loc[4, "count"] == 18
    assert rates.loc[4, "flag"].startswith("unstable")
    assert _rates(four_areas, PUBLIC).loc[4, "flag"] == ""


def test_a_period_with_no_crime_data_is_no_data_not_zero(four_areas):
    rates = _rates(four_areas, LEADERSHIP, date(2019, 1, 1), date(2019, 12, 31))
    assert set(rates["months"]) == {0}
    assert rates["rate"].isna().all()


def test_the_demo_rate_matches_its_raw_incidents(demo_engine, demo_url):
    """The roll-up's sum, checked against the incident table read with plain sqlite3."""
    with demo_engine.connect() as conn:
        eastside = conn.scalar(select(Area.id).where(Area.name == "Eastside"))
        rates = crime_rates(conn, [eastside], date(2025, 1, 1), date(2025, 12, 31), ("property",), LEADERSHIP)
    with sqlite3.connect(demo_url.removeprefix("sqlite:///")) as raw:
        count, population = raw.execute(
            "SELECT SUM(i.count), a.population FROM crime_incident i JOIN area a ON a.id = i.area_id "
            "JOIN offence_category c ON c.id = i.category_id WHERE a.name = 'Eastside' "
            "AND c.crime_group = 'property' AND i.occurred_on BETWEEN '2025-01-01' AND '2025-12-31'"
        ).fetchone()
    assert rates.iloc[0]["count"] == count
    assert rates.iloc[0]["rate"] == pytest.approx(count / population * 1000)


def test_relative_classes_say_their_bounds_per_1000():
    classes = relative_classes(8.0)
    assert [c.label for c in classes] == [
        "Under half the city rate (under 4.0)",
        "Below the city rate (4.0 to 6.4)",
        "Near the city rate (6.4 to 10)",
        "Above the city rate (10 to 16)",
        "Over twice the city rate (over 16)",
    ]
    assert relative_class(3.9, 8.0).rank == 0
    assert relative_class(8.0, 8.0).rank == 2
    assert relative_class(16.0, 8.0).rank == 4
    assert score_class(39.9).label == "Under 40"
    assert score_class(55).label == "50 to 60"
    assert score_class(70).label == "70 or more"


def test_a_map_draws_one_shape_per_area_and_hatches_no_data(four_areas):
    with four_areas.connect() as conn:
        areas = area_shapes(conn)
    shades = {
        1: no_data("Ash: no data"),
        2: Shade("fewer than 11", "#EEEEEE", "Beech: fewer than 11 crimes", pattern=FEWER_PATTERN),
        3: Shade("Near", DIVERGING_5[2], "Cedar <b>4.0</b> per 1,000", label="Cedar\n4.0"),
        4: Shade("Over", DIVERGING_5[4], "Damson: 10 per 1,000", label="Damson\n10"),
    }
    fig = area_map(areas, shades, "Violent crime", legend_order=["Near", "Over"])
    assert sorted(drawn_areas(fig)) == ["A1", "A2", "A3", "A4"]
    by_area = {t.meta["area"]: t for t in fig.data if t.meta}
    assert by_area["A1"].fillpattern.shape == NO_DATA_PATTERN
    assert by_area["A1"].fillcolor != DIVERGING_5[0]  # no data is never a colour of the scale
    assert "&lt;b&gt;" in by_area["A3"].text  # a name is text, never markup
    labels = next(t for t in fig.data if t.mode == "text")
    assert list(labels.text) == ["Cedar<br>4.0", "Damson<br>10"]
    assert [t.name for t in fig.data if t.showlegend] == ["No data", "fewer than 11", "Near", "Over"]
    assert by_area["A4"].legendrank > by_area["A3"].legendrank
