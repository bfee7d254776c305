"""The audit log is append-only and complete; sessions lock, expire and end as documented."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from db import sessions
from db.audit import Actor, AuditUnavailable, events, record, record_alone
from db.models import AuditEvent

CHIEF = Actor("chief@dept.example", "leadership")
NINE = datetime(2026, 11, 24, 9, 0, 0)


def test_the_database_refuses_to_change_or_delete_the_audit_log(engine):
    with engine.begin() as conn:
        record(conn, CHIEF, "page view", "Overview")
    for statement in (update(AuditEvent).values(actor="someone else"), delete(AuditEvent)):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(statement)
    with engine.connect() as conn:
        assert [e[1:6] for e in events(conn)] == [
            ("chief@dept.example", "leadership", "page view", "Overview", "ok")
        ]


def test_an_audit_write_that_fails_says_so(engine):
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE audit_event"))  # the log is gone: nothing can be recorded
    with pytest.raises(AuditUnavailable, match="could not be written"):
        record_alone(engine, CHIEF, "export", "P1: pdf (public)")


def test_filters_pick_out_events_by_day_person_action_and_outcome(engine):
    with engine.begin() as conn:
        record(conn, CHIEF, "sign in", "session", at=NINE)
        record(conn, CHIEF, "export", "P1: pdf", at=NINE + timedelta(days=1))
        record(
            conn, Actor("cli:ops", "admin"), "import", "crime: x.csv", "refused", at=NINE + timedelta(days=1)
        )
    with engine.connect() as conn:
        assert len(events(conn)) == 3
        assert [e[3] for e in events(conn, since=(NINE + timedelta(days=1)).date())] == ["import", "export"]
        assert [e[3] for e in events(conn, until=NINE.date())] == ["sign in"]
        assert [e[3] for e in events(conn, actor="cli:ops")] == ["import"]
        assert [e[1] for e in events(conn, outcome="refused")] == ["cli:ops"]
        assert [e[3] for e in events(conn, action="export")] == ["export"]


@pytest.mark.parametrize(
    ("minutes_since_sign_in", "minutes_idle", "expected"),
    [(0, 0, "active"), (60, 29, "active"), (60, 30, "locked"), (719, 0, "active"), (720, 0, "expired")],
)
def test_session_rule_at_its_edges(minutes_since_sign_in, minutes_idle, expected):
    now = NINE + timedelta(minutes=minutes_since_sign_in)
    assert sessions.rule(NINE, now - timedelta(minutes=minutes_idle), now) == expected


def test_a_session_is_signed_in_once_then_locks_when_idle_and_stays_locked(engine):
    def at(minutes: int) -> str:
        with engine.begin() as conn:
            return sessions.check_in(conn, CHIEF, NINE, NINE + timedelta(minutes=minutes))

    assert [at(0), at(10), at(25), at(54)] == ["active"] * 4  # each use within 30 minutes of the last
    assert at(85) == "locked"  # 31 minutes after the last use
    assert at(86) == "locked"  # a lock is not undone by using the page again
    with engine.connect() as conn:
        assert [e[3] for e in reversed(events(conn))] == ["sign in", "session locked"]
        assert events(conn)[0][6] == "31 minutes without use"


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(engine):
    with engine.begin() as conn:
        for minutes in range(0, 12 * 60, 20):
            assert sessions.check_in(conn, CHIEF, NINE, NINE + timedelta(minutes=minutes)) == "active"
        assert sessions.check_in(conn, CHIEF, NINE, NINE + timedelta(hours=12)) == "expired"


def test_sign_out_ends_the_session_even_if_its_cookie_comes_back(engine):
    with engine.begin() as conn:
        assert sessions.check_in(conn, CHIEF, NINE, NINE) == "active"
        sessions.sign_out(conn, CHIEF, NINE, NINE + timedelta(minutes=5))
        assert sessions.check_in(conn, CHIEF, NINE, NINE + timedelta(minutes=6)) == "signed out"
        # a new sign-in at the provider is a new session
        assert (
            sessions.check_in(conn, CHIEF, NINE + timedelta(minutes=7), NINE + timedelta(minutes=7))
            == "active"
        )
    with engine.connect() as conn:
        assert [e[3] for e in reversed(events(conn))] == ["sign in", "sign out", "sign in"]
