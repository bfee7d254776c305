"""The first and last dates the data covers, read from indexes one end at a time, and each
source's coverage: its thin months and covered span, the default period and the guard."""

from datetime import date
from pathlib import Path

from sqlalchemy import insert

from db.importing.mapping import parse_mapping
from db.importing.run import import_file
from db.models import Area, Partnership, PartnershipArea, SurveyResponse
from db.rollup import refresh_survey_monthly
from metrics.coverage import data_extent, data_period, judge_months, source_coverage, span
from metrics.crime import data_months
from metrics.evaluation import evaluate, survey_coverage
from metrics.verdict import NOT_ENOUGH


def _officers_either_side(engine) -> None:
    """Two officers who answered before and after every resident, and a resident in June."""
    rows = [
        (11, "officer", date(2023, 5, 7)),
        (12, "officer", date(2025, 1, 3)),
        (13, "resident", date(2024, 6, 30)),
    ]
    with engine.begin() as conn:
        conn.execute(
            insert(SurveyResponse),
            [
                {
                    "id": i,
                    "respondent_type": kind,
                    "area_id": 1,
                    "responded_on": day,
                    "quarter_start": day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1),
                    "weight": 1.0,
                }
                for i, kind, day in rows
            ],
        )
        refresh_survey_monthly(conn)


def test_span_is_the_first_and_last_value_with_and_without_a_condition(tiny):
    _officers_either_side(tiny)
    r = SurveyResponse
    with tiny.connect() as conn:
        assert span(conn, r.responded_on) == (date(2023, 5, 7), date(2025, 1, 3))
        residents = span(conn, r.responded_on, where=(r.respondent_type == "resident",))
        assert residents == (date(2024, 2, 1), date(2024, 6, 30))
        assert span(conn, r.quarter_start, r.responded_on) == (date(2023, 4, 1), date(2025, 1, 3))


def test_coverage_uses_residents_for_surveys_and_month_ends_for_crime(tiny):
    _officers_either_side(tiny)
    with tiny.connect() as conn:
        # crime runs January to March 2024 (tiny city); officers answered either side of it
        assert data_months(conn) == (date(2024, 1, 1), date(2024, 3, 1))
        # the period runs from the first covered month's start to the last day with data
        assert data_period(conn) == (date(2023, 5, 1), date(2025, 1, 3))
        # evaluations judge residents only: the officers' dates do not widen the months
        assert survey_coverage(conn) == (date(2024, 2, 1), date(2024, 6, 1))


def test_an_empty_database_covers_no_period(engine):
    with engine.connect() as conn:
        assert span(conn, SurveyResponse.responded_on) == (None, None)
        assert data_period(conn) is None
        assert data_months(conn) is None
        assert survey_coverage(conn) is None


# --- coverage per source: data that starts late (issue 18) ------------------------------------

CRIME_MAPPING = {
    "kind": "crime",
    "source": "city",
    "format": "long",
    "date_format": "%d/%m/%Y",
    "columns": {"area": "area", "category": "offence", "occurred": "date", "source_id": "id"},
    "groups": {"Assault": "violent", "Theft": "property"},
}
AREAS = [f"Ward {n}" for n in range(1, 9)]


def late_start_file(path: Path, thefts: bool = False) -> Path:
    """An incident export built like the real one: three offences dated 1995, a thin first
    year (2014: two records a month) and five normal years (2015-2019: 30 a month in
    each of eight wards), all assaults; with `thefts`, also one theft a month in each
    ward in the normal years (a group too small to judge month by month on its own)."""
    lines = ["id,date,area,offence"]

    def add(day: date, area: str) -> None:
        lines.append(f"{len(lines)},{day:%d/%m/%Y},{area},Assault")

    for day in (date(1995, 3, 2), date(1995, 3, 9), date(1995, 3, 20)):
        add(day, AREAS[0])
    for month in range(1, 13):
        add(date(2014, month, 5), AREAS[month % 8])
        add(date(2014, month, 19), AREAS[(month + 3) % 8])
    for year in range(2015, 2020):
        for month in range(1, 13):
            for area in AREAS:
                for i in range(30):
                    add(date(year, month, 1 + i % 28), area)
                if thefts:
                    lines.append(f"{len(lines)},15/{month:02d}/{year},{area},Theft")
    path.write_text("\n".join(lines) + "\n")
    return path


def late_start_city(engine, tmp_path: Path, thefts: bool = False):
    """The late-starting file imported into eight wards, and a partnership in Ward 1 that
    began in the first full year (April 2015). Returns the import's report."""
    with engine.begin() as conn:
        conn.execute(
            insert(Area), [{"code": f"W{i}", "name": name, "kind": "ward"} for i, name in enumerate(AREAS, 1)]
        )
    report = import_file(
        engine, late_start_file(tmp_path / "incidents.csv", thefts), parse_mapping(CRIME_MAPPING)
    )
    assert report.accepted, report.text()
    with engine.begin() as conn:
        conn.execute(
            insert(Partnership),
            {"id": 1, "code": "EARLY", "name": "Early partnership", "start_date": date(2015, 4, 1)},
        )
        conn.execute(insert(PartnershipArea), {"partnership_id": 1, "area_id": 1, "role": "catchment"})
    return report


def test_a_late_start_is_found_and_the_default_period_starts_at_the_normal_data(engine, tmp_path):
    report = late_start_city(engine, tmp_path)
    with engine.connect() as conn:
        (crime,) = source_coverage(conn)
        assert (crime.first, crime.last) == (date(1995, 3, 1), date(2019, 12, 1))
        assert (crime.covered_first, crime.covered_last) == (date(2015, 1, 1), date(2019, 12, 1))
        assert crime.typical == 240
        # the default period starts at the normal data, not at 1995; the widest one still reaches it
        assert data_period(conn) == (date(2015, 1, 1), date(2019, 12, 31))
        assert data_extent(conn) == (date(1995, 3, 1), date(2019, 12, 31))
    # the import report says so, with the stray months and the thin year named
    note = " ".join(report.notes)
    assert "Recorded crime ('city'): records from March 1995 to December 2019" in note
    assert "usable from January 2015 to December 2019" in note
    assert "March 1995: 3; April 1995 to December 2013: none; January 2014 to December 2014: 24 in 12" in note
    assert "note: Recorded crime ('city')" in report.text()


def test_a_partnership_that_began_in_the_first_full_year_is_not_given_a_giant_effect(engine, tmp_path):
    late_start_city(engine, tmp_path)
    with engine.connect() as conn:
        result = evaluate(conn, "EARLY", ("violent",))["outcomes"][0]
    assert result["verdict"] == NOT_ENOUGH
    assert "effect" not in result
    assert result["sentence"] == (
        "Not enough data: too little data before it began: recorded crime ('city') is near empty until "
        "December 2014 (2 that month against a usual month of 240), so only 3 months before the start "
        "can be compared (12 needed)."
    )


def test_a_small_crime_group_is_judged_by_its_source_s_coverage_not_left_to_chance(engine, tmp_path):
    """Eight thefts a month city-wide are too few to judge a month by; the source's thin
    first year still refuses the estimate that a before-window of no thefts would give."""
    late_start_city(engine, tmp_path, thefts=True)
    with engine.connect() as conn:
        result = evaluate(conn, "EARLY", ("property",))["outcomes"][0]
    assert result["verdict"] == NOT_ENOUGH
    assert "effect" not in result
    assert (
        "too little data before it began: recorded crime ('city') is near empty until December 2014"
        in (result["sentence"])
    )


def test_a_check_of_the_file_notes_its_coverage_and_writes_nothing(engine, tmp_path):
    with engine.begin() as conn:
        conn.execute(
            insert(Area), [{"code": f"W{i}", "name": n, "kind": "ward"} for i, n in enumerate(AREAS, 1)]
        )
    checked = import_file(
        engine, late_start_file(tmp_path / "incidents.csv"), parse_mapping(CRIME_MAPPING), dry_run=True
    )
    assert any("usable from January 2015 to December 2019" in n for n in checked.notes)
    with engine.connect() as conn:
        assert data_period(conn) is None


def test_stray_months_far_from_a_small_source_are_left_out_of_its_span():
    """A source too small to judge months by volume still loses a cluster of stray months
    cut off from the rest; a survey asked in waves is not thin between them."""
    volumes = {date(1996, 5, 1): 2} | {date(2016, m, 1): 5 for m in range(1, 13)}
    typical, thin, covered = judge_months(volumes, every_month=True)
    assert typical == 5
    assert covered == (date(2016, 1, 1), date(2016, 12, 1))
    assert thin == [date(1996, 5, 1)]
    waves = {date(2020, 3, 1): 400, date(2020, 9, 1): 380, date(2021, 3, 1): 410, date(2021, 9, 1): 30}
    typical, thin, covered = judge_months(waves, every_month=False)
    assert thin == [date(2021, 9, 1)]  # 30 answers against a usual wave of 390: thin
    assert covered == (date(2020, 3, 1), date(2021, 3, 1))
