"""What the database tests share: the real data folder and a small migrated SQLite database."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

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


def file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
