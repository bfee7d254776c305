"""The demo city: generated deterministically from a seed and written in one transaction.

`load_demo(engine, seed)` fills an empty Common Ground database; the planted
effects it contains are documented in `db.demo.city`.
"""

from __future__ import annotations

import time

from sqlalchemy import Connection, Engine, func, insert, select

from db.dialect import bulk_insert, reset_id_sequences, settle_after_bulk_load
from db.models import Base, LoadLog, Partnership
from db.rollup import refresh_crime_monthly, refresh_survey_monthly
from db.weighting import rake_areas

from .generate import generate


class DatabaseNotEmptyError(RuntimeError):
    """The demo only goes into a database without partnerships, so it never mixes with real data."""


def refuse_unless_empty(conn: Connection) -> None:
    """Raise DatabaseNotEmptyError when the database already holds partnerships."""
    if conn.execute(select(func.count()).select_from(Partnership)).scalar_one():
        raise DatabaseNotEmptyError(
            "This database already holds partnerships; the demo city only loads into an "
            "empty database. Point DATABASE_URL at a new database to try the demo."
        )


def load_demo(engine: Engine, seed: int = 42) -> dict[str, int]:
    """Generate the demo city from `seed` and write it; returns rows written per table."""
    started = time.perf_counter()
    rows = generate(seed)
    written: dict[str, int] = {}
    with engine.begin() as conn:
        refuse_unless_empty(conn)
        for table in Base.metadata.sorted_tables:
            table_rows = rows.tables.get(table.name)
            if table_rows:
                bulk_insert(conn, table, table_rows)
                written[table.name] = len(table_rows)
        written["crime_monthly"] = refresh_crime_monthly(conn)
        # residents answer with design weight 1; raked to each area's census margins before the
        # survey roll-ups are built from the weights
        weighted = rake_areas(conn, refresh=False)
        written["weighting_run"] = len(weighted)
        written["survey_monthly"] = refresh_survey_monthly(conn)
        reset_id_sequences(conn)
        for kind, count in written.items():
            conn.execute(
                insert(LoadLog),
                {
                    "kind": kind,
                    "file_name": f"demo city, seed {seed}",
                    "rows_inserted": count,
                    "loaded_by": "commonground demo",
                },
            )
    settle_after_bulk_load(engine)
    written["seconds"] = round(time.perf_counter() - started, 1)
    return written
