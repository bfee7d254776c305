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
