"""Two crime sources in one database (`tests/two_sources.py`): the evaluation compares
only months every source recording its areas covers."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from benchmarks.evaluate_bench import differences
from cli import main
from db.engine import make_engine
from db.migrate import upgrade
from db.models import OffenceCategory, Partnership
from db.rollup import refresh_crime_monthly
from metrics.coverage import CrimeSources, crime_span
from metrics.evaluation import Design, Prefetched, evaluate, evaluate_crime, load_places
from tests.conftest import _drop_postgres, _fresh_postgres
from tests.two_sources import BOTH, build


def _violent(conn, code: str, **kwargs) -> dict:
    return evaluate(conn, code, ("violent",), **kwargs)["outcomes"][0]


def _as_before_the_fix(conn, code: str) -> dict:
    """The evaluation as it was: windows inside every source's months together (no
    source counted as recording these areas, so none bounds the windows)."""
    places = load_places(conn, code)
    everyone = crime_span(conn)
    return evaluate_crime(conn, places, "violent", Design(), everyone, None, CrimeSources({}, {}))


@pytest.fixture
def two_sources(engine):
    build(engine)
    return engine


def test_a_source_ending_before_the_start_gives_not_enough_data_naming_both_sources(two_sources):
    """P began in January 2024, after 'city' ends: its before-window held both sources and
    its after-window 'demo' alone, which read as a large fall; now no month after the start
    is covered by both."""
    with two_sources.connect() as conn:
        old = _as_before_the_fix(conn, "P")
        now = _violent(conn, "P")
    assert old["verdict"] == "Improved"
    assert old["effect"]["estimate"] < -0.5  # a spurious fall
    assert now["verdict"] == "Not enough data"
    assert "effect" not in now
    assert now["sentence"] == (
        "Not enough data: recorded crime from 'city' ends in December 2023, and from 'demo' starts "
        "in January 2018: no month after the start is covered by both."
    )
    assert now["sources"]["covered_by_all"] == ["2018-01", "2023-12"]


@pytest.fixture
def second_engine(engine, tmp_path, request):
    """A second, empty, migrated database of the same kind as `engine`, dropped after."""
    if engine.dialect.name == "sqlite":
        other = make_engine(f"sqlite:///{tmp_path / 'second.sqlite'}")
        upgrade(other)
        yield other
        other.dispose()
        return
    admin_url = request.getfixturevalue("pg_admin_url")
    name, other = _fresh_postgres(admin_url)
    upgrade(other)
    yield other
    other.dispose()
    _drop_postgres(admin_url, name)


def test_windows_end_where_a_source_ends_and_match_the_data_cut_to_the_months_both_cover(
    engine, second_engine
):
    """Q began in January 2021: its first year after is covered by both sources, but its
    latest 12 months (to October 2026) held 'demo' alone. Now the latest months end in
    December 2023, and every number is what the same records give when only the months
    both sources cover are loaded, as one source."""
    build(engine)
    cut = second_engine
    build(cut, months=BOTH, as_one="demo")
    with engine.connect() as conn:
        old = _as_before_the_fix(conn, "Q")
        now = _violent(conn, "Q")
    with cut.connect() as conn:
        alone = _violent(conn, "Q")
    assert old["sustained"]["windows"]["after"] == ["2025-11", "2026-10"]
    assert old["sustained"]["effect"]["estimate"] < -0.3  # a spurious fall, as the trial found
    assert now["sustained"]["windows"]["after"] == ["2023-01", "2023-12"]
    for key in ("windows", "treated", "comparison", "effect", "verdict", "its", "drift", "sustained"):
        assert differences(alone[key], now[key]) == [], key
    assert abs(now["sustained"]["effect"]["estimate"]) < 0.1
    note = (
        "Only months that both crime sources cover are compared (recorded crime from 'city' ends in "
        "December 2023, and from 'demo' starts in January 2018)."
    )
    assert now["sentence"] == f"{alone['sentence']} {note}"


def test_a_change_of_records_system_with_no_month_in_common_is_named(engine):
    """The old system ends in December 2019 and the new one starts in January 2020: no
    window can hold the same records before and after."""
    old_system = ("old rms", date(2016, 1, 1), date(2019, 12, 1))
    new_system = ("new rms", date(2020, 1, 1), date(2026, 10, 1))
    build(engine, sources=(old_system, new_system), partnerships=(("R", 3, date(2021, 1, 1)),))
    with engine.connect() as conn:
        now = _violent(conn, "R")
    assert now["verdict"] == "Not enough data"
    assert now["sentence"] == (
        "Not enough data: recorded crime from 'old rms' ends in December 2019, and from 'new rms' "
        "starts in January 2020: no month is covered by both."
    )


def test_a_source_starting_late_leaves_too_few_months_before(engine):
    """'city' starts in 2016 but 'demo' only in 2018: a partnership that began in June 2018
    has 5 months both cover before it, not the 12 'city' alone has."""
    build(engine, partnerships=(("S", 4, date(2018, 6, 1)),))
    with engine.connect() as conn:
        now = _violent(conn, "S")
    assert now["verdict"] == "Not enough data"
    assert now["sentence"] == (
        "Not enough data: recorded crime from 'city' ends in December 2023, and from 'demo' starts "
        "in January 2018: too few months covered by both before it began (5; 12 needed)."
    )


def test_each_crime_group_is_judged_on_the_months_of_the_sources_recording_it(engine):
    """When 'city' records property crime and 'demo' violent crime, neither bounds the
    other: violent crime runs to October 2026, property crime to December 2023, the last
    month 'city' covers (not into the months after it, where it has no record)."""
    build(engine)
    with engine.begin() as conn:
        city = OffenceCategory.source == "city"
        conn.execute(update(OffenceCategory).where(city).values(crime_group="property"))
        refresh_crime_monthly(conn)
    with engine.connect() as conn:
        violent, property_ = evaluate(conn, "Q", ("violent", "property"))["outcomes"]
    assert "sources" not in violent
    assert violent["sustained"]["windows"]["after"] == ["2025-11", "2026-10"]
    assert "effect" in property_  # judged, not refused
    assert property_["sustained"]["windows"]["after"] == ["2023-01", "2023-12"]
    assert abs(property_["sustained"]["effect"]["estimate"]) < 0.1


def test_a_batch_gives_what_each_partnership_alone_gives_with_two_sources(two_sources):
    with two_sources.connect() as conn:
        codes = list(conn.execute(select(Partnership.code)).scalars())
        shared = Prefetched()
        batch = [evaluate(conn, code, ("violent",), Design(), shared) for code in codes]
        alone = [evaluate(conn, code, ("violent",)) for code in codes]
    assert differences(alone, batch) == []
    assert {o["verdict"] for r in batch for o in r["outcomes"]} == {"Not enough data", "No clear change"}


def test_the_reason_reaches_the_analyst_through_evaluate_json(two_sources, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", two_sources.url.render_as_string(hide_password=False))
    run = CliRunner().invoke(main, ["evaluate", "P", "--json"])
    assert run.exit_code == 0, run.output
    violent = next(o for o in json.loads(run.stdout)["outcomes"] if o["outcome"] == "violent")
    assert violent["verdict"] == "Not enough data"
    assert "recorded crime from 'city' ends in December 2023" in violent["sentence"]
    shown = CliRunner().invoke(main, ["evaluate", "P"])
    assert "no month after the start is covered by both" in shown.stdout
