"""Honest suggestions for unknown areas (issue 18, item 4): a known area is suggested only
when it is really close, tested on real pairs of one place and on near misses of
different places; the ready-to-run alias command only for the same name written
differently; and a suggested area already in a partnership says so."""

from __future__ import annotations

import itertools
import json
from datetime import date

import pytest
from sqlalchemy import insert

from db.importing.area_names import closeness
from db.importing.areas import AreaLookup
from db.importing.report import Report
from db.models import Area, Partnership, PartnershipArea
from tests.db.conftest import LONDON, SHARED

# Real names: London's boroughs (london/london_boroughs.geojson), Chicago's police districts
# (chicago/police_stations_districts.csv), Vancouver's neighbourhoods (vancouver_thefts.csv.gz)
# and Chicago's 77 community areas (the city's published list).
LONDON_BOROUGHS = (
    "Barking and Dagenham|Barnet|Bexley|Brent|Bromley|Camden|City of London|Croydon|Ealing|Enfield|"
    "Greenwich|Hackney|Hammersmith and Fulham|Haringey|Harrow|Havering|Hillingdon|Hounslow|Islington|"
    "Kensington and Chelsea|Kingston upon Thames|Lambeth|Lewisham|Merton|Newham|Redbridge|"
    "Richmond upon Thames|Southwark|Sutton|Tower Hamlets|Waltham Forest|Wandsworth|Westminster"
).split("|")
CHICAGO_DISTRICTS = (
    "Near North|Town Hall|Lincoln|Morgan Park|Rogers Park|Grand Central|Central|Wentworth|Grand Crossing|"
    "South Chicago|Calumet|Gresham|Englewood|Chicago Lawn|Deering|Ogden|Harrison|Near West|Chicago|"
    "Shakespeare|Austin|Jefferson Park|Albany Park"
).split("|")
VANCOUVER = (
    "Arbutus Ridge|Central Business District|Dunbar-Southlands|Fairview|Grandview-Woodland|"
    "Hastings-Sunrise|Kensington-Cedar Cottage|Kerrisdale|Killarney|Kitsilano|Marpole|Mount Pleasant|"
    "Musqueam|Oakridge|Renfrew-Collingwood|Riley Park|Shaughnessy|South Cambie|Stanley Park|Strathcona|"
    "Sunset|Victoria-Fraserview|West End|West Point Grey"
).split("|")
CHICAGO_COMMUNITY_AREAS = (
    "Rogers Park|West Ridge|Uptown|Lincoln Square|North Center|Lake View|Lincoln Park|Near North Side|"
    "Edison Park|Norwood Park|Jefferson Park|Forest Glen|North Park|Albany Park|Portage Park|Irving Park|"
    "Dunning|Montclare|Belmont Cragin|Hermosa|Avondale|Logan Square|Humboldt Park|West Town|Austin|"
    "West Garfield Park|East Garfield Park|Near West Side|North Lawndale|South Lawndale|Lower West Side|"
    "Loop|Near South Side|Armour Square|Douglas|Oakland|Fuller Park|Grand Boulevard|Kenwood|"
    "Washington Park|Hyde Park|Woodlawn|South Shore|Chatham|Avalon Park|South Chicago|Burnside|"
    "Calumet Heights|Roseland|Pullman|South Deering|East Side|West Pullman|Riverdale|Hegewisch|"
    "Garfield Ridge|Archer Heights|Brighton Park|McKinley Park|Bridgeport|New City|West Elsdon|Gage Park|"
    "Clearing|West Lawn|Chicago Lawn|West Englewood|Englewood|Greater Grand Crossing|Ashburn|"
    "Auburn Gresham|Beverly|Washington Heights|Mount Greenwood|Morgan Park|O'Hare|Edgewater"
).split("|")
PLACES = [LONDON_BOROUGHS, CHICAGO_DISTRICTS, VANCOUVER, CHICAGO_COMMUNITY_AREAS]

SAME_NAME = [  # one place written differently: the alias command is offered
    ("Kensington & Chelsea", "Kensington and Chelsea"),
    ("Hammersmith & Fulham", "Hammersmith and Fulham"),
    ("KINGSTON-UPON-THAMES", "Kingston upon Thames"),
    ("Richmond Upon Thames", "Richmond upon Thames"),
    ("Grandview Woodland", "Grandview-Woodland"),
    ("Near Northside", "Near North Side"),
    ("The Loop", "Loop"),
    ("OHare", "O'Hare"),
    ("St. Mary's", "Saint Marys"),
]
CLOSE = [  # probably one place, to be checked by a person: suggested without a command
    ("City of Westminster", "Westminster"),  # the MOPAC boards file against the boroughs file
    ("Westminster", "City of Westminster"),
    ("Royal Borough of Greenwich", "Greenwich"),
    # the same shape as Westminster, but another place: why a qualifier is only ever "close",
    # a question for a person, and never the ready-to-run command
    ("London", "City of London"),
    ("Westminister", "Westminster"),
    ("Lewisam", "Lewisham"),
    ("Haringay", "Haringey"),
    ("Kensignton and Chelsea", "Kensington and Chelsea"),
    ("Tower Hamlet", "Tower Hamlets"),
    ("Islingotn", "Islington"),
]
DIFFERENT_PLACES = [  # near misses: letters in common, other places; never suggested
    ("West Garfield Park", "East Garfield Park"),
    ("Near North Side", "Near South Side"),
    ("Near North Side", "Near West Side"),
    ("Near North", "Near West"),
    ("North Lawndale", "South Lawndale"),
    ("West Town", "West Lawn"),
    ("West Lawn", "West Loop"),
    ("Kingston upon Thames", "Richmond upon Thames"),
    ("Haringey", "Havering"),
    ("Hillingdon", "Islington"),
    ("Central", "Grand Central"),
    ("Chicago", "South Chicago"),
    ("Grand Central", "Grand Crossing"),
    ("Rogers Park", "Morgan Park"),
    ("Hammersmith", "Hammersmith and Fulham"),
    ("Brent", "Brentwood"),
    ("Kensington and Chelsea", "Kensington-Cedar Cottage"),
    ("West End", "West Point Grey"),
    ("E01012607", "E01012608"),  # two LSOAs
]


@pytest.mark.parametrize(("value", "known"), SAME_NAME)
def test_the_same_name_written_differently_is_the_same(value, known):
    assert closeness(value, known) == "same"


@pytest.mark.parametrize(("value", "known"), CLOSE)
def test_a_qualifier_or_a_typo_is_close(value, known):
    assert closeness(value, known) == "close"


@pytest.mark.parametrize(("value", "known"), DIFFERENT_PLACES)
def test_near_misses_of_different_places_are_not_suggested(value, known):
    assert closeness(value, known) == ""
    assert closeness(known, value) == ""


def test_no_two_real_places_of_one_city_are_close_to_each_other():
    for places in PLACES:
        for a, b in itertools.combinations(places, 2):
            assert closeness(a, b) == "", (a, b)


def test_the_shared_london_boroughs_are_not_close_to_each_other():
    if not LONDON.exists():
        pytest.skip(f"shared data not found at {SHARED}")
    features = json.loads((LONDON / "london_boroughs.geojson").read_text())["features"]
    names = sorted(f["properties"]["name"] for f in features)
    assert names == sorted(LONDON_BOROUGHS)
    assert all(closeness(a, b) == "" for a, b in itertools.combinations(names, 2))


@pytest.fixture
def boroughs(engine):
    """Westminster, Kensington and Chelsea, Hammersmith and Fulham; the first in a partnership."""
    with engine.begin() as conn:
        ids = [
            conn.execute(
                insert(Area).values(code=code, name=name, kind="borough").returning(Area.id)
            ).scalar_one()
            for code, name in [
                ("E09000033", "Westminster"),
                ("E09000020", "Kensington and Chelsea"),
                ("E09000013", "Hammersmith and Fulham"),
            ]
        ]
        board = conn.execute(
            insert(Partnership)
            .values(code="LDN-SNB-33", name="Westminster Board", start_date=date(2014, 4, 1), status="active")
            .returning(Partnership.id)
        ).scalar_one()
        conn.execute(insert(PartnershipArea).values(partnership_id=board, area_id=ids[0], role="catchment"))
    return engine


def _suggestion(engine, value: str) -> str:
    with engine.connect() as conn:
        return AreaLookup(conn, {}).suggest(value)


def test_a_close_name_is_a_question_with_the_mapping_line_and_no_command(boroughs):
    said = _suggestion(boroughs, "City of Westminster")
    assert said.startswith("did you mean 'Westminster'?")  # the Data page preselects the first name
    assert "'Westminster' is already in partnership LDN-SNB-33" in said
    assert "check it is the same place" in said
    assert '[area_aliases] "City of Westminster" = "Westminster"' in said
    assert "commonground alias" not in said


def test_the_same_name_written_differently_gets_the_ready_to_run_command(boroughs):
    said = _suggestion(boroughs, "Kensington & Chelsea")
    assert "commonground alias 'Kensington & Chelsea' 'Kensington and Chelsea'" in said
    assert "already in partnership" not in said


def test_a_different_place_with_a_similar_prefix_is_not_offered(boroughs):
    said = _suggestion(boroughs, "Hammersmith")
    assert said.startswith("no known area has a close name")
    assert "Hammersmith and Fulham" not in said
    assert '[area_aliases] with the area it means: "Hammersmith" = "..."' in said


def test_an_unknown_area_in_an_import_says_the_same(boroughs):
    report = Report(kind="crime", file_name="f.csv", sha256="")
    with boroughs.connect() as conn:
        AreaLookup(conn, {}).resolve(2, "borough", "Westminister", report)
    assert report.problems[0].suggestion.startswith(
        "did you mean 'Westminster'? ('Westminster' is already in"
    )
