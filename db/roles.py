"""PostgreSQL roles for production: an owner that holds the schema, an app role that does not.

The owner runs migrations and owns every table. The app role, which the dashboard's
DATABASE_URL names, may read and write the data tables (imports, users, sessions, the
stored scorecard ...), read `alembic_version`, and only INSERT and SELECT the audit log,
so it cannot disable the log's triggers, change, delete or truncate its rows (only a
table's owner or a superuser can). `commonground init --app-role` calls this after
migrating; run again, it re-applies the grants (new tables of a release get theirs).

PostgreSQL's DDL takes no bound parameters. Role names, table names and the password
therefore travel as bound, transaction-local settings and PL/pgSQL's format() quotes them
(%I an identifier, %L a literal): nothing typed by a person is spliced into SQL here. The
password itself never reaches the server: it is sent as a SCRAM-SHA-256 verifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from sqlalchemy import Connection, func, select, text

from db.models import AuditEvent, Base

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
DATA_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
AUDIT_RIGHTS = "SELECT, INSERT"
SCHEMA_OBJECTS = [t.name for t in Base.metadata.sorted_tables] + ["alembic_version"]


class RoleRefused(ValueError):
    """The roles cannot be set up as asked; the message says why."""


def scram_verifier(password: str, salt: bytes | None = None, iterations: int = 4096) -> str:
    """PostgreSQL's stored form of `password` for SCRAM-SHA-256 authentication (RFC 5802,
    7677), as `ALTER ROLE ... PASSWORD` accepts it, so the server never sees the password."""
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    stored_key = hashlib.sha256(hmac.new(salted, b"Client Key", "sha256").digest()).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _ddl(conn: Connection, template: str, *values: str) -> None:
    """Run `template` (a constant with %I and %L placeholders) with `values` quoted by the
    server's format()."""
    settings = [func.set_config(f"commonground.arg{i}", value, True) for i, value in enumerate(values)]
    conn.execute(select(*settings))
    args = "".join(f", current_setting('commonground.arg{i}')" for i in range(len(values)))
    statement = f"DO $$ BEGIN EXECUTE format('{template}'{args}); END $$"  # constants only
    conn.execution_options(no_parameters=True).exec_driver_sql(statement)


def check_name(name: str, what: str) -> str:
    """`name`, if it is a plain role name; else RoleRefused."""
    if not ROLE_NAME.fullmatch(name):
        raise RoleRefused(
            f"{what} {name!r} is not a plain role name: use lower-case letters, digits and _ "
            "(at most 63, not starting with a digit)"
        )
    return name


def role_exists(conn: Connection, name: str) -> bool:
    return (
        conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}).first() is not None
    )


def current_role(conn: Connection) -> str:
    return conn.execute(select(func.current_user())).scalar_one()


def prepare_owner(conn: Connection, owner: str) -> list[str]:
    """Make sure the role `owner` exists (created NOLOGIN: nobody signs in as it; whoever
    runs `init` acts as it) and owns every Common Ground table that already exists."""
    check_name(owner, "the owner role")
    done = []
    if not role_exists(conn, owner):
        _ddl(conn, "CREATE ROLE %I NOLOGIN", owner)
        done.append(f"created the owner role {owner} (NOLOGIN)")
    if owner != current_role(conn):
        _ddl(conn, "GRANT %I TO %I", owner, current_role(conn))  # so init may act as it
    _ddl(
        conn,
        "GRANT USAGE, CREATE ON SCHEMA %I TO %I",
        conn.execute(select(func.current_schema())).scalar_one(),
        owner,
    )
    existing = set(
        conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).scalars()
    )
    moved = [name for name in SCHEMA_OBJECTS if name in existing]
    for name in moved:
        _ddl(conn, "ALTER TABLE %I OWNER TO %I", name, owner)
    if "audit_event" in existing:
        _ddl(conn, "ALTER FUNCTION audit_event_append_only() OWNER TO %I", owner)
    if moved:
        done.append(f"{owner} owns the {len(moved)} existing tables")
    return done


def grant_app_role(conn: Connection, app: str, owner: str, password: str | None) -> list[str]:
    """Create or update the app role `app` (LOGIN, with `password` when given) and give it
    exactly the rights the dashboard and the commands need. Returns what was done."""
    check_name(app, "the app role")
    if app == owner:
        raise RoleRefused(f"the app role must not be the owner {owner}: it could then change the audit log")
    done = []
    found = conn.execute(
        text("SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = :name"), {"name": app}
    ).first()
    if found is not None and found.rolsuper:
        raise RoleRefused(f"{app} is a superuser: it could change the audit log; choose another role")
    if found is not None and found.rolcreaterole:  # it could make itself a member of the owner
        raise RoleRefused(f"{app} has CREATEROLE: it could change the audit log; choose another role")
    if found is None:
        if password is None:
            raise RoleRefused(f"the role {app} does not exist yet: give it a password")
        _ddl(conn, "CREATE ROLE %I LOGIN PASSWORD %L", app, scram_verifier(password))
        done.append(f"created the app role {app}")
    elif password is not None:
        _ddl(conn, "ALTER ROLE %I LOGIN PASSWORD %L", app, scram_verifier(password))
        done.append(f"set the app role {app}'s password")
    owned = text(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tableowner = :app "
        "ORDER BY tablename"
    )
    tables = [name for name in conn.execute(owned, {"app": app}).scalars() if name in SCHEMA_OBJECTS]
    if tables:  # the single-role set-up of earlier releases
        raise RoleRefused(
            f"{app} owns {len(tables)} tables ({', '.join(tables[:3])} ...), so it could change the audit "
            "log: give --owner-role NAME to move them to an owner role"
        )
    member = text("SELECT pg_has_role(:app, :owner, 'MEMBER')")
    if conn.execute(member, {"app": app, "owner": owner}).scalar_one():
        raise RoleRefused(f"{app} is a member of the owner role {owner}: it could change the audit log")
    _ddl(
        conn,
        "GRANT CONNECT ON DATABASE %I TO %I",
        conn.execute(select(func.current_database())).scalar_one(),
        app,
    )
    schema = conn.execute(select(func.current_schema())).scalar_one()
    _ddl(conn, "REVOKE CREATE ON SCHEMA %I FROM %I", schema, app)  # it creates nothing
    _ddl(conn, "GRANT USAGE ON SCHEMA %I TO %I", schema, app)
    present = text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    existing = set(conn.execute(present).scalars())  # an older schema lacks a newer release's tables
    for table in Base.metadata.sorted_tables:
        if table.name not in existing:
            continue
        rights = AUDIT_RIGHTS if table.name == AuditEvent.__tablename__ else DATA_RIGHTS
        _ddl(conn, "REVOKE ALL ON TABLE %I FROM %I", table.name, app)
        _ddl(conn, f"GRANT {rights} ON TABLE %I TO %I", table.name, app)
        if "id" not in table.c:
            continue
        sequence = conn.execute(select(func.pg_get_serial_sequence(table.name, "id"))).scalar()
        if sequence:
            # nextval needs USAGE; the demo loader's setval needs UPDATE, never on the audit log
            seq_rights = "USAGE" if table.name == AuditEvent.__tablename__ else "USAGE, SELECT, UPDATE"
            _ddl(conn, "REVOKE ALL ON SEQUENCE %s FROM %I", sequence, app)
            _ddl(conn, f"GRANT {seq_rights} ON SEQUENCE %s TO %I", sequence, app)
    _ddl(conn, "REVOKE ALL ON TABLE alembic_version FROM %I", app)
    _ddl(conn, "GRANT SELECT ON TABLE alembic_version TO %I", app)
    done.append(
        f"{app} may read and write the data tables, read the schema version, and only insert and "
        "read the audit log"
    )
    return done
