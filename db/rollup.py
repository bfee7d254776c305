"""The monthly roll-ups, kept current on every load: `crime_monthly` (incidents per
area, month and category) and `survey_monthly` (resident survey sums per construct,
area and month).

Every crime chart reads `crime_monthly`, never the incident table, and every survey
score reads `survey_monthly`, never the answers. A load refreshes them in the same
transaction as its inserts, for the months it touched (or everything), so a roll-up
can never disagree with the rows it sums.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Connection, case, delete, func, insert, select

from db.dialect import month_start
from db.models import (
    CrimeIncident,
    CrimeMonthly,
    SurveyAnswer,
    SurveyItem,
    SurveyMonthly,
    SurveyResponse,
)


def refresh_crime_monthly(conn: Connection, months: Iterable[date] | None = None) -> int:
    """Rebuild the roll-up for `months` (all months when None) from `crime_incident`.

    Returns the number of roll-up rows written.
    """
    month_list = None if months is None else sorted(set(months))
    inc = CrimeIncident.__table__
    cm = CrimeMonthly.__table__
    remove = delete(cm)
    source = (
        select(inc.c.area_id, inc.c.occurred_month, inc.c.category_id, func.sum(inc.c.count))
        .group_by(inc.c.area_id, inc.c.occurred_month, inc.c.category_id)
        .having(func.sum(inc.c.count) > 0)
    )
    if month_list is not None:
        remove = remove.where(cm.c.month.in_(month_list))
        source = source.where(inc.c.occurred_month.in_(month_list))
    conn.execute(remove)
    conn.execute(insert(cm).from_select(["area_id", "month", "category_id", "count"], source))
    # counted rather than taken from rowcount, which psycopg reports as -1 for INSERT ... SELECT
    written = select(func.count()).select_from(cm)
    if month_list is not None:
        written = written.where(cm.c.month.in_(month_list))
    return conn.execute(written).scalar_one()


def add_to_crime_monthly(conn: Connection, counts: dict[tuple[int, date, int], int]) -> None:
    """Add (area_id, month, category_id) -> count (negative to take away) to the roll-up,
    then drop cells left at zero: what a load does to it, without re-reading the
    incident table. The caller's counts must be the load's exact difference."""
    if not counts:
        return
    cm = CrimeMonthly.__table__
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    statement = upsert(cm)
    statement = statement.on_conflict_do_update(
        index_elements=[cm.c.area_id, cm.c.month, cm.c.category_id],
        set_={"count": cm.c["count"] + statement.excluded["count"]},
    )
    conn.execute(
        statement,
        [{"area_id": a, "month": m, "category_id": c, "count": n} for (a, m, c), n in counts.items()],
    )
    months = sorted({m for _a, m, _c in counts})
    conn.execute(delete(cm).where(cm.c.month.in_(months), cm.c["count"] <= 0))


def _survey_sums_by_month(months: list[date] | None):  # months sorted
    """SELECT of survey_monthly's rows from the answers: per construct, area, month and
    quarter, the sums over resident respondents (each respondent once per construct, with
    the mean of their answers rescaled to 0-100, reversed for reverse-worded items)."""
    r, a, i = SurveyResponse, SurveyAnswer, SurveyItem
    span = i.scale_max - i.scale_min
    # distance of the answer from the scale's worst end, in scale steps
    from_worst = case((i.reverse_worded, i.scale_max - a.value), else_=a.value - i.scale_min)
    # positive: more than 60% of the way from the worst answer to the best (metrics.survey.POSITIVE)
    positive = case((5 * from_worst > 3 * span, 1.0), else_=0.0)
    month = month_start(r.responded_on)
    per_respondent = (
        select(
            i.construct.label("construct"),
            r.area_id.label("area_id"),
            month.label("month"),
            r.quarter_start.label("quarter"),
            r.weight.label("w"),
            func.avg(100.0 * from_worst / span).label("x"),
            func.avg(positive).label("p"),
        )
        .join(a, a.response_id == r.id)
        .join(i, i.id == a.item_id)
        .where(r.respondent_type == "resident", r.area_id.is_not(None))
        .group_by(i.construct, r.id, r.area_id, r.responded_on, r.quarter_start, r.weight)
    )
    if months:
        after_last = (months[-1] + timedelta(days=32)).replace(day=1)
        per_respondent = per_respondent.where(
            r.responded_on >= months[0], r.responded_on < after_last, month.in_(months)
        )
    s = per_respondent.subquery()
    return select(
        s.c.construct,
        s.c.area_id,
        s.c.month,
        s.c.quarter,
        func.count(),
        func.sum(s.c.w),
        func.sum(s.c.w * s.c.w),
        func.sum(s.c.w * s.c.x),
        func.sum(s.c.w * s.c.x * s.c.x),
        func.sum(s.c.w * s.c.p),
    ).group_by(s.c.construct, s.c.area_id, s.c.month, s.c.quarter)


def refresh_survey_monthly(conn: Connection, months: Iterable[date] | None = None) -> int:
    """Rebuild the survey roll-up for `months` (first days; all months when None) from
    the resident answers, in the caller's transaction. Returns the rows written."""
    month_list = None if months is None else sorted({m.replace(day=1) for m in months})
    sm = SurveyMonthly.__table__
    remove = delete(sm)
    if month_list is not None:
        if not month_list:
            return 0
        remove = remove.where(sm.c.month.in_(month_list))
    conn.execute(remove)
    columns = ["construct", "area_id", "month", "quarter", "n", "sw", "sw2", "swx", "swx2", "swp"]
    conn.execute(insert(sm).from_select(columns, _survey_sums_by_month(month_list)))
    written = select(func.count()).select_from(sm)
    if month_list is not None:
        written = written.where(sm.c.month.in_(month_list))
    return conn.execute(written).scalar_one()
