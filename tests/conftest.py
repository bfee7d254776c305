"""Shared fixtures: a fresh database per test on SQLite and on a real PostgreSQL,
one deterministic demo database for page and browser tests, and clean caches.

PostgreSQL comes from TEST_DATABASE_URL (a server URL whose user may create
databases; `.ci/run` starts a throwaway server and sets it). Without it, tests
that need PostgreSQL skip, unless CI=true, where they fail: CI must test it.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from db.demo import load_demo
from db.engine import make_engine
from db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"
DEMO_SEED = 42


def words(markdown: str) -> str:
    """What a reader sees of Markdown source that ui.plain escaped: the backslash escapes
    and the invisible word joiners taken out (AppTest reports the source)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


def need(reason: str) -> None:
    """Skip for a missing requirement, or fail when running in CI."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        need("TEST_DATABASE_URL is not set: no PostgreSQL to test against (bash .ci/run starts one)")
    return url


def _fresh_postgres(admin_url: str) -> tuple[str, Engine]:
    name = f"cg_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # noqa: S608 - generated name, not input
    admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return name, make_engine(url)


def _drop_postgres(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))  # noqa: S608
    admin.dispose()


@pytest.fixture
def pg_engine(pg_admin_url) -> Iterator[Engine]:
    """A new, empty PostgreSQL database, dropped after the test."""
    name, engine = _fresh_postgres(pg_admin_url)
    yield engine
    engine.dispose()
    _drop_postgres(pg_admin_url, name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request, tmp_path) -> Iterator[Engine]:
    """A new, empty database: SQLite file or PostgreSQL database (each test its own)."""
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_engine")
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'test.sqlite'}")
    yield engine
    engine.dispose()


@pytest.fixture
def engine(empty_engine) -> Engine:
    """A new database with the schema migrated to head."""
    upgrade(empty_engine)
    return empty_engine


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory) -> str:
    """An SQLite database holding the demo city (seed 42), built once per test session."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    url = f"sqlite:///{path}"
    eng = make_engine(url)
    upgrade(eng)
    load_demo(eng, DEMO_SEED)
    eng.dispose()
    return url


@pytest.fixture(scope="session")
def demo_engine(demo_url) -> Engine:
    return make_engine(demo_url)


@pytest.fixture(autouse=True)
def _clean_streamlit_caches():
    """Streamlit caches are process-global: clear them so tests cannot see each other's data."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()  # closes the engines this test opened, while it is still running
