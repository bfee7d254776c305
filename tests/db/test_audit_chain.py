"""The audit log is hash-chained: `commonground audit verify` finds the first tampered row,
the chain survives concurrent writers, and migration 0010 chains the rows already there."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine

from cli import main
from db.audit import Actor, events, record
from db.audit_chain import row_hash
from db.engine import make_engine
from db.migrate import upgrade
from db.models import AuditEvent
from tests.conftest import ROOT

CHIEF = Actor("chief@dept.example", "leadership")
NINE = datetime(2026, 11, 24, 9, 0, 0)
WRITERS, EACH = 2, 100


def five_events(engine: Engine) -> None:
    with engine.begin() as conn:
        for n in range(5):
            record(
                conn,
                CHIEF,
                "page view",
                f"page {n + 1}",
                detail=f"visit {n + 1}",
                at=NINE + timedelta(minutes=n),
            )


def verify(url: str, *args: str):
    return CliRunner().invoke(main, ["audit", "verify", "--database-url", url, *args])


@pytest.fixture
def lite_log(tmp_path) -> tuple[str, sqlite3.Connection]:
    """An SQLite database holding five chained events, and a raw connection to tamper with
    it as anyone who can write the file could."""
    path = tmp_path / "audit.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    five_events(engine)
    engine.dispose()
    with closing(sqlite3.connect(path, isolation_level=None)) as raw:
        yield f"sqlite:///{path}", raw


def drop_triggers(raw: sqlite3.Connection) -> None:
    raw.execute("DROP TRIGGER audit_event_no_update")
    raw.execute("DROP TRIGGER audit_event_no_delete")


def test_an_untouched_log_verifies_with_its_row_count(lite_log):
    url, _ = lite_log
    result = verify(url)
    assert result.exit_code == 0, result.output
    assert "OK: 5 audit events, every link intact" in result.output


def test_dropping_the_append_only_triggers_is_reported(lite_log):
    url, raw = lite_log
    drop_triggers(raw)
    result = verify(url)
    assert result.exit_code == 1
    assert "audit_event_no_update, audit_event_no_delete are missing or disabled" in result.output


def test_an_edited_detail_is_reported_at_its_row(lite_log):
    url, raw = lite_log
    drop_triggers(raw)
    raw.execute("UPDATE audit_event SET detail = 'nothing to see' WHERE id = 3")
    result = verify(url)
    assert result.exit_code == 1
    assert "BROKEN: row 3 (2026-11-24 09:02:00 UTC): its content does not match its row_hash" in result.output


def test_a_deleted_middle_row_is_reported_at_the_row_after_it(lite_log):
    url, raw = lite_log
    drop_triggers(raw)
    raw.execute("DELETE FROM audit_event WHERE id = 3")
    result = verify(url)
    assert result.exit_code == 1
    assert "BROKEN: row 4 (2026-11-24 09:03:00 UTC): its prev_hash does not match the hash of row 2" in (
        result.output
    )


def test_a_forged_row_is_reported_at_the_forgery(lite_log):
    url, raw = lite_log
    # the triggers only refuse UPDATE and DELETE: anyone may insert, hashing as best they can
    fake_prev = "f" * 64
    forged = (NINE, "chief@dept.example", "leadership", "export", "P1: pdf", "ok", None)
    raw.execute(
        "INSERT INTO audit_event (id, at, actor, role, action, object, outcome, detail, prev_hash, row_hash) "
        "VALUES (6, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (forged[0].isoformat(" "), *forged[1:], fake_prev, row_hash(fake_prev, *forged)),
    )
    result = verify(url)
    assert result.exit_code == 1
    assert "BROKEN: row 6 (2026-11-24 09:00:00 UTC): its prev_hash does not match the hash of row 5" in (
        result.output
    )


def test_cutting_off_the_newest_rows_is_caught_by_an_anchor_noted_earlier(lite_log):
    url, raw = lite_log
    head = verify(url).output.rsplit("head ", 1)[1].strip()
    drop_triggers(raw)
    raw.execute("DELETE FROM audit_event WHERE id >= 4")
    for event in ("update", "delete"):  # put back, so that only the missing rows tell
        raw.execute(
            f"CREATE TRIGGER audit_event_no_{event} BEFORE {event} ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'x'); END"
        )
    assert verify(url).exit_code == 0  # what a chain alone cannot see (docs/access.md says so)
    result = verify(url, "--anchor", head)
    assert result.exit_code == 1
    assert f"the anchor {head} is no longer in the chain" in result.output


WRITER = """
import sys, time
from db.audit import Actor, record_alone
from db.engine import make_engine
url, writer, start, each = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
engine = make_engine(url)
with engine.connect():  # connected and warm before the start
    pass
time.sleep(max(0.0, start - time.time()))  # the writers begin together
for n in range(each):
    record_alone(engine, Actor(f"writer{writer}", "admin"), "page view", f"page {n}")
"""


def test_two_processes_writing_at_once_keep_one_unbroken_chain(engine):
    url = engine.url.render_as_string(hide_password=False)
    start = str(time.time() + 4)  # after both processes have started
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(w), start, str(EACH)], cwd=ROOT, stderr=subprocess.PIPE
        )
        for w in range(WRITERS)
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors.decode()[-2000:]
    with engine.connect() as conn:
        actors = conn.execute(select(AuditEvent.actor, func.count()).group_by(AuditEvent.actor)).all()
    assert sorted(actors) == [(f"writer{w}", EACH) for w in range(WRITERS)]
    result = verify(url)
    assert result.exit_code == 0, result.output
    assert f"OK: {WRITERS * EACH} audit events" in result.output


def test_the_migration_chains_the_events_already_recorded(empty_engine):
    upgrade(empty_engine, "0009")
    old = [
        {
            "at": NINE + timedelta(minutes=n),
            "actor": "cli:ops",
            "role": "admin",
            "action": "alias",
            "object": f"x{n} -> A",
            "outcome": "ok",
            "detail": None,
        }
        for n in range(3)
    ]
    columns = ", ".join(old[0])
    values = ", ".join(f":{c}" for c in old[0])
    with empty_engine.begin() as conn:
        conn.execute(text(f"INSERT INTO audit_event ({columns}) VALUES ({values})"), old)  # noqa: S608 - constants
    upgrade(empty_engine)
    with empty_engine.begin() as conn:
        record(conn, CHIEF, "sign in", "session")
    url = empty_engine.url.render_as_string(hide_password=False)
    result = verify(url)
    assert result.exit_code == 0, result.output
    assert "OK: 4 audit events" in result.output
    with empty_engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.execute(text("DELETE FROM audit_event"))  # the triggers are back after the migration


def test_two_rows_cannot_claim_the_same_predecessor(engine):
    five_events(engine)
    with engine.connect() as conn:
        second = conn.execute(select(AuditEvent.__table__).where(AuditEvent.id == 2)).one()
    fork = {c: getattr(second, c) for c in ("at", "actor", "role", "action", "object", "outcome", "detail")}
    with pytest.raises(Exception, match="(?i)unique"), engine.begin() as conn:
        conn.execute(insert(AuditEvent), {**fork, "prev_hash": second.prev_hash, "row_hash": "0" * 64})


def test_a_time_given_with_a_zone_is_stored_in_utc_and_still_verifies(engine):
    paris = timezone(timedelta(hours=1))
    with engine.begin() as conn:
        record(conn, CHIEF, "sign in", "session", at=datetime(2026, 11, 24, 10, 0, tzinfo=paris))
    with engine.connect() as conn:
        assert events(conn)[0][0] == NINE
    result = verify(engine.url.render_as_string(hide_password=False))
    assert result.exit_code == 0, result.output


def test_an_edit_with_every_later_hash_recomputed_is_caught_only_by_an_anchor(lite_log):
    url, raw = lite_log
    head = verify(url).output.rsplit("head ", 1)[1].strip()
    drop_triggers(raw)
    raw.execute("UPDATE audit_event SET detail = 'nothing to see' WHERE id = 3")
    rows = raw.execute(
        "SELECT id, at, actor, role, action, object, outcome, detail FROM audit_event ORDER BY id"
    ).fetchall()
    prev = "0" * 64
    for row_id, at, *content in rows:  # a careful forger rewrites the whole chain
        this = row_hash(prev, datetime.fromisoformat(at), *content)
        raw.execute("UPDATE audit_event SET prev_hash = ?, row_hash = ? WHERE id = ?", (prev, this, row_id))
        prev = this
    for event in ("update", "delete"):
        raw.execute(
            f"CREATE TRIGGER audit_event_no_{event} BEFORE {event} ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'x'); END"
        )
    assert verify(url).exit_code == 0  # as docs/access.md says: the chain alone cannot tell
    result = verify(url, "--anchor", head)
    assert result.exit_code == 1
    assert f"the anchor {head} is no longer in the chain" in result.output
