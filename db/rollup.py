"""The monthly roll-ups, kept current on every load: `crime_monthly` (incidents per
area, month and category) and `survey_monthly` (resident survey sums per construct,
area and month), with `survey_group_monthly` (the same sums per group of residents).

Every crime chart reads `crime_monthly`, never the incident table, and every survey
score reads `survey_monthly`, never the answers. A load refreshes them in the same
transaction as its inserts, for the months it touched (or everything), so a roll-up
can never disagree with the rows it sums.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Connection, case, delete, func, insert, literal, select

from db.dialect import month_start
from db.models import (
    GROUP_DIMENSIONS,
    CrimeIncident,
    CrimeMonthly,
    SurveyAnswer,
    SurveyGroupMonthly,
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


def _per_respondent(months: list[date] | None, *extra):
    """SELECT of one row per resident respondent and construct: area, month, quarter, the
    weight (raked where raked, else the design weight), the mean of their answers rescaled to
    0-100 (reversed for reverse-worded items) and the share of them positive; with `extra`
    response columns too."""
    r, a, i = SurveyResponse, SurveyAnswer, SurveyItem
    span = i.scale_max - i.scale_min
    # distance of the answer from the scale's worst end, in scale steps
    from_worst = case((i.reverse_worded, i.scale_max - a.value), else_=a.value - i.scale_min)
    # positive: more than 60% of the way from the worst answer to the best (metrics.survey.POSITIVE)
    positive = case((5 * from_worst > 3 * span, 1.0), else_=0.0)
    month = month_start(r.responded_on)
    weight = func.coalesce(r.rake_weight, r.weight)
    per_respondent = (
        select(
            i.construct.label("construct"),
            r.area_id.label("area_id"),
            month.label("month"),
            r.quarter_start.label("quarter"),
            weight.label("w"),
            func.avg(100.0 * from_worst / span).label("x"),
            func.avg(positive).label("p"),
            *extra,
        )
        .join(a, a.response_id == r.id)
        .join(i, i.id == a.item_id)
        .where(r.respondent_type == "resident", r.area_id.is_not(None))
        .group_by(i.construct, r.id, r.area_id, r.responded_on, r.quarter_start, weight, *extra)
    )
    if months:
        after_last = (months[-1] + timedelta(days=32)).replace(day=1)
        per_respondent = per_respondent.where(
            r.responded_on >= months[0], r.responded_on < after_last, month.in_(months)
        )
    return per_respondent


def _sums(s, *keys):
    """The roll-up's sums over `_per_respondent` rows `s`, grouped by `keys` (columns of s)."""
    return select(
        *keys,
        func.count(),
        func.sum(s.c.w),
        func.sum(s.c.w * s.c.w),
        func.sum(s.c.w * s.c.x),
        func.sum(s.c.w * s.c.x * s.c.x),
        func.sum(s.c.w * s.c.p),
    ).group_by(*keys)


def _survey_sums_by_month(months: list[date] | None):  # months sorted
    """SELECT of survey_monthly's rows from the answers: per construct, area, month and
    quarter, the sums over resident respondents (each respondent once per construct)."""
    s = _per_respondent(months).subquery()
    return _sums(s, s.c.construct, s.c.area_id, s.c.month, s.c.quarter)


def _group_sums_by_month(months: list[date] | None, dimension: str):
    """SELECT of survey_group_monthly's rows for one dimension of GROUP_DIMENSIONS:
    `_survey_sums_by_month` per group, leaving out respondents with the dimension blank."""
    column = getattr(SurveyResponse, dimension)
    s = _per_respondent(months, column.label("group_value")).subquery()
    keys = (s.c.construct, s.c.area_id, s.c.month, s.c.quarter)
    return _sums(s, *keys, s.c.group_value).where(s.c.group_value.is_not(None), s.c.group_value != "")


def refresh_survey_monthly(conn: Connection, months: Iterable[date] | None = None) -> int:
    """Rebuild the survey roll-ups (`survey_monthly` and `survey_group_monthly`) for
    `months` (first days; all months when None) from the resident answers, in the caller's
    transaction. Returns the rows written to `survey_monthly`."""
    month_list = None if months is None else sorted({m.replace(day=1) for m in months})
    if month_list is not None and not month_list:
        return 0
    sm, gm = SurveyMonthly.__table__, SurveyGroupMonthly.__table__
    for table in (sm, gm):
        remove = delete(table)
        if month_list is not None:
            remove = remove.where(table.c.month.in_(month_list))
        conn.execute(remove)
    columns = ["construct", "area_id", "month", "quarter", "n", "sw", "sw2", "swx", "swx2", "swp"]
    conn.execute(insert(sm).from_select(columns, _survey_sums_by_month(month_list)))
    group_columns = [*columns[:4], "group_value", *columns[4:]]
    for dimension in GROUP_DIMENSIONS:
        rows = _group_sums_by_month(month_list, dimension).subquery()
        conn.execute(
            insert(gm).from_select(
                [*group_columns[:4], "dimension", *group_columns[4:]],
                select(*rows.c[:4], literal(dimension), *rows.c[4:]),
            )
        )
    written = select(func.count()).select_from(sm)
    if month_list is not None:
        written = written.where(sm.c.month.in_(month_list))
    return conn.execute(written).scalar_one()
