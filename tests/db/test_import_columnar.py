"""The quick way in for clean incident files (db/importing/crime_columnar.py): it must
land exactly what the general, row-by-row way lands, and hand every file it does not
handle to the general way, which reports its problems with their lines."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.engine import make_engine
from db.importing import crime_columnar
from db.importing.mapping import parse_mapping
from db.importing.report import formula_like
from db.importing.run import import_file
from db.models import Area, CrimeIncident, CrimeMonthly, OffenceCategory
from tests.db.conftest import data_sha

MAPPING = {
    "kind": "crime",
    "source": "rms",
    "date_format": ["%d/%m/%Y", "%Y-%m-%d"],
    "columns": {"area": "area", "category": "offence", "occurred": "date", "source_id": "id"},
    "groups": {"Assault": "violent", "Theft": "property", "Robbery": "violent"},
    "area_aliases": {"North Field": "Northfield"},
}
AREA_SPELLINGS = {"Northfield": "N", "northfield ": "N", "North Field": "N", "Southgate": "S", "S": "S"}


def _areas(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            Area.__table__.insert(),
            [
                {"code": "N", "name": "Northfield", "kind": "neighbourhood"},
                {"code": "S", "name": "Southgate", "kind": "neighbourhood"},
            ],
        )


def _csv(
    rows: list[list[str]],
    header=("id", "date", "area", "offence"),
    delimiter: str = ",",
    newline: str = "\n",
    blank_after: frozenset[int] = frozenset(),
) -> str:
    """The rows as a CSV file, with blank lines after the rows numbered in `blank_after`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    for number, row in enumerate(rows):
        writer.writerow(row)
        if number in blank_after:
            out.write(newline)
    return out.getvalue()


def snapshot(engine) -> dict:
    """Everything an incident import writes, by natural keys (ids differ between runs)."""
    ci, cm, oc, area = CrimeIncident, CrimeMonthly, OffenceCategory, Area
    with engine.connect() as conn:
        incidents = conn.execute(
            select(
                ci.source,
                ci.source_id,
                ci.occurred_on,
                ci.occurred_month,
                area.code,
                oc.source_code,
                ci.count,
            )
            .join(area, area.id == ci.area_id)
            .join(oc, oc.id == ci.category_id)
        ).all()
        monthly = conn.execute(
            select(area.code, cm.month, oc.source_code, cm.count)
            .join(area, area.id == cm.area_id)
            .join(oc, oc.id == cm.category_id)
        ).all()
        categories = conn.execute(select(oc.source, oc.source_code, oc.crime_group)).all()
    return {
        "incidents": sorted(map(tuple, incidents)),
        "monthly": sorted(map(tuple, monthly)),
        "categories": sorted(map(tuple, categories)),
    }


def outcome(report) -> tuple:
    """What a person is told about an import."""
    return (
        report.accepted,
        report.rows_read,
        report.inserted,
        report.updated,
        report.skipped,
        report.duplicates_dropped,
        report.duplicates_kept,
        report.repeats,
        report.repeated_into,
        report.skipped_on_purpose,
        sorted(str(p) for p in report.problems),
        report.notes,
    )


def test_a_clean_incident_file_is_read_by_columns_and_lands_exactly(engine, tmp_path, monkeypatch):
    """Checked against the file read by hand, over many small blocks, on both databases."""
    monkeypatch.setattr(crime_columnar, "BLOCK_BYTES", 8 * 1024)  # about 30 blocks
    _areas(engine)
    spellings, offences = list(AREA_SPELLINGS), ["Assault", "Theft", "Robbery"]
    rows = [
        [
            f"R{i:05d}",
            f"{1 + i % 28:02d}/{1 + i % 12:02d}/{2019 + i % 5}" if i % 3 else f"2021-{1 + i % 12:02d}-15",
            spellings[i % len(spellings)],
            offences[(i // 7) % 3],
        ]
        for i in range(6000)
    ]
    path = tmp_path / "rms.csv"
    path.write_text(_csv(rows), encoding="utf-8-sig")  # with a byte-order mark, as Excel writes

    report = import_file(engine, path, parse_mapping(MAPPING))

    assert report.accepted, report.text()
    assert report.read_by_columns
    assert (report.rows_read, report.inserted) == (6000, 6000)
    expected, cells = [], Counter()
    for id_, text, area, offence in rows:
        fmt = "%d/%m/%Y" if "/" in text else "%Y-%m-%d"
        day = datetime.strptime(text, fmt).date()
        month = day.replace(day=1)
        expected.append(("rms", id_, day, month, AREA_SPELLINGS[area], offence, 1))
        cells[(AREA_SPELLINGS[area], month, offence)] += 1
    got = snapshot(engine)
    assert got["incidents"] == sorted(expected)
    assert got["monthly"] == sorted((a, m, o, n) for (a, m, o), n in cells.items())
    assert got["categories"] == [
        ("rms", "Assault", "violent"),
        ("rms", "Robbery", "violent"),
        ("rms", "Theft", "property"),
    ]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A migrated SQLite file with two areas, copied for each import."""
    from db.migrate import upgrade

    path = tmp_path_factory.mktemp("columnar") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    _areas(engine)
    engine.dispose()
    return path


def _both_ways(template: Path, folder: Path, text: str, mapping: dict, monkeypatch) -> tuple:
    """(report, snapshot, fingerprint) of the file imported the quick way (when it takes it)
    and the general way, each into its own copy of the template."""
    source = folder / "file.csv"
    source.write_bytes(text.encode("utf-8"))
    results = []
    for quick in (True, False):
        path = folder / f"{quick}.sqlite"
        shutil.copy(template, path)
        engine = make_engine(f"sqlite:///{path}")
        with monkeypatch.context() as patch:
            if not quick:
                patch.setattr(crime_columnar, "suited", lambda _path, _mapping: False)
            report = import_file(engine, source, parse_mapping(mapping))
        results.append((report, snapshot(engine), data_sha(path) if not report.accepted else None))
        engine.dispose()
    return results


AREA_TEXT = st.sampled_from([*AREA_SPELLINGS, "Nowhere", "", "=1+2"])
OFFENCE_TEXT = st.sampled_from(["Assault", "Theft", "Robbery", " Theft ", "Arson", "", "@SUM(A1)"])
DATE_TEXT = st.one_of(
    st.dates(date(2015, 1, 1), date(2024, 12, 31)).map(lambda d: d.strftime("%d/%m/%Y")),
    st.sampled_from(["31/02/2023", "2023-05-06", "1/2/2023", "", "01/01/1980", "soon"]),
)
ID_TEXT = st.one_of(
    st.integers(0, 60).map(str),  # repeats: one row per victim
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=0, max_size=6),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(ID_TEXT, DATE_TEXT, AREA_TEXT, OFFENCE_TEXT), min_size=1, max_size=40),
    with_count=st.booleans(),
    duplicates=st.sampled_from(["drop", "keep", "refuse"]),
    repeated_ids=st.sampled_from(["refuse", "sum", "first"]),
)
def test_the_quick_way_and_the_general_way_agree_on_any_file(
    template, tmp_path_factory, monkeypatch, rows, with_count, duplicates, repeated_ids
):
    """Random files, clean and not: the same report, the same rows, and an untouched database
    for a refused file, whichever way the file went in."""
    header = ("id", "date", "area", "offence", "victims") if with_count else ("id", "date", "area", "offence")
    cells = [[*row, str(len(row[0]) % 3)] if with_count else list(row) for row in rows]
    mapping = {**MAPPING, "duplicates": duplicates, "repeated_ids": repeated_ids}
    if with_count:
        mapping["columns"] = {**MAPPING["columns"], "count": "victims"}
    quick, general = _both_ways(
        template, tmp_path_factory.mktemp("ways"), _csv(cells, header), mapping, monkeypatch
    )
    assert outcome(quick[0]) == outcome(general[0])
    assert quick[1] == general[1]
    assert quick[2] == general[2]


# an id starting with =, +, - or @ (not a number) is a formula, refused either way
CLEAN_ID = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=8).filter(
    lambda i: not formula_like(i)
)
CLEAN_ROW = st.tuples(
    st.dates(date(2015, 1, 1), date(2024, 12, 31)).map(lambda d: d.strftime("%d/%m/%Y")),
    st.sampled_from(list(AREA_SPELLINGS)),
    st.sampled_from(["Assault", "Theft", "Robbery", " Theft "]),
    st.sampled_from(["1", "0", "", "12", "1,234", "3.0"]),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ids=st.lists(
        st.one_of(CLEAN_ID, CLEAN_ID.map(lambda i: f'{i[0]} ,"{i}')), min_size=1, max_size=40, unique=True
    ),
    cells=st.lists(CLEAN_ROW, min_size=40, max_size=40),
    with_count=st.booleans(),
    layout=st.tuples(
        st.sampled_from([",", ";", "\t", "|"]),
        st.sampled_from(["\n", "\r\n"]),
        st.frozensets(st.integers(0, 39)),
    ),
)
def test_clean_files_go_the_quick_way_and_land_what_the_general_way_lands(
    template, tmp_path_factory, monkeypatch, ids, cells, with_count, layout
):
    """Clean files with ids full of quotes, commas and inner spaces (quoted in the CSV),
    area spellings, padded offences, counts written every which way, any of the four
    delimiters, Windows line ends and blank lines."""
    header = ("id", "date", "area", "offence", "victims") if with_count else ("id", "date", "area", "offence")
    rows = [[i, *row] if with_count else [i, *row[:3]] for i, row in zip(ids, cells, strict=False)]
    mapping = dict(MAPPING)
    if with_count:
        mapping["columns"] = {**MAPPING["columns"], "count": "victims"}
    text = _csv(rows, header, *layout)
    quick, general = _both_ways(template, tmp_path_factory.mktemp("ways"), text, mapping, monkeypatch)
    assert quick[0].read_by_columns
    assert outcome(quick[0]) == outcome(general[0])
    assert quick[1] == general[1]


def test_a_group_column_is_judged_with_its_offence(template, tmp_path, monkeypatch):
    mapping = {
        **MAPPING,
        "columns": {**MAPPING["columns"], "group": "type"},
        "groups": {"Violence": "violent", "Acquisitive": "property"},
    }
    text = _csv(
        [
            ["1", "01/02/2023", "Northfield", "Assault", "Violence"],
            ["2", "03/02/2023", "S", "Theft", "Acquisitive"],
            ["3", "04/02/2023", "S", "Assault", "Violence"],
        ],
        header=("id", "date", "area", "offence", "type"),
    )
    quick, general = _both_ways(template, tmp_path, text, mapping, monkeypatch)
    assert quick[0].read_by_columns
    assert not general[0].read_by_columns
    assert quick[1] == general[1]
    assert quick[1]["categories"] == [("rms", "Assault", "violent"), ("rms", "Theft", "property")]


def test_a_gzipped_file_goes_the_quick_way_too(template, tmp_path):
    rows = [[f"G{i}", f"{1 + i % 28:02d}/03/2023", ["Northfield", "S"][i % 2], "Theft"] for i in range(500)]
    plain = tmp_path / "rms.csv"
    plain.write_text(_csv(rows))
    packed = tmp_path / "rms.CSV.GZ"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    landed = []
    for number, source in enumerate((plain, packed)):
        shutil.copy(template, db := tmp_path / f"{number}.sqlite")
        engine = make_engine(f"sqlite:///{db}")
        report = import_file(engine, source, parse_mapping(MAPPING))
        assert report.read_by_columns
        assert report.inserted == 500
        landed.append(snapshot(engine))
        engine.dispose()
    assert landed[0] == landed[1]


def test_a_problem_after_rows_were_written_is_reported_the_general_way(lite, tmp_path, monkeypatch):
    """The quick way has written thousands of rows when it meets a bad date on the last line:
    it gives up, and the file is refused with that line, the database untouched."""
    monkeypatch.setattr(crime_columnar, "BLOCK_BYTES", 4 * 1024)
    engine, db = lite
    rows = [[f"R{i}", "03/01/2024", "Northfield", "Assault"] for i in range(3000)]
    rows.append(["R3000", "31/02/2024", "Southgate", "Theft"])
    (path := tmp_path / "late.csv").write_text(_csv(rows))
    before = data_sha(db)

    report = import_file(engine, path, parse_mapping(MAPPING))

    assert not report.accepted
    assert not report.read_by_columns
    assert [(p.line, p.column, p.value) for p in report.problems] == [(3002, "date", "31/02/2024")]
    assert data_sha(db) == before


def test_one_row_per_victim_goes_the_general_way_and_adds_up(lite, tmp_path):
    engine, _ = lite
    rows = [["7", "03/01/2024", "Northfield", "Assault"], ["8", "04/01/2024", "S", "Theft"]]
    rows.append(["7", "03/01/2024", "Northfield", "Assault"])  # a second victim of incident 7
    (path := tmp_path / "victims.csv").write_text(_csv(rows))

    mapping = {**MAPPING, "duplicates": "keep", "repeated_ids": "sum"}
    report = import_file(engine, path, parse_mapping(mapping))

    assert report.accepted
    assert not report.read_by_columns
    incidents = {row[1]: row[-1] for row in snapshot(engine)["incidents"]}
    assert incidents == {"7": 2, "8": 1}
    assert "1 exact duplicate row kept, 1 row repeats an earlier incident id (summed into 1 incident)" in (
        report.text()
    )
