"""The monthly roll-up always equals the incidents it summarises."""

from datetime import date

from sqlalchemy import func, insert, select

from db.models import Area, CrimeIncident, CrimeMonthly, OffenceCategory
from db.rollup import refresh_crime_monthly


def _seed(conn):
    conn.execute(insert(Area), [{"id": 1, "code": "A", "name": "A", "kind": "beat", "population": 100}])
    conn.execute(
        insert(OffenceCategory),
        [{"id": 1, "source": "t", "source_code": "X", "name": "X", "crime_group": "violent"}],
    )
    rows = [
        ("1", date(2024, 1, 3), 1),
        ("2", date(2024, 1, 20), 1),
        ("3", date(2024, 2, 1), 7),  # a published monthly count
    ]
    conn.execute(
        insert(CrimeIncident),
        [
            {
                "source": "t",
                "source_id": sid,
                "occurred_on": d,
                "occurred_month": d.replace(day=1),
                "area_id": 1,
                "category_id": 1,
                "count": n,
            }
            for sid, d, n in rows
        ],
    )


def _rollup(conn):
    return dict(
        conn.execute(select(CrimeMonthly.month, CrimeMonthly.count).order_by(CrimeMonthly.month)).all()
    )


def test_refresh_sums_incident_counts_per_month(engine):
    with engine.begin() as conn:
        _seed(conn)
        assert refresh_crime_monthly(conn) == 2
        assert _rollup(conn) == {date(2024, 1, 1): 2, date(2024, 2, 1): 7}


def test_refreshing_some_months_leaves_the_others(engine):
    with engine.begin() as conn:
        _seed(conn)
        refresh_crime_monthly(conn)
        conn.execute(
            insert(CrimeIncident),
            {
                "source": "t",
                "source_id": "4",
                "occurred_on": date(2024, 2, 9),
                "occurred_month": date(2024, 2, 1),
                "area_id": 1,
                "category_id": 1,
                "count": 1,
            },
        )
        refresh_crime_monthly(conn, [date(2024, 2, 1)])
        assert _rollup(conn) == {date(2024, 1, 1): 2, date(2024, 2, 1): 8}
        total = conn.execute(select(func.sum(CrimeIncident.count))).scalar_one()
        assert sum(_rollup(conn).values()) == total
