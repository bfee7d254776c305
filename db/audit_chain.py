"""The audit log's hash chain: how a row's hash is made, and the walk that checks them all.

Each audit row carries `prev_hash`, the `row_hash` of the row before it (by id; the first
row's is GENESIS), and `row_hash`, the SHA-256 of its canonical content including
`prev_hash`. Editing a row, deleting one, or slipping one in between breaks a link that
`verify` reports. What a chain without a secret cannot show: rows appended at the end
with correctly computed hashes, or the newest rows cut off. Noting the head hash that
`verify` prints somewhere else (a ticket, the operations log) and checking against it
later (`anchor`) covers both.

The canonical form below is fixed for good: every stored hash depends on it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, text

from db.models import AuditEvent

GENESIS = "0" * 64
CHAINED = ("at", "actor", "role", "action", "object", "outcome", "detail")
# The triggers that make the table refuse UPDATE, DELETE (and on PostgreSQL, TRUNCATE).
TRIGGERS = {
    "sqlite": ("audit_event_no_update", "audit_event_no_delete"),
    "postgresql": ("audit_event_append_only", "audit_event_no_truncate"),
}


def row_hash(prev_hash: str, at: datetime, actor, role, action, obj, outcome, detail) -> str:
    """The SHA-256 (hex) of one row's content and the hash of the row before it."""
    canonical = json.dumps(
        [prev_hash, at.isoformat(timespec="microseconds"), actor, role, action, obj, outcome, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def last_hash(conn: Connection) -> str:
    """The newest row's hash, or GENESIS for an empty log. Call it with the chain's lock
    held (db.dialect.lock_audit_chain), in the transaction that will insert."""
    newest = conn.execute(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    return newest or GENESIS


@dataclass(frozen=True)
class Verdict:
    """What `verify` found: `ok`, the rows checked, the newest row's hash, and for a broken
    chain the first bad row's id and time and what is wrong with it."""

    ok: bool
    rows: int
    head: str
    problem: str | None = None
    row_id: int | None = None
    at: datetime | None = None

    def text(self) -> str:
        if self.ok:
            return f"OK: {self.rows:,} audit events, every link intact; head {self.head}"
        where = f"row {self.row_id} ({self.at:%Y-%m-%d %H:%M:%S} UTC): " if self.row_id is not None else ""
        return f"BROKEN: {where}{self.problem}"


def missing_triggers(conn: Connection) -> list[str]:
    """The append-only triggers that are gone or disabled."""
    names = TRIGGERS.get(conn.dialect.name, ())
    if conn.dialect.name == "postgresql":
        query = text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event'::regclass AND tgenabled <> 'D'"
        )
    else:
        query = text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")
    present = set(conn.execute(query).scalars())
    return [name for name in names if name not in present]


def verify(conn: Connection, anchor: str | None = None) -> Verdict:
    """Walk the whole chain in id order; stop at the first broken link. `anchor`: a head
    hash noted earlier, which must still be in the chain."""
    columns = [getattr(AuditEvent, c) for c in CHAINED]
    query = select(AuditEvent.id, AuditEvent.prev_hash, AuditEvent.row_hash, *columns).order_by(AuditEvent.id)
    expected, count, previous_id, anchored = GENESIS, 0, None, anchor is None
    for row in conn.execution_options(yield_per=5000).execute(query):
        row_id, prev, stored, at, *content = row
        if prev != expected:
            after = f"row {previous_id}" if previous_id is not None else "the start of the log"
            return Verdict(
                False,
                count,
                expected,
                f"its prev_hash does not match the hash of {after}: a row between them was deleted, "
                "or this row was inserted or renumbered",
                row_id,
                at,
            )
        if stored != row_hash(prev, at, *content):
            return Verdict(
                False, count, expected, "its content does not match its row_hash: it was edited", row_id, at
            )
        anchored = anchored or stored == anchor
        expected, previous_id, count = stored, row_id, count + 1
    if not anchored:
        return Verdict(
            False,
            count,
            expected,
            f"the anchor {anchor} is no longer in the chain: its newest rows were cut off or rewritten",
        )
    gone = missing_triggers(conn)
    if gone:
        return Verdict(
            False,
            count,
            expected,
            f"the append-only triggers {', '.join(gone)} are missing or disabled: "
            "the log could have been changed",
        )
    return Verdict(True, count, expected)
