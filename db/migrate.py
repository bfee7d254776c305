"""Create or upgrade the schema with Alembic: what `commonground init` runs.

The Alembic configuration is built in code (no alembic.ini to find), pointing at
`db/migrations`, so migrations run the same from the CLI, the app and the tests.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE for "permission denied", "must be owner"


class SchemaOwnerNeeded(RuntimeError):
    """The schema needs migrating and the connected role may not change it (the app role of
    a two-role PostgreSQL set-up, db.roles); the message says what to run."""


def upgrade(engine: Engine, revision: str = "head", as_role: str | None = None) -> None:
    """Bring the database behind `engine` to `revision` (the newest by default). On an
    up-to-date database this changes nothing and needs no schema rights, so the app role
    may call it. `as_role` (PostgreSQL): migrate as that role, so that it owns what is
    created. Raises SchemaOwnerNeeded when migrating needs rights the role lacks."""
    cfg = alembic_config()
    try:
        with engine.begin() as conn:
            if as_role is not None:
                conn.execute(select(func.set_config("role", as_role, True)))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            if cfg.attributes.get("rebuild_survey_rollup") and _at_head(conn):
                # a migration changed what the survey roll-up holds: rebuild it with this
                # code, which matches the newest schema only (below it, the next upgrade will)
                from db.rollup import refresh_survey_monthly

                refresh_survey_monthly(conn)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        raise SchemaOwnerNeeded(
            f"the schema is at revision {current_revision(engine) or 'empty'}, this version of Common "
            f"Ground needs {head_revision()}, and the database role in use may not change the schema. "
            "Run `commonground init` with the owner's DATABASE_URL (see docs/deployment.md)."
        ) from exc


def _at_head(conn) -> bool:
    return MigrationContext.configure(conn).get_current_revision() == head_revision()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@cache
def head_revision() -> str:
    """The newest revision the code knows (read from disk once per process: the app checks
    it on every page run)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head
