"""The presets added for the rest of ../shared/data: Chicago sentiment scores (and the copy
with every row appended twice), the NYC roll-out, the older NYPD file, London homicides.
Each imports its real file; counts and spot values are computed here from the raw file."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date, datetime
from statistics import mean

from sqlalchemy import func, select

from db.importing.mapping import load_preset, preset_names
from db.importing.run import import_file
from db.models import (
    Area,
    CrimeIncident,
    CrimeMonthly,
    Partnership,
    PartnershipArea,
    SurveyAggregate,
    SurveyItem,
)
from tests.conftest import ROOT
from tests.db.conftest import SHARED, need_shared

SENTIMENT = SHARED / "chicago" / "police_sentiment_scores_201711_202302.csv"
SENTIMENT_DUPLICATED = SHARED / "chicago" / "police_sentiment_scores_201711_202109_DUPLICATED.csv"


def _raw(path, encoding="utf-8-sig"):
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


def _district_rows(rows):
    return [r for r in rows if r["DISTRICT"].strip() and not r["SECTOR"].strip()]


def _chicago_districts(engine):
    report = import_file(
        engine,
        SHARED / "chicago" / "chicago_aggravated_assaults_2010_2019.csv.gz",
        load_preset("chicago-districts"),
    )
    assert report.accepted, report.text()


def _trust(conn, district: int, start: date, end: date, group=("all", "all")) -> list[float]:
    return list(
        conn.execute(
            select(SurveyAggregate.value)
            .join(Area, Area.id == SurveyAggregate.area_id)
            .join(SurveyItem, SurveyItem.id == SurveyAggregate.item_id)
            .where(
                Area.name == f"Chicago District {district}",
                SurveyItem.code == "CHI_TRUST",
                SurveyAggregate.period_start >= start,
                SurveyAggregate.period_start < end,
                SurveyAggregate.group_kind == group[0],
                SurveyAggregate.group_value == group[1],
            )
        ).scalars()
    )


def test_chicago_sentiment_scores_import_district_rows_with_their_breakdowns(lite):
    need_shared()
    engine, _ = lite
    _chicago_districts(engine)
    report = import_file(engine, SENTIMENT, load_preset("chicago-sentiment"))
    assert report.accepted, report.text()
    raw = _raw(SENTIMENT)
    districts = _district_rows(raw)
    assert report.rows_read == len(raw)
    assert report.skipped_on_purpose == len(raw) - len(districts)
    measures = [c for c in raw[0] if c.startswith(("S_", "T_")) or c in ("SAFETY", "TRUST")]
    filled = sum(1 for r in districts for c in measures if r[c].strip())
    assert report.inserted == filled

    def parsed(d):
        return datetime.strptime(d, "%m/%d/%Y").date()

    with engine.connect() as conn:
        # the README of the shared data: District 25's trust, 12 months either side of January 2019
        before = _trust(conn, 25, date(2018, 1, 1), date(2019, 1, 1))
        after = _trust(conn, 25, date(2019, 1, 1), date(2020, 1, 1))
        hispanic = _trust(conn, 25, date(2018, 1, 1), date(2019, 1, 1), ("race", "Hispanic"))
        ends = set(conn.execute(select(SurveyAggregate.period_end)).scalars())
    raw25 = [r for r in districts if r["DISTRICT"] == "25"]
    want_before = [float(r["TRUST"]) for r in raw25 if parsed(r["START_DATE"]).year == 2018]
    want_after = [float(r["TRUST"]) for r in raw25 if parsed(r["START_DATE"]).year == 2019]
    want_hispanic = [float(r["T_RACE_HISPANIC"]) for r in raw25 if parsed(r["START_DATE"]).year == 2018]
    assert sorted(before) == sorted(want_before)
    assert sorted(after) == sorted(want_after)
    assert sorted(hispanic) == sorted(want_hispanic)
    assert round(mean(before), 1) == 59.5
    assert round(mean(after), 1) == 62.0
    assert ends == {parsed(r["END_DATE"]) for r in districts}  # periods keep their own ends

    older = import_file(engine, SENTIMENT_DUPLICATED, load_preset("chicago-sentiment"))
    assert older.accepted, older.text()
    raw_older = _district_rows(_raw(SENTIMENT_DUPLICATED))
    assert older.duplicates_dropped == len(raw_older) - len({tuple(r.values()) for r in raw_older})
    assert older.inserted == 0  # every period of the older copy is in the newer file


def test_nyc_rollout_partnerships_leave_out_what_cannot_match_and_say_so(lite):
    need_shared()
    engine, _ = lite
    shootings = SHARED / "nyc" / "nypd_shooting_incidents_2006_2020_excel_resaved.csv"
    assert import_file(engine, shootings, load_preset("nyc-precincts")).accepted
    source = SHARED / "partnerships" / "nyc_nypd_nco_neighborhood_policing_rollout.csv"
    report = import_file(engine, source, load_preset("nyc-rollout"))
    assert report.accepted, report.text()
    raw = _raw(source)
    precincts = [r for r in raw if r["area_type"] == "precinct" and r["start_date"]]
    assert report.inserted == len(precincts)
    assert report.skipped_on_purpose == len(raw) - len(precincts)
    with engine.connect() as conn:
        starts = dict(conn.execute(select(Partnership.code, Partnership.start_date)).all())
        served = dict(
            conn.execute(
                select(Partnership.code, Area.name)
                .join(PartnershipArea, PartnershipArea.partnership_id == Partnership.id)
                .join(Area, Area.id == PartnershipArea.area_id)
            ).all()
        )
    assert starts["NYC-NCO-033"] == date(2015, 5, 1)  # month precision
    assert starts["NYC-NCO-123"] == date(2017, 4, 24)  # day precision
    assert served["NYC-NCO-104"] == "NYC Precinct 104"
    assert "NYC-NCO-052" not in starts  # no start date in the source


def test_the_older_nypd_file_updates_the_newer_by_incident_key(lite):
    need_shared()
    engine, _ = lite
    newer = SHARED / "nyc" / "nypd_shooting_incidents_2006_2020_excel_resaved.csv"
    older = SHARED / "nyc" / "nypd_shooting_incidents_2006_2019q3.csv"
    assert import_file(engine, newer, load_preset("nyc-precincts")).accepted
    assert import_file(engine, newer, load_preset("nyc-shootings")).accepted
    report = import_file(engine, older, load_preset("nyc-shootings"))
    assert report.accepted, report.text()
    keys_newer = {r["INCIDENT_KEY"] for r in _raw(newer)}
    keys_older = Counter(r["INCIDENT_KEY"] for r in _raw(older))
    assert report.inserted == len(set(keys_older) - keys_newer)
    assert report.inserted + report.updated + report.skipped == len(keys_older)
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(CrimeIncident)).scalar_one()
        victims = conn.execute(
            select(CrimeIncident.count).where(CrimeIncident.source_id == next(iter(keys_older)))
        ).scalar_one()
    assert stored == len(keys_newer | set(keys_older))
    first = next(iter(keys_older))
    assert victims == keys_older[first]  # the older file's victims replace the newer's for that key


def test_london_murders_match_boroughs_through_aliases(lite):
    need_shared()
    engine, _ = lite
    assert import_file(
        engine, SHARED / "london" / "london_boroughs.geojson", load_preset("london-boroughs")
    ).accepted
    source = SHARED / "london" / "london_murders_2006_2011.csv"
    report = import_file(engine, source, load_preset("london-murders"))
    assert report.accepted, report.text()
    raw = _raw(source)
    assert report.inserted == len(raw)
    aliases = load_preset("london-murders").area_aliases
    want = Counter((aliases.get(r["borough"], r["borough"]), r["date"][:7]) for r in raw)
    with engine.connect() as conn:
        got = {
            (name, month.strftime("%Y-%m")): n
            for name, month, n in conn.execute(
                select(Area.name, CrimeMonthly.month, func.sum(CrimeMonthly.count))
                .join(Area, Area.id == CrimeMonthly.area_id)
                .group_by(Area.name, CrimeMonthly.month)
            )
        }
        stored_columns = set(CrimeIncident.__table__.c.keys())
    assert got == dict(want)
    assert not {"forename", "age"} & stored_columns  # the victim's name is never stored


def test_every_preset_is_imported_by_some_test():
    tests = "".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    untested = [name for name in preset_names() if f'"{name}"' not in tests]
    assert untested == []


def test_the_preview_shows_the_rows_the_mapping_will_read():
    need_shared()
    from db.importing.run import preview

    header, rows = preview(SENTIMENT, load_preset("chicago-sentiment"), rows=5)
    assert header[:5] == ["ORG_LEVEL", "CITY", "AREA", "DISTRICT", "SECTOR"]
    want = [
        (i + 2, r) for i, r in enumerate(_raw(SENTIMENT)) if r["DISTRICT"].strip() and not r["SECTOR"].strip()
    ]
    assert [(line, row["DISTRICT"], row["TRUST"]) for line, row in rows] == [
        (line, r["DISTRICT"], r["TRUST"]) for line, r in want[:5]
    ]
