"""Done when: on the Chicago sentiment data, the race breakdown for District 25 is drawn
from the published columns. The real file is imported with its presets, and three raw
T_RACE_* values for District 25's latest period, read here with the csv module, are
checked against the breakdown, the chart's data and the public slide."""

from __future__ import annotations

import csv
from datetime import date, datetime

import pytest

from board.deck import trust_by_group_slide
from charts.figures import figure_table
from charts.groups import group_dots
from db.importing.mapping import load_preset
from db.importing.run import import_file
from metrics.filters import Filters
from metrics.groups import group_scores, latest_published, published_groups
from metrics.publish import PUBLIC
from tests.db.conftest import SHARED, need_shared

CHICAGO = SHARED / "chicago"
COLUMNS = {  # raw column -> the group the preset names
    "T_RACE_AFRICAN_AMERICAN": "African American",
    "T_RACE_HISPANIC": "Hispanic",
    "T_RACE_WHITE": "White",
}


@pytest.fixture
def chicago(lite):
    need_shared()
    engine, _ = lite
    for path, preset in (
        (CHICAGO / "chicago_aggravated_assaults_2010_2019.csv.gz", "chicago-districts"),
        (CHICAGO / "police_sentiment_scores_201711_202302.csv", "chicago-sentiment"),
        (
            SHARED / "partnerships" / "chicago_cpd_neighborhood_policing_initiative.csv",
            "chicago-partnerships",
        ),
    ):
        report = import_file(engine, path, load_preset(preset))
        assert report.accepted, report.text()
    return engine


def _latest_raw_district_25() -> tuple[date, dict[str, float]]:
    with open(CHICAGO / "police_sentiment_scores_201711_202302.csv", encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["DISTRICT"] == "25" and not r["SECTOR"].strip()]
    latest = max(rows, key=lambda r: datetime.strptime(r["START_DATE"], "%m/%d/%Y"))
    start = datetime.strptime(latest["START_DATE"], "%m/%d/%Y").date()
    return start, {COLUMNS[c]: float(latest[c]) for c in COLUMNS}


def test_district_25s_race_breakdown_is_drawn_from_the_published_columns(chicago):
    start, raw = _latest_raw_district_25()
    filters = Filters(date(2017, 11, 1), date(2023, 2, 28), "CHI-NPI-25")
    with chicago.connect() as conn:
        sampled = group_scores(conn, filters, "race_ethnicity", ("trust",))
        breakdown = published_groups(conn, filters, "race_ethnicity", ("trust",))
        slide = trust_by_group_slide(conn, filters, "District 25", PUBLIC)
    assert sampled.empty  # no answers: only what was published
    latest = latest_published(breakdown)
    assert set(latest["period"].dt.date) == {start}
    assert set(latest["n"].isna()) == {True}  # no sample sizes published
    values = dict(zip(latest["group"], latest["value"], strict=True))
    for group, value in raw.items():
        assert values[group] == pytest.approx(value)
    drawn = figure_table(group_dots(latest[["group", "value"]], "Trust by race", "trust"))
    on_chart = dict(zip(drawn["y"], drawn["x"], strict=True))
    for group, value in raw.items():
        assert on_chart[group] == pytest.approx(value)  # no n, so the label is the group alone
    on_slide = dict(zip(slide.data["group"], slide.data["value"], strict=True))
    for group, value in raw.items():
        assert on_slide[group] == pytest.approx(value)
    assert "sample size not reported" in slide.source
    assert len(on_slide) == 5  # not suppressed by n: the n is unknown, and every group is shown
