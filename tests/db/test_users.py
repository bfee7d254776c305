"""The user table through the CLI a department uses: add, change, list, remove."""

from __future__ import annotations

from click.testing import CliRunner

from cli import main
from db.users import role_of


def run(url: str, *args: str):
    return CliRunner().invoke(main, [*args[:2], "--database-url", url, *args[2:]])


def test_users_are_added_changed_listed_and_removed(engine):
    url = engine.url.render_as_string(hide_password=False)
    assert run(url, "users", "add", "Chief@Dept.example", "--role", "leadership").exit_code == 0
    assert run(url, "users", "add", "it@dept.example", "--role", "admin").exit_code == 0
    listed = run(url, "users", "list").output.splitlines()
    assert listed[0].split()[:2] == ["admin", "it@dept.example"]  # admins first
    assert listed[1].split()[:2] == ["leadership", "chief@dept.example"]  # stored lower-case
    with engine.connect() as conn:
        assert role_of(conn, "CHIEF@dept.example") == "leadership"  # the provider's case does not matter
        assert role_of(conn, "stranger@dept.example") == "public"
        assert role_of(conn, None) == "public"

    changed = run(url, "users", "add", "chief@dept.example", "--role", "admin")
    assert "role changed" in changed.output
    assert run(url, "users", "remove", "chief@dept.example").exit_code == 0
    with engine.connect() as conn:
        assert role_of(conn, "chief@dept.example") == "public"


def test_bad_user_changes_are_refused_with_the_reason(engine):
    url = engine.url.render_as_string(hide_password=False)
    bad = run(url, "users", "add", "not-an-email", "--role", "admin")
    assert bad.exit_code != 0
    assert "is not an email address" in bad.output
    bad = run(url, "users", "add", "a@b.example", "--role", "chief")
    assert bad.exit_code != 0
    assert "chief" in bad.output
    gone = run(url, "users", "remove", "nobody@dept.example")
    assert gone.exit_code != 0
    assert "no user 'nobody@dept.example'" in gone.output
