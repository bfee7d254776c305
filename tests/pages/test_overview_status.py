"""A partnership's status on the Overview is as of the period's last day (issue 18): a
period ending in 2021 counts the partnerships active then, not those active today."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from db.engine import make_engine
from db.migrate import upgrade
from db.models import Partnership
from metrics.portfolio import status_on
from tests.conftest import words
from tests.pages.test_pages import run_app, table_with
from tests.tiny_city import fill_tiny

STARTED_BY_2022 = 5  # the demo's partnerships began 2019-09 to 2024-11, five of them before 2022


def test_a_period_ending_in_2021_counts_the_partnerships_active_then(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    assert {m.label: m.value for m in at.metric}["Active partnerships"] == "10"  # the whole period
    at.date_input(key="filter_period").set_value((date(2018, 1, 1), date(2021, 12, 31))).run()
    assert not at.exception
    tile = next(m for m in at.metric if m.label == "Active partnerships")
    assert tile.value == str(STARTED_BY_2022)
    assert tile.proto.help == "On 31 Dec 2021, the period's last day: 5 not yet begun, 5 active, 0 ended."
    portfolio = table_with(at, "Status")
    assert sorted(portfolio["Status"]) == ["active"] * 5 + ["not yet begun"] * 5
    later = portfolio.loc[portfolio["Status"] == "not yet begun", "Partnership"]
    grid = table_with(at, "Partnership")
    for name in later:  # the verdict grid names them too
        assert f"Not yet begun: {name}" in set(grid["Partnership"])
    assert "Status: on 31 Dec 2021, the period's last day." in words(" ".join(c.value for c in at.caption))


def test_a_partnership_that_ended_before_the_period_ends_is_counted_as_ended(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ended.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    fill_tiny(engine)  # Partnership P began June 2023; data runs January to March 2024
    with engine.begin() as conn:
        conn.execute(update(Partnership).values(end_date=date(2024, 2, 15), status="ended"))
    at = run_app(url, monkeypatch)
    tile = next(m for m in at.metric if m.label == "Active partnerships")
    assert tile.value == "0"
    assert "0 not yet begun, 0 active, 1 ended" in tile.proto.help
    assert list(table_with(at, "Status")["Status"]) == ["ended"]
    at.date_input(key="filter_period").set_value((date(2024, 1, 1), date(2024, 2, 10))).run()
    tile = next(m for m in at.metric if m.label == "Active partnerships")
    assert tile.value == "1"  # on 10 February 2024 it was still running


def test_status_on_a_day_reads_the_dates_and_the_registry_only_where_dates_cannot_tell():
    start, end = date(2020, 1, 1), date(2022, 6, 30)
    assert status_on(date(2019, 12, 31), start, end, "ended") == "not yet begun"
    assert status_on(date(2020, 1, 1), start, end, "ended") == "active"
    assert status_on(date(2022, 6, 30), start, end, "ended") == "active"  # its last day
    assert status_on(date(2022, 7, 1), start, end, "ended") == "ended"
    assert status_on(date(2030, 1, 1), start, None, "active") == "active"
    assert status_on(date(2030, 1, 1), start, None, "ended") == "ended"  # no end date: the registry says
    assert status_on(date(2030, 1, 1), start, None, "planned") == "not yet begun"
