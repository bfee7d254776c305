"""Representative weights in the database (db.weighting): raked after every survey and
margins import in the import's transaction, stored beside the design weights, used by the
survey roll-ups; areas without margins, or whose raking fails, keep their design weights
and say so. And on the demo city, raking removes the bias of a sample that is too old."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from click.testing import CliRunner
from sqlalchemy import case, func, select

from cli import main
from db.demo import city
from db.importing.mapping import parse_mapping
from db.importing.run import import_file
from db.models import (
    Area,
    PopulationMargin,
    SurveyAnswer,
    SurveyItem,
    SurveyMonthly,
    SurveyResponse,
    WeightingRun,
)
from db.weighting import NO_MARGINS, rake_areas
from tests.db.conftest import write

SURVEY = {
    "kind": "survey_responses",
    "items": {
        "q_trust": {
            "code": "TRUST",
            "wording": "I trust the police here.",
            "construct": "trust",
            "scale_min": 1,
            "scale_max": 5,
        }
    },
}
SURVEY_HEADER = "source_id,responded_on,area,age_band,sex,race_ethnicity,q_trust\n"
# Northfield: one young resident who distrusts the police (1 of 5: 0 of 100), three older who
# trust them (5 of 5: 100 of 100). The census says half the residents are young.
NORTHFIELD_SURVEY = (
    "R1,2024-01-10,Northfield,16-24,female,White,1\n"
    "R2,2024-01-11,Northfield,65+,female,White,5\n"
    "R3,2024-01-12,Northfield,65+,male,Black,5\n"
    "R4,2024-02-12,Northfield,65+,male,,5\n"
)
MARGINS_HEADER = "area,dimension,group,population\n"
NORTHFIELD_AGE = "Northfield,age_band,16-24,500\nNorthfield,age_band,65+,500\n"


@pytest.fixture
def areas(engine):
    with engine.begin() as conn:
        conn.execute(
            Area.__table__.insert(),
            [
                {"code": "N", "name": "Northfield", "kind": "neighbourhood", "population": 1000},
                {"code": "S", "name": "Southgate", "kind": "neighbourhood", "population": 1000},
            ],
        )
    return engine


def _import(engine, tmp_path, name: str, text: str, mapping: dict):
    report = import_file(engine, write(tmp_path / name, text), parse_mapping(mapping))
    assert report.accepted, report.text()
    return report


def _weights(engine) -> dict[str, float | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(SurveyResponse.source_id, SurveyResponse.rake_weight)).all())


def _run(engine, code: str):
    with engine.connect() as conn:
        return conn.execute(
            select(WeightingRun).join(Area, Area.id == WeightingRun.area_id).where(Area.code == code)
        ).one()


def _trust_score(engine, code: str) -> float:
    """The area's trust score as every survey chart reads it: from the roll-up's sums."""
    with engine.connect() as conn:
        swx, sw = conn.execute(
            select(func.sum(SurveyMonthly.swx), func.sum(SurveyMonthly.sw))
            .join(Area, Area.id == SurveyMonthly.area_id)
            .where(Area.code == code, SurveyMonthly.construct == "trust")
        ).one()
    return swx / sw


def test_margins_imported_after_the_answers_reweight_them_and_the_scores(areas, tmp_path):
    """Before margins the answers keep their design weight 1: trust is (0 + 3 x 100) / 4 = 75.
    The census says half are young, so the young resident stands for as many people as the
    three older ones: weights 2 and 2/3 (averaging 1), trust (2 x 0 + 3 x 2/3 x 100) / 4 = 50."""
    _import(areas, tmp_path, "survey.csv", SURVEY_HEADER + NORTHFIELD_SURVEY, SURVEY)
    assert set(_weights(areas).values()) == {None}
    assert _run(areas, "N").note == NO_MARGINS
    assert _trust_score(areas, "N") == pytest.approx(75.0)
    report = _import(
        areas, tmp_path, "margins.csv", MARGINS_HEADER + NORTHFIELD_AGE, {"kind": "population_margins"}
    )
    assert "weights: 1 of 1 area(s) raked to their population margins" in report.text()
    assert _weights(areas) == pytest.approx({"R1": 2.0, "R2": 2 / 3, "R3": 2 / 3, "R4": 2 / 3})
    run = _run(areas, "N")
    assert (run.converged, run.respondents, run.dimensions, run.trimmed) == (True, 4, "age_band", 0)
    assert run.design_effect == pytest.approx(4 * (4 + 3 * 4 / 9) / 16)
    assert _trust_score(areas, "N") == pytest.approx(50.0)


def test_new_answers_are_raked_in_their_own_import(areas, tmp_path):
    _import(areas, tmp_path, "margins.csv", MARGINS_HEADER + NORTHFIELD_AGE, {"kind": "population_margins"})
    _import(areas, tmp_path, "survey.csv", SURVEY_HEADER + NORTHFIELD_SURVEY, SURVEY)
    assert _weights(areas)["R1"] == pytest.approx(2.0)
    assert _trust_score(areas, "N") == pytest.approx(50.0)
    # a second young resident: the two young now stand for as many people as the three older
    _import(
        areas, tmp_path, "more.csv", SURVEY_HEADER + "R5,2024-03-01,Northfield,16-24,male,Asian,5\n", SURVEY
    )
    weights = _weights(areas)
    assert weights["R1"] == pytest.approx(weights["R5"])
    assert weights["R1"] + weights["R5"] == pytest.approx(weights["R2"] + weights["R3"] + weights["R4"])
    assert sum(weights.values()) == pytest.approx(5.0)


def test_a_group_without_answers_keeps_the_design_weight_and_a_census_group_without_respondents_is_named(
    areas, tmp_path
):
    """R4 gave no race: it keeps its design weight. Nobody Asian answered: that census group
    cannot be matched and is left out; the others are raked to their own counts."""
    _import(areas, tmp_path, "survey.csv", SURVEY_HEADER + NORTHFIELD_SURVEY, SURVEY)
    margins = MARGINS_HEADER + "Northfield,race_ethnicity,White,700\nNorthfield,race_ethnicity,Black,200\n"
    margins += "Northfield,race_ethnicity,Asian,100\n"
    _import(areas, tmp_path, "margins.csv", margins, {"kind": "population_margins"})
    run = _run(areas, "N")
    assert run.converged
    assert "1 with no race_ethnicity kept their design weight" in run.note
    assert "no respondent in race_ethnicity Asian (population 100): left out" in run.note
    weights = _weights(areas)
    assert weights["R4"] == pytest.approx(1.0)  # the three raked keep their total of 3
    # White 700 : Black 200 among the raked three (two White, one Black)
    assert (weights["R1"] + weights["R2"]) / weights["R3"] == pytest.approx(7 / 2)


def test_raking_that_cannot_converge_keeps_the_design_weights_and_is_flagged(areas, tmp_path):
    """Every young respondent is a woman and every older one a man, but the census has as many
    young as old and twice as many women as men: no weights can meet both."""
    survey = SURVEY_HEADER + (
        "R1,2024-01-10,Southgate,16-24,female,White,1\n"
        "R2,2024-01-11,Southgate,16-24,female,White,2\n"
        "R3,2024-01-12,Southgate,65+,male,White,5\n"
    )
    _import(areas, tmp_path, "survey.csv", survey, SURVEY)
    margins = MARGINS_HEADER + (
        "Southgate,age_band,16-24,500\nSouthgate,age_band,65+,500\nSouthgate,sex,female,667\nSouthgate,sex,male,333\n"
    )
    report = _import(areas, tmp_path, "margins.csv", margins, {"kind": "population_margins"})
    assert "design weights kept where raking failed: S" in report.text()
    assert set(_weights(areas).values()) == {None}  # the design weights stand
    run = _run(areas, "S")
    assert not run.converged
    assert "raking did not converge" in run.note
    url = areas.url.render_as_string(hide_password=False)
    shown = CliRunner().invoke(main, ["weights", "--area", "S", "--database-url", url])
    assert shown.exit_code == 0, shown.output
    line = next(line for line in shown.output.splitlines() if line.startswith("S "))
    assert " no " in line
    assert "raking did not converge" in line
    assert "0 of 1 area(s) raked" in shown.output


def test_the_weights_command_rakes_again_and_refuses_an_unknown_area(areas, tmp_path):
    _import(areas, tmp_path, "survey.csv", SURVEY_HEADER + NORTHFIELD_SURVEY, SURVEY)
    with areas.begin() as conn:  # margins written behind the importer's back
        n = conn.execute(select(Area.id).where(Area.code == "N")).scalar_one()
        conn.execute(
            PopulationMargin.__table__.insert(),
            [
                {"area_id": n, "dimension": "age_band", "group_value": "16-24", "population": 500},
                {"area_id": n, "dimension": "age_band", "group_value": "65+", "population": 500},
            ],
        )
    url = areas.url.render_as_string(hide_password=False)
    shown = CliRunner().invoke(main, ["weights", "--database-url", url])
    assert shown.exit_code == 0, shown.output
    assert "1 of 1 area(s) raked" in shown.output
    assert _trust_score(areas, "N") == pytest.approx(50.0)
    refused = CliRunner().invoke(main, ["weights", "--area", "NOWHERE", "--database-url", url])
    assert refused.exit_code != 0
    assert "no area with code 'NOWHERE'" in refused.output


# --- the demo city: a sample too old, raked back to the census ------------------------------


def _residents(conn, area_id: int | None = None):
    r = SurveyResponse
    query = select(r.id, r.area_id, r.age_band, r.sex, r.weight, r.rake_weight).where(
        r.respondent_type == "resident"
    )
    if area_id is not None:
        query = query.where(r.area_id == area_id)
    return conn.execute(query).all()


def _age_shares(rows, weight) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        totals[row.age_band] += weight(row)
    whole = sum(totals.values())
    return {band: totals[band] / whole for band in city.AGE_BANDS}


def test_demo_raking_makes_a_neighbourhood_s_answers_as_young_as_its_census(demo_engine):
    with demo_engine.connect() as conn:
        eastside = conn.execute(select(Area.id).where(Area.name == "Eastside")).scalar_one()
        rows = _residents(conn, eastside)
        census: dict[str, float] = defaultdict(float)
        for group, population in conn.execute(
            select(PopulationMargin.group_value, PopulationMargin.population).where(
                PopulationMargin.area_id == eastside, PopulationMargin.dimension == "age_sex"
            )
        ):
            census[group.split("|")[0]] += population
    whole = sum(census.values())
    census_share = {band: census[band] / whole for band in city.AGE_BANDS}
    unweighted = _age_shares(rows, lambda r: 1.0)
    raked = _age_shares(rows, lambda r: r.rake_weight)
    # far from the census before: the opt-in sample is too old
    assert unweighted["65+"] - census_share["65+"] > 0.05
    assert census_share["16-24"] - unweighted["16-24"] > 0.04
    # and within half a percentage point of it after
    for band in city.AGE_BANDS:
        assert raked[band] == pytest.approx(census_share[band], abs=0.005), band
    assert np.mean([r.rake_weight for r in rows]) == pytest.approx(1.0)


def test_demo_raking_moves_city_trust_the_way_the_age_bias_says(demo_engine):
    """Older residents trust more (AGE_TRUST_SHIFT) and answer more (AGE_SAMPLE_SHARE), so the
    unweighted city trust is too high; raked, it comes down. Every neighbourhood has the same
    census age mix (AGE_POPULATION_SHARE), so the raked city-wide age shares are the census's."""
    assert city.AGE_TRUST_SHIFT[0] < 0 < city.AGE_TRUST_SHIFT[-1]
    with demo_engine.connect() as conn:
        i, a = SurveyItem, SurveyAnswer
        from_worst = case((i.reverse_worded, i.scale_max - a.value), else_=a.value - i.scale_min)
        per_respondent = dict(
            conn.execute(
                select(a.response_id, func.avg(100.0 * from_worst / (i.scale_max - i.scale_min)))
                .join(i, i.id == a.item_id)
                .where(i.construct == "trust")
                .group_by(a.response_id)
            ).all()
        )
        rows = [r for r in _residents(conn) if r.id in per_respondent]
        rolled = conn.execute(
            select(func.sum(SurveyMonthly.swx) / func.sum(SurveyMonthly.sw)).where(
                SurveyMonthly.construct == "trust"
            )
        ).scalar_one()
    trust = np.array([per_respondent[r.id] for r in rows])
    raked_weights = np.array([r.rake_weight for r in rows])
    unweighted, raked = trust.mean(), np.average(trust, weights=raked_weights)
    assert unweighted - raked > 0.5  # points of 0-100: the young, under-sampled, pull it down
    assert rolled == pytest.approx(raked, abs=1e-6)  # the roll-up every chart reads is raked
    before = _age_shares(rows, lambda r: 1.0)
    after = _age_shares(rows, lambda r: r.rake_weight)
    assert before["65+"] - city.AGE_POPULATION_SHARE[-1] > 0.05
    for band, share in zip(city.AGE_BANDS, city.AGE_POPULATION_SHARE, strict=True):
        assert after[band] == pytest.approx(share, abs=0.005), band


def test_demo_weighting_runs_are_stored_for_every_area_with_residents(demo_engine):
    with demo_engine.connect() as conn:
        with_residents = conn.execute(
            select(func.count(func.distinct(SurveyResponse.area_id))).where(
                SurveyResponse.respondent_type == "resident"
            )
        ).scalar_one()
        runs = conn.execute(select(WeightingRun)).all()
    assert len(runs) == with_residents
    assert all(run.converged for run in runs)
    assert 1.0 < np.median([run.design_effect for run in runs]) < 1.5


def test_raking_again_changes_nothing(demo_engine):
    with demo_engine.connect() as conn, conn.begin():
        before = dict(conn.execute(select(SurveyResponse.id, SurveyResponse.rake_weight)).all())
        rake_areas(conn)
        after = dict(conn.execute(select(SurveyResponse.id, SurveyResponse.rake_weight)).all())
        conn.rollback()
    assert after == before
