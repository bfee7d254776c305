"""Every kind of table imports through the one path: organisations, partnerships,
survey items, item-level responses, offence categories, initiatives, activities,
feedback and events. A realistic small file each, then a corrected file, then a bad one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.importing.mapping import parse_mapping
from db.importing.run import import_file
from db.models import (
    Activity,
    Area,
    Event,
    Feedback,
    Initiative,
    OffenceCategory,
    Organisation,
    Partnership,
    SurveyAnswer,
    SurveyItem,
    SurveyResponse,
)


def _file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(engine, folder: Path, name: str, text: str, mapping: dict):
    return import_file(engine, _file(folder, name, text), parse_mapping(mapping))


@pytest.fixture
def city(engine, tmp_path):
    return make_city(engine, tmp_path)


def make_city(engine, tmp_path):
    """Two neighbourhoods, organisations and one partnership, each imported from a file."""
    with engine.begin() as conn:
        conn.execute(
            Area.__table__.insert(),
            [
                {"code": "N1", "name": "Northfield", "kind": "neighbourhood"},
                {"code": "S1", "name": "Southgate", "kind": "neighbourhood"},
            ],
        )
    orgs = _import(
        engine,
        tmp_path,
        "orgs.csv",
        "Organisation,Type\nNorthfield Primary School,School\nCorner Shops Assoc.,business\n"
        "St Mary's,Faith group\n",
        {
            "kind": "organisations",
            "columns": {"name": "Organisation", "sector": "Type"},
            "values": {"sector": {"School": "school", "Faith group": "faith"}},
        },
    )
    assert orgs.accepted, orgs.text()
    partnerships = _import(
        engine,
        tmp_path,
        "partnerships.csv",
        "code,name,start_date,areas,members\n"
        "NF-SAFE,Northfield Safer Streets,2023-03-01,Northfield,Northfield Primary School; St Mary's\n",
        {"kind": "partnerships"},
    )
    assert partnerships.accepted, partnerships.text()
    return engine, tmp_path


def test_organisations_get_their_sectors_through_the_mapping_values(city):
    engine, _ = city
    with engine.connect() as conn:
        sectors = dict(conn.execute(select(Organisation.name, Organisation.sector)).all())
    assert sectors == {
        "Northfield Primary School": "school",
        "Corner Shops Assoc.": "business",
        "St Mary's": "faith",
    }


SURVEY_ITEMS = (
    "code,wording,construct,min,max,reverse\n"
    "TRUST_1,The police in this area can be trusted.,trust,1,5,no\n"
    "SAT_1,Taking everything into account I am satisfied with policing here.,satisfaction,1,5,no\n"
)
ITEM_MAPPING = {
    "kind": "survey_items",
    "columns": {"scale_min": "min", "scale_max": "max", "reverse_worded": "reverse"},
}
RESPONSES = (
    "respondent,date,neighbourhood,wt,age,q_trust,q_sat\n"
    "R1,2024-02-03,Northfield,1.2,25-34,4,Agree\n"
    "R2,2024-05-20,Southgate,0.8,65+,2,\n"
    "R3,2024-05-21,Northfield,1.0,35-44,Strongly agree,5\n"
)
RESPONSE_MAPPING = {
    "kind": "survey_responses",
    "columns": {
        "source_id": "respondent",
        "responded_on": "date",
        "area": "neighbourhood",
        "weight": "wt",
        "age_band": "age",
    },
    "items": {"q_trust": {"code": "TRUST_1"}, "q_sat": {"code": "SAT_1"}},
    "values": {"answer": {"Strongly agree": "5", "Agree": "4"}},
}


def test_survey_items_then_item_level_responses(city):
    engine, folder = city
    items = _import(engine, folder, "items.csv", SURVEY_ITEMS, ITEM_MAPPING)
    assert (items.accepted, items.inserted) == (True, 2), items.text()
    responses = _import(engine, folder, "responses.csv", RESPONSES, RESPONSE_MAPPING)
    assert (responses.accepted, responses.inserted) == (True, 3), responses.text()
    with engine.connect() as conn:
        answers = conn.execute(
            select(SurveyResponse.source_id, SurveyItem.code, SurveyAnswer.value)
            .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
            .join(SurveyItem, SurveyItem.id == SurveyAnswer.item_id)
        ).all()
        r2 = conn.execute(select(SurveyResponse.__table__).where(SurveyResponse.source_id == "R2")).one()
    assert sorted(answers) == [
        ("R1", "SAT_1", 4.0),
        ("R1", "TRUST_1", 4.0),
        ("R2", "TRUST_1", 2.0),  # R2 left the satisfaction question blank: no answer row
        ("R3", "SAT_1", 5.0),
        ("R3", "TRUST_1", 5.0),
    ]
    assert (r2.quarter_start, r2.weight, r2.age_band, r2.respondent_type) == (
        date(2024, 4, 1),
        0.8,
        "65+",
        "resident",
    )

    corrected = RESPONSES.replace("R2,2024-05-20,Southgate,0.8,65+,2,", "R2,2024-05-20,Southgate,0.8,65+,3,4")
    again = _import(engine, folder, "responses-v2.csv", corrected, RESPONSE_MAPPING)
    assert (again.inserted, again.updated, again.skipped) == (0, 1, 2), again.text()
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(SurveyAnswer)).scalar_one()
    assert count == 6

    out_of_scale = RESPONSES.replace(
        "R2,2024-05-20,Southgate,0.8,65+,2,", "R2,2024-05-20,Southgate,0.8,65+,7,"
    )
    bad = _import(engine, folder, "responses-bad.csv", out_of_scale, RESPONSE_MAPPING)
    assert not bad.accepted
    (problem,) = bad.problems
    assert (problem.line, problem.column, problem.value) == (3, "q_trust", "7")
    assert problem.rule == "answer must be a number from 1 to 5"


def test_offence_categories_set_the_group_a_later_crime_import_uses(city):
    engine, folder = city
    report = _import(
        engine,
        folder,
        "categories.csv",
        "code,description,group\n04A,AGG ASSAULT,violent\n0810,THEFT UNDER $500,property\n",
        {"kind": "offence_categories", "source": "cpd", "columns": {"name": "description"}},
    )
    assert (report.accepted, report.inserted) == (True, 2), report.text()
    regrouped = _import(
        engine,
        folder,
        "categories-v2.csv",
        "code,description,group\n04A,AGG ASSAULT,violent\n0810,THEFT UNDER $500,other\n",
        {"kind": "offence_categories", "source": "cpd", "columns": {"name": "description"}},
    )
    assert (regrouped.updated, regrouped.skipped) == (1, 1)
    crime = _import(
        engine,
        folder,
        "crime.csv",
        "id,date,area,iucr\nC1,2024-01-05,Northfield,0810\n",
        {
            "kind": "crime",
            "source": "cpd",
            "columns": {"source_id": "id", "occurred": "date", "area": "area", "category": "iucr"},
        },
    )
    assert crime.accepted, crime.text()  # no [groups] needed: the category is already known
    with engine.connect() as conn:
        group = conn.execute(
            select(OffenceCategory.crime_group).where(OffenceCategory.source_code == "0810")
        ).scalar_one()
    assert group == "other"


def test_initiatives_activities_feedback_and_events_attach_to_their_partnership(city):
    engine, folder = city
    files = [
        (
            "initiatives",
            "partnership,name,stage,started_on,goal,goal_met\n"
            "NF-SAFE,Safe walk to school,response,2023-06-01,Halve thefts near the school gate,\n"
            "Northfield Safer Streets,Lighting audit,assessment,2023-04-01,Fix 20 street lights,yes\n",
            Initiative,
        ),
        (
            "activities",
            "partnership,occurred_on,kind,attendance,decisions_made\n"
            "NF-SAFE,2023-03-15,Board meeting,14,3\nNF-SAFE,2023-04-12,Board meeting,11,2\n"
            "NF-SAFE,2023-05-06,Community event,120,\n",
            Activity,
        ),
        (
            "feedback",
            "partnership,received_on,source,rating,comment\n"
            "NF-SAFE,2023-09-01,partner,4,Meetings are useful; actions slip.\n"
            "NF-SAFE,2023-09-03,officer,3,\n",
            Feedback,
        ),
        (
            "events",
            "partnership,occurred_on,kind,label\n"
            "NF-SAFE,2023-03-01,start,Partnership began\n,2024-01-01,records,New records system\n",
            Event,
        ),
    ]
    values = {"kind": {"Board meeting": "meeting", "Community event": "event"}}
    for kind, text, model in files:
        # [values.kind] only for the kinds with a kind field: elsewhere it is refused as a typo
        mapping = {"kind": kind, "values": values} if kind in ("activities", "events") else {"kind": kind}
        report = _import(engine, folder, f"{kind}.csv", text, mapping)
        assert report.accepted, report.text()
        assert report.inserted == text.count("\n") - 1
        again = _import(engine, folder, f"{kind}-copy.csv", text + "\n", mapping)
        assert (again.inserted, again.updated) == (0, 0), f"{kind}: a re-import changed rows"
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(model)).scalar_one() == report.inserted
    with engine.connect() as conn:
        pid = conn.execute(select(Partnership.id).where(Partnership.code == "NF-SAFE")).scalar_one()
        attendance = conn.execute(select(Activity.attendance).order_by(Activity.occurred_on)).scalars().all()
        goal_met = dict(conn.execute(select(Initiative.name, Initiative.goal_met)).all())
        citywide = conn.execute(select(Event.partnership_id).where(Event.kind == "records")).scalar_one()
        owners = set(conn.execute(select(Feedback.partnership_id)).scalars())
    assert attendance == [14, 11, 120]
    assert goal_met == {"Safe walk to school": None, "Lighting audit": True}
    assert citywide is None
    assert owners == {pid}


@pytest.mark.parametrize(
    ("kind", "text", "line", "column", "rule"),
    [
        (
            "activities",
            "partnership,occurred_on,kind\nNF-SAVE,2023-03-15,meeting\n",
            2,
            "partnership",
            "unknown partnership",
        ),
        (
            "activities",
            "partnership,occurred_on,kind,attendance\nNF-SAFE,2023-03-15,meeting,-3\n",
            2,
            "attendance",
            "must be at least 0",
        ),
        (
            "feedback",
            "partnership,received_on,source,rating\nNF-SAFE,2023-09-01,partner,9\n",
            2,
            "rating",
            "must be 1 to 5",
        ),
        (
            "events",
            "occurred_on,kind,label\n2023-03-01,launch,Began\n",
            2,
            "kind",
            "must be one of start, phase, records, other",
        ),
        (
            "initiatives",
            'partnership,name,stage\nNF-SAFE,=HYPERLINK("x"),response\n',
            2,
            "name",
            "text starting with =, +, -, @, tab or carriage return (a spreadsheet formula)",
        ),
        (
            "organisations",
            "name,type\nCorner Shops Assoc.,business\n",
            1,
            "sector",
            "required column is missing from the header",
        ),
        (
            "survey_items",
            "code,wording,construct,scale_min,scale_max\nX,Words,trust,5,1\n",
            2,
            "scale_max",
            "scale_max must exceed scale_min",
        ),
    ],
)
def test_a_bad_row_is_refused_with_its_line_column_and_rule(city, kind, text, line, column, rule):
    engine, folder = city
    report = _import(engine, folder, f"bad-{kind}.csv", text, {"kind": kind})
    assert not report.accepted
    problem = report.problems[0]
    assert (problem.line, problem.column, problem.rule) == (line, column, rule)
    if rule == "unknown partnership":
        assert "NF-SAFE" in problem.suggestion
