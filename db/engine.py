"""Which database to use, and a correctly configured engine for it.

One setting decides the database: `DATABASE_URL` (environment first, then the
caller may pass a value read from Streamlit secrets). An empty string counts as
unset, and unset means the embedded SQLite file `data/commonground.sqlite` next
to the project, built from this file's location so that it does not depend on
the directory a server was started from.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "commonground.sqlite"


class DatabaseConfigError(ValueError):
    """The configured database URL cannot be used; the message says how to fix it."""


def default_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def resolve_url(configured: str | None = None) -> str:
    """The database URL in force: `DATABASE_URL` from the environment, else
    `configured` (e.g. from Streamlit secrets), else the embedded SQLite file."""
    for candidate in (os.environ.get("DATABASE_URL"), configured):
        if candidate is not None and candidate.strip():
            return candidate.strip()
    return default_url()


def is_default(url: str) -> bool:
    """True when `url` is the embedded SQLite default (which the app may fill with demo data)."""
    return url == default_url()


def parse_url(url: str) -> URL:
    """Parse `url`, turning SQLAlchemy's error into one that says what a URL looks like."""
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise DatabaseConfigError(
            "DATABASE_URL is not a database URL. Expected something like "
            "sqlite:///path/to/file.sqlite or "
            "postgresql+psycopg://user:password@host:5432/dbname."
        ) from exc


def describe(url: str) -> str:
    """The URL as safe to show a person: the password, if any, replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparseable URL)"


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`. SQLite gets foreign keys enforced and its folder created;
    PostgreSQL connections are checked before use (`pool_pre_ping`)."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed)
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise DatabaseConfigError(
            f"No driver for {parsed.drivername}: install it, or use postgresql+psycopg://."
        ) from exc


def has_schema(engine: Engine) -> bool:
    """True when the database holds the Common Ground tables."""
    return inspect(engine).has_table("partnership")
