"""What a map shows: areas' stored shapes, crime rates per 1,000 residents, and classes
that say what they mean.

Pure functions of the database and of numbers (no Streamlit, no colours). Shapes are the
simplified GeoJSON boundaries stored at import (db/boundaries.py). Rates are annual: a
period of 6 months with 30 crimes in an area of 10,000 people is 6 per 1,000 a year, so
periods of any length read on one scale. Public rules apply before anything is drawn: an
area with 1 to 10 crimes shows "fewer than 11" and no rate (its population is public, so
its rate would give the count away).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Connection, func, select

from db.models import Area, CrimeMonthly, OffenceCategory
from metrics.crime import data_months
from metrics.evaluation import all_places, buffer_of, candidates, load_places
from metrics.publish import PUBLIC, Rules, rate_flag, shown_counts

RATE_COLUMNS = ["area_id", "count", "shown", "count_text", "population", "months", "rate", "flag"]


@dataclass(frozen=True)
class MapArea:
    """One area as a map draws it: its outer rings (longitude, latitude) and label point."""

    id: int
    code: str
    name: str
    kind: str
    population: int | None
    rings: tuple[tuple[tuple[float, float], ...], ...]
    label_lon: float
    label_lat: float

    @property
    def size(self) -> float:
        """Its rough area in square degrees: larger shapes are drawn first, so that a
        small area inside a larger one stays on top."""
        total = 0.0
        for ring in self.rings:
            total += abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)))
        return total / 2


def _rings(boundary: str) -> tuple[tuple[tuple[float, float], ...], ...]:
    geometry = json.loads(boundary)
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return tuple(tuple((float(x), float(y)) for x, y, *_ in polygon[0]) for polygon in polygons)


def area_shapes(
    conn: Connection, area_ids: list[int] | None = None, kinds: tuple[str, ...] | None = None
) -> list[MapArea]:
    """Areas that have a stored boundary, largest first; all of them, or those with these
    ids or kinds. Areas without one are left out: `missing_shapes` names them."""
    q = select(
        Area.id,
        Area.code,
        Area.name,
        Area.kind,
        Area.population,
        Area.boundary,
        Area.label_lon,
        Area.label_lat,
    ).where(Area.boundary.is_not(None))
    if area_ids is not None:
        q = q.where(Area.id.in_(area_ids))
    if kinds is not None:
        q = q.where(Area.kind.in_(kinds))
    areas = [
        MapArea(r.id, r.code, r.name, r.kind, r.population, _rings(r.boundary), r.label_lon, r.label_lat)
        for r in conn.execute(q.order_by(Area.code))
    ]
    return sorted(areas, key=lambda a: -a.size)


def missing_shapes(conn: Connection, area_ids: list[int]) -> list[str]:
    """Names of these areas that have no stored boundary, to say so under a map."""
    q = select(Area.name).where(Area.id.in_(area_ids), Area.boundary.is_(None)).order_by(Area.name)
    return list(conn.scalars(q))


def mapped_kind(conn: Connection, area_ids: list[int]) -> str | None:
    """The kind of area most of these are (neighbourhood, borough, beat ...), to draw their
    peers beside them; None when none of them has a shape."""
    q = (
        select(Area.kind, func.count())
        .where(Area.id.in_(area_ids), Area.boundary.is_not(None))
        .group_by(Area.kind)
        .order_by(func.count().desc(), Area.kind)
    )
    row = conn.execute(q).first()
    return None if row is None else row[0]


def crime_rates(
    conn: Connection,
    area_ids: list[int],
    start: date,
    end: date,
    crime_groups: tuple[str, ...],
    rules: Rules = PUBLIC,
) -> pd.DataFrame:
    """Recorded crime per area over the months of [start, end] that have crime data, summed
    in SQL from the monthly roll-up, with the annual rate per 1,000 residents.

    Columns: area_id, count, shown (None where the public rules hide it), count_text ('1,234'
    or 'fewer than 11'), population, months, rate (per 1,000 a year; None where the count is
    hidden or the population unknown), flag ('unstable: 20 or fewer offences' or '').
    An area with no recorded crime in the period has count 0; `months` is 0 when the period
    holds no crime data at all, and then every rate is None (no data, not zero)."""
    coverage = data_months(conn)
    first = start.replace(day=1)
    if coverage is not None:
        first, last = max(first, coverage[0]), min(end, coverage[1])
    months = (
        0
        if coverage is None or first > last
        else (last.year - first.year) * 12 + last.month - first.month + 1
    )
    counts: dict[int, int] = {}
    if months and crime_groups:
        q = (
            select(CrimeMonthly.area_id, func.sum(CrimeMonthly.count))
            .join(OffenceCategory, OffenceCategory.id == CrimeMonthly.category_id)
            .where(
                CrimeMonthly.area_id.in_(area_ids),
                CrimeMonthly.month >= first,
                CrimeMonthly.month <= last,
                OffenceCategory.crime_group.in_(crime_groups),
            )
            .group_by(CrimeMonthly.area_id)
        )
        counts = {a: int(c) for a, c in conn.execute(q)}
    populations = dict(conn.execute(select(Area.id, Area.population).where(Area.id.in_(area_ids))).all())
    ids = sorted(populations)
    raw = [counts.get(a, 0) for a in ids]
    shown, texts = shown_counts(raw, rules, with_total=True)
    rows = []
    for area_id, count, visible, text in zip(ids, raw, shown, texts, strict=True):
        population = populations[area_id]
        rate = None
        if months and visible is not None and population:
            rate = visible / population * 1000 * 12 / months
        rows.append(
            {
                "area_id": area_id,
                "count": count,
                "shown": visible,
                "count_text": text,
                "population": population,
                "months": months,
                "rate": rate,
                "flag": rate_flag(visible, rules) if rate is not None else "",
            }
        )
    return pd.DataFrame(rows, columns=RATE_COLUMNS)


@dataclass(frozen=True)
class MapClass:
    """A class of a map's legend: its rank on the scale (0 = lowest) and what it means."""

    rank: int
    label: str


# Multiples of the city's rate that bound each class: a diverging scale around "near it".
RELATIVE_BOUNDS = (0.5, 0.8, 1.25, 2.0)


def _per_1000(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def relative_classes(city_rate: float) -> list[MapClass]:
    """Five classes of a rate against the city's: under half, half to 4/5, near it (4/5 to
    5/4), 5/4 to twice, over twice; each label gives its bounds per 1,000 a year too."""
    b = [city_rate * m for m in RELATIVE_BOUNDS]
    labels = [
        f"Under half the city rate (under {_per_1000(b[0])})",
        f"Below the city rate ({_per_1000(b[0])} to {_per_1000(b[1])})",
        f"Near the city rate ({_per_1000(b[1])} to {_per_1000(b[2])})",
        f"Above the city rate ({_per_1000(b[2])} to {_per_1000(b[3])})",
        f"Over twice the city rate (over {_per_1000(b[3])})",
    ]
    return [MapClass(i, label) for i, label in enumerate(labels)]


def relative_class(rate: float, city_rate: float) -> MapClass:
    """The class of `rate` among `relative_classes(city_rate)`."""
    classes = relative_classes(city_rate)
    ratio = rate / city_rate if city_rate > 0 else math.inf
    for bound, cls in zip(RELATIVE_BOUNDS, classes, strict=False):
        if ratio < bound:
            return cls
    return classes[-1]


TRUST_BOUNDS = (40, 50, 60, 70)  # points out of 100


def score_classes() -> list[MapClass]:
    """Five fixed classes of a 0-100 survey score, ten points wide in the middle."""
    b = TRUST_BOUNDS
    labels = [
        f"Under {b[0]}",
        *(f"{lo} to {hi}" for lo, hi in zip(b, b[1:], strict=False)),
        f"{b[-1]} or more",
    ]
    return [MapClass(i, label) for i, label in enumerate(labels)]


def score_class(score: float) -> MapClass:
    classes = score_classes()
    for bound, cls in zip(TRUST_BOUNDS, classes, strict=False):
        if score < bound:
            return cls
    return classes[-1]


# --- for the pages: the city's rate, and a partnership's places on a map ----------------


def city_rate(rates: pd.DataFrame) -> float | None:
    """The rate of all these areas together (per 1,000 a year), the centre of the relative
    classes: every area with a known population counts, whatever the public rules hide in
    one area (a single total over the map gives no small count away). None without data."""
    known = rates[rates["population"].fillna(0) > 0]
    months = int(rates["months"].max()) if len(rates) else 0
    people = float(known["population"].sum())
    if not months or not people:
        return None
    return float(known["count"].sum()) / people * 1000 * 12 / months


@dataclass(frozen=True)
class Roles:
    """A partnership's places as its evaluation uses them: its own (catchment) areas, the
    comparison areas, and the displacement buffer (neighbours of its areas in neither and in
    no other partnership's catchment: `metrics.evaluation.buffer_of`, as the displacement
    test draws it); `others`: other partnerships' areas, which are never its buffer."""

    name: str
    treated: tuple[int, ...]
    comparison: tuple[int, ...]
    buffer: tuple[int, ...]
    others: tuple[int, ...] = ()


def partnership_roles(conn: Connection, code: str, comparison_names: tuple[str, ...] = ()) -> Roles | None:
    """Partnership `code`'s `Roles`; its comparison areas are the registered ones, else the
    areas named in `comparison_names` (an evaluation's proposed comparison, which names
    them) among the areas that may serve as comparison. None for an unknown code."""
    places = load_places(conn, code)
    if places is None:
        return None
    comparison = places.registered_comparison
    if not comparison and comparison_names:
        by_name = {places.names[a]: a for a in candidates(places)}
        comparison = tuple(sorted(by_name[n] for n in comparison_names if n in by_name))
    buffer = buffer_of(places, places.treated, set(comparison) | set(places.all_catchment))
    others = tuple(sorted(places.all_catchment - set(places.treated)))
    return Roles(places.name, places.treated, comparison, buffer, others)


def catchments(conn: Connection) -> pd.DataFrame:
    """Every partnership's own areas. Columns: code, name, area_id, comparison (the names of
    the comparison areas the registry sets, comma-separated; '' when they are proposed per
    outcome by its evaluation), ordered by partnership name."""
    rows = [
        {
            "code": p.code,
            "name": p.name,
            "area_id": a,
            "comparison": ", ".join(p.names[c] for c in p.registered_comparison),
        }
        for p in sorted(all_places(conn).values(), key=lambda p: (p.name, p.code))
        for a in p.treated
    ]
    return pd.DataFrame(rows, columns=["code", "name", "area_id", "comparison"])


def kind_ids(conn: Connection, kind: str) -> list[int]:
    """Every area of this kind, with a shape or without one."""
    return list(conn.scalars(select(Area.id).where(Area.kind == kind).order_by(Area.id)))
