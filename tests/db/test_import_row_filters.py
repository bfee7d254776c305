"""Row filters in mappings (issue 18, item 3): [rows] keep_when and skip_when leave rows out
by value, counted in the report by rule, in dry runs too; a malformed rule is refused when
the mapping is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.importing.mapping import load_mapping, parse_mapping
from db.importing.report import ImportRefused
from db.importing.run import import_file, preview
from db.models import CrimeIncident, CrimeMonthly
from tests.db.conftest import data_sha, write

CRIME = {
    "kind": "crime",
    "source": "test",
    "date_format": "%d/%m/%Y",
    "columns": {"area": "area", "category": "offence", "occurred": "date", "source_id": "id"},
    "groups": {"Assault": "violent", "Theft": "property"},
}
KEEP_FROM_1990 = ["occurred >= 1990-01-01"]


def _left_out(report) -> list[str]:
    """The report's notes on rows the filters left out (the coverage notes come after them)."""
    return [note for note in report.notes if " left out by " in note]


def _old_and_good(tmp_path: Path) -> Path:
    """A clean incident file (ids: the quick way in) with 21 rows dated 1985 among 200 good ones."""
    rows = [f"{i},{1 + i % 28:02d}/{1 + i % 12:02d}/2020,Northfield,Assault" for i in range(200)]
    rows += [f"old{i},{1 + i:02d}/06/1985,Southgate,Theft" for i in range(21)]
    return write(tmp_path / "incidents.csv", "id,date,area,offence\n" + "\n".join(rows) + "\n")


def test_old_rows_refuse_a_file_and_the_refusal_names_the_keep_when_line(lite, tmp_path):
    engine, path = lite
    before = data_sha(path)
    report = import_file(engine, _old_and_good(tmp_path), parse_mapping(CRIME))
    assert report.summary() == {"date outside 1990-01-01 to today": 21}
    assert '[rows] keep_when = ["occurred >= 1990-01-01"]' in report.problems[0].suggestion
    assert data_sha(path) == before


def test_with_keep_when_the_file_imports_and_the_report_counts_the_21_rows_by_rule(lite, tmp_path):
    engine, _ = lite
    mapping = parse_mapping({**CRIME, "rows": {"keep_when": KEEP_FROM_1990}})
    checked = import_file(engine, _old_and_good(tmp_path), mapping, dry_run=True)
    assert checked.accepted, checked.text()
    assert "21 rows left out by keep_when occurred >= 1990-01-01" in checked.text()  # a dry run says so too
    report = import_file(engine, _old_and_good(tmp_path), mapping)
    assert report.accepted, report.text()
    assert (report.rows_read, report.inserted, report.skipped_on_purpose) == (221, 200, 21)
    assert "221 rows read, 200 inserted" in report.text()
    assert "note: 21 rows left out by keep_when occurred >= 1990-01-01" in report.text()
    with engine.connect() as conn:
        assert conn.execute(select(func.min(CrimeIncident.occurred_on))).scalar_one().year == 2020
        assert conn.execute(select(func.sum(CrimeMonthly.count))).scalar_one() == 200


def test_a_keep_when_string_read_from_a_toml_file_compares_dates_in_the_mappings_format(lite, tmp_path):
    engine, _ = lite
    toml = tmp_path / "mapping.toml"
    toml.write_text(
        'kind = "crime"\nsource = "test"\ndate_format = "%d/%m/%Y"\n'
        '[columns]\narea = "area"\ncategory = "offence"\noccurred = "date"\nsource_id = "id"\n'
        '[groups]\nAssault = "violent"\nTheft = "property"\n'
        '[rows]\nkeep_when = "occurred >= 2014-01-01"\n',
        encoding="utf-8",
    )
    # 31/12/2013 is before 2014-01-01 as a date, though "31" sorts after "01" as text
    text = "id,date,area,offence\n1,31/12/2013,Northfield,Assault\n2,01/01/2014,Northfield,Assault\n"
    report = import_file(engine, write(tmp_path / "c.csv", text), load_mapping(toml))
    assert report.accepted, report.text()
    assert (report.inserted, report.skipped_on_purpose) == (1, 1)
    assert _left_out(report) == ["1 row left out by keep_when occurred >= 2014-01-01"]


def test_skip_when_counts_each_rule_and_compares_text_numbers_and_blanks(lite, tmp_path):
    engine, _ = lite
    text = (
        "id,date,area,offence,Location,victims,note\n"
        "1,03/01/2024,Northfield,Assault,High St,1,\n"
        "2,03/01/2024,Northfield,Assault,No location,1,\n"
        "3,03/01/2024,Southgate,Theft,NO LOCATION,1,\n"
        "4,03/01/2024,Southgate,Theft,Mill Rd,12,\n"
        "5,03/01/2024,Southgate,Theft,Mill Rd,2,test row\n"
    )
    rules = ['Location = "No location"', "victims > 10", "note is not blank"]
    mapping = parse_mapping({**CRIME, "rows": {"skip_when": rules}})
    report = import_file(engine, write(tmp_path / "c.csv", text), mapping)
    assert report.accepted, report.text()
    assert report.inserted == 1
    assert _left_out(report) == [
        '2 rows left out by skip_when Location = "No location"',
        "1 row left out by skip_when victims > 10",
        "1 row left out by skip_when note is not blank",
    ]


def test_a_row_a_rule_cannot_judge_is_kept_and_refused_by_its_kind(lite, tmp_path):
    """A date that is not a date is not silently filtered away: the import says what is wrong."""
    engine, _ = lite
    text = "id,date,area,offence\n1,03/01/2024,Northfield,Assault\n2,not a date,Northfield,Assault\n"
    mapping = parse_mapping({**CRIME, "rows": {"keep_when": KEEP_FROM_1990}})
    report = import_file(engine, write(tmp_path / "c.csv", text), mapping)
    assert [(p.line, p.value) for p in report.problems] == [(3, "not a date")]


def test_filters_work_with_present_and_blank_and_in_the_preview(lite, tmp_path):
    engine, _ = lite
    text = (
        "id,date,area,offence,kept\n1,03/01/2024,Northfield,Assault,y\n2,03/01/1980,Northfield,Assault,y\n"
        "3,03/01/2024,Northfield,Assault,\n"
    )
    mapping = parse_mapping({**CRIME, "rows": {"present": ["kept"], "keep_when": KEEP_FROM_1990}})
    header, rows = preview(write(tmp_path / "c.csv", text), mapping)
    assert [row["id"] for _line, row in rows] == ["1"]
    report = import_file(engine, tmp_path / "c.csv", mapping)
    assert _left_out(report) == [
        "1 row left out by [rows] present kept",
        "1 row left out by keep_when occurred >= 1990-01-01",
    ]


def test_a_date_split_over_columns_can_be_filtered_as_occurred(lite, tmp_path):
    engine, _ = lite
    text = "TYPE,YEAR,MONTH,DAY,AREA\nTheft,1985,6,1,Northfield\nTheft,2020,6,1,Northfield\n"
    mapping = parse_mapping(
        {
            "kind": "crime",
            "source": "split",
            "date_parts": {"year": "YEAR", "month": "MONTH", "day": "DAY"},
            "columns": {"category": "TYPE", "area": "AREA"},
            "groups": {"Theft": "property"},
            "rows": {"keep_when": "occurred >= 1990-01-01"},
        }
    )
    report = import_file(engine, write(tmp_path / "v.csv", text), mapping)
    assert report.accepted, report.text()
    assert (report.inserted, report.skipped_on_purpose) == (1, 1)


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ("occurred >> 2014-01-01", "[rows] keep_when rule 'occurred >> 2014-01-01' is not NAME OP VALUE"),
        ("occurred 2014-01-01", "[rows] keep_when rule 'occurred 2014-01-01' is not NAME OP VALUE"),
        ("Location < abc", "< compares dates (YYYY-MM-DD) or numbers, and 'abc' is neither"),
        ("occurred >= 2014-02-30", "'2014-02-30' is not a date"),
        ('Location = "No location', "a value in quotes must open and close with one"),
    ],
)
def test_a_malformed_rule_is_refused_when_the_mapping_is_loaded(rule, says):
    with pytest.raises(ImportRefused) as refused:
        parse_mapping({**CRIME, "rows": {"keep_when": [rule]}})
    problem = refused.value.problems[0]
    assert (problem.column, problem.value) == ("[rows].keep_when", rule)
    assert says in problem.rule
    assert "occurred >= 2014-01-01" in problem.suggestion  # how to write one


def test_a_rule_on_a_column_the_file_lacks_is_refused_with_the_closest_column(lite, tmp_path):
    engine, _ = lite
    mapping = parse_mapping({**CRIME, "rows": {"skip_when": ['Locaton = "No location"']}})
    text = "id,date,area,offence,Location\n1,03/01/2024,Northfield,Assault,x\n"
    report = import_file(engine, write(tmp_path / "c.csv", text), mapping)
    problem = report.problems[0]
    assert "'Locaton' is neither a column of the file nor a mapped field" in problem.rule
    assert problem.suggestion == "did you mean 'Location'?"
