"""The `commonground` command: set up and fill a database from the shell.

    commonground init            create or upgrade the schema (Alembic migrations)
    commonground demo [--seed N] fill an empty database with the demo city
    commonground evaluate CODE   did this partnership work? (--json for scripts)

Every command works on DATABASE_URL (or --database-url), defaulting to the
embedded SQLite file, exactly as the dashboard does.
"""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from db.demo import DatabaseNotEmptyError, load_demo
from db.engine import DatabaseConfigError, describe, make_engine, resolve_url
from db.migrate import current_revision, head_revision, upgrade
from metrics.evaluation import OUTCOMES, Design
from metrics.evaluation import evaluate as run_evaluation
from metrics.verdict import effect_text

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


@main.command()
@database_option
@click.argument("partnership_code")
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
def evaluate(database_url, partnership_code, outcomes, before_months, after_months, exclude_months, as_json):
    """Did PARTNERSHIP_CODE work? Per outcome: method, windows, counts or means,
    estimate, interval, p-value, minimum detectable effect and verdict."""
    url, engine = _engine(database_url)
    design = Design(before_months=before_months, after_months=after_months, exclude_months=exclude_months)
    try:
        with engine.connect() as conn:
            result = run_evaluation(conn, partnership_code, tuple(outcomes) or OUTCOMES, design)
    except SQLAlchemyError as exc:
        raise _fail_unreachable(url, exc) from exc
    if result is None:
        raise click.ClickException(f"no partnership with code {partnership_code!r} in {describe(url)}")
    for outcome in result["outcomes"]:
        outcome.pop("series", None)  # chart data, not part of the analyst's contract
    if as_json:
        click.echo(json.dumps(result, indent=2, default=str))
        return
    click.echo(f"{result['name']} ({result['partnership']}), began {result['start']}")
    for o in result["outcomes"]:
        click.echo(f"\n{o['label']}: {o['verdict']} - {effect_text(o.get('effect'))}")
        click.echo(f"  {o['sentence']}")
        if o.get("method"):
            click.echo(
                f"  method: {o['method']}; windows {o['windows']['before']} vs {o['windows']['after']}"
            )
        if o.get("comparison"):
            click.echo(f"  compared with {', '.join(o['comparison']['areas'])} ({o['comparison']['reason']})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
