"""The audit log: who did what, when (UTC), and with what outcome.

Append-only: this module only inserts and reads, and the database itself refuses UPDATE
and DELETE on the table (triggers, migration 0005); on PostgreSQL the app's own role may
only insert and read it (`commonground init --app-role`, db.roles). Tamper-evident: each
row carries the hash of the one before it (db.audit_chain, migration 0010), and inserts
are serialised so that the chain never forks. Sign-ins and session locks are
recorded by db.sessions, imports by db.importing.run, user and registry changes by
their commands, page views and downloads by the app.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import SQLAlchemyError

from db.audit_chain import last_hash, row_hash
from db.dialect import lock_audit_chain
from db.models import AuditEvent

ACTIONS = (
    "sign in",
    "sign out",
    "session locked",
    "session expired",
    "page view",
    "download",
    "export",
    "import",
    "import check",
    "alias",
    "user change",
    "backup",
    "restore",
)
COLUMNS = ("at", "actor", "role", "action", "object", "outcome", "detail")


@dataclass(frozen=True)
class Actor:
    name: str  # a verified email, "local user", "cli:USERNAME" or "anonymous"
    role: str


class AuditUnavailable(RuntimeError):
    """The audit log could not be written; a leadership action that needed it is refused."""


def command_line_actor() -> Actor:
    """Whoever runs the `commonground` command: anyone holding the database URL can do
    what an administrator can, so they are recorded as one, by their login name."""
    return Actor(f"cli:{getpass.getuser()}", "admin")


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    obj: str,
    outcome: str = "ok",
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    """Add one event inside the caller's transaction (so it lands with the change it
    describes, or not at all), chained to the newest event. The chain's lock is held
    until that transaction ends: keep transactions that record short."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if at is not None and at.tzinfo is not None:  # stored naive, in UTC: hash what is stored
        at = at.astimezone(UTC).replace(tzinfo=None)
    content = {
        "at": at or utc_now(),
        "actor": actor.name,
        "role": actor.role,
        "action": action,
        "object": obj[:400],
        "outcome": outcome,
        "detail": detail,
    }
    lock_audit_chain(conn)
    prev = last_hash(conn)
    conn.execute(
        insert(AuditEvent), {**content, "prev_hash": prev, "row_hash": row_hash(prev, *content.values())}
    )


def record_alone(
    engine: Engine, actor: Actor, action: str, obj: str, outcome: str = "ok", detail: str | None = None
) -> None:
    """Add one event in its own transaction. Raises AuditUnavailable when it cannot be
    written, so the caller can refuse what it was about to do."""
    try:
        with engine.begin() as conn:
            record(conn, actor, action, obj, outcome, detail)
    except SQLAlchemyError as exc:
        raise AuditUnavailable(f"the audit log could not be written ({type(exc).__name__})") from exc


def events(
    conn: Connection,
    since: date | None = None,
    until: date | None = None,
    actor: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    limit: int | None = None,
) -> list[tuple]:
    """Events matching every given filter, newest first, as tuples in COLUMNS order.
    `since` and `until` are whole UTC days, both included."""
    query = select(*(getattr(AuditEvent, c) for c in COLUMNS)).order_by(
        AuditEvent.at.desc(), AuditEvent.id.desc()
    )
    if since is not None:
        query = query.where(AuditEvent.at >= datetime.combine(since, datetime.min.time()))
    if until is not None:
        query = query.where(AuditEvent.at < datetime.combine(until + timedelta(days=1), datetime.min.time()))
    for column, value in (("actor", actor), ("action", action), ("outcome", outcome)):
        if value:
            query = query.where(getattr(AuditEvent, column) == value)
    if limit is not None:
        query = query.limit(limit)
    return [tuple(row) for row in conn.execute(query)]


def actors(conn: Connection) -> list[str]:
    """Everyone who appears in the log, for the page's filter."""
    return list(conn.execute(select(AuditEvent.actor).distinct().order_by(AuditEvent.actor)).scalars())
