"""Mappings checked like code (issue 18, item 5): an unknown key anywhere is refused with
the closest known one; [values] works for every field of every kind, lists included; the
list separator is configurable and respects brackets and quotes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from db.importing import records
from db.importing.mapping import FIELDS, KINDS, KNOWN_KEYS, load_mapping, parse_mapping
from db.importing.partnerships import split_list
from db.importing.report import ImportRefused
from db.importing.run import import_file
from db.models import Area, CrimeIncident, Organisation, Partnership, PartnershipArea, PartnershipMember
from tests.conftest import ROOT
from tests.db.conftest import write

PARTNERSHIPS = {"kind": "partnerships", "date_format": "%Y-%m-%d"}


def _refusal(data: dict) -> list:
    with pytest.raises(ImportRefused) as refused:
        parse_mapping(data)
    return refused.value.problems


@pytest.mark.parametrize(
    ("data", "where", "said"),
    [
        (
            {"kind": "partnerships", "descripton": "x"},
            "descripton",
            "unknown key 'descripton' — did you mean 'description'?",
        ),
        (
            {"kind": "partnerships", "columns": {"descripton": "program"}},
            "[columns].descripton",
            "unknown key 'descripton' in [columns] — did you mean 'description'?",
        ),
        (
            {"kind": "partnerships", "columns": {"goal": "source_note"}},
            "[columns].goal",
            "unknown key 'goal' in [columns] — did you mean 'goals'?",
        ),
        (
            {"kind": "initiatives", "constants": {"goals": "fewer burglaries"}},
            "[constants].goals",
            "unknown key 'goals' in [constants] — did you mean 'goal'?",
        ),
        ({"kind": "crime", "rows": {"keep_whn": "x = 1"}}, "[rows].keep_whn", "did you mean 'keep_when'?"),
        ({"kind": "crime", "skip": {"areas": ["X"]}}, "[skip].areas", "did you mean 'area'?"),
        ({"kind": "crime", "date_parts": {"yaer": "Y"}}, "date_parts.yaer", "did you mean 'year'?"),
        (
            {"kind": "survey_responses", "items": {"Q1": {"cod": "TRUST"}}},
            "[items.Q1].cod",
            "did you mean 'code'?",
        ),
        (
            {"kind": "crime", "values": {"areas": {"N": "Northfield"}}},
            "[values].areas",
            "did you mean 'area'?",
        ),
        ({"kind": "partnerships", "values": {"sector": {"x": "y"}}}, "[values].sector", "in [values]"),
    ],
)
def test_an_unknown_key_anywhere_is_refused_with_the_closest_known_one(data, where, said):
    problem = _refusal(data)[0]
    assert problem.column == where
    assert said in problem.rule


def test_every_typo_is_listed_at_once_with_what_the_section_takes():
    problems = _refusal({"kind": "partnerships", "columns": {"goal": "a", "membres": "b"}})
    assert [p.column for p in problems] == ["[columns].goal", "[columns].membres"]
    assert "did you mean 'members'?" in problems[1].rule
    assert problems[1].suggestion == (
        "partnerships reads the fields: code, name, description, goals, start_date, end_date, status, "
        "areas, members, equity_dimension, equity_group, equity_reference"
    )


def test_a_skip_list_written_as_one_text_is_refused_rather_than_read_letter_by_letter():
    problem = _refusal({"kind": "crime", "skip": {"area": "Heathrow"}})[0]
    assert (problem.column, problem.rule) == (
        "[skip].area",
        'mapping: [skip] area is a list of values, e.g. area = ["..."]',
    )


def test_a_key_for_another_kind_is_refused_rather_than_ignored():
    problem = _refusal({"kind": "crime", "statistic": "share"})[0]
    assert problem.rule == "mapping: statistic is read only for survey_aggregates, not crime"
    assert _refusal({"kind": "crime", "constants": {"area": "Northfield"}})[0].suggestion == (
        "crime reads the fields: category, group"
    )


def test_a_typo_in_a_toml_file_fails_the_dry_run_before_any_row_is_read(tmp_path):
    mapping = write(tmp_path / "m.toml", 'kind = "partnerships"\n[columns]\ncode = "id"\ngoal = "aims"\n')
    with pytest.raises(ImportRefused, match="did you mean 'goals'"):
        load_mapping(mapping)


def test_the_id_policies_of_other_helpers_are_known_keys():
    mapping = parse_mapping({"kind": "crime", "repeated_ids": "sum", "blank_ids": "fingerprint"})
    assert (mapping.repeated_ids, mapping.blank_ids) == ("sum", "fingerprint")
    assert (
        "repeated_ids must be refuse, sum or first"
        in _refusal({"kind": "crime", "repeated_ids": "add"})[0].rule
    )


def test_the_fields_table_is_what_the_records_kinds_read_and_what_the_docs_list():
    for kind, spec in records.SPECS.items():
        assert FIELDS[kind] == tuple(f.name for f in spec.fields), kind
    docs = (ROOT / "docs" / "importing.md").read_text()
    for kind in KINDS:
        row = re.search(rf"^\| `{kind}` \|[^|]*\|([^|]*)\|", docs, flags=re.M)
        assert row, kind
        for name in FIELDS[kind]:
            assert re.search(rf"\b{name}\b", row.group(1)), f"docs/importing.md does not list {kind}.{name}"
    # and each kind's own module reads each of its fields by name
    for kind in ("areas", "partnerships", "crime", "survey_aggregates", "survey_responses"):
        source = (ROOT / "db" / "importing" / f"{kind}.py").read_text()
        if kind == "partnerships":
            continue  # reads FIELDS["partnerships"] itself
        for name in FIELDS[kind]:
            assert f'"{name}"' in source or f"'{name}'" in source, f"{kind}.py does not read {name}"


def test_every_key_is_documented_in_the_mapping_docstring_and_the_new_ones_in_the_docs():
    from db.importing import mapping

    for key in KNOWN_KEYS:
        assert re.search(rf"^\s*\[?{key}\b", mapping.__doc__, flags=re.M), (
            f"mapping.py does not document {key}"
        )
    docs = (ROOT / "docs" / "importing.md").read_text()
    for key in ("list_separator", "keep_when", "skip_when", "repeated_ids", "blank_ids", "[values", "[rows]"):
        assert key in mapping.__doc__, key
        assert key in docs, key


# --- [values] for every kind, list fields included ----------------------------------------


def test_values_translate_each_area_and_member_of_a_partnership(engine, tmp_path):
    with engine.begin() as conn:
        conn.execute(Area.__table__.insert(), [{"code": "N", "name": "Northfield", "kind": "neighbourhood"}])
        conn.execute(Area.__table__.insert(), [{"code": "S", "name": "Southgate", "kind": "neighbourhood"}])
    text = (
        "code,name,start,areas,members,state\n"
        'P1,Safer North,2020-01-01,North F; South G,"NPD; Acme Ltd (formerly A; B)",Running\n'
    )
    mapping = parse_mapping(
        {
            **PARTNERSHIPS,
            "columns": {"start_date": "start", "status": "state"},
            "values": {
                "areas": {"North F": "Northfield", "South G": "S"},
                "members": {"NPD": "Northfield Police Department"},
                "status": {"Running": "active"},
            },
        }
    )
    report = import_file(engine, write(tmp_path / "p.csv", text), mapping)
    assert report.accepted, report.text()
    with engine.connect() as conn:
        areas = conn.execute(
            select(Area.name).join(PartnershipArea, PartnershipArea.area_id == Area.id).order_by(Area.name)
        ).scalars()
        members = conn.execute(
            select(Organisation.name)
            .join(PartnershipMember, PartnershipMember.organisation_id == Organisation.id)
            .order_by(Organisation.name)
        ).scalars()
        status = conn.execute(select(Partnership.status)).scalar_one()
        assert list(areas) == ["Northfield", "Southgate"]
        assert list(members) == ["Acme Ltd (formerly A; B)", "Northfield Police Department"]
    assert status == "active"


def test_values_translate_fields_of_areas_and_crime(lite, tmp_path):
    engine, _ = lite
    areas = parse_mapping({"kind": "areas", "values": {"kind": {"Ward": "neighbourhood"}}})
    report = import_file(engine, write(tmp_path / "a.csv", "code,name,kind\nE1,Eastwick,Ward\n"), areas)
    assert report.accepted, report.text()
    crime = parse_mapping(
        {
            "kind": "crime",
            "source": "t",
            "columns": {"source_id": "id", "occurred": "date"},
            "values": {"area": {"N'field": "Northfield"}, "category": {"ABH": "Assault"}},
            "groups": {"Assault": "violent"},
        }
    )
    text = "id,date,area,category\n1,2024-01-03,N'field,ABH\n"
    report = import_file(engine, write(tmp_path / "c.csv", text), crime)
    assert report.accepted, report.text()
    with engine.connect() as conn:
        assert conn.execute(select(Area.kind).where(Area.code == "E1")).scalar_one() == "neighbourhood"
        assert (
            conn.execute(select(CrimeIncident.area_id)).scalar_one()
            == conn.execute(select(Area.id).where(Area.name == "Northfield")).scalar_one()
        )


def test_values_for_a_column_the_file_lacks_are_refused_not_silently_skipped(lite, tmp_path):
    engine, _ = lite
    mapping = parse_mapping({"kind": "areas", "values": {"parent": {"N": "Northfield"}}})
    report = import_file(engine, write(tmp_path / "a.csv", "code,name,kind\nE1,Eastwick,ward\n"), mapping)
    assert [(p.column, p.rule) for p in report.problems] == [
        ("parent", "[values.parent] translates the column 'parent', which is not in the file")
    ]


def test_a_choice_the_kind_refuses_names_the_values_line_that_fixes_it(lite, tmp_path):
    engine, _ = lite
    text = "name,sector\nSt Mary's,Faith group\n"
    report = import_file(engine, write(tmp_path / "o.csv", text), parse_mapping({"kind": "organisations"}))
    assert (
        'translate it in the mapping: [values.sector] "Faith group" = "faith"'
        in report.problems[0].suggestion
    )


# --- lists: the separator, brackets and quotes ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "separator", "parts"),
    [
        ("Acme Ltd (formerly A; B); NPD", ";", ["Acme Ltd (formerly A; B)", "NPD"]),
        ('"Smith; Jones LLP"; Acme', ";", ["Smith; Jones LLP", "Acme"]),
        ("North [see note; 2]; South", ";", ["North [see note; 2]", "South"]),
        ("A | B (x | y) | C", "|", ["A", "B (x | y)", "C"]),
        ("A; B", "|", ["A; B"]),
        ("Mayor's Office; NPD;;", ";", ["Mayor's Office", "NPD"]),
    ],
)
def test_a_list_splits_outside_brackets_and_quotes(text, separator, parts):
    assert split_list(text, separator) == (parts, "")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Acme (formerly A; B", "a list with an unclosed bracket (no ')')"),
        ('"Smith; Jones', "a list with an unclosed double quote"),
        ("Acme) Ltd; B", "a list with ')' closing a bracket it did not open"),
    ],
)
def test_an_unclosed_bracket_or_quote_is_refused_rather_than_guessed(text, rule):
    assert split_list(text) == ([], rule)


def test_the_list_separator_is_read_from_the_mapping(engine, tmp_path):
    with engine.begin() as conn:
        conn.execute(Area.__table__.insert(), [{"code": "N", "name": "Northfield", "kind": "neighbourhood"}])
    text = "code,name,start_date,members,areas\nP1,Safer North,2020-01-01,A; B Ltd | C,Northfield\n"
    mapping = parse_mapping({**PARTNERSHIPS, "list_separator": "|"})
    assert import_file(engine, write(tmp_path / "p.csv", text), mapping).accepted
    with engine.connect() as conn:
        assert sorted(conn.execute(select(Organisation.name)).scalars()) == ["A; B Ltd", "C"]
    bad = "code,name,start_date,members,areas\nP2,Other,2020-01-01,Acme (formerly A,Northfield\n"
    refused = import_file(engine, write(tmp_path / "bad.csv", bad), mapping)
    assert [(p.column, p.rule) for p in refused.problems] == [
        ("members", "a list with an unclosed bracket (no ')')")
    ]
    assert _refusal({**PARTNERSHIPS, "list_separator": "("})[0].column == "list_separator"
