"""Which database is used, and how problems with it are reported."""

import pytest

from db.engine import DatabaseConfigError, default_url, describe, is_default, make_engine, resolve_url


def test_environment_wins_over_secrets(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/from-env.sqlite")
    assert resolve_url("sqlite:////tmp/from-secrets.sqlite") == "sqlite:////tmp/from-env.sqlite"


def test_empty_environment_counts_as_unset(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "  ")
    assert resolve_url("sqlite:////tmp/from-secrets.sqlite") == "sqlite:////tmp/from-secrets.sqlite"
    assert resolve_url("") == default_url()
    assert is_default(resolve_url(None))


def test_default_is_an_absolute_sqlite_path_in_the_git_ignored_data_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = resolve_url(None)
    assert url.startswith("sqlite:////")
    assert url.endswith("/data/commonground.sqlite")


def test_describe_never_shows_the_password():
    shown = describe("postgresql+psycopg://analyst:hunter2@db.example.org:5432/cg")
    assert "hunter2" not in shown
    assert "analyst" in shown
    assert "db.example.org" in shown


def test_malformed_url_says_what_a_url_looks_like():
    with pytest.raises(DatabaseConfigError, match="postgresql\\+psycopg://user:password@host"):
        make_engine("not a url")


@pytest.mark.postgres
def test_clearing_the_apps_caches_closes_its_database_connections(pg_engine):
    """The app's cached engine closes its connections when Streamlit's resource cache is
    cleared; dropped without closing, they stayed open on the server until a garbage
    collection at some later moment (and psycopg then warned, in whatever ran then)."""
    import streamlit as st
    from sqlalchemy import text

    from ui.database import engine_for

    url = pg_engine.url.render_as_string(hide_password=False)
    name = pg_engine.url.database
    app = engine_for(url)
    with app.connect() as conn:
        conn.execute(text("SELECT 1"))

    def open_connections() -> int:
        with pg_engine.connect() as watch:
            return watch.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()"),
                {"db": name},
            ).scalar_one()

    assert open_connections() == 1  # the app's pooled connection, idle
    st.cache_resource.clear()
    assert open_connections() == 0
