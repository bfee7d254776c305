"""Hostile files, beyond the basic ones in test_import: text that would run as a formula in
any kind, files built to exhaust memory, and every way a file or a database can fail, each
with its own message, nothing written and the refusal in the audit log."""

from __future__ import annotations

import gzip
import io
import json
import pickle
import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import event, select

from cli import main
from db.audit import Actor, events
from db.engine import make_engine
from db.importing import child
from db.importing.limits import DEFAULT, Limits
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


# --- files that cannot be read: each its own message, naming the line ------------------------

HEADER = "id,date,area,offence\n"
ROW = "1,03/01/2024,Northfield,Assault\n"


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def numbered(rows: int) -> bytes:
    """A clean crime file of `rows` rows with distinct ids."""
    return (HEADER + "".join(f"{i},03/01/2024,Northfield,Assault\n" for i in range(rows))).encode()


def bad_rows_gz(rows: int) -> bytes:
    """A small .gz of `rows` identical bad rows (the probe's bomb held ten million)."""
    body = io.BytesIO()
    with gzip.GzipFile(fileobj=body, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(HEADER.encode())
        line = b"x,not a date,Nowhere,Unknown\n"
        block = line * 10_000
        for _ in range(rows // 10_000):
            f.write(block)
        f.write(line * (rows % 10_000))
    return body.getvalue()


def xlsx_bomb(sheet_bytes: int) -> bytes:
    """A workbook whose one sheet is `sheet_bytes` of repeated rows, compressed to a sliver."""
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", "<Types/>")  # the sizes are refused before any is read
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            block = (row * 1000).encode()
            for _ in range(sheet_bytes // len(block)):
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return body.getvalue()


def shared_strings(count: int) -> bytes:
    """A workbook whose table of text values holds `count` distinct strings (openpyxl reads
    that table whole, however little of it the sheet uses)."""
    body = io.BytesIO()
    with zipfile.ZipFile(body, "w", zipfile.ZIP_DEFLATED) as book:
        strings = "".join(f"<si><t>text {i}</t></si>" for i in range(count))
        book.writestr("xl/sharedStrings.xml", f"<sst>{strings}</sst>")
    return body.getvalue()


def long_line(chars: int) -> bytes:
    """A header, then one line of `chars` characters and no line break (the probe's was 1 GB)."""
    return (HEADER + "1,03/01/2024,").encode() + b"x" * chars


UNREADABLE = [
    pytest.param(
        "stray.csv",
        (HEADER + "1,03/01/2024,North").encode() + b"\x81field,Assault\n",
        {},
        DEFAULT,
        (2, "(line)", "byte 0x81 at byte offset 39 is neither UTF-8 nor cp1252"),
        id="stray-byte",
    ),
    pytest.param(
        "declared.csv",
        (HEADER + ROW + "2,03/01/2024,South").encode() + b"\xffgate,Theft\n",
        {"encoding": "utf-8"},
        DEFAULT,
        (3, "(line)", "byte 0xff at byte offset 71 is not valid utf-8, the mapping's encoding"),
        id="byte-not-in-declared-encoding",
    ),
    pytest.param(
        "plain.csv.gz",
        (HEADER + ROW).encode(),
        {},
        DEFAULT,
        (0, "(file)", "not a gzip file, though its name ends in .gz"),
        id="not-gzip",
    ),
    pytest.param(
        "cut.csv.gz",
        gzipped((HEADER + "".join(f"{i},03/01/2024,Northfield,Assault\n" for i in range(2000))).encode())[
            :-100
        ],
        {},
        DEFAULT,
        (0, "(file)", "the .gz file is truncated: it ends before its compressed data does"),
        id="truncated-gzip",
    ),
    pytest.param(
        "wide.csv",
        (HEADER + ROW).encode("utf-16-le"),
        {},
        DEFAULT,
        (1, "(file)", "the file looks like UTF-16 or UTF-32 without a byte-order mark"),
        id="utf16-without-bom",
    ),
    pytest.param(
        "line.csv",
        long_line(50_000),
        {},
        Limits(line_chars=10_000),
        (2, "area", "line longer than the limit of 10,000 characters"),
        id="long-line",
    ),
    pytest.param(
        "cell.csv",
        (HEADER + '1,03/01/2024,"' + "x" * 999 + "\n" + ("y" * 999 + "\n") * 10 + '",Assault\n').encode(),
        {},
        Limits(cell_chars=5_000),
        (7, "(a quoted cell)", "a cell longer than the limit of 5,000 characters"),  # where it passes it
        id="huge-cell",
    ),
    pytest.param(
        "bomb.csv.gz",
        bad_rows_gz(200_000),
        {},
        Limits(ratio_floor=1_000_000),
        (0, "(file)", "the .gz file decompresses to more than 100 times its size"),
        id="gzip-ratio",
    ),
    pytest.param(
        "big.csv.gz",
        gzipped(numbered(50_000)),
        {},
        Limits(expanded_bytes=1_000_000, ratio_floor=100_000),
        (0, "(file)", "the .gz file decompresses to more than 1 MB, the limit for one import"),
        id="gzip-size",
    ),
    pytest.param(
        "bomb.xlsx",
        xlsx_bomb(5_000_000),
        {},
        Limits(ratio_floor=1_000_000),
        (0, "(file)", "the workbook decompresses to more than 100 times its size"),
        id="xlsx-bomb",
    ),
    pytest.param(
        "strings.xlsx",
        shared_strings(10_000),
        {},
        Limits(shared_strings_bytes=100_000),
        (0, "(file)", "the workbook's table of text values decompresses to more than 100,000 bytes"),
        id="xlsx-shared-strings",
    ),
]


@pytest.mark.parametrize(("name", "content", "extra", "limits", "where"), UNREADABLE)
def test_a_file_that_cannot_be_read_gets_its_own_message(lite, tmp_path, name, content, extra, limits, where):
    engine, path = lite
    before = data_sha(path)
    (tmp_path / name).write_bytes(content)
    report = import_file(engine, tmp_path / name, parse_mapping({**CRIME, **extra}), limits=limits)
    assert not report.accepted
    problem = report.problems[0]
    assert (problem.line, problem.column) == where[:2], str(problem)
    assert problem.rule.startswith(where[2]), str(problem)
    assert report.problem_count == 1
    assert data_sha(path) == before
    with engine.connect() as conn:
        newest = events(conn, limit=1)[0]
    assert newest[3:6] == ("import", f"crime: {name}", "refused")


def test_a_stray_byte_says_which_encoding_to_set(lite, tmp_path):
    engine, _ = lite
    (tmp_path / "stray.csv").write_bytes((HEADER + "1,03/01/2024,North").encode() + b"\x81field,Assault\n")
    problem = import_file(engine, tmp_path / "stray.csv", parse_mapping(CRIME)).problems[0]
    assert problem.value == "0x81"
    assert 'set encoding in the mapping to the one the file was saved in, e.g. encoding = "latin-1"' == (
        problem.suggestion
    )


def test_utf16_and_utf32_with_a_byte_order_mark_are_read(lite, tmp_path):
    engine, _ = lite
    for number, encoding in enumerate(("utf-16", "utf-32"), start=1):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes((HEADER + ROW.replace("1,", f"{number},", 1)).encode(encoding))
        report = import_file(engine, path, parse_mapping(CRIME))
        assert report.accepted, report.text()
        assert report.inserted == 1


def test_a_small_workbook_passes_the_zip_checks(lite, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    for row in (HEADER + ROW).splitlines():
        book.active.append(row.split(","))
    book.save(tmp_path / "fine.xlsx")
    report = import_file(lite[0], tmp_path / "fine.xlsx", parse_mapping(CRIME))
    assert report.accepted, report.text()


@pytest.mark.parametrize(
    ("key", "value", "rule"),
    [
        ("encoding", "rot13", "mapping: encoding is not a text encoding Python knows"),
        ("encoding", "klingon", "mapping: encoding is not a text encoding Python knows"),
        ("delimiter", "||", "mapping: delimiter must be one character"),
        ("delimiter", "", "mapping: delimiter must be one character"),
    ],
)
def test_a_mapping_that_cannot_read_any_file_is_refused_by_name(key, value, rule):
    with pytest.raises(ImportRefused) as refused:
        parse_mapping({**CRIME, key: value})
    problem = refused.value.problems[0]
    assert (problem.column, problem.value) == (key, value)
    assert problem.rule.startswith(rule)


# --- many problems: the first 1,000 kept, every one counted -----------------------------------


def test_ten_thousand_bad_rows_keep_a_thousand_problems_and_exact_counts(lite, tmp_path):
    engine, _ = lite
    rows = "".join(f"{i},2024-99-99,Nowhere,Assault\n" for i in range(5_000))
    report = refused_and_unchanged(lite, tmp_path, "bad.csv", HEADER + rows, CRIME)
    assert report.problem_count == 10_000
    assert len(report.problems) == 1_000
    assert report.summary() == {"unknown area": 5_000, "date does not match '%d/%m/%Y'": 5_000}
    text = report.text()
    assert text.startswith("REFUSED bad.csv: 10,000 problem(s); nothing was written.")
    assert "  5,000 x unknown area" in text
    assert "The first 1,000 of 10,000 problems are kept and listed" in text
    with engine.connect() as conn:
        assert events(conn, limit=1)[0][6].startswith("refused: 10000 problem(s) (")
    again = pickle.loads(pickle.dumps(report))  # noqa: S301 - our own report, as it comes back from the Data page's child
    assert (again.problem_count, len(again.problems), again.summary()) == (10_000, 1_000, report.summary())


def test_a_huge_value_is_kept_shortened(lite, tmp_path):
    report = refused_and_unchanged(
        lite, tmp_path, "long.csv", HEADER + f"1,03/01/2024,{'N' * 500_000},Assault\n", CRIME
    )
    assert len(report.problems[0].value) <= 203
    assert len(report.text()) < 2_000


# --- the database refuses the write: said so, not "is it running?" -----------------------------


def _engine_with(path: Path, pragma: str):
    engine = make_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", lambda conn, _record: conn.execute(pragma))
    return engine


def test_a_read_only_database_says_so(lite, tmp_path):
    _, path = lite
    before = data_sha(path)
    engine = _engine_with(path, "PRAGMA query_only = ON")  # SQLite's own read-only refusal
    report = import_file(engine, write(tmp_path / "good.csv", HEADER + ROW), parse_mapping(CRIME))
    engine.dispose()
    assert [p.column for p in report.problems] == ["(database)", "(audit log)"]
    assert report.problems[0].rule.startswith("the database is read-only, so nothing was written")
    assert "readonly" in report.problems[0].value
    assert report.problems[1].rule == "the refusal could not be recorded in the audit log"
    assert data_sha(path) == before


def test_a_full_database_says_so(lite, tmp_path):
    """SQLite answers a full disk and a database at its max_page_count with the same error
    (SQLITE_FULL); the page count is the limit a test can set without root."""
    _, path = lite
    before = data_sha(path)
    with sqlite3.connect(path) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    engine = _engine_with(path, f"PRAGMA max_page_count = {pages + 1}")
    rows = "".join(f"{i},03/01/2024,Northfield,Assault\n" for i in range(20_000))
    report = import_file(engine, write(tmp_path / "many.csv", HEADER + rows), parse_mapping(CRIME))
    engine.dispose()
    assert report.problems[0].column == "(database)"
    assert report.problems[0].rule == (
        "the database's disk is full, so nothing was written; free some space and import again"
    )
    assert data_sha(path) == before


# --- PostgreSQL: text it cannot store is refused before any write, as on SQLite ----------------

TOO_LONG = [
    pytest.param("organisations", "name,sector\n" + "O" * 5_000 + ",police\n", "name", "200", id="name"),
    pytest.param(
        "events",
        "occurred_on,kind,label\n2024-01-01,other," + "L" * 100_000 + "\n",
        "label",
        "200",
        id="label",
    ),
    pytest.param("organisations", "name,sector\nNul\x00Shop,business\n", "name", None, id="nul-byte"),
]


@pytest.mark.parametrize(("kind", "text", "column", "limit"), TOO_LONG)
def test_text_the_database_cannot_store_is_refused_at_validation(engine, tmp_path, kind, text, column, limit):
    report = import_file(engine, write(tmp_path / "long.csv", text), parse_mapping({"kind": kind}))
    problem = report.problems[0]
    assert (problem.line, problem.column) == (2, column)
    if limit:
        assert problem.rule.startswith(f"longer than the column's limit of {limit} characters")
    else:
        assert problem.rule == "text holding a NUL byte (\\x00), which a database cannot store"
    with engine.connect() as conn:
        newest = events(conn, limit=1)[0]
    assert newest[3:6] == ("import", f"{kind}: long.csv", "refused")


# --- the Data page's child process: a file past the memory limit costs the child, not the server --


def test_an_import_past_the_memory_limit_stops_in_its_child_and_says_so(lite, tmp_path):
    """A 36 MB GeoJSON (read whole, under its own size limit) needs more than 600 MB of
    address space: the child stops, the database is unchanged and the refusal is on record."""
    engine, path = lite
    before = data_sha(path)
    features = [
        {"type": "Feature", "geometry": None, "properties": {"code": f"A{i}", "name": f"Area {i}"}}
        for i in range(300_000)
    ]
    source = tmp_path / "areas.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    task = child.Task(
        "import",
        f"sqlite:///{path}",
        source,
        parse_mapping({"kind": "areas", "constants": {"kind": "neighbourhood"}}),
        actor=Actor("it@dept.example", "admin"),
        limits=Limits(memory_bytes=600_000_000),
    )
    with pytest.raises(child.ChildFailed, match="memory limit of 600 MB") as failed:
        child.run(task)
    assert str(failed.value).endswith("nothing was written")
    assert data_sha(path) == before
    with engine.connect() as conn:
        newest = events(conn, limit=1)[0]
    assert newest[1:6] == ("it@dept.example", "admin", "import", "areas: areas.geojson", "refused")
    assert "memory limit of 600 MB" in newest[6]


def test_the_child_hands_back_the_same_report_as_the_import_itself(lite, tmp_path):
    engine, path = lite
    source = write(tmp_path / "bad.csv", HEADER + "1,03/01/2024,Nowhere,Assault\n")
    task = child.Task("import", f"sqlite:///{path}", source, parse_mapping(CRIME), dry_run=True)
    report = child.run(child.Task(**{**task.__dict__, "actor": Actor("it@dept.example", "admin")}))
    assert report.text() == import_file(engine, source, parse_mapping(CRIME), dry_run=True).text()
    with pytest.raises(ImportRefused, match="the file is empty"):
        child.run(child.Task("preview", "", write(tmp_path / "empty.csv", ""), parse_mapping(CRIME)))


# --- the command line: the same messages, no traceback, no "Aborted!" --------------------------

CLI_CASES = [
    pytest.param(
        "stray.csv",
        (HEADER + "1,03/01/2024,North").encode() + b"\x81field,Assault\n",
        "",
        "line 2, column '(line)', value '0x81': byte 0x81 at byte offset 39 is neither UTF-8 nor cp1252",
        id="stray-byte",
    ),
    pytest.param(
        "cut.csv.gz",
        gzipped(numbered(2_000))[:-100],
        "",
        "the .gz file is truncated: it ends before its compressed data does",
        id="truncated-gzip",
    ),
    pytest.param(
        "plain.csv.gz", numbered(3), "", "not a gzip file, though its name ends in .gz", id="not-gzip"
    ),
    pytest.param(
        "fine.csv",
        numbered(3),
        'encoding = "rot13"\n',
        "encoding is not a text encoding Python knows",
        id="rot13",
    ),
    pytest.param(
        "fine.csv", numbered(3), 'delimiter = "||"\n', "delimiter must be one character", id="two-characters"
    ),
]


@pytest.mark.parametrize(("name", "content", "extra", "said"), CLI_CASES)
def test_the_command_line_says_what_is_wrong(lite, tmp_path, name, content, extra, said):
    _, path = lite
    before = data_sha(path)
    (tmp_path / name).write_bytes(content)
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        f'kind = "crime"\nsource = "test"\ndate_format = "%d/%m/%Y"\n{extra}'
        '[columns]\narea = "area"\ncategory = "offence"\noccurred = "date"\nsource_id = "id"\n'
        '[groups]\nAssault = "violent"\n'
    )
    arguments = ["import", "crime", str(tmp_path / name), "--mapping", str(mapping)]
    run = CliRunner().invoke(main, [*arguments, "--database-url", f"sqlite:///{path}"])
    assert run.exit_code == 1, run.output
    assert said in run.output
    for wrong in ("Traceback", "Aborted!", "is it running and reachable?"):
        assert wrong not in run.output
    assert run.exception is None or isinstance(run.exception, SystemExit)
    assert data_sha(path) == before


def test_three_hundred_identical_rows_kept_as_separate_incidents(lite, tmp_path):
    """duplicates = "keep" on an id-less file: the 256th copy of a row crashed the import
    (an id suffix was one byte); every copy is an incident."""
    engine, _ = lite
    mapping = {**CRIME, "duplicates": "keep", "columns": {**CRIME["columns"]}}
    del mapping["columns"]["source_id"]
    text = "date,area,offence\n" + "03/01/2024,Northfield,Assault\n" * 300
    report = import_file(engine, write(tmp_path / "same.csv", text), parse_mapping(mapping))
    assert report.accepted, report.text()
    assert report.inserted == 300
