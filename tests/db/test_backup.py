"""Backups and the restore drill: back up, damage the database, restore, and the pages open
and the audit chain verifies (`commonground backup`, `commonground restore`)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from cli import main
from db.audit import events
from db.engine import make_engine
from tests.conftest import IN_CI, ROOT, _drop_postgres, _fresh_postgres
from tests.db.test_audit_chain import WRITER
from tests.db.test_roles import PASSWORD
from tests.pages.test_access import PAGES, USERS, headings, render
from tests.pages.test_pages import run_app


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def live(demo_url, tmp_path) -> tuple[str, Path]:
    """A copy of the demo city that users have been using: three user changes recorded."""
    path = tmp_path / "live" / "commonground.sqlite"
    path.parent.mkdir()
    shutil.copyfile(make_url(demo_url).database, path)
    url = f"sqlite:///{path}"
    for n in range(3):
        assert (
            cli(
                "users", "add", f"analyst{n}@dept.example", "--role", "leadership", "--database-url", url
            ).exit_code
            == 0
        )
    return url, path


def damage(path: Path) -> None:
    """What someone with write access to the file might do: lift the triggers, remove a
    user change from the log and the partnerships from the registry."""
    with closing(sqlite3.connect(path, isolation_level=None)) as raw:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("DROP TRIGGER audit_event_no_delete")
        raw.execute("DELETE FROM audit_event WHERE id = (SELECT min(id) + 1 FROM audit_event)")
        for table in ("scorecard_result", "partnership_area", "partnership_member", "partnership"):
            raw.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names


def assert_every_page_opens(url: str, monkeypatch) -> None:
    overview = run_app(url, monkeypatch)
    assert {m.label: m.value for m in overview.metric}["Active partnerships"] == "10"
    for page, (_, heading) in PAGES.items():
        at = render(url, monkeypatch, USERS["local"], page)
        assert not at.error, (page, [e.value for e in at.error])
        if heading:
            assert heading in headings(at), page


def test_restore_drill_back_up_damage_restore_and_everything_works(live, tmp_path, monkeypatch):
    url, path = live
    with closing(sqlite3.connect(path)) as raw:  # page tests may have used the shared demo database
        logged = raw.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    copy = tmp_path / "backups" / "cg.sqlite"
    copy.parent.mkdir()
    backed = cli("backup", str(copy), "--database-url", url)
    assert backed.exit_code == 0, backed.output
    assert f"Its audit log: OK: {logged + 1} audit events" in backed.output  # and the backup

    damage(path)
    broken = cli("audit", "verify", "--database-url", url)
    assert broken.exit_code == 1
    assert "its prev_hash does not match" in broken.output

    refused = cli("restore", str(copy), "--database-url", url)
    assert refused.exit_code == 1
    assert "give --replace" in refused.output
    assert cli("audit", "verify", "--database-url", url).exit_code == 1  # nothing was touched

    restored = cli("restore", str(copy), "--replace", "--database-url", url)
    assert restored.exit_code == 0, restored.output
    assert f"Its audit log: OK: {logged + 2} audit events" in restored.output  # and the restore itself
    kept = list(path.parent.glob("commonground.sqlite.replaced-*"))
    assert len(kept) == 1
    assert f"kept as {kept[0]}" in restored.output  # the damaged file, as evidence

    assert_every_page_opens(url, monkeypatch)
    verified = cli("audit", "verify", "--database-url", url)  # the page views just recorded included
    assert verified.exit_code == 0, verified.output
    engine = make_engine(url)
    with engine.connect() as conn:
        assert [e[3:5] for e in events(conn, action="restore")] == [("restore", f"from {copy}")]
    engine.dispose()


def test_a_corrupted_file_is_restored_too(live, tmp_path, monkeypatch):
    url, path = live
    copy = tmp_path / "cg-backup.sqlite"
    assert cli("backup", str(copy), "--database-url", url).exit_code == 0
    with path.open("r+b") as file:  # the first pages overwritten: SQLite no longer knows the file
        file.write(b"\x00garbage" * 4096)
    restored = cli("restore", str(copy), "--replace", "--database-url", url)
    assert restored.exit_code == 0, restored.output
    assert "Its audit log: OK" in restored.output
    assert_every_page_opens(url, monkeypatch)


def test_a_backup_never_overwrites_without_replace_and_a_damaged_backup_is_not_restored(live, tmp_path):
    url, path = live
    copy = tmp_path / "cg.sqlite"
    copy.write_bytes(b"last week's backup")
    refused = cli("backup", str(copy), "--database-url", url)
    assert refused.exit_code == 1
    assert "exists; give --replace" in refused.output
    assert copy.read_bytes() == b"last week's backup"
    engine = make_engine(url)
    with engine.connect() as conn:
        assert events(conn, action="backup") == []  # a refused backup was never begun
    engine.dispose()
    not_a_backup = cli("restore", str(copy), "--replace", "--database-url", url)
    assert not_a_backup.exit_code == 1
    assert "is not a Common Ground database" in not_a_backup.output
    assert cli("audit", "verify", "--database-url", url).exit_code == 0  # the database is untouched


def test_a_backup_taken_while_the_app_writes_is_consistent(live, tmp_path):
    url, _ = live
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, "0", str(time.time()), "300"], cwd=ROOT, stderr=subprocess.PIPE
    )
    copies = []
    while writer.poll() is None and len(copies) < 5:
        copy = tmp_path / f"during-{len(copies)}.sqlite"
        result = cli("backup", str(copy), "--database-url", url)
        assert result.exit_code == 0, result.output
        assert "Its audit log: OK" in result.output
        copies.append(copy)
    _, errors = writer.communicate(timeout=120)
    assert writer.returncode == 0, errors.decode()[-2000:]
    assert copies, "the writer finished before any backup began"


def test_postgres_backup_with_pg_dump_restores_with_pg_restore_as_documented(
    pg_engine, pg_admin_url, role_names, tmp_path
):
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        message = "pg_dump and pg_restore are not on PATH"
        if IN_CI:
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    owner, app = role_names
    url = pg_engine.url.render_as_string(hide_password=False)
    roles = ["--owner-role", owner, "--app-role", app]
    secret = {"COMMONGROUND_APP_PASSWORD": PASSWORD}
    assert CliRunner().invoke(main, ["init", "--database-url", url, *roles], env=secret).exit_code == 0
    assert (
        cli("users", "add", "chief@dept.example", "--role", "leadership", "--database-url", url).exit_code
        == 0
    )
    dump = tmp_path / "commonground.dump"
    backed = cli("backup", str(dump), "--database-url", url)
    assert backed.exit_code == 0, backed.output
    assert "pg_dump custom format" in backed.output
    name, restored_engine = _fresh_postgres(pg_admin_url)
    try:
        with restored_engine.begin() as conn:
            conn.exec_driver_sql(
                f'ALTER DATABASE "{name}" OWNER TO "{owner}"'
            )  # createdb -O; generated names
        restored_url = restored_engine.url.render_as_string(hide_password=False)
        libpq = restored_engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", f"--role={owner}", "--exit-on-error",
             "--dbname", libpq, str(dump)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        again = CliRunner().invoke(main, ["init", "--database-url", restored_url, *roles], env={})
        assert again.exit_code == 0, again.output
        app_url = restored_engine.url.set(username=app, password=PASSWORD).render_as_string(
            hide_password=False
        )
        verified = cli("audit", "verify", "--database-url", app_url)
        assert verified.exit_code == 0, verified.output
        assert "OK: 2 audit events" in verified.output  # the user change and the backup
        tamper = make_engine(app_url)
        with pytest.raises(DBAPIError, match="permission denied"), tamper.begin() as conn:
            conn.exec_driver_sql("DELETE FROM audit_event")  # the restored log is as guarded
        tamper.dispose()
        refused = cli("restore", str(dump), "--replace", "--database-url", restored_url)
        assert refused.exit_code == 1
        assert "pg_restore" in refused.output
    finally:
        restored_engine.dispose()
        with restored_engine.begin() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{app}", "{owner}" CASCADE')  # generated names
        restored_engine.dispose()
        _drop_postgres(pg_admin_url, name)
