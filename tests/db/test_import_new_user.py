"""What a new user importing files no preset knows ran into (issue 18): every mapping
problem at once, refused words with the exact [values] line, honest counts on a partnership
re-import, new organisations named, fixes for partnership refusals, the command's KIND
filling in a mapping's kind, and [groups] naming its words."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli import main
from db.importing.mapping import load_mapping, parse_mapping
from db.importing.report import ImportRefused, Problem
from db.importing.run import import_file
from db.models import Area, Organisation
from tests.db.conftest import write

PARTNERSHIPS = {"kind": "partnerships", "columns": {"start_date": "start"}}
TWO = (
    "code,name,start,areas,members\n"
    "P1,Safer North,2020-01-01,Northfield,Northfield Police; Acme Ltd\n"
    "P2,Safer South,2021-06-01,Southgate; Northfield,Southgate Council\n"
)


def _refusal(data: dict, kind: str | None = None) -> list[Problem]:
    with pytest.raises(ImportRefused) as refused:
        parse_mapping(data, kind=kind)
    return refused.value.problems


def _areas(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            Area.__table__.insert(),
            [
                {"code": "N", "name": "Northfield", "kind": "neighbourhood"},
                {"code": "S", "name": "Southgate", "kind": "neighbourhood"},
            ],
        )


# --- 1. every mapping problem at once -------------------------------------------------------


def test_typos_at_the_top_and_in_a_section_are_refused_together():
    problems = _refusal({"kind": "partnerships", "descripton": "x", "columns": {"ocurred": "When"}})
    assert [p.column for p in problems] == ["descripton", "[columns].ocurred"]
    assert "did you mean 'description'?" in problems[0].rule


def test_the_command_prints_every_mapping_problem_not_only_the_first(tmp_path):
    mapping = write(
        tmp_path / "m.toml", 'kind = "partnerships"\ndescripton = "x"\n[columns]\nocurred = "When"\n'
    )
    data = write(tmp_path / "p.csv", TWO)
    url = f"sqlite:///{tmp_path / 'cg.sqlite'}"
    result = CliRunner().invoke(
        main, ["import", "partnerships", str(data), "--mapping", str(mapping), "--database-url", url]
    )
    assert result.exit_code != 0
    assert "did you mean 'description'?" in result.output
    assert "did you mean 'occurred'?" in result.output or "[columns].ocurred" in result.output


def test_every_kind_of_mapping_problem_is_listed_in_one_refusal():
    problems = _refusal(
        {
            "kind": "crime",
            "descripton": "x",
            "duplicates": "dropp",
            "delimiter": "||",
            "groups": {"Theft": "stealing"},
            "rows": {"keep_whn": "x = 1"},
            "skip": {"area": "Heathrow"},
        }
    )
    assert {p.column for p in problems} == {
        "descripton",
        "duplicates",
        "delimiter",
        "[groups].Theft",
        "[rows].keep_whn",
        "[skip].area",
    }
    duplicates = next(p for p in problems if p.column == "duplicates")
    assert duplicates.suggestion == "did you mean 'drop'?"


def test_a_sector_the_mapping_gives_is_checked_with_the_mapping():
    problem = _refusal({"kind": "partnerships", "sectors": {"Acme Ltd": "shop"}})[0]
    assert (problem.column, problem.value) == ("[sectors].Acme Ltd", "shop")
    assert "[sectors] values must be one of school, business" in problem.rule


# --- 2. a refused word names the exact [values] line ----------------------------------------


def test_a_partnership_status_word_names_the_values_line(lite, tmp_path):
    engine, _ = lite
    text = "code,name,start,areas,state\nP1,Safer North,2020-01-01,Northfield,Live\n"
    mapping = parse_mapping({**PARTNERSHIPS, "columns": {"start_date": "start", "status": "state"}})
    report = import_file(engine, write(tmp_path / "p.csv", text), mapping)
    (problem,) = report.problems
    assert problem.rule == "status must be one of planned, active, ended"
    assert '[values.status] "Live" = "active"' in problem.suggestion
    # and a status in another case is the same word
    again = import_file(engine, write(tmp_path / "q.csv", text.replace("Live", "Active")), mapping)
    assert again.accepted, again.text()


RECORD_FILES = [  # kind, a file with one refused choice word, the field, the word
    ("organisations", "name,sector\nAcme,Shop\n", "sector", "Shop"),
    ("offence_categories", "code,name,group\nX1,Theft,Stealing\n", "group", "Stealing"),
    (
        "survey_items",
        "code,wording,construct,scale_min,scale_max\nQ,Trust?,Trusting,1,5\n",
        "construct",
        "Trusting",
    ),
    ("initiatives", "partnership,name,stage\nP1,Lights,Scan\n", "stage", "Scan"),
    (
        "activities",
        "partnership,occurred_on,kind\nP1,2020-01-01,Partner meeting\n",
        "kind",
        "Partner meeting",
    ),
    (
        "feedback",
        "partnership,received_on,source\nP1,2020-01-01,Local resident\n",
        "source",
        "Local resident",
    ),
    ("events", "occurred_on,kind,label\n2020-01-01,Launch,Start\n", "kind", "Launch"),
    ("areas", "code,name,kind\nE1,Eastwick,Ward\n", "kind", "Ward"),
]


@pytest.mark.parametrize(("kind", "text", "field", "word"), RECORD_FILES)
def test_every_choice_field_of_every_kind_names_the_values_line(lite, tmp_path, kind, text, field, word):
    engine, _ = lite
    partnership = "code,name,start,areas\nP1,Safer North,2020-01-01,Northfield\n"
    assert import_file(engine, write(tmp_path / "p.csv", partnership), parse_mapping(PARTNERSHIPS)).accepted
    report = import_file(engine, write(tmp_path / "f.csv", text), parse_mapping({"kind": kind}))
    (problem,) = report.problems
    assert problem.value == word
    assert f'[values.{field}] "{word}" = "' in problem.suggestion


def test_a_respondent_type_word_names_the_values_line(lite, tmp_path):
    engine, _ = lite
    mapping = parse_mapping(
        {
            "kind": "survey_responses",
            "columns": {"source_id": "id", "responded_on": "date", "respondent_type": "type"},
            "items": {
                "q": {"code": "T1", "wording": "Trust?", "construct": "trust", "scale_min": 1, "scale_max": 5}
            },
        }
    )
    text = "id,date,type,q\nR1,2024-02-03,Local resident,4\n"
    (problem,) = import_file(engine, write(tmp_path / "r.csv", text), mapping).problems
    assert problem.value == "Local resident"
    assert '[values.respondent_type] "Local resident" = "resident"' in problem.suggestion


# --- 3. a partnership re-import counts only what changed ------------------------------------


def test_an_unchanged_partnership_is_counted_unchanged(engine, tmp_path):
    _areas(engine)
    mapping = parse_mapping(PARTNERSHIPS)
    first = import_file(engine, write(tmp_path / "a.csv", TWO), mapping)
    assert (first.inserted, first.updated, first.skipped) == (2, 0, 0), first.text()
    # the same two partnerships, written in another order, and a third
    again = (
        TWO.replace("Southgate; Northfield", "Northfield; Southgate")
        + "P3,Safer East,2022-01-01,Southgate,\n"
    )
    second = import_file(engine, write(tmp_path / "b.csv", again), mapping)
    assert (second.inserted, second.updated, second.skipped) == (1, 0, 2), second.text()
    assert "1 inserted, 0 updated, 2 unchanged" in second.text()
    # a member more is a change; so is a catchment area less
    changed = TWO.replace("Acme Ltd", "Acme Ltd; Faith Trust").replace("Southgate; Northfield", "Southgate")
    third = import_file(engine, write(tmp_path / "c.csv", changed), mapping)
    assert (third.inserted, third.updated, third.skipped) == (0, 2, 0), third.text()


RECORDS_AGAIN = {  # kind: (a file, one more row); every field each kind reads, filled
    "organisations": ("name,sector\nAcme,business\n", "Zed,faith\n"),
    "offence_categories": ("code,name,group\nX1,Theft,property\n", "X2,Hit,violent\n"),
    "survey_items": (
        "code,wording,construct,scale_min,scale_max,reverse_worded,scale_labels\nQ,Trust?,trust,1,5,yes,a|b\n",
        "Q2,Safe?,safety,0,10,,\n",
    ),
    "initiatives": (
        "partnership,name,response_type,stage,started_on,ended_on,goal,goal_met\n"
        "P1,Lights,lighting,scanning,2020-01-01,2020-05-01,fewer thefts,yes\n",
        "P1,Patrols,,analysis,,,,\n",
    ),
    "activities": (
        "partnership,occurred_on,kind,attendance,decisions_made\nP1,2020-01-01,meeting,12,3\n",
        "P1,2020-02-01,event,,\n",
    ),
    "feedback": (
        "partnership,received_on,source,rating,comment\nP1,2020-01-01,resident,4,good\n",
        "P1,2020-01-02,partner,,\n",
    ),
    "events": ("partnership,occurred_on,kind,label\nP1,2020-01-01,start,Launch\n", ",2020-02-01,other,All\n"),
}


def test_every_records_kind_counts_a_row_seen_again_unchanged(engine, tmp_path):
    _areas(engine)
    partnership = "code,name,start,areas\nP1,Safer North,2020-01-01,Northfield\n"
    assert import_file(engine, write(tmp_path / "p.csv", partnership), parse_mapping(PARTNERSHIPS)).accepted
    for kind, (text, more) in RECORDS_AGAIN.items():
        mapping = parse_mapping({"kind": kind})
        first = import_file(engine, write(tmp_path / f"{kind}.csv", text), mapping)
        assert first.inserted == 1, first.text()
        again = import_file(engine, write(tmp_path / f"{kind}-2.csv", text + more), mapping)
        assert (again.inserted, again.updated, again.skipped) == (1, 0, 1), (kind, again.text())


# --- 4. new organisations are named --------------------------------------------------------


def test_new_members_created_with_sector_other_are_named(lite, tmp_path):
    engine, _ = lite
    mapping = parse_mapping({**PARTNERSHIPS, "sectors": {"Southgate Council": "local_government"}})
    report = import_file(engine, write(tmp_path / "p.csv", TWO), mapping)
    assert report.accepted, report.text()
    note = (
        "2 new organisations created with sector 'other': name them under [sectors] to set their sector: "
        '"Northfield Police", "Acme Ltd"'
    )
    assert f"note: {note}" in report.text()
    with engine.connect() as conn:
        sectors = dict(conn.execute(select(Organisation.name, Organisation.sector)).all())
    assert sectors == {
        "Northfield Police": "other",
        "Acme Ltd": "other",
        "Southgate Council": "local_government",
    }
    # known now: a second file naming them says nothing more
    again = import_file(engine, write(tmp_path / "q.csv", TWO.replace("Safer", "Safe")), mapping)
    assert not any("sector 'other'" in n for n in again.notes), again.text()


# --- 5. partnership refusals name their fix ------------------------------------------------


def test_a_missing_start_date_and_an_unknown_area_name_their_fix(lite, tmp_path):
    engine, _ = lite
    text = (
        "code,name,start,areas\n"
        "P1,Safer North,,Northfield\n"
        "P2,Safer Docks,2020-01-01,Docklands\n"
        "P3,Safer South,2021-01-01,Southgate\n"
    )
    report = import_file(engine, write(tmp_path / "p.csv", text), parse_mapping(PARTNERSHIPS))
    start, area = report.problems
    assert start.rule == "required: start date"
    assert 'leave rows without one out with [rows] present = ["start"]' in start.suggestion
    assert '[constants] start_date = "YYYY-MM-DD"' in start.suggestion
    assert area.rule == "unknown area"
    assert area.suggestion.endswith('or leave its rows out with [skip] area = ["Docklands"]')
    # the fixes work: the row without a date is left out, and the unknown area's row too
    fixed = {**PARTNERSHIPS, "rows": {"present": ["start"]}, "skip": {"area": ["Docklands"]}}
    done = import_file(engine, write(tmp_path / "q.csv", text), parse_mapping(fixed))
    assert (done.accepted, done.inserted, done.skipped_on_purpose) == (True, 1, 2), done.text()


# --- 6. the command's KIND fills in the mapping's --------------------------------------------


def test_a_mapping_without_kind_takes_the_kind_it_is_imported_as(lite, tmp_path):
    engine, path = lite
    mapping = write(tmp_path / "m.toml", '[columns]\nstart_date = "start"\n')
    assert load_mapping(mapping, "partnerships").kind == "partnerships"
    result = CliRunner().invoke(
        main,
        ["import", "partnerships", str(write(tmp_path / "p.csv", TWO)), "--mapping", str(mapping)]
        + ["--database-url", f"sqlite:///{path}"],
    )
    assert result.exit_code == 0, result.output
    assert "2 inserted" in result.output


def test_a_mapping_for_another_kind_is_refused_naming_both():
    (problem,) = _refusal({"kind": "crime"}, kind="partnerships")
    assert str(problem) == (
        "mapping, key 'kind', value 'crime': the mapping is for 'crime', but the file is imported as "
        "'partnerships' (import it as crime, or set kind = \"partnerships\" in the mapping)"
    )


def test_a_mapping_problem_reads_as_one():
    (problem,) = _refusal({})
    assert str(problem).startswith("mapping, key 'kind', value 'None': kind must be one of areas, ")


# --- 7. [groups] names its words ------------------------------------------------------------


def test_an_unmapped_offence_names_every_group_word(lite, tmp_path):
    engine, _ = lite
    text = "id,date,area,offence\n1,2020-01-05,Northfield,CRIMINAL DAMAGE\n"
    mapping = parse_mapping(
        {
            "kind": "crime",
            "source": "t",
            "columns": {"source_id": "id", "occurred": "date", "category": "offence"},
        }
    )
    (problem,) = import_file(engine, write(tmp_path / "c.csv", text), mapping).problems
    assert (
        problem.suggestion
        == 'add "CRIMINAL DAMAGE" = "violent" (or "property", "asb", "other") under [groups]'
    )
