"""The demo city: deterministic, shaped as documented, with its planted effects really in the data."""

import math
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import func, select, text

from db.demo import DatabaseNotEmptyError, load_demo
from db.demo.city import PARTNERSHIPS
from db.demo.generate import generate
from db.migrate import upgrade
from db.models import SECTORS, CrimeIncident, CrimeMonthly, Organisation, Partnership, SurveyResponse
from metrics.crime import crime_monthly
from metrics.evaluation import OUTCOMES, Design, evaluate
from metrics.filters import Filters
from metrics.survey import survey_scores

ALL = Filters(date(2018, 1, 1), date(2026, 9, 30))


def test_same_seed_same_city_other_seed_other_city():
    a, b, c = generate(3), generate(3), generate(4)
    assert a.tables["crime_incident"][:500] == b.tables["crime_incident"][:500]
    assert len(a.tables["survey_answer"]) == len(b.tables["survey_answer"])
    assert a.tables["crime_incident"][:500] != c.tables["crime_incident"][:500]


def test_demo_has_the_documented_shape(demo_engine):
    with demo_engine.connect() as conn:
        starts = conn.execute(select(Partnership.start_date)).scalars().all()
        sectors = set(conn.execute(select(Organisation.sector).distinct()).scalars())
        months = conn.execute(select(func.min(CrimeMonthly.month), func.max(CrimeMonthly.month))).one()
        types = set(conn.execute(select(SurveyResponse.respondent_type).distinct()).scalars())
        incidents = conn.execute(select(func.count()).select_from(CrimeIncident)).scalar_one()
    assert 8 <= len(starts) <= 12
    assert all(date(2019, 1, 1) <= s <= date(2024, 12, 31) for s in starts)
    assert len(set(starts)) == len(starts)  # staggered
    assert sectors >= set(SECTORS) - {"police"}  # every partner sector, police aside
    assert (months[1].year - months[0].year) * 12 + months[1].month - months[0].month + 1 >= 72
    assert types == {"resident", "partner", "officer"}
    assert incidents > 100_000


def test_demo_refuses_a_database_that_already_has_partnerships(demo_engine):
    with pytest.raises(DatabaseNotEmptyError, match="empty database"):
        load_demo(demo_engine)


def _windows(monthly: pd.DataFrame, start: date, group: str) -> tuple[int, int]:
    """Crime in the 12 months before `start`, and in the 12 months after the 3-month ramp."""
    rows = monthly[monthly["crime_group"] == group]
    s = pd.Timestamp(start)
    before = rows[(rows["month"] >= s - pd.DateOffset(months=12)) & (rows["month"] < s)]["count"].sum()
    after = rows[
        (rows["month"] >= s + pd.DateOffset(months=3)) & (rows["month"] < s + pd.DateOffset(months=15))
    ]["count"].sum()
    return int(before), int(after)


@pytest.mark.parametrize("spec", [p for p in PARTNERSHIPS if p.start.year <= 2023], ids=lambda p: p.code)
def test_planted_crime_effects_are_in_the_data(demo_engine, spec):
    """The after/before ratio of each crime group sits at 1 + the planted change.

    Tolerance: 3 Poisson standard errors of the log ratio, sqrt(1/before + 1/after),
    plus 0.03 for the city's slow trend. For groups of a few hundred crimes a year
    that still tells a planted 20-30% cut from no change and from a rise.
    """
    with demo_engine.connect() as conn:
        monthly = crime_monthly(conn, Filters(ALL.start, ALL.end, spec.code))
    for group in ("violent", "property", "asb"):
        before, after = _windows(monthly, spec.start, group)
        expected = math.log(1 + spec.effects.get(group, 0.0))
        tolerance = 3 * math.sqrt(1 / before + 1 / after) + 0.03
        assert math.log(after / before) == pytest.approx(expected, abs=tolerance), (group, before, after)


def test_planted_trust_rise_is_in_the_data(demo_engine):
    with demo_engine.connect() as conn:
        scores = survey_scores(conn, Filters(ALL.start, ALL.end, "RIV-FAITH-TABLE"), ("trust",))
    before = scores[scores["quarter"] < "2020-10-01"]["mean"].mean()
    after = scores[scores["quarter"] >= "2021-01-01"]["mean"].mean()
    assert after - before == pytest.approx(10, abs=3)  # planted +10 points


@pytest.mark.postgres
def test_postgresql_holds_the_same_demo_and_gives_the_same_numbers(demo_engine, pg_engine):
    upgrade(pg_engine)
    load_demo(pg_engine, 42)
    with pg_engine.connect() as pg:
        # the load analysed its tables: the planner knows their sizes before autovacuum would
        analysed = pg.execute(
            text("SELECT count(*) FROM pg_stats WHERE tablename = 'crime_incident'")
        ).scalar_one()
        assert analysed >= len(CrimeIncident.__table__.c)
    with demo_engine.connect() as lite, pg_engine.connect() as pg:
        for frame in (survey_scores, crime_monthly):
            a, b = frame(lite, ALL), frame(pg, ALL)
            pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9)
        for code in ("RIV-PARKS-NIGHT", "RIV-FAITH-TABLE"):
            assert _rounded(evaluate(lite, code, OUTCOMES, Design(exclude_months=3))) == _rounded(
                evaluate(pg, code, OUTCOMES, Design(exclude_months=3))
            )


def _rounded(value):
    """Floats rounded to 9 significant digits, so two databases' sums compare equal."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value
