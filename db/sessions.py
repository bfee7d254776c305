"""Signed-in sessions and their rules: a session locks after 30 minutes without use and
ends 12 hours after sign-in; signing out ends it. Held in the database (not in the app
process) so the rules hold across browser tabs, page reloads and app processes.

A session is one sign-in at the identity provider: the verified email and the time the
provider issued its token (the `iat` claim).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from db.audit import Actor, record
from db.models import UserSession

IDLE_LIMIT = timedelta(minutes=30)
SIGN_IN_LIMIT = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)  # how often a busy session's last use is written
ENDINGS = {"locked": "session locked", "expired": "session expired"}


def rule(signed_in_at: datetime, last_seen: datetime, now: datetime) -> str:
    """'active', 'expired' (12 hours since sign-in) or 'locked' (30 minutes without use)."""
    if now - signed_in_at >= SIGN_IN_LIMIT:
        return "expired"
    if now - last_seen >= IDLE_LIMIT:
        return "locked"
    return "active"


def check_in(conn: Connection, actor: Actor, signed_in_at: datetime, now: datetime) -> str:
    """Use the session now: 'active', or why it no longer gives access ('locked',
    'expired', 'signed out'). Its first use records the sign-in in the audit log; a lock
    or expiry is recorded once, when it is found."""
    email = actor.name
    row = conn.execute(
        select(UserSession.id, UserSession.last_seen, UserSession.ended_why).where(
            UserSession.email == email, UserSession.signed_in_at == signed_in_at
        )
    ).first()
    if row is None:
        verdict = "expired" if now - signed_in_at >= SIGN_IN_LIMIT else "active"
        conn.execute(
            insert(UserSession),
            {
                "email": email,
                "signed_in_at": signed_in_at,
                "last_seen": now,
                "ended_at": None if verdict == "active" else now,
                "ended_why": None if verdict == "active" else verdict,
            },
        )
        if verdict == "active":
            record(conn, actor, "sign in", "session", at=now)
        else:
            old = "a sign-in older than 12 hours"
            record(conn, actor, ENDINGS[verdict], "session", "refused", old, at=now)
        return verdict
    if row.ended_why:
        return row.ended_why
    verdict = rule(signed_in_at, row.last_seen, now)
    if verdict != "active":
        _end(conn, row.id, now, verdict)
        idle = int((now - row.last_seen).total_seconds() // 60)
        why = f"{idle} minutes without use" if verdict == "locked" else "12 hours since sign-in"
        record(conn, actor, ENDINGS[verdict], "session", "ok", why, at=now)
    elif now - row.last_seen >= TOUCH_EVERY:
        conn.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen=now))
    return verdict


def sign_out(conn: Connection, actor: Actor, signed_in_at: datetime, now: datetime) -> None:
    """End the session for good: the same sign-in gives no access again, even if its
    cookie is replayed."""
    ended = {"ended_at": now, "ended_why": "signed out"}
    changed = conn.execute(
        update(UserSession)
        .where(UserSession.email == actor.name, UserSession.signed_in_at == signed_in_at)
        .values(**ended)
    ).rowcount
    if not changed:
        conn.execute(
            insert(UserSession),
            {"email": actor.name, "signed_in_at": signed_in_at, "last_seen": now, **ended},
        )
    record(conn, actor, "sign out", "session", at=now)


def _end(conn: Connection, session_id: int, now: datetime, why: str) -> None:
    conn.execute(update(UserSession).where(UserSession.id == session_id).values(ended_at=now, ended_why=why))
