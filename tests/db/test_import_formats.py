"""Formats a department has (issue 18): timestamps with a `%z` offset written as `+00`, the
police.uk street-level crime CSV (its preset, on a file generated in that exact format and on
the shared police.uk anti-social behaviour files), and a refusal that names the mapping change
that fixes it, for every kind of value a crime import refuses."""

from __future__ import annotations

import csv
import hashlib
import random
import re
import tomllib
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import make_engine
from db.importing.fields import parse_date
from db.importing.mapping import PRESETS_DIR, Mapping, load_preset, parse_mapping
from db.importing.run import import_file
from db.migrate import upgrade
from db.models import Area, CrimeIncident, CrimeMonthly, OffenceCategory
from tests.conftest import IN_CI
from tests.db.conftest import SHARED

# --- %z: offsets as records systems write them ----------------------------------------------

ISO_Z = "%Y-%m-%dT%H:%M:%S%z"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("2019-03-04T10:00:00+00", date(2019, 3, 4)),
        ("2019-03-04T10:00:00+0000", date(2019, 3, 4)),
        ("2019-03-04T10:00:00+00:00", date(2019, 3, 4)),
        ("2019-03-04T23:30:00-05", date(2019, 3, 4)),  # 04:30 on the 5th in UTC: not converted
        ("2019-03-04T00:30:00+01", date(2019, 3, 4)),  # 23:30 on the 3rd in UTC: not converted
        ("2019-03-04T10:00:00Z", date(2019, 3, 4)),
        ("2019-03-04T10:00:00+0530", date(2019, 3, 4)),
    ],
)
def test_a_utc_offset_in_any_usual_form_is_read_and_the_date_is_the_one_written(text, written):
    assert parse_date(text, Mapping(kind="crime", date_format=ISO_Z)) == (written, "")


def test_a_timestamp_without_its_offset_is_still_refused_by_a_z_format():
    value, rule = parse_date("2019-03-04T10:00:00", Mapping(kind="crime", date_format=ISO_Z))
    assert (value, rule) == (None, f"date does not match {ISO_Z!r}")


def test_an_export_of_plus_00_timestamps_imports(lite, tmp_path):
    """The city export of issue 18: every timestamp ends in +00; late-evening ones elsewhere
    stay on the day they were written."""
    engine, _ = lite
    rows = [
        ("1", "2021-06-30T23:59:59+00", "2021-06-30"),
        ("2", "2021-07-01T00:00:00+00", "2021-07-01"),
        ("3", "2021-07-01T22:00:00-05", "2021-07-01"),
        ("4", "2021-07-02T01:00:00+0100", "2021-07-02"),
        ("5", "2021-07-03T12:00:00Z", "2021-07-03"),
    ]
    path = tmp_path / "city.csv"
    path.write_text("id,date,area,offence\n" + "".join(f"{i},{t},Northfield,Assault\n" for i, t, _ in rows))
    mapping = parse_mapping({**_CRIME, "date_format": ISO_Z})
    report = import_file(engine, path, mapping)
    assert report.accepted, report.text()
    with engine.connect() as conn:
        stored = dict(conn.execute(select(CrimeIncident.source_id, CrimeIncident.occurred_on)).all())
    assert {k: v.isoformat() for k, v in stored.items()} == {i: d for i, _, d in rows}


# --- police.uk street-level crime -------------------------------------------------------------

STREET_HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
ASB = "Anti-social behaviour"
# police.uk's 14 categories and the standard group each belongs to (docs/importing.md)
GROUPS = {
    ASB: "asb",
    "Bicycle theft": "property",
    "Burglary": "property",
    "Criminal damage and arson": "property",
    "Drugs": "other",
    "Other crime": "other",
    "Other theft": "property",
    "Possession of weapons": "other",
    "Public order": "other",
    "Robbery": "violent",
    "Shoplifting": "property",
    "Theft from the person": "property",
    "Vehicle crime": "property",
    "Violence and sexual offences": "violent",
}
FORCE = "Testshire Constabulary"


def _street_rows() -> list[dict[str, str]]:
    """A few hundred rows as police.uk writes them: a third anti-social behaviour (no Crime
    ID), one in 20 with no location, three identical ASB reports and one crime listed twice."""
    rng = random.Random(18)
    lsoas = [(f"E0101{i:04d}", f"Testshire {i:03d}{'ABCD'[i % 4]}") for i in range(1, 13)]
    crimes = sorted(set(GROUPS) - {ASB})
    rows = []
    for i in range(300):
        kind = ASB if i % 3 == 0 else crimes[rng.randrange(len(crimes))]
        code, name = lsoas[rng.randrange(len(lsoas))]
        located = i % 20 != 7
        rows.append(
            {
                "Crime ID": "" if kind == ASB else hashlib.sha256(f"crime {i}".encode()).hexdigest(),
                "Month": f"2024-{1 + i % 3:02d}",
                "Reported by": FORCE,
                "Falls within": FORCE,
                "Longitude": f"{-2.6 + rng.random() / 10:.6f}" if located else "",
                "Latitude": f"{53.7 + rng.random() / 10:.6f}" if located else "",
                "Location": f"On or near {rng.choice(['High Street', 'Mill Lane', 'Park Road'])}"
                if located
                else "No location",
                "LSOA code": code if located else "",
                "LSOA name": name if located else "",
                "Crime type": kind,
                "Last outcome category": "" if kind == ASB else "Under investigation",
                "Context": "",
            }
        )
    first_asb = next(r for r in rows if r["Crime type"] == ASB and r["LSOA code"])
    first_crime = next(r for r in rows if r["Crime type"] != ASB and r["LSOA code"])
    return rows + [dict(first_asb), dict(first_asb), dict(first_crime)]


def _write_csv(path: Path, rows: list[dict[str, str]], delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, STREET_HEADER, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _incidents_by_group(engine) -> Counter:
    with engine.connect() as conn:
        return Counter(
            dict(
                conn.execute(
                    select(OffenceCategory.crime_group, func.count())
                    .join(CrimeIncident, CrimeIncident.category_id == OffenceCategory.id)
                    .group_by(OffenceCategory.crime_group)
                ).all()
            )
        )


def test_a_police_uk_street_file_imports_areas_then_crime_from_the_same_file(engine, tmp_path):
    rows = _street_rows()
    path = _write_csv(tmp_path / "2024-03-testshire-street.csv", rows)
    located = [r for r in rows if r["LSOA code"]]
    no_location = len(rows) - len(located)
    assert no_location
    assert {r["Location"] for r in rows if not r["LSOA code"]} == {"No location"}

    areas = import_file(engine, path, load_preset("police-uk-street-areas"))
    assert areas.accepted, areas.text()  # every code repeats on many rows: not refused
    lsoas = {r["LSOA code"]: r["LSOA name"] for r in located}
    assert areas.inserted == len(lsoas)
    assert areas.skipped_on_purpose == no_location
    with engine.connect() as conn:
        stored = dict(conn.execute(select(Area.code, Area.name).where(Area.kind == "neighbourhood")).all())
    assert {c: stored[c] for c in lsoas} == lsoas

    report = import_file(engine, path, load_preset("police-uk-street"))
    assert report.accepted, report.text()
    assert report.rows_read == len(rows)
    assert report.skipped_on_purpose == no_location
    assert f"{no_location:,} rows left out" in report.text()
    # one incident per anti-social behaviour report (identical ones too), one per Crime ID
    crimes = {r["Crime ID"]: r["Crime type"] for r in located if r["Crime ID"]}
    want = Counter(GROUPS[r["Crime type"]] for r in located if not r["Crime ID"])
    want.update(GROUPS[kind] for kind in crimes.values())
    assert set(want) == {"asb", "violent", "property", "other"}
    assert _incidents_by_group(engine) == want
    with engine.connect() as conn:
        asb_months = dict(
            conn.execute(
                select(CrimeMonthly.month, func.sum(CrimeMonthly.count))
                .join(OffenceCategory, OffenceCategory.id == CrimeMonthly.category_id)
                .where(OffenceCategory.crime_group == "asb")
                .group_by(CrimeMonthly.month)
            ).all()
        )
        repeated_id = rows[-1]["Crime ID"]
        stored_copies = conn.execute(
            select(func.count()).where(CrimeIncident.source_id == repeated_id)
        ).scalar_one()
    asb_rows = Counter(r["Month"] for r in located if r["Crime type"] == ASB)
    assert {m.strftime("%Y-%m"): n for m, n in asb_months.items()} == dict(asb_rows)
    assert stored_copies == 1  # the crime listed twice is one incident


def test_a_crime_listed_twice_in_a_street_file_counts_once(lite, tmp_path):
    engine, _ = lite
    rows = _street_rows()
    path = _write_csv(tmp_path / "street.csv", rows)
    assert import_file(engine, path, load_preset("police-uk-street-areas")).accepted
    assert import_file(engine, path, load_preset("police-uk-street")).accepted
    with engine.connect() as conn:
        count = conn.execute(
            select(CrimeIncident.count).where(CrimeIncident.source_id == rows[-1]["Crime ID"])
        )
        assert count.scalar_one() == 1


def test_police_uk_anti_social_behaviour_rows_without_an_id_are_refused_with_the_fix(engine, tmp_path):
    rows = [r for r in _street_rows() if r["LSOA code"]]
    path = _write_csv(tmp_path / "street.csv", rows)
    assert import_file(engine, path, load_preset("police-uk-street-areas")).accepted
    preset = tomllib.loads((PRESETS_DIR / "police-uk-street.toml").read_text())
    refusing = parse_mapping({**preset, "blank_ids": "refuse"})
    report = import_file(engine, path, refusing)
    blank = [i + 2 for i, r in enumerate(rows) if not r["Crime ID"]]
    assert report.summary() == {"required: incident id": len(blank)}
    assert [p.line for p in report.problems] == blank
    assert str(report.problems[0]) == (
        f"line {blank[0]}, column 'Crime ID', value '': required: incident id (set blank_ids = "
        '"fingerprint" to identify id-less rows by their content, as police.uk anti-social '
        "behaviour rows are)"
    )
    assert import_file(engine, path, load_preset("police-uk-street")).accepted  # the fix, applied


def test_a_mapping_refuses_an_unknown_blank_ids_value():
    with pytest.raises(Exception, match="blank_ids must be refuse or fingerprint"):
        parse_mapping({"kind": "crime", "blank_ids": "hash"})


def test_the_quick_path_leaves_blank_ids_to_fingerprint_to_the_general_one(lite, tmp_path):
    """A clean file with an id column goes the column-wise way; with blank ids to fingerprint
    it goes the general way, which gives them the ids the general path always gives them."""
    from db.importing import crime_columnar

    engine, _ = lite
    path = tmp_path / "ids.csv"
    path.write_text("id,date,area,offence\n1,2024-01-03,Northfield,Assault\n,2024-01-04,Southgate,Theft\n")
    fingerprint = parse_mapping({**_CRIME, "blank_ids": "fingerprint"})
    assert crime_columnar.suited(path, parse_mapping(_CRIME))
    assert not crime_columnar.suited(path, fingerprint)
    report = import_file(engine, path, fingerprint)
    assert (report.accepted, report.inserted) == (True, 2)
    with engine.connect() as conn:
        ids = sorted(conn.execute(select(CrimeIncident.source_id)).scalars())
    assert ids[0] == "1"
    assert re.fullmatch(r"[0-9a-f]{24}", ids[1])


ASB_FILES = ["lancashire_asb.tab", "northumbria_asb.tab"]


def _need_asb(name: str) -> Path:
    path = SHARED / "uk_asb" / name
    if not path.exists():
        if IN_CI:
            pytest.fail(f"CI=true but the shared data file {path} is missing")
        pytest.skip(f"shared data not found at {path}")
    return path


def _monthly_by_area(engine) -> dict[tuple[str, str], int]:
    with engine.connect() as conn:
        return {
            (code, month.strftime("%Y-%m")): n
            for code, month, n in conn.execute(
                select(Area.code, CrimeMonthly.month, func.sum(CrimeMonthly.count))
                .join(CrimeMonthly, CrimeMonthly.area_id == Area.id)
                .group_by(Area.code, CrimeMonthly.month)
            )
        }


def _fresh(path: Path):
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


@pytest.mark.parametrize("name", ASB_FILES)
def test_the_street_preset_reads_the_shared_police_uk_files_as_their_own_preset_does(tmp_path, name):
    """The shared files hold the columns a street file shares with them (month, longitude,
    latitude, location, LSOA code). Written out as a street file (no Crime ID, anti-social
    behaviour; Lancashire's months as the shared file writes them, 2022-01-01, Northumbria's
    as police.uk does, 2022-01), the street presets give the same LSOA areas and the same
    counts by area and month as uk-asb gives the shared file itself, and as the raw file."""
    source = _need_asb(name)
    with open(source, newline="", encoding="utf-8") as f:
        raw = list(csv.DictReader(f, delimiter="\t"))
    police_form = name.startswith("northumbria")
    street = _write_csv(
        tmp_path / "street.csv",
        [
            {
                "Crime ID": "",
                "Month": r["month"][:7] if police_form else r["month"],
                "Reported by": FORCE,
                "Falls within": FORCE,
                "Longitude": r["longitude"],
                "Latitude": r["latitude"],
                "Location": r["location"],
                "LSOA code": r["lsoa_code"],
                "LSOA name": r["lsoa_code"],  # the shared files have no LSOA names
                "Crime type": ASB,
                "Last outcome category": "",
                "Context": "",
            }
            for r in raw
        ],
    )
    by_street = _fresh(tmp_path / "street.sqlite")
    assert import_file(by_street, street, load_preset("police-uk-street-areas")).accepted
    report = import_file(by_street, street, load_preset("police-uk-street"))
    assert report.accepted, report.text()
    by_asb = _fresh(tmp_path / "asb.sqlite")
    assert import_file(by_asb, source, load_preset("uk-asb-lsoas")).accepted
    assert import_file(by_asb, source, load_preset("uk-asb")).accepted

    want = Counter((r["lsoa_code"], r["month"][:7]) for r in raw)
    got = _monthly_by_area(by_street)
    assert got == _monthly_by_area(by_asb)
    assert got == dict(want)
    with by_street.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Area)).scalar_one() == len(
            {r["lsoa_code"] for r in raw}
        )


# --- every refusal names the mapping change that fixes it -------------------------------------

_CRIME = {
    "kind": "crime",
    "source": "test",
    "columns": {"area": "area", "category": "offence", "occurred": "date", "source_id": "id"},
    "groups": {"Assault": "violent", "Theft": "property"},
}
_TOML_FIX = re.compile(r'((?:\[\w+\] )?\w+ = (?:"[^"]*"|\[[^\]]*\]))')


def _fixed(mapping: dict, suggestion: str) -> dict:
    """`mapping` with the first `key = value` line the suggestion names applied to it."""
    line = _TOML_FIX.search(suggestion).group(1)
    section, _, assignment = line.rpartition("] ")
    change = tomllib.loads(f"{section}]\n{assignment}" if section else assignment)
    merged = dict(mapping)
    for key, value in change.items():
        merged[key] = {**merged.get(key, {}), **value} if isinstance(value, dict) else value
    return merged


def _refused_then_fixed(engine, path: Path, mapping: dict, rule: str, fix: str):
    """The one problem's rule and suggestion; then the suggestion applied, and the file accepted."""
    report = import_file(engine, path, parse_mapping(mapping))
    assert not report.accepted
    problem = report.problems[0]
    assert problem.rule == rule
    assert fix in problem.suggestion, problem.suggestion
    accepted = import_file(engine, path, parse_mapping(_fixed(mapping, problem.suggestion)))
    assert accepted.accepted, accepted.text()
    return accepted


@pytest.mark.parametrize(
    ("written", "fix"),
    [
        ("25/03/2024", 'set date_format = "%d/%m/%Y"'),
        ("03/25/2024 10:15:00 PM", 'set date_format = "%m/%d/%Y %I:%M:%S %p"'),
        ("2024-03-25T22:15:00+00", 'set date_format = "%Y-%m-%dT%H:%M:%S%z"'),
    ],
)
def test_a_date_in_another_format_names_the_date_format_that_reads_it(lite, tmp_path, written, fix):
    engine, _ = lite
    path = tmp_path / "dates.csv"
    path.write_text(f"id,date,area,offence\n1,{written},Northfield,Assault\n")
    assert import_file(engine, path, parse_mapping(_CRIME)).problems[0].suggestion == fix  # named once
    _refused_then_fixed(engine, path, _CRIME, "date does not match '%Y-%m-%d'", fix)


def test_a_date_day_first_or_month_first_names_both_formats_and_a_list_keeps_the_mapping_s_own(
    lite, tmp_path
):
    engine, _ = lite
    path = tmp_path / "dates.csv"
    path.write_text("id,date,area,offence\n1,2024-03,Northfield,Assault\n2,03/04/2024,Northfield,Assault\n")
    mapping = {**_CRIME, "date_format": ["%Y-%m"]}
    problem = import_file(engine, path, parse_mapping(mapping)).problems[0]
    assert problem.suggestion == (
        'set date_format = ["%Y-%m", "%d/%m/%Y"] (or "%m/%d/%Y": both read \'03/04/2024\'; '
        "check which the file uses)"
    )
    assert import_file(engine, path, parse_mapping(_fixed(mapping, problem.suggestion))).accepted


def test_a_date_no_common_format_reads_says_only_what_it_expected(lite, tmp_path):
    engine, _ = lite
    path = tmp_path / "dates.csv"
    path.write_text("id,date,area,offence\n1,sometime in March,Northfield,Assault\n")
    problem = import_file(engine, path, parse_mapping(_CRIME)).problems[0]
    assert (problem.rule, problem.suggestion) == ("date does not match '%Y-%m-%d'", "")


@pytest.mark.parametrize(
    ("written", "fix"),
    [
        ("1985-06-01", '[rows] keep_when = ["occurred >= 1990-01-01"]'),
        ("2999-01-01", '[rows] keep_when = ["occurred <= TODAY"]'),  # today when the test runs
    ],
)
def test_a_date_outside_the_plausible_range_names_the_row_filter(lite, tmp_path, written, fix):
    engine, _ = lite
    path = tmp_path / "old.csv"
    path.write_text(
        f"id,date,area,offence\n1,2024-01-03,Northfield,Assault\n2,{written},Northfield,Assault\n"
    )
    problem = import_file(engine, path, parse_mapping(_CRIME)).problems[0]
    assert (problem.line, problem.rule) == (3, "date outside 1990-01-01 to today")
    assert problem.suggestion == f"leave such rows out with {fix.replace('TODAY', str(date.today()))}"


def test_a_date_split_over_columns_outside_the_range_names_the_row_filter(lite, tmp_path):
    engine, _ = lite
    path = tmp_path / "parts.csv"
    path.write_text("id,year,month,area,offence\n1,1979,5,Northfield,Assault\n")
    mapping = {**_CRIME, "date_parts": {"year": "year", "month": "month"}}
    problem = import_file(engine, path, parse_mapping(mapping)).problems[0]
    assert problem.suggestion == 'leave such rows out with [rows] keep_when = ["occurred >= 1990-01-01"]'


def test_an_unknown_area_names_an_alias_and_the_skip_line(lite, tmp_path):
    engine, _ = lite
    path = tmp_path / "areas.csv"
    path.write_text(
        "id,date,area,offence\n1,2024-01-03,Northfield,Assault\n2,2024-01-04,Heathrow Airport,Theft\n"
    )
    problem = import_file(engine, path, parse_mapping(_CRIME)).problems[0]
    assert '[area_aliases] with the area it means: "Heathrow Airport" = "..."' in problem.suggestion
    report = _refused_then_fixed(
        engine, path, _CRIME, "unknown area", 'leave its rows out with [skip] area = ["Heathrow Airport"]'
    )
    assert report.skipped_on_purpose == 1
    assert "note: 1 row left out by [skip] area" in report.text()  # counted by rule, as [rows] are


def test_an_unknown_area_close_to_a_known_one_still_names_the_skip_line(lite, tmp_path):
    engine, _ = lite
    path = tmp_path / "typo.csv"
    path.write_text("id,date,area,offence\n1,2024-01-03,Northfeld,Assault\n")
    mapping = {**_CRIME, "skip": {"area": ["Airport"]}}
    suggestion = import_file(engine, path, parse_mapping(mapping)).problems[0].suggestion
    assert "did you mean 'Northfield'?" in suggestion
    assert suggestion.endswith('leave its rows out with [skip] area = ["Airport", "Northfeld"]')


def test_a_blank_area_names_the_rows_present_line(lite, tmp_path):
    engine, _ = lite
    path = tmp_path / "blank.csv"
    path.write_text("id,date,area,offence\n1,2024-01-03,Northfield,Assault\n2,2024-01-04,,Theft\n")
    report = _refused_then_fixed(
        engine, path, _CRIME, "required: area", 'leave rows without one out with [rows] present = ["area"]'
    )
    assert (report.inserted, report.skipped_on_purpose) == (1, 1)


def test_a_blank_date_and_a_blank_offence_name_the_rows_present_line(lite, tmp_path):
    engine, _ = lite
    path = tmp_path / "blank.csv"
    path.write_text("id,date,area,offence\n1,2024-01-03,Northfield,\n2,,Northfield,Theft\n")
    problems = {p.rule: p.suggestion for p in import_file(engine, path, parse_mapping(_CRIME)).problems}
    assert problems == {
        "required: offence category": 'leave rows without one out with [rows] present = ["offence"]',
        "required: occurrence date": 'leave rows without one out with [rows] present = ["date"]',
    }


def test_an_unmapped_offence_names_the_groups_line(lite, tmp_path):
    engine, _ = lite
    path = tmp_path / "fraud.csv"
    path.write_text("id,date,area,offence\n1,2024-01-03,Northfield,Fraud\n")
    problem = import_file(engine, path, parse_mapping(_CRIME)).problems[0]
    assert (problem.rule, problem.suggestion) == (
        "offence category not mapped to a group",
        'add "Fraud" = "violent" (or "property", "asb", "other") under [groups]',
    )


def test_a_missing_column_names_the_columns_line_with_the_closest_header(lite, tmp_path):
    engine, _ = lite
    path = tmp_path / "renamed.csv"
    path.write_text("id,date,area,offence_type\n1,2024-01-03,Northfield,Assault\n")
    _refused_then_fixed(
        engine,
        path,
        _CRIME,
        "required column is missing from the header",
        'name the file\'s column for it: [columns] category = "offence_type" (the closest in the header)',
    )


def test_a_blank_id_names_blank_ids_and_the_fix_works(lite, tmp_path):
    engine, _ = lite
    path = tmp_path / "ids.csv"
    path.write_text("id,date,area,offence\n1,2024-01-03,Northfield,Assault\n,2024-01-04,Northfield,Theft\n")
    report = _refused_then_fixed(
        engine, path, _CRIME, "required: incident id", 'set blank_ids = "fingerprint"'
    )
    assert report.inserted == 2


def test_a_wide_file_whose_months_are_written_otherwise_names_the_period_format(lite, tmp_path):
    engine, _ = lite
    path = tmp_path / "wide.csv"
    path.write_text("area,offence,202401,202402,202403\nNorthfield,Assault,3,0,5\n")
    wide = {**_CRIME, "format": "wide", "columns": {"area": "area", "category": "offence"}}
    report = _refused_then_fixed(
        engine,
        path,
        wide,
        "no month columns in the format '%Y-%m'",
        'set period_format = "%Y%m" (it reads 3 of the header\'s columns as months)',
    )
    assert report.inserted == 3  # a cell a month, 0 included
