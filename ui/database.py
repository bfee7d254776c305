"""The app's database: which one, a cached engine, and a ready-or-explain check.

On the embedded SQLite default, an empty or missing database is created and
filled with the demo city on first start, with a message on screen. A configured
database is never filled automatically: the message says to run `commonground init`.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from db.demo import load_demo
from db.engine import DatabaseConfigError, describe, has_schema, is_default, make_engine, resolve_url
from db.migrate import current_revision, head_revision, upgrade
from db.models import Partnership


def database_url() -> str:
    """DATABASE_URL from the environment, else Streamlit secrets, else the embedded default."""
    try:
        configured = st.secrets.get("DATABASE_URL")
    except FileNotFoundError:  # no secrets.toml at all: fine, use the environment or default
        configured = None
    return resolve_url(configured)


@st.cache_resource(show_spinner=False, on_release=Engine.dispose)
def engine_for(url: str) -> Engine:
    """One engine per database URL for the server's life; a cleared cache closes its
    connections (left to the garbage collector, they close at a random later moment)."""
    return make_engine(url)


def engine() -> Engine:
    return engine_for(database_url())


def _fail(url: str, problem: str, fix: str) -> None:
    st.error(f"**Cannot use the database** `{describe(url)}`: {problem}\n\n{fix}")
    st.stop()


def ensure_ready(quiet: bool = False) -> Engine:
    """Return a usable engine, or stop the page with a message saying what is wrong and
    how to fix it (never a traceback, never a password). `quiet`: no first-start message
    (on the Present page, which a room sees)."""
    url = database_url()
    try:
        eng = engine_for(url)
        if is_default(url):
            _bootstrap_default(url, quiet)
        elif not has_schema(eng):
            _fail(url, "it has no Common Ground tables.", "Run `commonground init` against it first.")
        elif current_revision(eng) != head_revision():
            _fail(
                url,
                "its schema is older than this version of Common Ground.",
                "Run `commonground init` with the database owner's URL to upgrade it (the role the "
                "app connects as may not change the schema), then reload this page.",
            )
    except DatabaseConfigError as exc:
        _fail(url, str(exc), "Fix DATABASE_URL in the environment or in `.streamlit/secrets.toml`.")
    except SQLAlchemyError as exc:
        reason = type(getattr(exc, "orig", None) or exc).__name__
        _fail(
            url,
            f"it could not be reached ({reason}).",
            "Check that the server is running, and the host, port, database name and credentials "
            "in DATABASE_URL.",
        )
    return eng


@st.cache_resource(show_spinner=False)
def _bootstrap_default_once(url: str) -> str | None:
    """Create (or upgrade) the embedded database and fill it with the demo city when it
    holds no partnerships. Runs once per server process; returns what it did, if anything."""
    eng = engine_for(url)
    upgrade(eng)
    with eng.connect() as conn:
        if conn.execute(select(func.count()).select_from(Partnership)).scalar_one():
            return None
    written = load_demo(eng)
    return (
        f"First start: created the embedded database and filled it with the demo city of Riverton "
        f"({written['partnership']} partnerships, {written['crime_incident']:,} recorded crimes, "
        f"{written['survey_response']:,} survey responses) in {written['seconds']} s. "
        "The data is generated, not real; docs/importing.md says how to load your own."
    )


@st.cache_resource(show_spinner=False)
def _first_start_notice(url: str) -> dict:
    """Whether the first-start message was shown yet: once per server process, to the
    first person who opens a page other than Present, not to every visitor."""
    return {"shown": False}


def _bootstrap_default(url: str, quiet: bool) -> None:
    with st.spinner("Setting up the demo city for the first run (about 20 seconds)..."):
        message = _bootstrap_default_once(url)
    notice = _first_start_notice(url)
    if message and not quiet and not notice["shown"]:
        notice["shown"] = True
        st.success(message)
