"""The city-scale demo: its shape, its volumes (scaled down here), and its consistency."""

from __future__ import annotations

from sqlalchemy import func, select

from db.demo.scale import INCIDENTS, PARTNERSHIPS, RESPONSES, load_city
from db.migrate import upgrade
from db.models import Area, CrimeIncident, CrimeMonthly, Partnership, PartnershipArea, SurveyResponse


def count(conn, model, *where) -> int:
    return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_a_hundredth_of_the_city_has_its_full_shape_and_a_hundredth_of_its_volume(engine):
    written = load_city(engine, seed=7, fraction=0.01)
    with engine.connect() as conn:
        assert count(conn, Area, Area.kind == "beat") == 300
        assert count(conn, Partnership) == PARTNERSHIPS
        incidents = count(conn, CrimeIncident)
        assert incidents == written["crime_incident"]
        assert abs(incidents - INCIDENTS / 100) < 0.01 * INCIDENTS / 100  # Poisson noise only
        residents = count(conn, SurveyResponse, SurveyResponse.respondent_type == "resident")
        assert abs(residents - RESPONSES / 100) < 0.05 * RESPONSES / 100
        rolled_up = conn.execute(select(func.sum(CrimeMonthly.count))).scalar_one()
        assert rolled_up == incidents  # the roll-up is built on load
        roles = conn.execute(
            select(PartnershipArea.partnership_id, PartnershipArea.role, PartnershipArea.area_id)
        ).all()
    catchment = {area for _p, role, area in roles if role == "catchment"}
    for pid in range(1, PARTNERSHIPS + 1):
        mine = [(role, area) for p, role, area in roles if p == pid]
        assert sum(role == "comparison" for role, _a in mine) == 3
        assert 1 <= sum(role == "catchment" for role, _a in mine) <= 3
        # a comparison beat is in no partnership's catchment
        assert not {area for role, area in mine if role == "comparison"} & catchment


def test_the_same_seed_gives_the_same_city(tmp_path):
    from db.engine import make_engine

    totals = []
    for name in ("a", "b"):
        engine = make_engine(f"sqlite:///{tmp_path / name}.sqlite")
        upgrade(engine)
        load_city(engine, seed=3, fraction=0.002)
        with engine.connect() as conn:
            totals.append(
                conn.execute(
                    select(func.count(), func.sum(CrimeIncident.area_id), func.max(CrimeIncident.occurred_on))
                ).one()
            )
        engine.dispose()
    assert totals[0] == totals[1]
