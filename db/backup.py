"""Backups and restores: what `commonground backup` and `restore` do; no click, no Streamlit.

SQLite is copied with its online backup API (sqlite3's Connection.backup): the copy is a
consistent snapshot even while the app writes. A restore writes the backup back through
the same API, after keeping the database it replaces beside it. PostgreSQL is dumped with
pg_dump (custom format) when it is on PATH; restoring a PostgreSQL dump is left to
pg_restore, into a new database, by its owner (docs/deployment.md#backups).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupRefused(RuntimeError):
    """The backup or restore cannot be done as asked; the message says why."""


def sqlite_file(url: str) -> Path | None:
    """The file behind an SQLite URL, or None for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupRefused("an in-memory SQLite database has nothing to back up")
    return Path(parsed.database)


def check_copy(path: Path) -> str:
    """The schema revision of the SQLite file at `path`, after SQLite's integrity check; a
    file that is damaged or not a Common Ground database is refused."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if integrity != "ok":
                raise BackupRefused(f"{path} fails SQLite's integrity check: {integrity}")
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupRefused(f"{path} is not a Common Ground database ({exc})") from exc
    if revision is None:
        raise BackupRefused(f"{path} is not a Common Ground database (no schema revision)")
    return revision[0]


def _copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src:
        with closing(sqlite3.connect(target)) as dst:
            src.backup(dst)


def backup_sqlite(database: Path, target: Path, replace: bool = False) -> str:
    """Copy the live SQLite `database` to `target` (a new file unless `replace`), checked
    after writing. Returns the copy's schema revision."""
    if not database.exists():
        raise BackupRefused(f"{database} does not exist")
    if target.exists() and not replace:
        raise BackupRefused(f"{target} exists; give --replace to overwrite it")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    _copy(database, partial)
    revision = check_copy(partial)
    os.replace(partial, target)  # a reader of `target` sees the old file or the whole new one
    return revision


def restore_sqlite(backup: Path, database: Path) -> Path | None:
    """Put the backup `backup` in place of `database`, keeping what was there as
    `<name>.replaced-<UTC time>` beside it (returned; None if there was no database). A
    database SQLite can still open is overwritten in place, so that a running app reads
    the restored data; an unreadable one is moved aside and the backup copied anew."""
    check_copy(backup)
    if not database.exists():
        database.parent.mkdir(parents=True, exist_ok=True)
        _copy(backup, database)
        return None
    kept = database.with_name(f"{database.name}.replaced-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
    shutil.copyfile(database, kept)  # byte for byte, damage included: evidence
    try:
        with closing(sqlite3.connect(backup)) as src, closing(sqlite3.connect(database)) as dst:
            src.backup(dst)
    except sqlite3.DatabaseError:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        _copy(backup, database)
    return kept


def pg_dump_command(url: str, target: Path) -> tuple[list[str], dict[str, str]]:
    """The pg_dump command line for `url` and the environment to run it in: the password
    travels in PGPASSWORD, never on the command line where `ps` shows it."""
    parsed = make_url(url)
    libpq = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    return ["pg_dump", "--format=custom", "--file", str(target), "--dbname", libpq], env
