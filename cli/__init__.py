"""The `commonground` command: set up and fill a database from the shell.

    commonground init            create or upgrade the schema (Alembic migrations)
    commonground demo [--seed N] fill an empty database with the demo city

Every command works on DATABASE_URL (or --database-url), defaulting to the
embedded SQLite file, exactly as the dashboard does.
"""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from db.demo import DatabaseNotEmptyError, load_demo
from db.engine import DatabaseConfigError, describe, make_engine, resolve_url
from db.migrate import current_revision, head_revision, upgrade

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


def _engine(database_url: str):
    url = resolve_url(database_url)
    try:
        return url, make_engine(url)
    except DatabaseConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _fail_unreachable(url: str, exc: SQLAlchemyError) -> click.ClickException:
    reason = type(getattr(exc, "orig", None) or exc).__name__
    return click.ClickException(
        f"cannot use the database {describe(url)} ({reason}): is it running and reachable?"
    )


@main.command()
@database_option
def init(database_url: str) -> None:
    """Create the schema, or upgrade it to this version."""
    url, engine = _engine(database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
    except SQLAlchemyError as exc:
        raise _fail_unreachable(url, exc) from exc
    head = head_revision()
    if before == head:
        click.echo(f"{describe(url)}: schema already at revision {head}; nothing to do.")
    else:
        click.echo(f"{describe(url)}: schema upgraded from {before or 'empty'} to revision {head}.")


@main.command()
@database_option
@click.option("--seed", default=42, show_default=True, help="Random seed: the same seed gives the same city.")
def demo(database_url: str, seed: int) -> None:
    """Fill an empty database with the demo city of Riverton (creating the schema if needed)."""
    url, engine = _engine(database_url)
    try:
        upgrade(engine)
        written = load_demo(engine, seed)
    except DatabaseNotEmptyError as exc:
        raise click.ClickException(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise _fail_unreachable(url, exc) from exc
    seconds = written.pop("seconds")
    click.echo(f"{describe(url)}: demo city (seed {seed}) written in {seconds} s:")
    for table, count in written.items():
        click.echo(f"  {table:<20} {count:>9,}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
