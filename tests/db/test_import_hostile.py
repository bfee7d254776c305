"""Hostile files, beyond the basic ones in test_import: text that would run as a formula in
any kind, files built to exhaust memory, and every way a file or a database can fail, each
with its own message, nothing written and the refusal in the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from db.audit import events
from db.importing.mapping import parse_mapping
from db.importing.report import FORMULA_RULE, ImportRefused
from db.importing.run import import_file
from db.models import Partnership, SurveyItem
from tests.db.conftest import data_sha

CRIME = {
    "kind": "crime",
    "source": "test",
    "date_format": "%d/%m/%Y",
    "columns": {"area": "area", "category": "offence", "occurred": "date", "source_id": "id"},
    "groups": {"Assault": "violent", "Theft": "property"},
}
SURVEY = {
    "kind": "survey_aggregates",
    "columns": {"area": "area", "item": "item", "value": "value", "date": "date"},
    "items": {"Trust": {"code": "T", "construct": "trust"}},
}
RESPONSES = {
    "kind": "survey_responses",
    "columns": {"source_id": "id", "responded_on": "date"},
    "items": {
        "q1": {"code": "Q1", "wording": "Trust?", "construct": "trust", "scale_min": 1, "scale_max": 5}
    },
}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def refused_and_unchanged(lite, tmp_path, name: str, text: str, mapping: dict):
    """Import `text` as `name`; check it was refused, wrote nothing and was audited as refused."""
    engine, path = lite
    before = data_sha(path)
    report = import_file(engine, write(tmp_path / name, text), parse_mapping(mapping))
    assert not report.accepted
    assert data_sha(path) == before
    with engine.connect() as conn:
        newest = events(conn, limit=1)[0]
    assert newest[3:6] == ("import", f"{mapping['kind']}: {name}", "refused")
    return report


# --- formulas: refused in every text field of every kind -------------------------------------

FORMULAS = [
    pytest.param(
        "code,name,start_date,members\nP2,Second,2023-01-01,Shop; =cmd|' /C calc'!A0\n",
        {"kind": "partnerships"},
        (2, "members", "=cmd|' /C calc'!A0"),
        id="partnership-member",
    ),
    pytest.param(
        "code,name,start_date,description\nP2,Second,2023-01-01,@SUM(A1)\n",
        {"kind": "partnerships"},
        (2, "description", "@SUM(A1)"),
        id="partnership-description",
    ),
    pytest.param(
        'code,name,start_date,goals\nP2,Second,2023-01-01,"+1+1"\n',
        {"kind": "partnerships"},
        (2, "goals", "+1+1"),
        id="partnership-goals",
    ),
    pytest.param(
        "id,date,area,offence\n=1+2,03/01/2024,Northfield,Assault\n",
        CRIME,
        (2, "id", "=1+2"),
        id="crime-id",
    ),
    pytest.param(
        "area,item,value,date,group_kind,group_value\nNorthfield,Trust,50,2024-01-01,age,-A1\n",
        {
            **SURVEY,
            "columns": {**SURVEY["columns"], "group_kind": "group_kind", "group_value": "group_value"},
        },
        (2, "group_value", "-A1"),
        id="survey-aggregate-group",
    ),
    pytest.param(
        "id,date,q1\n@me,2024-01-01,4\n",
        RESPONSES,
        (2, "id", "@me"),
        id="survey-respondent-id",
    ),
    pytest.param(
        'partnership,occurred_on,kind,label\n,2024-01-01,other,=HYPERLINK("x")\n',
        {"kind": "events"},
        (2, "label", '=HYPERLINK("x")'),
        id="event-label",
    ),
]


@pytest.mark.parametrize(("text", "mapping", "where"), FORMULAS)
def test_text_starting_a_formula_is_refused_in_every_kind(lite, tmp_path, text, mapping, where):
    report = refused_and_unchanged(lite, tmp_path, "formula.csv", text, mapping)
    assert [(p.line, p.column, p.value) for p in report.problems if FORMULA_RULE in p.rule] == [where]


def test_a_mapping_cannot_bring_a_formula_in_either(lite):
    with pytest.raises(ImportRefused, match="spreadsheet formula") as refused:
        parse_mapping({**SURVEY, "items": {"Trust": {"code": "T", "construct": "trust", "wording": "=2+2"}}})
    assert refused.value.problems[0].column == "[items].Trust.wording"
    with pytest.raises(ImportRefused, match="spreadsheet formula"):
        parse_mapping({**CRIME, "source": "@source"})


def test_negative_numbers_and_leading_blanks_are_not_formulas(lite, tmp_path):
    """A negative number is a number, in a numeric column or as text; a cell's leading tab is
    stripped with its other blanks, so what is stored cannot start a formula either."""
    engine, _ = lite
    items = import_file(
        engine,
        write(tmp_path / "items.csv", "code,wording,construct,scale_min,scale_max\nX,Balance,trust,-2,2\n"),
        parse_mapping({"kind": "survey_items"}),
    )
    assert items.accepted, items.text()
    partnerships = import_file(
        engine,
        write(tmp_path / "p.csv", 'code,name,start_date,description\nP3,Third,2023-01-01,"\t-12.5"\n'),
        parse_mapping({"kind": "partnerships"}),
    )
    assert partnerships.accepted, partnerships.text()
    with engine.connect() as conn:
        assert conn.execute(select(SurveyItem.scale_min)).scalar_one() == -2
        assert conn.execute(select(Partnership.description)).scalar_one() == "-12.5"
