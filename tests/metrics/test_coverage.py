"""The first and last dates the data covers, read from indexes one end at a time."""

from datetime import date

from sqlalchemy import insert

from db.models import SurveyResponse
from db.rollup import refresh_survey_monthly
from metrics.coverage import data_period, span
from metrics.crime import data_months
from metrics.evaluation import survey_coverage


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
        assert data_period(conn) == (date(2023, 5, 7), date(2025, 1, 3))
        # evaluations judge residents only: the officers' dates do not widen the months
        assert survey_coverage(conn) == (date(2024, 2, 1), date(2024, 6, 1))


def test_an_empty_database_covers_no_period(engine):
    with engine.connect() as conn:
        assert span(conn, SurveyResponse.responded_on) == (None, None)
        assert data_period(conn) is None
        assert data_months(conn) is None
        assert survey_coverage(conn) is None
