"""What period the data covers and when each table was last loaded."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import ColumnElement, Connection, func, select

from db.models import Area, CrimeMonthly, LoadLog, SurveyAggregate, SurveyResponse


def span(
    conn: Connection, first: ColumnElement, last: ColumnElement | None = None, *, where: tuple = ()
) -> tuple:
    """(min of `first`, max of `last`, which defaults to `first`) over the rows matching
    every condition in `where`. Each is its own subquery: SQLite answers a lone min() or
    max() from an index in a step, but scans the whole index for both at once (0.1 ms
    against 40 ms on the city's roll-up)."""
    last = first if last is None else last
    return conn.execute(
        select(
            select(func.min(first)).where(*where).scalar_subquery(),
            select(func.max(last)).where(*where).scalar_subquery(),
        )
    ).one()


def data_period(conn: Connection) -> tuple[date, date] | None:
    """First and last day covered by crime or survey data, or None when there is none.

    The last day is the end of the last month with recorded crime, the last survey
    answer or the end of the last published survey period, whichever is latest.
    """
    crime_first, crime_last = span(conn, CrimeMonthly.month)
    survey_first, survey_last = span(conn, SurveyResponse.responded_on)
    published_first, published_last = span(conn, SurveyAggregate.period_start, SurveyAggregate.period_end)
    firsts = [d for d in (crime_first, survey_first, published_first) if d is not None]
    lasts = [d for d in (survey_last, published_last) if d is not None]
    if crime_last is not None:
        lasts.append((pd.Timestamp(crime_last) + pd.offsets.MonthEnd(0)).date())
    if not firsts:
        return None
    return min(firsts), max(lasts)


def last_loaded(conn: Connection) -> pd.DataFrame:
    """Per kind of data: when it was last loaded and from which file, and the rows all of
    its loads inserted. Columns: kind, loaded_at, file_name, rows."""
    per_kind = (
        select(
            LoadLog.kind, func.max(LoadLog.id).label("last_id"), func.sum(LoadLog.rows_inserted).label("rows")
        )
        .group_by(LoadLog.kind)
        .subquery()
    )
    q = (
        select(per_kind.c.kind, LoadLog.loaded_at, LoadLog.file_name, per_kind.c.rows)
        .join(LoadLog, LoadLog.id == per_kind.c.last_id)
        .order_by(per_kind.c.kind)
    )
    return pd.DataFrame(
        [tuple(r) for r in conn.execute(q)], columns=["kind", "loaded_at", "file_name", "rows"]
    )


def incomplete_months(
    conn: Connection, recent: int = 3, baseline: int = 12, threshold: float = 0.85
) -> pd.DataFrame:
    """Recent months whose recorded crime is well below the months before: late reports
    may still arrive (domain.md section 4).

    Compares each of the last `recent` months of recorded crime (all areas) with the
    median month of the `baseline` months before them; a month below `threshold` times
    that median is flagged. Columns: month, count, typical (the median), share.
    """
    q = select(CrimeMonthly.month, func.sum(CrimeMonthly.count)).group_by(CrimeMonthly.month)
    totals = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=["month", "count"]).sort_values(
        "month"
    )
    columns = ["month", "count", "typical", "share"]
    if len(totals) <= recent:
        return pd.DataFrame(columns=columns)
    typical = float(totals["count"].iloc[-(recent + baseline) : -recent].median())
    tail = totals.iloc[-recent:].assign(typical=typical)
    tail["share"] = tail["count"] / typical if typical else float("nan")
    return tail[tail["share"] < threshold][columns].reset_index(drop=True)


def import_history(conn: Connection, limit: int = 200) -> pd.DataFrame:
    """The newest loads first. Columns: loaded_at, kind, file_name, sha256, inserted,
    updated, skipped, loaded_by."""
    q = (
        select(
            LoadLog.loaded_at,
            LoadLog.kind,
            LoadLog.file_name,
            LoadLog.sha256,
            LoadLog.rows_inserted,
            LoadLog.rows_updated,
            LoadLog.rows_skipped,
            LoadLog.loaded_by,
        )
        .order_by(LoadLog.id.desc())
        .limit(limit)
    )
    columns = ["loaded_at", "kind", "file_name", "sha256", "inserted", "updated", "skipped", "loaded_by"]
    return pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=columns)


def area_names(conn: Connection) -> list[str]:
    """Every area's name, sorted."""
    return sorted(conn.execute(select(Area.name)).scalars())
