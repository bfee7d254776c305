"""The few places where SQLite and PostgreSQL must be told apart, kept in one module.

Queries elsewhere are single SQLAlchemy expressions that run on both.
"""

from __future__ import annotations

from sqlalchemy import Connection, Date, Engine, Table, func, insert, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from db.models import Base


def reset_id_sequences(conn: Connection) -> None:
    """After rows were written with explicit ids, move PostgreSQL's id sequences past
    them so later inserts do not collide. SQLite needs nothing: it uses max(id) + 1.
    The audit log is left alone: its rows never have explicit ids, and the app role may
    not move its sequence (db.roles)."""
    if conn.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" not in table.c or not table.c.id.primary_key or table.name == "audit_event":
            continue
        next_id = func.coalesce(func.max(table.c.id), 0) + 1
        sequence = func.pg_get_serial_sequence(table.name, "id")
        conn.execute(select(func.setval(sequence, next_id, False)).select_from(table))


# An arbitrary, fixed key for PostgreSQL's advisory lock that serialises audit inserts.
AUDIT_CHAIN_LOCK = 0x636F6D6D6F6E  # "common"


def lock_audit_chain(conn: Connection) -> None:
    """Hold the audit chain's write lock until this transaction ends, so that reading the
    newest row's hash and inserting the next row cannot interleave with another process's.
    PostgreSQL: a transaction-level advisory lock (it needs no table privilege). SQLite:
    its single writer lock, taken now with BEGIN IMMEDIATE unless this transaction is
    already writing (the driver only opens a transaction at the first write statement)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(AUDIT_CHAIN_LOCK)))
        return
    if not conn.connection.driver_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # through SQLAlchemy, so a refusal is its error


def refresh_statistics(conn: Connection, tables: list[Table]) -> None:
    """After a large import, bring PostgreSQL's planner statistics for `tables` up to
    date, so the next queries get the plans the indexes were chosen for, not plans for
    the tables' old sizes (autovacuum would analyse them, but a minute or more later).
    Only the tables written: the whole city takes 1.0 s, its crime tables 0.4 s.
    SQLite is left without statistics on purpose: its planner's defaults pick the
    intended indexes, and measured on the city, `ANALYZE` turned one Overview query from
    51 ms into 182 ms."""
    if conn.dialect.name != "postgresql" or not tables:
        return
    quote = conn.dialect.identifier_preparer.format_table  # names from the models, not data
    conn.exec_driver_sql("ANALYZE " + ", ".join(quote(table) for table in tables))


def settle_after_bulk_load(engine: Engine) -> None:
    """After a bulk load has committed, on PostgreSQL: `VACUUM (ANALYZE)`, as its manual
    advises after populating a database. Statistics come with it, and the visibility map
    that lets the roll-ups be read from their indexes alone; and autovacuum no longer
    takes a core for minutes just when the first users arrive. SQLite needs nothing."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")


class quarter_start(FunctionElement):  # noqa: N801 - reads as a SQL function in queries
    """The first day of the calendar quarter of a date column, as a date."""

    type = Date()
    inherit_cache = True


@compiles(quarter_start, "sqlite")
def _quarter_start_sqlite(element, compiler, **kw):
    col = compiler.process(element.clauses, **kw)
    return (
        f"date({col}, 'start of month', "
        f"'-' || ((CAST(strftime('%m', {col}) AS INTEGER) - 1) % 3) || ' months')"
    )


@compiles(quarter_start, "postgresql")
def _quarter_start_postgresql(element, compiler, **kw):
    return f"CAST(date_trunc('quarter', {compiler.process(element.clauses, **kw)}) AS DATE)"


class month_start(FunctionElement):  # noqa: N801 - reads as a SQL function in queries
    """The first day of the month of a date column, as a date."""

    type = Date()
    inherit_cache = True


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(month_start, "postgresql")
def _month_start_postgresql(element, compiler, **kw):
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


def bulk_insert(conn: Connection, table: Table, rows: list[dict]) -> None:
    """Insert many rows fast: COPY on PostgreSQL (about 10x executemany), executemany elsewhere.

    All rows must have the same keys. Runs inside the caller's transaction.
    """
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), rows)
        return
    _copy(conn, table, list(rows[0]), ([row[c] for c in rows[0]] for row in rows))


def bulk_insert_tuples(conn: Connection, table: Table, columns: list[str], rows: list[tuple]) -> None:
    """Like `bulk_insert` for rows already in column order and in the driver's own types
    (dates as ISO text), skipping per-row dict handling: COPY on PostgreSQL, the DB-API's
    executemany of one bound INSERT on SQLite."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, rows)
        return
    statement = str(insert(table).compile(dialect=conn.dialect, column_keys=columns))
    conn.connection.dbapi_connection.cursor().executemany(statement, rows)


def _copy(conn: Connection, table: Table, columns: list[str], rows) -> None:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    cursor = conn.connection.dbapi_connection.cursor()
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
