"""The import pipeline: real London files, idempotency, all-or-nothing, and hostile files."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.audit import events
from db.engine import make_engine
from db.importing.mapping import load_preset, parse_mapping
from db.importing.report import Problem, Report
from db.importing.run import import_file
from db.models import Area, CrimeIncident, CrimeMonthly, LoadLog, OffenceCategory
from tests.conftest import ROOT
from tests.db.conftest import LONDON, SHARED, data_sha, need_shared

CRIME = {
    "kind": "crime",
    "source": "test",
    "format": "long",
    "date_format": "%d/%m/%Y",
    "columns": {"area": "area", "category": "offence", "occurred": "date", "source_id": "id"},
    "groups": {"Assault": "violent", "Theft": "property"},
}


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


GOOD = "id,date,area,offence\n1,03/01/2024,Northfield,Assault\n2,15/02/2024,Southgate,Theft\n"


# --- the real London files -------------------------------------------------------------


def test_london_boroughs_and_wide_crime_import_with_spot_values(engine):
    need_shared()
    areas = import_file(engine, LONDON / "london_boroughs.geojson", load_preset("london-boroughs"))
    assert areas.accepted
    assert areas.inserted == 33
    source = LONDON / "mps_borough_crime_monthly_201004_202201_wide.csv"
    report = import_file(engine, source, load_preset("london-crime-wide"))
    assert report.accepted, report.text()
    with open(source, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    kept = [r for r in rows if r["LookUp_BoroughName"] != "London Heathrow and London City Airports"]
    months = [c for c in rows[0] if c.isdigit()]
    cells = {
        (r["LookUp_BoroughName"], r["MinorText"], m): int(r[m]) for r in kept for m in months if r[m].strip()
    }
    assert report.skipped_on_purpose == len(rows) - len(kept)
    assert report.inserted == len(cells)
    with engine.connect() as conn:
        for borough, minor, month in [
            next(iter(cells)),
            ("Westminster", "Burglary in a Dwelling", "201904"),
            ("Barnet", "Bicycle Theft", "202201"),
        ]:
            if (borough, minor, month) not in cells:
                continue
            stored = conn.execute(
                select(CrimeIncident.count).where(
                    CrimeIncident.source == "mps",
                    CrimeIncident.source_id == f"{borough}|{minor}|{month[:4]}-{month[4:]}",
                )
            ).scalar_one()
            assert stored == cells[(borough, minor, month)]
        total = conn.execute(select(func.sum(CrimeMonthly.count))).scalar_one()
    assert total == sum(cells.values())  # the roll-up was refreshed in the same transaction


# --- idempotency and updates --------------------------------------------------------------


def test_same_file_twice_changes_nothing_and_says_so(lite, tmp_path):
    engine, path = lite
    source = write(tmp_path / "crime.csv", GOOD)
    first = import_file(engine, source, parse_mapping(CRIME))
    assert (first.inserted, first.updated) == (2, 0)
    before = data_sha(path)
    again = import_file(engine, source, parse_mapping(CRIME))
    assert again.already_imported
    assert "already imported" in again.text()
    assert data_sha(path) == before


def test_a_corrected_file_updates_by_natural_key(lite, tmp_path):
    engine, _ = lite
    import_file(engine, write(tmp_path / "v1.csv", GOOD), parse_mapping(CRIME))
    corrected = GOOD.replace("2,15/02/2024,Southgate,Theft", "2,15/03/2024,Southgate,Theft") + (
        "3,20/03/2024,Northfield,Theft\n"
    )
    report = import_file(engine, write(tmp_path / "v2.csv", corrected), parse_mapping(CRIME))
    assert (report.inserted, report.updated, report.skipped) == (1, 1, 1)
    with engine.connect() as conn:
        months = dict(
            conn.execute(
                select(CrimeMonthly.month, func.sum(CrimeMonthly.count)).group_by(CrimeMonthly.month)
            ).all()
        )
        logged = conn.execute(select(func.count()).select_from(LoadLog)).scalar_one()
    assert {m.month: n for m, n in months.items()} == {1: 1, 3: 2}  # February emptied, March gained two
    assert logged == 2


def _rollup_and_recount(conn) -> tuple[dict, dict]:
    """The roll-up as stored, and as a full recount of the incident table would make it."""
    key = (CrimeMonthly.area_id, CrimeMonthly.month, CrimeMonthly.category_id)
    stored = {tuple(r[:3]): r[3] for r in conn.execute(select(*key, CrimeMonthly.count))}
    ci = CrimeIncident
    cell = (ci.area_id, ci.occurred_month, ci.category_id)
    recount = {
        tuple(r[:3]): r[3]
        for r in conn.execute(
            select(*cell, func.sum(ci.count)).group_by(*cell).having(func.sum(ci.count) > 0)
        )
    }
    return stored, recount


def test_the_roll_up_always_equals_a_recount_of_incidents(engine, tmp_path):
    """Loads move the roll-up by their own difference rather than re-reading incidents: a
    first load with an id repeated (one row per victim), a correction that moves rows
    between months, areas and offences and sets a count to zero, and a second source."""
    with engine.begin() as conn:
        conn.execute(
            Area.__table__.insert(),
            [
                {"code": c, "name": n, "kind": "neighbourhood"}
                for c, n in [("N", "Northfield"), ("S", "Southgate")]
            ],
        )
    counted = parse_mapping({**CRIME, "repeated_ids": "sum", "columns": {**CRIME["columns"], "count": "n"}})
    first = (
        "id,date,area,offence,n\n1,03/01/2024,Northfield,Assault,1\n2,15/02/2024,Southgate,Theft,3\n"
        "1,03/01/2024,Northfield,Assault,2\n4,09/02/2024,Northfield,Theft,1\n"
    )
    corrected = (
        "id,date,area,offence,n\n1,03/03/2024,Southgate,Theft,3\n2,15/02/2024,Southgate,Theft,0\n"
        "4,09/02/2024,Northfield,Theft,1\n5,01/01/2024,Northfield,Assault,2\n"
    )
    steps = [(first, counted), (corrected, counted), (GOOD, parse_mapping({**CRIME, "source": "other"}))]
    expected_totals = [7, 6, 8]
    for step, ((text, mapping), total) in enumerate(zip(steps, expected_totals, strict=True)):
        report = import_file(engine, write(tmp_path / f"step{step}.csv", text), mapping)
        assert report.accepted, report.text()
        with engine.connect() as conn:
            stored, recount = _rollup_and_recount(conn)
        assert stored == recount, f"after step {step}"
        assert sum(stored.values()) == total
    assert (report.inserted, report.updated) == (2, 0)


def test_dry_run_writes_nothing(lite, tmp_path):
    engine, path = lite
    before = data_sha(path)
    report = import_file(engine, write(tmp_path / "crime.csv", GOOD), parse_mapping(CRIME), dry_run=True)
    assert report.accepted
    assert report.text().startswith("would write crime.csv")
    assert data_sha(path) == before


def test_encodings_and_delimiters_are_detected(lite, tmp_path):
    engine, _ = lite
    text = GOOD.replace(",", ";").replace("Theft", "Théft")
    mapping = parse_mapping({**CRIME, "groups": {"Assault": "violent", "Théft": "property"}})
    for name, encoding in (("bom.csv", "utf-8-sig"), ("win.csv", "cp1252")):
        report = import_file(
            engine, write(tmp_path / name, text.replace("1;", f"{name[0]}1;"), encoding), mapping
        )
        assert report.accepted, (name, report.text())
    with engine.connect() as conn:
        names = set(conn.execute(select(OffenceCategory.source_code)).scalars())
    assert "Théft" in names


# --- hostile files: a specific error each, and the database byte-for-byte unchanged -------------

HOSTILE = [
    ("empty.csv", "", "the file is empty"),
    ("header_only.csv", "id,date,area,offence\n", "the file has a header but no data rows"),
    (
        "wrong_delimiter.csv",
        "id;date;area;offence\n1;03/01/2024;Northfield;Assault\n",
        "only one column found with delimiter ','",
    ),
    (
        "unknown_columns.csv",
        "ref,when,place,what\n1,03/01/2024,Northfield,Assault\n",
        "required column is missing",
    ),
    (
        "bad_dates.csv",
        "id,date,area,offence\n1,2024-01-03,Northfield,Assault\n",
        "date does not match '%d/%m/%Y'",
    ),
    (
        "future_date.csv",
        "id,date,area,offence\n1,03/01/2099,Northfield,Assault\n",
        "date outside 1990-01-01 to today",
    ),
    ("unknown_area.csv", "id,date,area,offence\n1,03/01/2024,Northfeld,Assault\n", "unknown area"),
    (
        "unmapped_offence.csv",
        "id,date,area,offence\n1,03/01/2024,Northfield,Fraud\n",
        "offence category not mapped to a group",
    ),
    (
        "duplicate_headers.csv",
        "id,date,area,area\n1,03/01/2024,Northfield,Assault\n",
        "duplicate column name in the header",
    ),
    (
        "formula.csv",
        'id,date,area,offence\n1,03/01/2024,Northfield,=HYPERLINK("x")\n',
        "text starting with =, +, -, @, tab or carriage return",
    ),
    (
        "at_formula.csv",
        "id,date,area,offence\n1,03/01/2024,@SUM(A1),Assault\n",
        "text starting with =, +, -, @, tab or carriage return",
    ),
    ("not_really.xlsx", "id,date,area,offence\n", "not a valid .xlsx workbook"),
    (
        "extra_cells.csv",
        "id,date,area,offence\n1,03/01/2024,Northfield,Assault,surplus\n",
        "more cells than header columns",
    ),
]


@pytest.mark.parametrize(("name", "content", "rule"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_file_is_refused_with_a_specific_error(lite, tmp_path, name, content, rule):
    engine, path = lite
    import_file(engine, write(tmp_path / "seed.csv", GOOD), parse_mapping(CRIME))
    before = data_sha(path)
    mapping = parse_mapping({**CRIME, "delimiter": ","} if name == "wrong_delimiter.csv" else CRIME)
    report = import_file(engine, write(tmp_path / name, content), mapping)
    assert not report.accepted
    assert any(rule in p.rule for p in report.problems), report.text()
    assert report.text().startswith(f"REFUSED {name}")
    assert data_sha(path) == before
    with engine.connect() as conn:  # the data is untouched; the refusal is on record
        newest = events(conn, limit=1)[0]
    assert newest[3:6] == ("import", f"crime: {name}", "refused")
    assert newest[6].startswith(f"refused: {len(report.problems)} problem(s)")


def test_unknown_area_comes_with_suggestions_and_line_numbers(lite, tmp_path):
    engine, _ = lite
    bad = GOOD + "3,01/03/2024,Northfeld,Theft\n4,01/03/2024,Sothgate,Theft\n"
    report = import_file(engine, write(tmp_path / "typos.csv", bad), parse_mapping(CRIME))
    problems = {p.line: p for p in report.problems}
    assert set(problems) == {4, 5}  # every problem is collected, not just the first
    assert (problems[4].column, problems[4].value) == ("area", "Northfeld")
    assert "did you mean 'Northfield'?" in problems[4].suggestion
    assert report.summary() == {"unknown area": 2}


def test_a_ten_megabyte_cell_is_refused_and_reported_briefly(lite, tmp_path):
    engine, path = lite
    before = data_sha(path)
    huge = "x" * (10 * 1024 * 1024)
    report = import_file(
        engine,
        write(tmp_path / "huge.csv", f"id,date,area,offence\n1,03/01/2024,{huge},Assault\n"),
        parse_mapping(CRIME),
    )
    assert not report.accepted
    assert len(report.text()) < 2000  # the value is shown by its start, not pasted whole
    assert data_sha(path) == before


def test_a_mapping_with_an_unknown_group_is_refused():
    from db.importing.report import ImportRefused

    with pytest.raises(ImportRefused, match="groups"):
        parse_mapping({**CRIME, "groups": {"Fraud": "white-collar"}})


@pytest.mark.parametrize(
    "id_column",
    [pytest.param('source_id = "id"\n', id="quick-way"), pytest.param("", id="general-way-no-ids")],
)
def test_killing_an_import_midway_leaves_the_database_unchanged(lite, tmp_path, id_column):
    """Killed while its transaction is open (its rollback journal exists, rows are being
    written), by either way in (an id column sends a clean file the quick, column-wise way)."""
    engine, path = lite
    engine.dispose()
    rows = "".join(f"{i},03/01/2024,Northfield,Assault\n" for i in range(400_000))
    source = write(tmp_path / "big.csv", "id,date,area,offence\n" + rows)
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        'kind = "crime"\nsource = "test"\ndate_format = "%d/%m/%Y"\n'
        f'[columns]\narea = "area"\ncategory = "offence"\noccurred = "date"\n{id_column}'
        '[groups]\nAssault = "violent"\n'
    )
    before = data_sha(path)
    journal = path.with_name(path.name + "-journal")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli",
            "import",
            "crime",
            str(source),
            "--mapping",
            str(mapping),
            "--database-url",
            f"sqlite:///{path}",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not journal.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)  # rows are being written
    assert journal.exists(), "the import's transaction was not open: make the file bigger"
    assert process.poll() is None, "the import finished before it could be killed: make the file bigger"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    # the next connection rolls back the hot journal the kill left; the file is as it was
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CrimeIncident)).scalar_one() == 0
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    engine.dispose()
    assert data_sha(path) == before


def test_london_partnerships_and_survey_import_with_spot_values(engine):
    need_shared()
    from db.models import (
        Organisation,
        Partnership,
        PartnershipArea,
        PartnershipMember,
        SurveyAggregate,
        SurveyItem,
    )

    assert import_file(engine, LONDON / "london_boroughs.geojson", load_preset("london-boroughs")).accepted
    boards = import_file(
        engine,
        SHARED / "partnerships" / "london_mopac_safer_neighbourhood_boards.csv",
        load_preset("london-partnerships"),
    )
    assert boards.accepted, boards.text()
    assert boards.inserted == 32
    source = LONDON / "pas_borough_quarterly_2014q4_2023q4_commadecimal.csv"
    survey = import_file(engine, source, load_preset("london-survey"))
    assert survey.accepted, survey.text()
    with open(source, encoding="utf-8-sig", newline="") as f:
        raw = [r for r in csv.reader(f)][1:]
    assert survey.rows_read == len(raw)
    assert survey.notes == [
        "1 row(s) had cells beyond the named columns; those cells were ignored",
        "Published survey results: records from October 2014 to October 2023; "
        "no month is far below its usual volume.",  # its coverage (issue 18)
    ]
    with engine.connect() as conn:
        westminster = conn.execute(
            select(Area.name)
            .join(PartnershipArea, PartnershipArea.area_id == Area.id)
            .join(Partnership, Partnership.id == PartnershipArea.partnership_id)
            .where(Partnership.name.like("%Westminster%"))
        ).scalar_one()
        members = conn.execute(
            select(Organisation.name, Organisation.sector)
            .join(PartnershipMember)
            .join(Partnership)
            .where(Partnership.code == "LDN-SNB-01")
        ).all()

        def stored(borough: str, measure_code: str, quarter_start: str) -> tuple:
            return conn.execute(
                select(SurveyAggregate.value, SurveyAggregate.n, SurveyAggregate.statistic)
                .join(Area, Area.id == SurveyAggregate.area_id)
                .join(SurveyItem)
                .where(
                    Area.name == borough,
                    SurveyItem.code == measure_code,
                    SurveyAggregate.period_start == date.fromisoformat(quarter_start),
                )
            ).one()

        # raw: 31/12/2014, Barking and Dagenham, "Good Job" local, "0,56"
        assert stored("Barking and Dagenham", "PAS_GOOD_JOB", "2014-10-01") == (56.0, None, "share")
        first_trust = next(r for r in raw if r[3] == "Trust MPS" and r[2] == "City of Westminster")
        day, month, year = (int(x) for x in first_trust[0].split("/"))
        quarter = f"{year}-{3 * ((month - 1) // 3) + 1:02d}-01"
        assert stored("Westminster", "PAS_TRUST", quarter)[0] == pytest.approx(
            float(first_trust[4].replace(",", ".")) * 100
        )
    assert westminster == "Westminster"  # "City of Westminster" in the file, matched by the preset's alias
    assert dict(members)["Metropolitan Police Service"] == "police"
    assert len(members) == 5  # five organisations in one cell, separated by ';'


def test_decimal_commas_without_the_option_are_refused_with_a_hint(lite, tmp_path):
    engine, path = lite
    before = data_sha(path)
    mapping = parse_mapping(
        {
            "kind": "survey_aggregates",
            "statistic": "share",
            "scale": "proportion",
            "date_format": "%d/%m/%Y",
            "columns": {"area": "Borough", "item": "Measure", "value": "Proportion", "date": "Date"},
            "items": {"Trust MPS": {"code": "T", "construct": "trust"}},
        }
    )
    text = 'Date;Borough;Measure;Proportion\n31/12/2014;Northfield;Trust MPS;"0,56"\n'
    report = import_file(engine, write(tmp_path / "pas.csv", text), mapping)
    assert [(p.line, p.column, p.value, p.rule) for p in report.problems] == [
        (2, "Proportion", "0,56", "not a number")
    ]
    assert "decimal_comma = true" in report.problems[0].suggestion
    assert data_sha(path) == before


def test_out_of_scale_survey_values_are_refused(lite, tmp_path):
    engine, _ = lite
    mapping = parse_mapping(
        {
            "kind": "survey_aggregates",
            "statistic": "share",
            "scale": "proportion",
            "date_format": "%Y-%m-%d",
            "columns": {"area": "area", "item": "item", "value": "value", "date": "date"},
            "items": {"trust": {"code": "T", "construct": "trust"}},
        }
    )
    report = import_file(
        engine, write(tmp_path / "s.csv", "area,item,value,date\nNorthfield,trust,1.7,2024-01-01\n"), mapping
    )
    assert report.problems[0].rule == "value outside the proportion scale"


def _raw_rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    import gzip
    import io

    opener = gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    with io.TextIOWrapper(opener, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def _chicago(rows):
    unique = {tuple(r.items()) for r in rows}  # the preset drops exact duplicates
    return [
        (f"Chicago District {dict(r)['district']}", dict(r)["date"][:7])
        for r in unique
        if dict(r)["district"] != "31"
    ]


def _nyc(rows):
    from datetime import datetime

    return [
        (f"NYC Precinct {r['PRECINCT']}", datetime.strptime(r["OCCUR_DATE"], "%m/%d/%y").strftime("%Y-%m"))
        for r in rows
    ]


def _asb(rows):
    return [(r["lsoa_code"], r["month"][:7]) for r in rows]


def _vancouver(rows):
    return [(r["NEIGHBOURHOOD"], f"{int(r['YEAR']):04d}-{int(r['MONTH']):02d}") for r in rows]


PRESET_FILES = [
    (
        "chicago/chicago_aggravated_assaults_2010_2019.csv.gz",
        "chicago-districts",
        "chicago-assaults",
        ",",
        _chicago,
    ),
    ("nyc/nypd_shooting_incidents_2006_2020_excel_resaved.csv", "nyc-precincts", "nyc-shootings", ",", _nyc),
    ("uk_asb/lancashire_asb.tab", "uk-asb-lsoas", "uk-asb", "\t", _asb),
    ("uk_asb/northumbria_asb.tab", "uk-asb-lsoas", "uk-asb", "\t", _asb),
    ("vancouver/vancouver_thefts.csv.gz", "vancouver-neighbourhoods", "vancouver-thefts", ",", _vancouver),
]


@pytest.mark.parametrize(
    ("name", "areas_preset", "crime_preset", "delimiter", "expected"),
    PRESET_FILES,
    ids=[Path(p[0]).name.split(".")[0] for p in PRESET_FILES],
)
def test_each_crime_preset_imports_its_real_file(lite, name, areas_preset, crime_preset, delimiter, expected):
    need_shared()
    from collections import Counter

    engine, _ = lite
    source = SHARED / name
    assert import_file(engine, source, load_preset(areas_preset)).accepted
    report = import_file(engine, source, load_preset(crime_preset))
    assert report.accepted, report.text()
    want = Counter(expected(_raw_rows(source, delimiter)))
    with engine.connect() as conn:
        got = {
            (area, month.strftime("%Y-%m")): n
            for area, month, n in conn.execute(
                select(Area.name, CrimeMonthly.month, func.sum(CrimeMonthly.count))
                .join(CrimeMonthly, CrimeMonthly.area_id == Area.id)
                .group_by(Area.name, CrimeMonthly.month)
            )
        }
    assert sum(got.values()) == sum(want.values())
    keys = sorted(want)
    for key in (keys[0], keys[len(keys) // 2], keys[-1]):  # three spot values against the raw file
        assert got[key] == want[key], key


def test_an_unknown_area_is_fixed_in_one_step_with_an_alias(lite, tmp_path):
    from click.testing import CliRunner

    from cli import main

    engine, path = lite
    # the same name written differently: the one case where the ready-to-run command is offered
    bad = write(tmp_path / "typo.csv", "id,date,area,offence\n1,03/01/2024,North Field,Assault\n")
    refused = import_file(engine, bad, parse_mapping(CRIME))
    assert "commonground alias 'North Field' Northfield" in refused.problems[0].suggestion
    run = CliRunner().invoke(
        main, ["alias", "North Field", "Northfield", "--database-url", f"sqlite:///{path}"]
    )
    assert run.exit_code == 0, run.output
    assert "'North Field' now means Northfield." in run.output
    assert import_file(engine, bad, parse_mapping(CRIME)).accepted


def test_an_xlsx_workbook_imports_like_a_csv(lite, tmp_path):
    from openpyxl import Workbook

    engine, _ = lite
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "date", "area", "offence"])
    sheet.append([1, "03/01/2024", "Northfield", "Assault"])
    sheet.append([2, "15/02/2024", "Southgate", "Theft"])
    book.save(tmp_path / "crime.xlsx")
    report = import_file(engine, tmp_path / "crime.xlsx", parse_mapping(CRIME))
    assert report.accepted, report.text()
    assert report.inserted == 2


def test_a_count_with_a_decimal_comma_is_refused_not_guessed(lite, tmp_path):
    engine, path = lite
    before = data_sha(path)
    mapping = parse_mapping({**CRIME, "columns": {**CRIME["columns"], "count": "count"}})
    text = (
        'id,date,area,offence,count\n1,03/01/2024,Northfield,Assault,"1,5"\n'
        '2,03/01/2024,Southgate,Theft,"1,234"\n'
    )
    report = import_file(engine, write(tmp_path / "counts.csv", text), mapping)
    assert [(p.line, p.value, p.rule) for p in report.problems] == [
        (2, "1,5", "count must be a whole number >= 0")
    ]
    assert data_sha(path) == before  # '1,234' alone would be read as 1234


def test_chicago_partnerships_link_to_prefixed_districts(lite):
    need_shared()
    from db.models import Partnership, PartnershipArea

    engine, _ = lite
    assert import_file(
        engine,
        SHARED / "chicago" / "chicago_aggravated_assaults_2010_2019.csv.gz",
        load_preset("chicago-districts"),
    ).accepted
    report = import_file(
        engine,
        SHARED / "partnerships" / "chicago_cpd_neighborhood_policing_initiative.csv",
        load_preset("chicago-partnerships"),
    )
    assert report.accepted, report.text()
    with engine.connect() as conn:
        served = dict(
            conn.execute(
                select(Partnership.code, Area.name)
                .join(PartnershipArea, PartnershipArea.partnership_id == Partnership.id)
                .join(Area, Area.id == PartnershipArea.area_id)
            ).all()
        )
        starts = dict(conn.execute(select(Partnership.code, Partnership.start_date)).all())
    assert served == {
        "CHI-NPI-25": "Chicago District 25",
        "CHI-NPI-09": "Chicago District 9",
        "CHI-NPI-10": "Chicago District 10",
        "CHI-NPI-11": "Chicago District 11",
    }
    assert starts["CHI-NPI-25"] == date(2019, 1, 1)  # month precision in the file


@pytest.mark.postgres
def test_a_large_import_leaves_the_planner_statistics_current(pg_engine, tmp_path):
    """After 12,000 incidents PostgreSQL knows the table's size at once (a small file
    leaves statistics to autovacuum), so the next dashboard query is planned for it."""
    from db.migrate import upgrade

    upgrade(pg_engine)
    with pg_engine.begin() as conn:
        conn.execute(Area.__table__.insert(), [{"code": "N", "name": "Northfield", "kind": "neighbourhood"}])
    small = import_file(
        pg_engine,
        write(tmp_path / "small.csv", GOOD.replace("Southgate", "Northfield")),
        parse_mapping(CRIME),
    )
    assert small.accepted, small.text()
    analysed = "SELECT reltuples FROM pg_class WHERE relname = 'crime_incident'"
    with pg_engine.connect() as conn:
        assert conn.exec_driver_sql(analysed).scalar_one() < 0  # never analysed yet
    lines = [f"L{i},{1 + i % 28:02d}/0{1 + i % 9}/2024,Northfield,Assault" for i in range(12_000)]
    large = write(tmp_path / "large.csv", "id,date,area,offence\n" + "\n".join(lines) + "\n")
    report = import_file(pg_engine, large, parse_mapping({**CRIME, "source": "large"}))
    assert report.accepted, report.text()
    assert report.inserted == 12_000
    with pg_engine.connect() as conn:
        assert conn.exec_driver_sql(analysed).scalar_one() == 12_002


def test_a_printed_refusal_shows_every_rule_s_fix_not_fifty_lines_of_one():
    report = Report(kind="crime", file_name="city.csv", sha256="")
    for line in range(2, 202):
        report.problems.append(
            Problem(line, "area", "Northfield Park", "unknown area", "import the area first")
        )
    for line in range(202, 232):
        report.problems.append(
            Problem(line, "date", "2016-06-24T20:30:00+00", "date does not match", "set X")
        )
    text = report.text()
    listed = [row for row in text.splitlines() if row.startswith("  - ")]
    assert len(listed) == 50
    assert sum("date does not match (set X)" in row for row in listed) == 5  # each rule's fix is shown
    assert "line 202, column 'date'" in text
    assert text.endswith("... and 180 more")
