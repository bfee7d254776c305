"""Residents' written answers come in with the survey_responses kind, named under
[open_answers]: stored per respondent and question, blank ones counted and left out,
replaced (not doubled) when a respondent is imported again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.importing.mapping import parse_mapping
from db.importing.report import ImportRefused
from db.models import SurveyOpenAnswer, SurveyResponse
from tests.db.test_import_kinds import ITEM_MAPPING, RESPONSE_MAPPING, SURVEY_ITEMS, _import, make_city

WRITTEN = (
    "respondent,date,neighbourhood,wt,age,q_trust,q_sat,other\n"
    'R1,2024-02-03,Northfield,1.2,25-34,4,Agree,"Cars speed past the school, every day."\n'
    "R2,2024-05-20,Southgate,0.8,65+,2,,   \n"
    "R3,2024-05-21,Northfield,1.0,35-44,Strongly agree,5,La policía no viene.\n"
)
MAPPING = RESPONSE_MAPPING | {"open_answers": {"other": "ANYTHING_ELSE"}}


def _stored(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(
            conn.execute(
                select(SurveyResponse.source_id, SurveyOpenAnswer.question, SurveyOpenAnswer.text).join(
                    SurveyResponse, SurveyResponse.id == SurveyOpenAnswer.response_id
                )
            ).all()
        )


@pytest.fixture
def with_items(engine, tmp_path):
    engine, folder = make_city(engine, tmp_path)
    assert _import(engine, folder, "items.csv", SURVEY_ITEMS, ITEM_MAPPING).accepted
    return engine, folder


def test_written_answers_are_stored_and_blank_ones_counted(with_items):
    engine, folder = with_items
    report = _import(engine, folder, "responses.csv", WRITTEN, MAPPING)
    assert (report.accepted, report.inserted) == (True, 3), report.text()
    assert _stored(engine) == [
        ("R1", "ANYTHING_ELSE", "Cars speed past the school, every day."),
        ("R3", "ANYTHING_ELSE", "La policía no viene."),
    ]
    assert "1 blank written answer not stored" in report.notes

    same = _import(engine, folder, "responses-again.csv", WRITTEN + "\n", MAPPING)
    assert (same.inserted, same.updated, same.skipped) == (0, 0, 3), same.text()
    assert len(_stored(engine)) == 2

    edited = WRITTEN.replace("La policía no viene.", "Police came quickly.").replace(
        "65+,2,,   ", "65+,2,,Too much noise"
    )
    again = _import(engine, folder, "responses-v2.csv", edited, MAPPING)
    assert (again.inserted, again.updated, again.skipped) == (0, 2, 1), again.text()
    assert _stored(engine) == [
        ("R1", "ANYTHING_ELSE", "Cars speed past the school, every day."),
        ("R2", "ANYTHING_ELSE", "Too much noise"),
        ("R3", "ANYTHING_ELSE", "Police came quickly."),
    ]


def test_a_formula_like_answer_refuses_the_file_and_says_the_fix(with_items):
    engine, folder = with_items
    bad = _import(engine, folder, "bad.csv", WRITTEN.replace("La policía", "=HYPERLINK(1)"), MAPPING)
    assert not bad.accepted
    (problem,) = bad.problems
    assert (problem.line, problem.column) == (4, "other")
    assert "formula" in problem.rule
    assert "leading sign" in problem.suggestion
    assert _stored(engine) == []  # all or nothing


def test_a_missing_written_answer_column_is_named_with_the_mapping_fix(with_items):
    engine, folder = with_items
    mapping = RESPONSE_MAPPING | {"open_answers": {"comments": "ANYTHING_ELSE"}}
    bad = _import(engine, folder, "bad.csv", WRITTEN, mapping)
    assert not bad.accepted
    (problem,) = bad.problems
    assert problem.column == "comments"
    assert "[open_answers].comments" in problem.suggestion


def test_open_answers_is_read_only_for_survey_responses_and_takes_a_code():
    with pytest.raises(ImportRefused) as refused:
        parse_mapping({"kind": "feedback", "open_answers": {"other": "X"}})
    assert "open_answers is read only for survey_responses" in str(refused.value.problems[0].rule)
    with pytest.raises(ImportRefused) as refused:
        parse_mapping({"kind": "survey_responses", "open_answers": {"other": 3}})
    assert refused.value.problems[0].column == "[open_answers].other"
