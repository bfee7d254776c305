"""PostgreSQL's two roles (`commonground init --owner-role --app-role`): the app role can do
its work and start the app, but cannot disable, change, delete or truncate the audit log."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from cli import main
from db.audit import Actor, events, record_alone
from db.dialect import reset_id_sequences
from db.engine import make_engine
from db.migrate import SchemaOwnerNeeded, head_revision, upgrade
from db.models import Area
from db.roles import grant_app_role, prepare_owner, scram_verifier
from tests.pages.test_pages import run_app
from ui.database import engine_for

PASSWORD = "app-secret"  # noqa: S105 - a throwaway role on a throwaway server
CHIEF = Actor("chief@dept.example", "leadership")
MAPPING = """kind = "crime"
source = "test"
format = "long"
date_format = "%d/%m/%Y"
[columns]
area = "area"
category = "offence"
occurred = "date"
source_id = "id"
[groups]
Assault = "violent"
Theft = "property"
"""
CRIMES = "id,date,area,offence\n1,03/01/2024,Northfield,Assault\n2,15/02/2024,Southgate,Theft\n"


@dataclass
class Roles:
    owner: str
    app: str
    admin_url: str  # the superuser, on the test's database
    app_url: str
    app_engine: Engine


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def open_app(url: str, monkeypatch):
    """Run the app's first page on `url`, then close the app's pooled connections."""
    at = run_app(url, monkeypatch)
    engine_for(url).dispose()
    return at


def init(*args: str, env: dict | None = None, stdin: str | None = None):
    return CliRunner().invoke(main, ["init", *args], env=env, input=stdin)


@pytest.fixture
def roles(pg_engine, role_names) -> Iterator[Roles]:
    owner, app = role_names
    admin_url = url_of(pg_engine)
    result = init(
        "--database-url", admin_url, "--owner-role", owner, "--app-role", app,
        env={"COMMONGROUND_APP_PASSWORD": PASSWORD},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"created the app role {app}" in result.output
    app_url = make_url(admin_url).set(username=app, password=PASSWORD).render_as_string(hide_password=False)
    app_engine = make_engine(app_url)
    yield Roles(owner, app, admin_url, app_url, app_engine)
    app_engine.dispose()


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("ALTER TABLE audit_event DISABLE TRIGGER USER", "must be owner"),
        ("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only", "must be owner"),
        ("DELETE FROM audit_event", "permission denied"),
        ("UPDATE audit_event SET detail = 'nothing happened'", "permission denied"),
        ("TRUNCATE audit_event", "permission denied"),
        ("DROP TABLE audit_event", "must be owner"),
    ],
)
def test_the_app_role_cannot_tamper_with_the_audit_log(roles, statement, refusal):
    record_alone(roles.app_engine, CHIEF, "sign in", "session")
    with pytest.raises(DBAPIError, match=refusal), roles.app_engine.begin() as conn:
        conn.exec_driver_sql(statement)
    with roles.app_engine.connect() as conn:
        assert [e[1:4] for e in events(conn)] == [("chief@dept.example", "leadership", "sign in")]
    verified = CliRunner().invoke(main, ["audit", "verify", "--database-url", roles.app_url])
    assert "OK: 1 audit events" in verified.output


def test_the_owner_role_owns_every_table(roles):
    admin = create_engine(roles.admin_url)
    with admin.connect() as conn:
        owners = set(
            conn.execute(text("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars()
        )
    admin.dispose()
    assert owners == {roles.owner}


def test_the_app_role_imports_records_and_starts_the_app(roles, tmp_path, monkeypatch):
    with roles.app_engine.begin() as conn:
        conn.execute(
            Area.__table__.insert(),
            [
                {"code": "N", "name": "Northfield", "kind": "neighbourhood", "population": 1000},
                {"code": "S", "name": "Southgate", "kind": "neighbourhood", "population": 2000},
            ],
        )
    (tmp_path / "crime.toml").write_text(MAPPING)
    (tmp_path / "crime.csv").write_text(CRIMES)
    cli = CliRunner()
    imported = cli.invoke(
        main,
        ["import", "crime", str(tmp_path / "crime.csv"), "--mapping", str(tmp_path / "crime.toml"),
         "--database-url", roles.app_url],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    added = cli.invoke(
        main, ["users", "add", "chief@dept.example", "--role", "leadership", "--database-url", roles.app_url]
    )
    assert added.exit_code == 0, added.output
    verified = cli.invoke(main, ["audit", "verify", "--database-url", roles.app_url])
    assert verified.exit_code == 0, verified.output
    assert "OK: 2 audit events" in verified.output  # the import and the user change
    upgrade(roles.app_engine)  # what `import` and the app do first: nothing to change, no DDL tried
    with roles.app_engine.begin() as conn:
        reset_id_sequences(conn)  # what the demo loaders do after writing rows with their ids
    at = open_app(roles.app_url, monkeypatch)
    assert not at.error, [e.value for e in at.error]


def test_an_app_role_on_an_older_schema_is_told_to_run_init_as_the_owner(pg_engine, role_names, monkeypatch):
    owner, app = role_names
    with pg_engine.begin() as conn:
        prepare_owner(conn, owner)
    upgrade(pg_engine, "0009", as_role=owner)  # the database as the last release left it
    with pg_engine.begin() as conn:
        grant_app_role(conn, app, owner, PASSWORD)
    app_url = make_url(url_of(pg_engine)).set(username=app, password=PASSWORD)
    app_url = app_url.render_as_string(hide_password=False)
    app_engine = make_engine(app_url)
    with pytest.raises(
        SchemaOwnerNeeded,
        match=rf"at revision 0009, .* needs {head_revision()}.*`commonground init` with the owner",
    ):
        upgrade(app_engine)
    app_engine.dispose()
    result = CliRunner().invoke(main, ["users", "list", "--database-url", app_url])
    assert result.exit_code == 0  # reading needs no migration
    at = open_app(app_url, monkeypatch)
    assert "`commonground init` with the database owner's URL" in at.error[0].value


def test_a_new_app_role_without_a_password_in_the_environment_is_asked_for_one(pg_engine, role_names):
    owner, app = role_names
    result = init("--database-url", url_of(pg_engine), "--app-role", app, env={}, stdin="pw-1\npw-1\n")
    assert result.exit_code == 0, result.output
    assert f"Password for the new role {app}" in result.output
    assert "pw-1" not in result.output  # not echoed
    again = init("--database-url", url_of(pg_engine), "--app-role", app, env={})  # grants again, no prompt
    assert again.exit_code == 0, again.output
    assert "Password" not in again.output


@pytest.mark.parametrize(
    ("power", "refusal"), [("SUPERUSER", "is a superuser"), ("CREATEROLE", "has CREATEROLE")]
)
def test_an_app_role_with_power_over_roles_is_refused(pg_engine, role_names, power, refusal):
    _, app = role_names
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{app}" LOGIN {power}')  # generated name, fixed keyword
    result = init("--database-url", url_of(pg_engine), "--app-role", app, env={})
    assert result.exit_code == 1
    assert f"{app} {refusal}: it could change the audit log" in result.output


def test_a_role_name_that_is_not_a_plain_name_is_refused_before_any_sql(pg_engine):
    hostile = "x'); DROP TABLE area;--"
    result = init("--database-url", url_of(pg_engine), "--app-role", hostile, env={})
    assert result.exit_code == 1
    assert "Password" not in result.output  # refused before anything is asked
    assert "is not a plain role name" in result.output


def test_the_app_role_may_not_be_the_owner(pg_engine):
    result = init("--database-url", url_of(pg_engine), "--app-role", "postgres", "--owner-role", "postgres")
    assert result.exit_code == 1
    assert "must not be the owner" in result.output


def test_roles_are_refused_on_sqlite(tmp_path):
    result = init("--database-url", f"sqlite:///{tmp_path / 'x.sqlite'}", "--app-role", "cg_app")
    assert result.exit_code == 2
    assert "--app-role and --owner-role are for PostgreSQL" in result.output


def test_the_password_is_sent_as_the_verifier_postgres_itself_would_store(pg_engine, role_names):
    _, role = role_names
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'correct horse'")  # generated name
        stored = conn.execute(
            text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": role}
        ).scalar_one()
    iterations, salt = stored.split("$")[1].split(":")
    assert scram_verifier("correct horse", base64.b64decode(salt), int(iterations)) == stored


def test_an_earlier_single_role_set_up_moves_to_two_roles(pg_engine, role_names):
    owner, app = role_names
    with pg_engine.begin() as conn:  # as the README once said: the app's own role owns the tables
        conn.exec_driver_sql(f'CREATE ROLE "{app}" LOGIN')  # generated name
        conn.exec_driver_sql(f'GRANT CREATE, USAGE ON SCHEMA public TO "{app}"')
    app_url = (
        make_url(url_of(pg_engine)).set(username=app, password=PASSWORD).render_as_string(hide_password=False)
    )
    app_engine = make_engine(app_url)
    upgrade(app_engine)
    record_alone(app_engine, CHIEF, "sign in", "session")
    refused = init("--database-url", url_of(pg_engine), "--app-role", app, env={})
    assert refused.exit_code == 1
    assert f"{app} owns" in refused.output
    assert "give --owner-role NAME to move them" in refused.output
    moved = init("--database-url", url_of(pg_engine), "--owner-role", owner, "--app-role", app, env={})
    assert moved.exit_code == 0, moved.output
    with pytest.raises(DBAPIError, match="must be owner"), app_engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
    with pytest.raises(DBAPIError, match="permission denied"), app_engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE audit_event_copy (id integer)")  # nor create anything
    record_alone(app_engine, CHIEF, "sign out", "session")
    app_engine.dispose()
    verified = CliRunner().invoke(main, ["audit", "verify", "--database-url", app_url])
    assert "OK: 2 audit events" in verified.output
