"""What the database tests share: the real data folder and a small migrated SQLite database."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import make_engine
from db.migrate import upgrade
from db.models import Area
from tests.conftest import IN_CI, ROOT

SHARED = ROOT.parent / "shared" / "data"
LONDON = SHARED / "london"


def need_shared() -> None:
    if not LONDON.exists():
        if IN_CI:
            pytest.fail(f"CI=true but the shared data folder {SHARED} is missing")
        pytest.skip(f"shared data not found at {SHARED}")


def data_sha(path: Path) -> str:
    """A fingerprint of everything an SQLite file holds, except the audit log, which is
    meant to grow: every import, refused or not, is recorded there (db.audit)."""
    digest = hashlib.sha256()
    with closing(sqlite3.connect(path)) as conn:
        tables = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
        for name, sql in tables.fetchall():
            digest.update(sql.encode())
            if name != "audit_event":
                for row in conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid'):  # noqa: S608 - catalogue names
                    digest.update(repr(row).encode())
    return digest.hexdigest()


def write(path: Path, text: str) -> Path:
    """`text` written to `path` as UTF-8: a file for a test to import."""
    path.write_text(text, encoding="utf-8")
    return path


TOWNS = [("N", "Northfield"), ("S", "Southgate")]


@pytest.fixture
def towns(engine):
    """The shared test database (SQLite, and PostgreSQL when given) with two areas."""
    with engine.begin() as conn:
        conn.execute(
            Area.__table__.insert(), [{"code": c, "name": n, "kind": "neighbourhood"} for c, n in TOWNS]
        )
    return engine


@pytest.fixture
def lite(tmp_path):
    """A migrated SQLite database with two areas, and its file path."""
    path = tmp_path / "import.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            Area.__table__.insert(),
            [
                {"code": "N", "name": "Northfield", "kind": "neighbourhood", "population": 1000},
                {"code": "S", "name": "Southgate", "kind": "neighbourhood", "population": 2000},
            ],
        )
    engine.dispose()
    return make_engine(f"sqlite:///{path}"), path


@pytest.fixture
def role_names(pg_engine) -> Iterator[tuple[str, str]]:
    """Two fresh role names; the roles and everything they hold are dropped afterwards."""
    tag = uuid.uuid4().hex[:8]
    owner, app = f"cg_owner_{tag}", f"cg_app_{tag}"
    yield owner, app
    with pg_engine.begin() as conn:
        for role in (app, owner):
            if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
                conn.exec_driver_sql(f'DROP OWNED BY "{role}" CASCADE')  # generated names
                conn.exec_driver_sql(f'DROP ROLE "{role}"')
