"""Recorded crime per partnership: monthly counts and rates by standard crime group.

Reads the monthly roll-up (`crime_monthly`), never the incident table. Months
inside the period and inside the data's coverage that have no recorded crime
appear with a count of 0, so that a chart does not join across a gap.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, and_, case, func, select

from db.models import Area, CrimeMonthly, OffenceCategory, Partnership, PartnershipArea
from metrics.coverage import span
from metrics.filters import Filters
from metrics.stats import change_direction, poisson_z

MONTHLY_COLUMNS = ["partnership", "month", "crime_group", "count", "population", "rate_per_1000"]


def _month_of(d: date) -> date:
    return d.replace(day=1)


def _catchment(filters: Filters):
    """(partnership code, area id) pairs of catchment areas, optionally for one partnership."""
    q = select(Partnership.code.label("partnership"), PartnershipArea.area_id).join(
        PartnershipArea,
        and_(PartnershipArea.partnership_id == Partnership.id, PartnershipArea.role == "catchment"),
    )
    if filters.partnership is not None:
        q = q.where(Partnership.code == filters.partnership)
    return q.subquery()


def catchment_population(conn: Connection, filters: Filters) -> dict[str, int | None]:
    """Resident population of each partnership's catchment areas (None when any is unknown)."""
    c = _catchment(filters)
    q = (
        select(c.c.partnership, func.sum(Area.population), func.count(Area.population), func.count())
        .join(Area, Area.id == c.c.area_id)
        .group_by(c.c.partnership)
    )
    return {p: (int(total) if known == areas else None) for p, total, known, areas in conn.execute(q)}


def data_months(conn: Connection) -> tuple[date, date] | None:
    """First and last month with any recorded crime, or None when there is none."""
    first, last = span(conn, CrimeMonthly.month)
    return None if first is None else (first, last)


def crime_monthly(conn: Connection, filters: Filters) -> pd.DataFrame:
    """Monthly crime per partnership and crime group.

    Columns: partnership (code), month (date, first day), crime_group, count,
    population (catchment residents, may be missing), rate_per_1000 (count per
    1,000 residents, missing when population is). Only `filters.crime_groups`.
    """
    c = _catchment(filters)
    q = (
        select(
            c.c.partnership,
            CrimeMonthly.month,
            OffenceCategory.crime_group,
            func.sum(CrimeMonthly.count).label("count"),
        )
        .join(CrimeMonthly, CrimeMonthly.area_id == c.c.area_id)
        .join(OffenceCategory, OffenceCategory.id == CrimeMonthly.category_id)
        .where(
            CrimeMonthly.month >= _month_of(filters.start),
            CrimeMonthly.month <= filters.end,
            OffenceCategory.crime_group.in_(filters.crime_groups),
        )
        .group_by(c.c.partnership, CrimeMonthly.month, OffenceCategory.crime_group)
    )
    frame = pd.DataFrame(conn.execute(q).all(), columns=["partnership", "month", "crime_group", "count"])
    coverage = data_months(conn)
    if coverage is None or not filters.crime_groups:
        return pd.DataFrame(columns=MONTHLY_COLUMNS)
    first = max(coverage[0], _month_of(filters.start))
    last = min(coverage[1], filters.end)
    if first > last:
        return pd.DataFrame(columns=MONTHLY_COLUMNS)
    populations = catchment_population(conn, filters)
    full = pd.MultiIndex.from_product(
        [sorted(populations), pd.date_range(first, last, freq="MS"), list(filters.crime_groups)],
        names=["partnership", "month", "crime_group"],
    )
    frame["month"] = pd.to_datetime(frame["month"])
    frame = frame.set_index(["partnership", "month", "crime_group"]).reindex(full, fill_value=0).reset_index()
    frame["count"] = frame["count"].astype(int)
    frame["population"] = frame["partnership"].map(populations).astype("Float64")
    frame["rate_per_1000"] = frame["count"] / frame["population"] * 1000
    return frame[MONTHLY_COLUMNS]


def crime_change(conn: Connection, filters: Filters, months: int = 12) -> pd.DataFrame:
    """Crime in the last `months` months of the period against the `months` before them.

    Columns: partnership, before (count), after (count), change_pct, z (Poisson z),
    direction ('down', 'up', 'no clear change'), window_start, window_mid, window_end.
    The last month is the period's end or the last month with data, whichever is earlier.
    """
    coverage = data_months(conn)
    columns = [
        "partnership",
        "before",
        "after",
        "change_pct",
        "z",
        "direction",
        "window_start",
        "window_mid",
        "window_end",
    ]
    if coverage is None:
        return pd.DataFrame(columns=columns)
    end = min(coverage[1], _month_of(filters.end))
    mid = (pd.Timestamp(end) - pd.DateOffset(months=months - 1)).date()
    start = (pd.Timestamp(mid) - pd.DateOffset(months=months)).date()
    after = case((CrimeMonthly.month >= mid, CrimeMonthly.count), else_=0)
    before = case((CrimeMonthly.month < mid, CrimeMonthly.count), else_=0)
    per_area = (
        select(CrimeMonthly.area_id, func.sum(before).label("before"), func.sum(after).label("after"))
        .join(OffenceCategory, OffenceCategory.id == CrimeMonthly.category_id)
        .where(
            CrimeMonthly.month >= start,
            CrimeMonthly.month <= end,
            OffenceCategory.crime_group.in_(filters.crime_groups),
        )
        .group_by(CrimeMonthly.area_id)
        .subquery()
    )
    c = _catchment(filters)
    q = (
        select(
            c.c.partnership,
            func.coalesce(func.sum(per_area.c.before), 0),
            func.coalesce(func.sum(per_area.c.after), 0),
        )
        .select_from(c)
        .outerjoin(per_area, per_area.c.area_id == c.c.area_id)
        .group_by(c.c.partnership)
        .order_by(c.c.partnership)
    )
    records = []
    for partnership, b, a in conn.execute(q):
        b, a = int(b), int(a)
        pct = (a - b) / b * 100 if b else float("nan")
        records.append((partnership, b, a, pct, poisson_z(b, a), change_direction(b, a), start, mid, end))
    return pd.DataFrame.from_records(records, columns=columns)
