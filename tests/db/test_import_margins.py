"""The population_margins kind: census counts per area, dimension and group, checked
together (the dimensions count the same people, and the area's population) before any is
written, all or nothing; a new file replaces an area's margins for the dimensions it gives."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.importing.mapping import parse_mapping
from db.importing.report import ImportRefused
from db.importing.run import import_file
from db.models import Area, PopulationMargin
from tests.db.conftest import write

HEADER = "area,dimension,group,population\n"
# Northfield: 1,000 residents; 16-24 are 300 (120 + 180), 25+ 700; White 600, Black 400
NORTHFIELD = (
    "Northfield,age_sex,16-24|female,120\n"
    "Northfield,age_sex,16-24|male,180\n"
    "Northfield,age_sex,25+|female,380\n"
    "Northfield,age_sex,25+|male,320\n"
    "Northfield,race_ethnicity,White,600\n"
    "Northfield,race_ethnicity,Black,400\n"
)


@pytest.fixture
def areas(engine):
    with engine.begin() as conn:
        conn.execute(
            Area.__table__.insert(),
            [
                {"code": "N", "name": "Northfield", "kind": "neighbourhood", "population": 1000},
                {"code": "S", "name": "Southgate", "kind": "neighbourhood", "population": 2000},
            ],
        )
    return engine


def _margins(engine) -> dict[tuple[str, str], int]:
    with engine.connect() as conn:
        return {
            (d, g): p
            for d, g, p in conn.execute(
                select(PopulationMargin.dimension, PopulationMargin.group_value, PopulationMargin.population)
            )
        }


def _import(engine, tmp_path, text: str, name: str = "margins.csv", **mapping):
    path = write(tmp_path / name, text)
    return import_file(engine, path, parse_mapping({"kind": "population_margins", **mapping}))


def test_census_counts_go_in_and_a_new_file_replaces_an_area_s_dimension(areas, tmp_path):
    first = _import(areas, tmp_path, HEADER + NORTHFIELD)
    assert first.accepted, first.text()
    assert first.inserted == 6
    assert _margins(areas)[("age_sex", "16-24|female")] == 120
    # the 2021 census: race_ethnicity only, with Asian residents counted apart from White
    again = _import(
        areas,
        tmp_path,
        HEADER + "Northfield,race_ethnicity,White,550\nNorthfield,race_ethnicity,Black,400\n"
        "Northfield,race_ethnicity,Asian,50\n",
        name="census2021.csv",
    )
    assert again.accepted, again.text()
    assert (again.inserted, again.updated, again.skipped) == (1, 1, 1)
    stored = _margins(areas)
    assert stored[("race_ethnicity", "White")] == 550
    assert stored[("race_ethnicity", "Asian")] == 50
    assert stored[("age_sex", "25+|male")] == 320  # a dimension the file does not give is kept
    # a group the next file leaves out is removed, and the report says so
    third = _import(
        areas,
        tmp_path,
        HEADER + "Northfield,race_ethnicity,White,600\nNorthfield,race_ethnicity,Black,400\n",
        name="merged.csv",
    )
    assert ("race_ethnicity", "Asian") not in _margins(areas)
    assert "1 stored margin group(s) the file no longer names were removed" in third.text()


def test_age_and_sex_may_come_in_two_columns(areas, tmp_path):
    text = "area,dimension,age,sex,count\n" + "\n".join(
        f"N,age_sex,{age},{sex},{n}"
        for age, sex, n in [("16-24", "female", 120), ("16-24", "male", 180), ("25+", "female", 700)]
    )
    report = _import(areas, tmp_path, text + "\n", columns={"age_band": "age", "population": "count"})
    assert report.accepted, report.text()
    assert _margins(areas) == {
        ("age_sex", "16-24|female"): 120,
        ("age_sex", "16-24|male"): 180,
        ("age_sex", "25+|female"): 700,
    }


def test_an_unknown_dimension_is_refused_with_the_words_to_use(areas, tmp_path):
    report = _import(areas, tmp_path, HEADER + NORTHFIELD + "Northfield,ethnicity,White,600\n")
    assert not report.accepted
    text = report.text()
    assert (
        "line 8, column 'dimension', value 'ethnicity': dimension must be one of age_sex, age_band, sex, "
        "race_ethnicity, education, income" in text
    )
    assert '[values.dimension] "ethnicity" = "race_ethnicity"' in text
    assert _margins(areas) == {}  # all or nothing


@pytest.mark.parametrize("count", ["-5", "12.5", "many"])
def test_a_population_that_is_not_a_whole_number_of_people_is_refused(areas, tmp_path, count):
    report = _import(areas, tmp_path, HEADER + NORTHFIELD.replace(",120\n", f",{count}\n"))
    assert f"line 2, column 'population', value '{count}': population must be a whole number" in report.text()
    assert _margins(areas) == {}


def test_dimensions_that_count_different_people_are_refused_naming_each_total(areas, tmp_path):
    # race_ethnicity counts 1,100 residents, age_sex 1,000: not the same people
    report = _import(areas, tmp_path, HEADER + NORTHFIELD.replace("White,600", "White,700"))
    assert not report.accepted
    assert (
        "line 2, column 'area', value 'Northfield': the area's margins do not describe the same "
        "people: its dimensions add up to age_sex 1,000, race_ethnicity 1,100 residents (9.1% apart, "
        "more than 1%)" in report.text()
    )
    assert _margins(areas) == {}


def test_a_dimension_is_checked_against_the_stored_ones_too(areas, tmp_path):
    assert _import(areas, tmp_path, HEADER + NORTHFIELD).accepted
    report = _import(
        areas,
        tmp_path,
        HEADER + "Northfield,race_ethnicity,White,700\nNorthfield,race_ethnicity,Black,350\n",
        name="race.csv",
    )
    assert "race_ethnicity 1,050, age_sex (stored) 1,000 residents" in report.text()


def test_margins_that_do_not_sum_to_the_area_s_population_are_refused_naming_both(areas, tmp_path):
    # Southgate has 2,000 residents; these margins count 1,800 (10% fewer)
    text = HEADER + "Southgate,sex,female,900\nSouthgate,sex,male,900\n"
    report = _import(areas, tmp_path, text)
    assert not report.accepted
    assert (
        "line 2, column 'area', value 'Southgate': the margins add up to 1,800 residents but the "
        "area's population is 2,000 (10.0% apart, more than population_tolerance = 5%) (import the "
        "area's population again (kind areas) if it has changed, or, if these margins are right for "
        "another year, set population_tolerance = 11 in the mapping)" in report.text()
    )
    assert _margins(areas) == {}
    accepted = _import(areas, tmp_path, text, population_tolerance=11)
    assert accepted.accepted, accepted.text()


def test_an_area_without_a_population_is_noted_not_refused(engine, tmp_path):
    with engine.begin() as conn:
        conn.execute(Area.__table__.insert(), [{"code": "X", "name": "Ex", "kind": "neighbourhood"}])
    report = _import(engine, tmp_path, HEADER + "X,sex,female,10\nX,sex,male,12\n")
    assert report.accepted
    assert "1 area(s) have no population stored, so their margins' total was not checked" in report.text()


def test_the_tolerance_is_a_percentage_and_only_for_this_kind():
    with pytest.raises(ImportRefused, match="population_tolerance must be a number from 0 to 100"):
        parse_mapping({"kind": "population_margins", "population_tolerance": "5%"})
    with pytest.raises(ImportRefused, match="population_tolerance is read only for population_margins"):
        parse_mapping({"kind": "crime", "population_tolerance": 5})


def test_the_same_group_twice_with_two_counts_is_refused(areas, tmp_path):
    report = _import(areas, tmp_path, HEADER + NORTHFIELD + "northfield,age_sex,16-24|FEMALE,121\n")
    assert "the same area, dimension and group appear twice in the file (first on line 2)" in report.text()
    with areas.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PopulationMargin)).scalar_one() == 0
