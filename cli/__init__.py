"""The `commonground` command: set up, fill and report from a database, from the shell.

    commonground init            create or upgrade the schema (Alembic migrations);
                                 --app-role: PostgreSQL's owner and app roles
    commonground demo [--seed N] fill an empty database with the demo city
    commonground evaluate CODE   did this partnership work? (--all: every one; --json for scripts)
    commonground import KIND F   import a file, all or nothing (--preset or --mapping)
    commonground alias NAME AREA let a file's spelling of an area mean a known area
    commonground weights         rake resident answers to each area's population margins again
    commonground export CODE     board packet (pdf), deck (pptx) or slides (png)
    commonground users add|remove|list   who may sign in to see more than the public view
    commonground audit verify    check the audit log's hash chain
    commonground backup PATH     a consistent copy of the database (pg_dump on PostgreSQL)
    commonground restore PATH    put an SQLite backup back (--replace)

Every command works on DATABASE_URL (or --database-url), defaulting to the
embedded SQLite file, exactly as the dashboard does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import click
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from board.deck import AUDIENCES, build_deck
from board.export import FORMATS
from board.export import export as export_deck
from cli.initiatives import initiative_lines
from db.audit import AuditUnavailable, command_line_actor, record, record_alone
from db.audit_chain import verify
from db.backup import BackupRefused, backup_sqlite, pg_dump_command, restore_sqlite, sqlite_file
from db.demo import DatabaseNotEmptyError, load_demo
from db.demo.scale import load_city
from db.engine import DatabaseConfigError, describe, make_engine, resolve_url
from db.importing.areas import AliasRefused, add_alias
from db.importing.mapping import KINDS as IMPORT_KINDS
from db.importing.mapping import load_mapping, load_preset, preset_names
from db.importing.report import ImportRefused
from db.importing.run import import_file
from db.migrate import INSUFFICIENT_PRIVILEGE, SchemaOwnerNeeded, current_revision, head_revision, upgrade
from db.models import USER_ROLES, Area
from db.roles import RoleRefused, check_name, current_role, grant_app_role, prepare_owner, role_exists
from db.users import UserRefused, add_user, list_users, remove_user
from db.weighting import rake_areas
from metrics.evaluation import OUTCOMES, Design, Prefetched, mark_chance, partnership_codes
from metrics.evaluation import evaluate as run_evaluation
from metrics.formatting import gap_change_text, verdict_label
from metrics.initiatives import mark_initiatives
from metrics.stored import stored_scorecard
from metrics.verdict import headline, sustained_text

database_option = click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default="",
    show_default=False,
    help="Database URL; default: $DATABASE_URL, else the embedded SQLite file.",
)


@click.group()
def main() -> None:
    """Common Ground: is this police-community partnership working?"""


@contextmanager
def _database(database_url: str) -> Iterator[tuple[str, Engine]]:
    """The URL and an engine for one command; an unreachable database becomes a plain
    message, and the engine's connections are closed when the command ends."""
    url = resolve_url(database_url)
    try:
        engine = make_engine(url)
    except DatabaseConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        yield url, engine
    except SQLAlchemyError as exc:
        raise _fail_unreachable(url, exc) from exc
    finally:
        engine.dispose()


def _fail_unreachable(url: str, exc: SQLAlchemyError) -> click.ClickException:
    reason = type(getattr(exc, "orig", None) or exc).__name__
    return click.ClickException(
        f"cannot use the database {describe(url)} ({reason}): is it running and reachable?"
    )


def _upgrade(engine: Engine, as_role: str | None = None) -> None:
    try:
        upgrade(engine, as_role=as_role)
    except SchemaOwnerNeeded as exc:
        raise click.ClickException(str(exc)) from exc


@contextmanager
def _role_changes() -> Iterator[None]:
    """Refusals and missing rights while setting up roles, as plain messages."""
    try:
        yield
    except RoleRefused as exc:
        raise click.ClickException(str(exc)) from exc
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        raise click.ClickException(
            f"the role in the URL may not do this ({str(exc.orig).splitlines()[0]}): set up the roles "
            "with a superuser's URL, or one with CREATEROLE that owns the tables"
        ) from exc


@main.command()
@database_option
@click.option(
    "--app-role",
    metavar="NAME",
    help="PostgreSQL: create or update the role the dashboard connects as, with read and write "
    "rights on the data but only INSERT and SELECT on the audit log. Run with the owner's URL.",
)
@click.option(
    "--owner-role",
    metavar="NAME",
    help="PostgreSQL: the role that owns the schema (created NOLOGIN if missing, given every "
    "existing table); migrations run as it. Default: the URL's own role.",
)
@click.option(
    "--app-password-env",
    metavar="VAR",
    default="COMMONGROUND_APP_PASSWORD",
    show_default=True,
    help="The environment variable holding the app role's password. Unset: a new role's "
    "password is asked for (not echoed); an existing role keeps its password.",
)
def init(database_url: str, app_role: str | None, owner_role: str | None, app_password_env: str) -> None:
    """Create the schema, or upgrade it to this version; on PostgreSQL, optionally set up
    the owner and app roles (run it again after every upgrade: it re-applies the grants)."""
    with _database(database_url) as (url, engine):
        if (app_role or owner_role) and engine.dialect.name != "postgresql":
            raise click.UsageError(
                "--app-role and --owner-role are for PostgreSQL; an SQLite file is protected by "
                "its file permissions (docs/deployment.md)"
            )
        with _role_changes():  # a bad name is refused before anything is asked or changed
            for name, what in ((app_role, "the app role"), (owner_role, "the owner role")):
                if name:
                    check_name(name, what)
        done = []
        if owner_role:
            with _role_changes(), engine.begin() as conn:
                done += prepare_owner(conn, owner_role)
        before = current_revision(engine)
        _upgrade(engine, as_role=owner_role)
        if app_role:
            password = os.environ.get(app_password_env) or None
            with engine.connect() as conn:
                new = not role_exists(conn, app_role)
            if password is None and new:
                password = click.prompt(
                    f"Password for the new role {app_role}", hide_input=True, confirmation_prompt=True
                )
            with _role_changes(), engine.begin() as conn:
                done += grant_app_role(conn, app_role, owner_role or current_role(conn), password)
    head = head_revision()
    if before == head:
        click.echo(f"{describe(url)}: schema already at revision {head}; nothing to do.")
    else:
        click.echo(f"{describe(url)}: schema upgraded from {before or 'empty'} to revision {head}.")
    for line in done:
        click.echo(f"  {line}")
    if app_role:
        click.echo(f"The dashboard's DATABASE_URL should now name {app_role}, not the owner.")


@main.command()
@database_option
@click.option("--seed", default=42, show_default=True, help="Random seed: the same seed gives the same city.")
@click.option(
    "--scale",
    type=click.Choice(["small", "city"]),
    default="small",
    show_default=True,
    help="small: Riverton, 45 areas and 10 partnerships; city: ten years of a large city "
    "(300 beats, 60 partnerships, 5,000,000 incidents, 200,000 survey responses).",
)
@click.option(
    "--fraction",
    type=click.FloatRange(0.0001, 1.0),
    default=1.0,
    show_default=True,
    help="With --scale city: the share of incidents and responses to generate (smoke tests).",
)
def demo(database_url: str, seed: int, scale: str, fraction: float) -> None:
    """Fill an empty database with a demo city (creating the schema if needed)."""
    with _database(database_url) as (url, engine):
        _upgrade(engine)
        try:
            if scale == "city":
                written = load_city(engine, seed, fraction, progress=click.echo)
            else:
                written = load_demo(engine, seed)
        except DatabaseNotEmptyError as exc:
            raise click.ClickException(str(exc)) from exc
        seconds = written.pop("seconds")
        what = "city-scale demo" if scale == "city" else "demo city"
        click.echo(f"{describe(url)}: {what} (seed {seed}) written in {seconds} s:")
        for table, count in written.items():
            click.echo(f"  {table:<20} {count:>9,}")
        started = time.perf_counter()
        stored_scorecard(engine, Design())  # so that the first Overview reads it, not refits it
        click.echo(f"Scorecard evaluated and stored in {time.perf_counter() - started:.1f} s.")


@main.command()
@database_option
@click.argument("partnership_code", required=False)
@click.option("--all", "every", is_flag=True, help="Evaluate every partnership, in one process.")
@click.option(
    "--outcome",
    "outcomes",
    multiple=True,
    type=click.Choice(OUTCOMES),
    help="Outcome to evaluate (repeatable); default: every crime group, trust, satisfaction, safety.",
)
@click.option("--before-months", default=12, show_default=True, type=click.IntRange(1, 120))
@click.option("--after-months", default=12, show_default=True, type=click.IntRange(1, 120))
@click.option(
    "--exclude-months",
    default=0,
    show_default=True,
    type=click.IntRange(0, 24),
    help="Months after the start left out as ramp-up.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON (the stable contract).")
def evaluate(
    database_url, partnership_code, every, outcomes, before_months, after_months, exclude_months, as_json
):
    """Did PARTNERSHIP_CODE work (or, with --all, every partnership)? Per outcome: method,
    windows, counts or means, estimate, interval, p-value, smallest detectable changes and
    verdict, for the first months after the start and for the latest months."""
    if bool(partnership_code) == every:
        raise click.UsageError("give one PARTNERSHIP_CODE, or --all for every partnership")
    design = Design(before_months=before_months, after_months=after_months, exclude_months=exclude_months)
    chosen = tuple(outcomes) or OUTCOMES
    with _database(database_url) as (url, engine), engine.connect() as conn:
        if every:
            codes = partnership_codes(conn)
            shared = Prefetched()
            results = []
            with click.progressbar(
                codes, label="Evaluating", file=sys.stderr, show_pos=True, item_show_func=lambda c: c
            ) as bar:  # drawn only on a terminal
                for code in bar:
                    results.append(run_evaluation(conn, code, chosen, design, shared))
        else:
            result = run_evaluation(conn, partnership_code, chosen, design)
            if result is None:
                raise click.ClickException(
                    f"no partnership with code {partnership_code!r} in {describe(url)}"
                )
            results = [result]
    for result in results:
        for outcome in result["outcomes"] + [o for i in result["initiatives"] for o in i["outcomes"]]:
            outcome.pop("series", None)  # chart data, not part of the analyst's contract
    summary = mark_chance(results) if every else None
    # the targeted initiatives of every partnership are one family of their own (the portfolio's)
    initiatives = mark_initiatives([i for r in results for i in r["initiatives"]]) if every else None
    if as_json:
        payload = {
            "design": asdict(design),
            "partnerships": results,
            "multiple_comparisons": summary,
            "initiative_multiple_comparisons": initiatives,
        }
        click.echo(json.dumps(payload if every else results[0], indent=2, default=str))
        return
    for result in results:
        _print_evaluation(result)
    if every:
        click.echo(f"\n{summary['sentence']}")
        click.echo(f"Initiatives: {initiatives['sentence']}")


def _print_evaluation(result: dict) -> None:
    click.echo(f"{result['name']} ({result['partnership']}), began {result['start']}")
    for o in result["outcomes"]:
        click.echo(f"\n{headline(o)}")
        click.echo(f"  {o['sentence']}")
        if o.get("method"):
            before, after = o["windows"]["before"], o["windows"]["after"]
            windows = f"{before[0]} to {before[1]} against {after[0]} to {after[1]}"
            click.echo(f"  method: {o['method']}; {windows} ({o['window']})")
        if o.get("comparison"):
            click.echo(f"  compared with {', '.join(o['comparison']['areas'])} ({o['comparison']['reason']})")
        if o.get("sustained"):
            click.echo(f"  {sustained_text(o['sustained'])}")
    _print_equity(result.get("equity") or {})
    for line in initiative_lines(result.get("initiatives") or []):
        click.echo(line)
    click.echo("")


def _print_equity(equity: dict) -> None:
    """Each equity gap's label, verdict and change, and its sentence; or why there is none."""
    if not equity:
        return
    click.echo("\nEquity gap")
    if not equity.get("set"):
        click.echo(f"  {equity.get('sentence', '')}")
        return
    for gap in equity["gaps"]:
        change = f": {gap_change_text(gap['effect'])}" if gap.get("effect") else ""
        click.echo(f"\n{gap['label']}: {verdict_label(gap['verdict'])}{change}")
        click.echo(f"  {gap['sentence']}")


@main.command(name="import")
@database_option
@click.argument("kind", type=click.Choice(IMPORT_KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A TOML mapping file describing the file's columns and values.",
)
@click.option("--preset", help=f"A shipped mapping: {', '.join(preset_names())}.")
@click.option("--dry-run", is_flag=True, help="Check and report, write nothing.")
def import_(database_url, kind, file, mapping_file, preset, dry_run):
    """Import FILE as KIND (all or nothing). A refused file is reported line by line
    and leaves the database unchanged; the same file with the same mapping twice changes
    nothing, and with a corrected mapping it is read again and merged. Every import,
    accepted or refused, is recorded in the audit log."""
    if bool(mapping_file) == bool(preset):
        raise click.UsageError("give exactly one of --mapping FILE or --preset NAME")
    try:
        mapping = load_mapping(mapping_file, kind) if mapping_file else load_preset(preset)
    except ImportRefused as exc:
        raise click.ClickException("\n".join(map(str, exc.problems))) from exc
    if mapping.kind != kind:
        raise click.UsageError(f"the mapping is for {mapping.kind!r}, not {kind!r}")
    with _database(database_url) as (url, engine):
        _upgrade(engine)
        try:
            report = import_file(engine, file, mapping, dry_run=dry_run, actor=command_line_actor())
        except AuditUnavailable as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(report.text())
    if not report.accepted:
        sys.exit(1)


@main.command()
@database_option
@click.argument("name")
@click.argument("area")
def alias(database_url, name, area):
    """Let NAME, as some file spells it, mean AREA (an area's code or name). The one step
    an import report suggests for an unknown area."""
    with _database(database_url) as (url, engine):
        try:
            with engine.begin() as conn:
                target = add_alias(conn, name, area)
                record(conn, command_line_actor(), "alias", f"{name} -> {target}")
        except AliasRefused as refused:
            raise click.ClickException(f"{refused} in {describe(url)}") from refused
    click.echo(f"{name!r} now means {target}.")


@main.command()
@database_option
@click.option("--area", "area_code", help="Rake only this area (its code); default: every area.")
def weights(database_url, area_code):
    """Rake resident answers to each area's population margins again (imports do this
    themselves), store the weights and refresh the survey scores. Prints, per area: the
    respondents, whether raking converged, its iterations, the weights trimmed, the design
    effect and any note."""
    with _database(database_url) as (url, engine):
        _upgrade(engine)
        started = time.perf_counter()
        with engine.begin() as conn:
            area_ids = None
            if area_code:
                found = conn.execute(select(Area.id).where(Area.code == area_code)).scalar_one_or_none()
                if found is None:
                    raise click.ClickException(f"no area with code {area_code!r} in {describe(url)}")
                area_ids = [found]
            done = rake_areas(conn, area_ids)
    if not done:
        click.echo("No area has resident respondents to rake.")
        return
    click.echo(
        f"{'area':<16} {'respondents':>11}  converged  {'iterations':>10} {'trimmed':>7} {'deff':>5}  note"
    )
    for a in done:
        deff = f"{a.design_effect:.2f}" if a.design_effect is not None else "-"
        converged = "yes" if a.converged else "no"
        click.echo(
            f"{a.code:<16} {a.respondents:>11,}  {converged:<9}  {a.iterations:>10} {a.trimmed:>7} "
            f"{deff:>5}  {a.note or ''}"
        )
    raked = sum(a.converged for a in done)
    click.echo(f"{raked} of {len(done)} area(s) raked in {time.perf_counter() - started:.1f} s.")


@main.command()
@database_option
@click.argument("partnership_code")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), required=True, help="pdf packet, pptx deck, png zip"
)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default="public",
    show_default=True,
    help="public: small numbers suppressed, no comments; leadership: every number with its n",
)
def export(database_url, partnership_code, fmt, out, audience):
    """Write PARTNERSHIP_CODE's board slides as a PDF packet, a PowerPoint deck or PNG slides."""
    started = time.perf_counter()
    with _database(database_url) as (url, engine):
        with engine.connect() as conn:
            deck = build_deck(conn, partnership_code, audience)
        if deck is None:
            raise click.ClickException(f"no partnership with code {partnership_code!r} in {describe(url)}")
        try:
            record_alone(engine, command_line_actor(), "export", f"{partnership_code}: {fmt} ({audience})")
        except AuditUnavailable as exc:
            raise click.ClickException(f"{exc}; nothing was exported") from exc
    out.write_bytes(export_deck(deck, fmt))
    click.echo(
        f"Wrote {out} ({audience} {fmt}, {len(deck.slides)} slides, {out.stat().st_size:,} bytes) "
        f"in {time.perf_counter() - started:.1f} s."
    )


@main.group()
def users() -> None:
    """Who may sign in to see more than the public board view."""


@users.command(name="add")
@database_option
@click.argument("email")
@click.option("--role", type=click.Choice(USER_ROLES), required=True, help="leadership or admin (or public)")
def users_add(database_url, email, role):
    """Give EMAIL (as the identity provider verifies it) a role."""
    with _database(database_url) as (url, engine):
        try:
            with engine.begin() as conn:
                new = add_user(conn, email, role, added_by=command_line_actor().name)
                change = "added" if new else "role changed"
                record(
                    conn,
                    command_line_actor(),
                    "user change",
                    email.strip().lower(),
                    detail=f"{change}: {role}",
                )
        except UserRefused as refused:
            raise click.ClickException(str(refused)) from refused
    click.echo(f"{email.strip().lower()}: {role}" + ("" if new else " (role changed)"))


@users.command(name="remove")
@database_option
@click.argument("email")
def users_remove(database_url, email):
    """Take EMAIL's role away: signed in, it sees the public view only."""
    with _database(database_url) as (url, engine):
        try:
            with engine.begin() as conn:
                remove_user(conn, email)
                record(conn, command_line_actor(), "user change", email.strip().lower(), detail="removed")
        except UserRefused as refused:
            raise click.ClickException(str(refused)) from refused
    click.echo(f"{email.strip().lower()} removed: public view only.")


@users.command(name="list")
@database_option
def users_list(database_url):
    """Every user with a role, admins first."""
    with _database(database_url) as (url, engine), engine.connect() as conn:
        rows = list_users(conn)
    if not rows:
        click.echo("No users: everyone sees the public view (or local mode when no sign-in is set up).")
    for email, role, by in rows:
        click.echo(f"{role:<11} {email}" + (f"  (by {by})" if by else ""))


@main.group()
def audit() -> None:
    """The audit log's hash chain."""


@audit.command(name="verify")
@database_option
@click.option(
    "--anchor", metavar="HASH", help="A head hash printed by an earlier verify: it must still be there."
)
def audit_verify(database_url, anchor):
    """Walk the audit log's hash chain: OK with the number of events, or the first broken
    link (row, time, what is wrong) and exit code 1."""
    with _database(database_url) as (url, engine), engine.connect() as conn:
        verdict = verify(conn, anchor)
    click.echo(f"{describe(url)}: {verdict.text()}")
    if not verdict.ok:
        sys.exit(1)


@main.command()
@database_option
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite PATH if it exists.")
def backup(database_url, path, replace):
    """Write a consistent copy of the database to PATH, safe while the app runs: SQLite's
    online backup, or pg_dump's custom format on PostgreSQL (pg_dump must be on PATH)."""
    if path.exists() and not replace:
        raise click.ClickException(f"{path} exists; give --replace to overwrite it")
    with _database(database_url) as (url, engine):
        _record_anyway(engine, "backup", str(path))  # before copying: the copy holds its own record
        try:
            file = sqlite_file(url)
            if file is None:
                _pg_dump(url, path)
                return
            revision = backup_sqlite(file, path, replace=True)
        except (BackupRefused, click.ClickException) as exc:
            _record_anyway(engine, "backup", str(path), "failed", str(exc))
            raise click.ClickException(str(exc)) from exc
        copy = make_engine(f"sqlite:///{path}")
        try:
            with copy.connect() as conn:
                verdict = verify(conn)
        finally:
            copy.dispose()
    click.echo(f"Wrote {path} ({path.stat().st_size:,} bytes, schema revision {revision}).")
    click.echo(f"Its audit log: {verdict.text()}")


def _record_anyway(
    engine: Engine, action: str, obj: str, outcome: str = "ok", detail: str | None = None
) -> None:
    """Record a backup or restore; one that cannot be recorded still goes ahead, with a
    warning: it is most needed when the database is in trouble."""
    try:
        record_alone(engine, command_line_actor(), action, obj, outcome, detail)
    except AuditUnavailable as exc:
        click.echo(f"Warning: {exc}; going ahead.", err=True)


def _pg_dump(url: str, path: Path) -> None:
    argv, env = pg_dump_command(url, path)
    if shutil.which("pg_dump") is None:
        raise click.ClickException(
            "pg_dump is not on PATH: install PostgreSQL's client tools (the server's major version or "
            f"newer), or run it yourself with the password in PGPASSWORD:\n  {' '.join(argv)}"
        )
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv
    if done.returncode != 0:
        raise click.ClickException(f"pg_dump failed: {done.stderr.strip()}")
    click.echo(f"Wrote {path} ({path.stat().st_size:,} bytes, pg_dump custom format).")
    click.echo("Restore it with pg_restore into a new database (docs/deployment.md#backups).")


@main.command()
@database_option
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Required when the database exists: replace it with PATH.")
def restore(database_url, path, replace):
    """Put the SQLite backup PATH in place of the database, keeping the replaced file beside
    it, then check the audit chain. PostgreSQL dumps are restored with pg_restore."""
    url = resolve_url(database_url)
    try:
        file = sqlite_file(url)
    except (BackupRefused, DatabaseConfigError) as exc:
        raise click.ClickException(str(exc)) from exc
    if file is None:
        raise click.ClickException(
            "restore is for SQLite files; restore a PostgreSQL dump with pg_restore into a new database "
            "as its owner, then run `commonground init --app-role NAME` and `commonground audit verify` "
            "against it (docs/deployment.md#backups)"
        )
    if file.exists() and not replace:
        raise click.ClickException(
            f"this would replace {file}; give --replace (the old file is kept beside it)"
        )
    try:
        kept = restore_sqlite(path, file)
    except BackupRefused as exc:
        raise click.ClickException(str(exc)) from exc
    with _database(url) as (url, engine):
        current = current_revision(engine) == head_revision()
        if current:
            _record_anyway(engine, "restore", f"from {path}")
        with engine.connect() as conn:
            verdict = verify(conn) if current else None
    click.echo(f"Restored {file} from {path}." + (f" The replaced file is kept as {kept}." if kept else ""))
    if verdict is None:
        click.echo("The backup's schema is older than this version: run `commonground init` to upgrade it.")
        return
    click.echo(f"Its audit log: {verdict.text()}")
    if not verdict.ok:
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
