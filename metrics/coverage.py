"""What period the data covers and when each table was last loaded."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, func, select

from db.models import CrimeMonthly, LoadLog, SurveyAggregate, SurveyResponse


def data_period(conn: Connection) -> tuple[date, date] | None:
    """First and last day covered by crime or survey data, or None when there is none.

    The last day is the end of the last month with recorded crime, the last survey
    answer or the end of the last published survey period, whichever is latest.
    """
    crime_first, crime_last = conn.execute(
        select(func.min(CrimeMonthly.month), func.max(CrimeMonthly.month))
    ).one()
    survey_first, survey_last = conn.execute(
        select(func.min(SurveyResponse.responded_on), func.max(SurveyResponse.responded_on))
    ).one()
    published_first, published_last = conn.execute(
        select(func.min(SurveyAggregate.period_start), func.max(SurveyAggregate.period_end))
    ).one()
    firsts = [d for d in (crime_first, survey_first, published_first) if d is not None]
    lasts = [d for d in (survey_last, published_last) if d is not None]
    if crime_last is not None:
        lasts.append((pd.Timestamp(crime_last) + pd.offsets.MonthEnd(0)).date())
    if not firsts:
        return None
    return min(firsts), max(lasts)


def last_loaded(conn: Connection) -> pd.DataFrame:
    """When each kind of data was last loaded. Columns: kind, loaded_at, file_name, rows."""
    q = (
        select(
            LoadLog.kind,
            func.max(LoadLog.loaded_at),
            func.max(LoadLog.file_name),
            func.sum(LoadLog.rows_inserted),
        )
        .group_by(LoadLog.kind)
        .order_by(LoadLog.kind)
    )
    return pd.DataFrame(conn.execute(q).all(), columns=["kind", "loaded_at", "file_name", "rows"])
