"""The monthly crime roll-up (`crime_monthly`), kept current on every load.

Every crime chart reads the roll-up, never the incident table. A load calls
`refresh_crime_monthly` in the same transaction as its inserts, for the months
it touched (or everything), so the roll-up can never disagree with incidents.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, delete, func, insert, select

from db.models import CrimeIncident, CrimeMonthly


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
