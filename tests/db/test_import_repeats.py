"""Repeated ids follow the mapping's declared policy (repeated_ids = refuse | sum | first), and
every report says how many rows repeated what, in every duplicates mode."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.importing.mapping import parse_mapping
from db.importing.report import ImportRefused
from db.importing.run import import_file
from db.models import CrimeIncident
from tests.db.conftest import data_sha, write

CRIME = {
    "kind": "crime",
    "source": "rms",
    "date_format": "%Y-%m-%d",
    "columns": {"area": "area", "category": "offence", "occurred": "date", "source_id": "id"},
    "groups": {"Assault": "violent", "Theft": "property"},
}
# one row per arrest: incident 7 has three, the third on another date (a data-entry slip)
ARRESTS = (
    "id,date,area,offence,arrest\n"
    "7,2024-01-03,Northfield,Assault,A1\n"
    "8,2024-01-04,Southgate,Theft,A2\n"
    "7,2024-01-03,Northfield,Assault,A3\n"
    "9,2024-02-01,Southgate,Assault,A4\n"
    "7,2024-01-05,Northfield,Assault,A5\n"
)


def _incidents(engine) -> dict[str, tuple[str, int]]:
    with engine.connect() as conn:
        rows = conn.execute(select(CrimeIncident.source_id, CrimeIncident.occurred_on, CrimeIncident.count))
        return {i: (d.isoformat(), n) for i, d, n in rows}


def test_repeated_ids_are_refused_by_default_with_the_policy_that_accepts_them(lite, tmp_path):
    engine, path = lite
    before = data_sha(path)

    report = import_file(engine, write(tmp_path / "arrests.csv", ARRESTS), parse_mapping(CRIME))

    assert not report.accepted
    assert [str(p) for p in report.problems] == [
        f"line {line}, column 'id', value '7': incident id repeated, and repeated_ids is \"refuse\" "
        '(first on line 2; set repeated_ids = "sum" to add their counts, or "first" to keep the first row)'
        for line in (4, 6)
    ]
    assert data_sha(path) == before


@pytest.mark.parametrize("dry_run", [False, True])
def test_sum_adds_the_repeats_counts_and_says_so(towns, tmp_path, dry_run):
    mapping = parse_mapping({**CRIME, "repeated_ids": "sum"})

    report = import_file(engine := towns, write(tmp_path / "arrests.csv", ARRESTS), mapping, dry_run=dry_run)

    assert report.accepted, report.text()
    assert "5 rows read, 3 inserted" in report.text()
    assert "2 rows repeat an earlier incident id (summed into 1 incident)" in report.text()
    expected = {} if dry_run else {"7": ("2024-01-03", 3), "8": ("2024-01-04", 1), "9": ("2024-02-01", 1)}
    assert _incidents(engine) == expected


def test_first_keeps_the_first_row_of_each_id_and_says_so(towns, tmp_path):
    mapping = parse_mapping({**CRIME, "repeated_ids": "first"})

    report = import_file(towns, write(tmp_path / "arrests.csv", ARRESTS), mapping)

    assert report.accepted, report.text()
    assert "2 rows repeat an earlier incident id (left out: the first row of each of 1 incident kept)" in (
        report.text()
    )
    assert _incidents(towns) == {"7": ("2024-01-03", 1), "8": ("2024-01-04", 1), "9": ("2024-02-01", 1)}


@pytest.mark.parametrize(("policy", "count_of_7"), [("sum", 3), ("first", 1)])
def test_a_source_already_loaded_follows_the_policy_when_merged(towns, tmp_path, policy, count_of_7):
    """The second file of a source is staged and merged by id, not written straight in."""
    mapping = parse_mapping({**CRIME, "repeated_ids": policy})
    import_file(
        towns, write(tmp_path / "old.csv", "id,date,area,offence\n1,2023-12-01,Southgate,Theft\n"), mapping
    )

    report = import_file(towns, write(tmp_path / "arrests.csv", ARRESTS), mapping)

    assert report.accepted, report.text()
    assert (report.inserted, report.updated) == (3, 0)
    assert report.repeats == 2
    assert _incidents(towns)["7"] == ("2024-01-03", count_of_7)


def test_duplicates_keep_counts_the_kept_rows_and_the_repeated_ids(lite, tmp_path):
    """duplicates = "keep" said nothing about duplicates at all; now both counts are stated."""
    engine, _ = lite
    mapping = parse_mapping({**CRIME, "duplicates": "keep", "repeated_ids": "sum"})

    twice = ARRESTS + "9,2024-02-01,Southgate,Assault,A4\n"  # the same arrest twice: an exact copy

    report = import_file(engine, write(tmp_path / "arrests.csv", twice), mapping)

    assert "1 exact duplicate row kept, 3 rows repeat an earlier incident id (summed into 2 incidents)" in (
        report.text()
    )


def test_an_id_less_file_with_duplicates_kept_says_how_many(lite, tmp_path):
    engine, _ = lite
    columns = {k: v for k, v in CRIME["columns"].items() if k != "source_id"}
    mapping = parse_mapping({**CRIME, "duplicates": "keep", "columns": columns})
    text = "date,area,offence\n2024-01-03,Northfield,Assault\n2024-01-03,Northfield,Assault\n"

    report = import_file(engine, write(tmp_path / "twice.csv", text), mapping)

    assert report.inserted == 2
    assert "1 exact duplicate row kept" in report.text()


WIDE = {
    "kind": "crime",
    "source": "counts",
    "format": "wide",
    "columns": {"area": "area", "category": "offence"},
    "groups": {"Theft": "property"},
    "area_aliases": {"North Field": "Northfield"},
}
# two spellings of one area: the same area, offence and month twice
WIDE_FILE = "area,offence,2024-01,2024-02\nNorthfield,Theft,3,4\nNorth Field,Theft,1,\n"


def test_a_wide_file_with_an_area_twice_is_refused_by_default_and_summed_when_asked(lite, tmp_path):
    engine, _ = lite
    source = write(tmp_path / "wide.csv", WIDE_FILE)

    refused = import_file(engine, source, parse_mapping(WIDE))
    summed = import_file(engine, source, parse_mapping({**WIDE, "repeated_ids": "sum"}))

    assert [(p.line, p.column, p.value) for p in refused.problems] == [(3, "2024-01", "N|Theft|2024-01")]
    assert refused.problems[0].rule == 'the same area, offence and month twice, and repeated_ids is "refuse"'
    assert "1 count repeats an earlier area, offence and month (summed into 1 cell)" in summed.text()
    assert _incidents(engine)["N|Theft|2024-01"] == ("2024-01-01", 4)


def test_an_areas_file_says_repeated_area_codes_not_exact_duplicates(lite, tmp_path):
    """An incident file read for its districts names each district on many rows."""
    engine, _ = lite
    mapping = parse_mapping(
        {
            "kind": "areas",
            "columns": {"code": "district", "name": "district"},
            "constants": {"kind": "district"},
        }
    )
    text = "district,offence\nD1,Theft\nD2,Theft\nD1,Assault\nD1,Robbery\n"

    report = import_file(engine, write(tmp_path / "districts.csv", text), mapping)

    assert report.inserted == 2
    assert "2 repeated area codes (rows naming an area already read) left out" in report.text()
    assert "exact duplicate" not in report.text()


def test_an_unknown_policy_is_refused_with_the_choices():
    with pytest.raises(ImportRefused, match="repeated_ids must be refuse, sum or first"):
        parse_mapping({**CRIME, "repeated_ids": "merge"})


def test_a_refused_file_counts_every_repeat_in_every_chunk(lite, tmp_path):
    """Rows are read 50,000 at a time; a problem in the first chunk does not hide a repeat
    in a later one: each is counted, so the count per rule is the size of the fix."""
    engine, _ = lite
    rows = [f"{i},2024-01-03,Northfield,Assault,A{i}" for i in range(60_000)]
    rows[1] = "1,2024-01-03,Nowhere,Assault,A1"  # line 3: an unknown area, in the first chunk
    rows.append("59999,2024-01-04,Southgate,Theft,B1")  # line 60,002 repeats line 60,001
    source = write(tmp_path / "big.csv", "id,date,area,offence,arrest\n" + "\n".join(rows) + "\n")

    report = import_file(engine, source, parse_mapping(CRIME))

    assert report.summary() == {"unknown area": 1, 'incident id repeated, and repeated_ids is "refuse"': 1}
    assert report.problems[1].line == 60_002
    assert "first on line 60001" in report.problems[1].suggestion
