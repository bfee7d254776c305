"""Two crime sources in one database, for the evaluation's tests.

The city: ten beats. The demo's own source ('demo') records every beat from January 2018
to October 2026, about 40 a month each. An imported city export ('city') records the
same beats from January 2016 to December 2023, far more in beats 1 and 2 (120 a month)
than in the others (15). Nothing changes anywhere: a window holding both sources against
one holding 'demo' alone shows beats 1 and 2 falling far more than the others, a change
of records. Partnership P (beat 1) began in January 2024, after 'city' ends; Q (beat 2)
in January 2021.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from db.models import Area, CrimeIncident, OffenceCategory, Partnership, PartnershipArea
from db.rollup import refresh_crime_monthly
from metrics.evaluation import add_months

AREAS = range(1, 11)
DEMO = ("demo", date(2018, 1, 1), date(2026, 10, 1))
CITY = ("city", date(2016, 1, 1), date(2023, 12, 1))
BOTH = (date(2018, 1, 1), date(2023, 12, 1))  # the months both sources cover
HEAVY = (1, 2)  # the beats 'city' records far more in


def _count(source: str, area: int, month: date) -> int:
    """A steady count with a small wobble that differs by area and month (so that areas
    drift apart a little, as real ones do)."""
    step = month.year * 12 + month.month
    wobble = (area * 7 + step * 3) % 11
    if source == "demo":
        return 40 + wobble
    return (120 if area in HEAVY else 15) + wobble // 2


def build(
    engine,
    sources=(DEMO, CITY),
    partnerships=(("P", 1, date(2024, 1, 1)), ("Q", 2, date(2021, 1, 1))),
    months: tuple[date, date] | None = None,
    as_one: str | None = None,
) -> None:
    """Write the two-source city into a migrated, empty database: each source's monthly
    counts of violent crime in every beat over its span (only inside `months` when
    given; recorded as source `as_one` when given), and partnerships (code, beat, start)."""
    with engine.begin() as conn:
        conn.execute(
            insert(Area),
            [
                {"id": a, "code": f"B{a}", "name": f"Beat {a}", "kind": "beat", "population": 5000}
                for a in AREAS
            ],
        )
        for i, (code, area, start) in enumerate(partnerships, start=1):
            conn.execute(
                insert(Partnership),
                {"id": i, "code": code, "name": f"Partnership {code}", "start_date": start},
            )
            conn.execute(insert(PartnershipArea), {"partnership_id": i, "area_id": area, "role": "catchment"})
        rows, key = [], 0
        for c, (source, first, last) in enumerate(sources, start=1):
            name = as_one or source
            conn.execute(
                insert(OffenceCategory),
                {
                    "id": c,
                    "source": name,
                    "source_code": f"V{c}",
                    "name": f"Violence {c}",
                    "crime_group": "violent",
                },
            )
            month = first
            while month <= last:
                if months is None or months[0] <= month <= months[1]:
                    for area in AREAS:
                        key += 1
                        rows.append(
                            {
                                "source": name,
                                "source_id": f"{source}-{key}",
                                "occurred_on": month,
                                "occurred_month": month,
                                "area_id": area,
                                "category_id": c,
                                "count": _count(source, area, month),
                            }
                        )
                month = add_months(month, 1)
        conn.execute(insert(CrimeIncident), rows)
        refresh_crime_monthly(conn)
