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
