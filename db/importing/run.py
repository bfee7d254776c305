"""One import path for every kind: read, validate every row, then write all or nothing.

`import_file` opens one transaction. Rows are validated while they stream into a
temporary staging table inside that transaction; if any row has a problem the
transaction is rolled back, so a refused file leaves the database as it was. An
accepted file is merged by natural key, the crime roll-up is refreshed for the
months it touched, and the import is logged with its SHA-256 and its mapping's
fingerprint, all in the same transaction. Importing a file whose SHA-256 is already
logged with the same mapping fingerprint changes nothing; with a corrected mapping (or
newer import rules) the file is imported again and merged by natural key.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Iterator
from dataclasses import MISSING, fields
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import DataError, SQLAlchemyError

from db.audit import Actor, AuditUnavailable, command_line_actor, record, record_alone
from db.dialect import refresh_statistics
from db.importing import (
    areas,
    boundaries,
    crime,
    crime_columnar,
    delivery,
    initiatives,
    partnerships,
    population_margins,
    priorities,
    records,
    survey_aggregates,
    survey_responses,
)
from db.importing import rows as file_rows
from db.importing.limits import DEFAULT, Limits
from db.importing.mapping import FIELDS, Mapping
from db.importing.report import ImportRefused, Problem, Report
from db.importing.source import Chunk, Row, read_chunks
from db.models import (
    CrimeIncident,
    CrimeMonthly,
    LoadLog,
    SurveyAggregate,
    SurveyAnswer,
    SurveyMonthly,
    SurveyResponse,
)
from db.rollup import refresh_survey_monthly
from db.weighting import rake_areas
from db.weighting import summary as weighting_summary
from metrics.coverage import coverage_notes

# an import this large changes its tables enough for the query planner to want new statistics
LARGE_IMPORT = 10_000
# the import rules' version: raise it when a change to the rules changes what a mapping makes of
# a file, so that a file imported under the old rules is imported again rather than refused
RULES_VERSION = 1
# a kind whose rules changed on their own, so other kinds' imports keep their fingerprints
KIND_RULES_VERSION = {"areas": 2}  # 2: areas keep their shapes (a GeoJSON feature's geometry)
LARGE_TABLES = {  # the tables an import of each kind that can be large writes
    "crime": [CrimeIncident.__table__, CrimeMonthly.__table__],
    "survey_responses": [SurveyResponse.__table__, SurveyAnswer.__table__, SurveyMonthly.__table__],
    "survey_aggregates": [SurveyAggregate.__table__],
}
# after these, resident answers are raked again to the population margins (db.weighting)
RAKED_AFTER = ("survey_responses", "population_margins")
CHUNK_HANDLERS = {"crime": crime.load}  # large files: validated a chunk of rows at a time
KIND_HANDLERS = {  # rows one at a time
    "areas": areas.load,
    "boundaries": boundaries.load,
    "partnerships": partnerships.load,
    "survey_responses": survey_responses.load,
    "survey_aggregates": survey_aggregates.load,
    "population_margins": population_margins.load,
    "initiatives": initiatives.load,
    "initiative_delivery": delivery.load,
    "priorities": priorities.load,
    **{kind: records.loader(kind) for kind in records.SPECS},
}


def _extra_cells(chunks: Iterator[Chunk], mapping: Mapping, report: Report) -> Iterator[Chunk]:
    """Rows with cells beyond their named columns: refused (the default) or, when the mapping
    says extra_cells = "ignore", read without them and counted in the report."""
    ignored = 0
    for chunk in chunks:
        if chunk.extra:
            if mapping.extra_cells == "ignore":
                ignored += len(chunk.extra)
            else:
                report.problems.extend(
                    Problem(chunk.lines[i], "(beyond the header)", text, "more cells than header columns")
                    for i, text in chunk.extra.items()
                )
            chunk.extra = {}
        yield chunk
    if ignored:
        report.notes.append(f"{ignored} row(s) had cells beyond the named columns; those cells were ignored")


def _wanted_rows(chunks: Iterator[Chunk], mapping: Mapping, report: Report) -> Iterator[Chunk]:
    """Only the rows the mapping's [rows] says are data (counted by rule when left out),
    with the file's words translated as its [values] says (see db.importing.rows)."""
    if mapping.rows:
        chunks = file_rows.wanted(chunks, mapping, report)
    return file_rows.translated(chunks, mapping) if mapping.values else chunks


def _shape_column(mapping: Mapping) -> str | None:
    """The column whose cells may be longer than others': the shapes of the kinds that read them."""
    return boundaries.shape_column(mapping) if "boundary" in FIELDS[mapping.kind] else None


def _rows(chunks: Iterator[Chunk]) -> Iterator[Row]:
    for chunk in chunks:
        yield from chunk.dicts()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def mapping_fingerprint(mapping: Mapping) -> str:
    """SHA-256 of what `mapping` means, with the import rules' version: the same for the same
    keys and values, whatever their order in the TOML file. Keys left at their default, and
    the description (for people), do not count, so a new optional key changes no fingerprint."""
    meaning = {}
    for f in fields(mapping):
        value = getattr(mapping, f.name)
        default = f.default_factory() if f.default_factory is not MISSING else f.default
        if f.name != "description" and value != default:
            meaning[f.name] = value
    rules = KIND_RULES_VERSION.get(mapping.kind, RULES_VERSION)
    text = json.dumps({"rules": rules, "mapping": meaning}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def preview(
    path: Path, mapping: Mapping, rows: int = 10, limits: Limits = DEFAULT
) -> tuple[list[str], list[Row]]:
    """The header and first `rows` data rows as the mapping reads the file (delimiter,
    encoding, [rows] filter), before any rule is checked. Raises ImportRefused when the
    file cannot be read at all (empty, not a workbook, one column)."""
    report = Report(kind=mapping.kind, file_name=path.name, sha256="")
    long_column = _shape_column(mapping)
    chunks = read_chunks(
        Path(path),
        mapping.delimiter,
        mapping.encoding,
        size=max(rows, 1),
        limits=limits,
        long_column=long_column,
    )
    chunks = _wanted_rows(chunks, mapping, report)
    header: list[str] = []
    first: list[Row] = []
    for chunk in chunks:
        header = header or [name for name in chunk.header if name]
        first += list(chunk.dicts())[: rows - len(first)]
        if len(first) >= rows:
            break
    for _line, row in first:  # a shape is shown by its start: a district's outline runs to megabytes
        if len(row.get(long_column or "", "")) > PREVIEW_SHAPE_CHARS:
            text = row[long_column]
            row[long_column] = f"{text[:PREVIEW_SHAPE_CHARS]}... ({len(text):,} characters)"
    return header, first


PREVIEW_SHAPE_CHARS = 80


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run or a refused file."""


def import_file(
    engine: Engine,
    path: Path,
    mapping: Mapping,
    dry_run: bool = False,
    actor: Actor | None = None,
    limits: Limits = DEFAULT,
) -> Report:
    """Import `path` as `mapping.kind` on behalf of `actor`. Returns the report; nothing
    is written when it lists problems or when `dry_run` is set.

    Every call leaves one audit event. An accepted import's event is written in the
    import's own transaction, so an import whose audit cannot be written is not made
    (AuditUnavailable); a refusal, a check or a repeat is recorded after it."""
    path = Path(path)
    actor = actor or command_line_actor()
    action = "import check" if dry_run else "import"
    obj = f"{mapping.kind}: {path.name}"
    fingerprint = mapping_fingerprint(mapping)
    report = Report(kind=mapping.kind, file_name=path.name, sha256=file_sha256(path), dry_run=dry_run)
    collecting = gc.isenabled()
    gc.disable()  # an import makes millions of short-lived rows; collection passes cost half its time
    try:
        # a clean incident file goes the quick way; anything else, or a file that turns out not
        # to be clean, is rolled back and imported the general way, which reports every problem
        for fast in [True, False] if crime_columnar.suited(path, mapping) else [False]:
            try:
                with engine.begin() as conn:
                    _import(conn, path, mapping, fingerprint, report, fast, limits)
                    _log(conn, path, mapping, fingerprint, report, actor, action, obj)
                    return report
            except crime_columnar.NotFast:
                report = Report(kind=mapping.kind, file_name=path.name, sha256=report.sha256, dry_run=dry_run)
    except _Rollback:
        pass
    except (SQLAlchemyError, engine.dialect.dbapi.Error) as exc:  # bulk writes use the driver's own
        rule = database_refusal(exc)
        if rule is None:
            raise
        report = Report(kind=mapping.kind, file_name=path.name, sha256=report.sha256, dry_run=dry_run)
        report.problems.append(Problem(0, "(database)", describe_error(exc), rule))
    finally:
        if collecting:
            gc.enable()
    outcome = "ok" if report.accepted else "refused"
    try:
        record_alone(engine, actor, action, obj, outcome, _audit_detail(report))
    except AuditUnavailable:
        if not report.problems or report.problems[0].column != "(database)":
            raise
        # the database that refused the import refuses its audit event too: say so, beside the reason
        report.problems.append(
            Problem(0, "(audit log)", "", "the refusal could not be recorded in the audit log")
        )
    return report


def database_refusal(exc: Exception) -> str | None:
    """What a person should hear when the database refused an import's writes (read-only,
    full, a value it cannot store), or None for anything else (e.g. it is unreachable).
    `exc` is SQLAlchemy's error or the driver's own (sqlite3, psycopg)."""
    raw = getattr(exc, "orig", None) or exc
    text = str(raw).lower()
    state = getattr(raw, "sqlstate", None) or ""  # PostgreSQL's error code (psycopg)
    if "readonly database" in text or state == "25006":
        return (
            "the database is read-only, so nothing was written (check the database file's "
            "permissions, or that the server accepts writes)"
        )
    if "database or disk is full" in text or state == "53100" or "no space left" in text:
        return "the database's disk is full, so nothing was written; free some space and import again"
    if isinstance(exc, DataError) or type(raw).__name__ == "DataError" or state.startswith("22"):
        return "the database refused a value it cannot store, so nothing was written"
    return None


def describe_error(exc: Exception) -> str:
    """The database's own first line about `exc`, without the statement or its parameters."""
    return str(getattr(exc, "orig", None) or exc).strip().split("\n")[0][:200]


def _import(
    conn: Connection,
    path: Path,
    mapping: Mapping,
    fingerprint: str,
    report: Report,
    fast: bool,
    limits: Limits,
) -> None:
    """Validate and write the file in `conn`'s transaction; raise _Rollback when nothing
    may be kept (already imported with this mapping, refused, or a dry run)."""
    logged = set(
        conn.execute(
            select(LoadLog.mapping_fingerprint).where(
                LoadLog.sha256 == report.sha256, LoadLog.kind == mapping.kind
            )
        ).scalars()
    )
    if fingerprint in logged:
        report.already_imported = True
        raise _Rollback
    if logged:
        report.notes.append(
            "this file was imported before with a different mapping (or older import rules), "
            "so it is read again and merged by natural key"
        )
    try:
        if fast:
            crime_columnar.load(conn, path, mapping, report, limits)
        else:
            chunks = read_chunks(
                path, mapping.delimiter, mapping.encoding, limits=limits, long_column=_shape_column(mapping)
            )
            chunks = _extra_cells(chunks, mapping, report)
            chunks = _wanted_rows(chunks, mapping, report)
            if mapping.kind in CHUNK_HANDLERS:
                CHUNK_HANDLERS[mapping.kind](conn, chunks, mapping, report)
            else:
                KIND_HANDLERS[mapping.kind](conn, _rows(chunks), mapping, report)
    except ImportRefused as refused:
        report.problems.extend(refused.problems)
    file_rows.explain(report, mapping)
    if not report.problems and mapping.kind in ("crime", "survey_responses", "survey_aggregates"):
        report.notes += coverage_notes(conn, mapping.kind, mapping.source)  # first, last and thin months
    if report.problems or report.dry_run:
        raise _Rollback
    if mapping.kind == "survey_items" and report.inserted + report.updated:
        refresh_survey_monthly(conn)  # an item's scale or construct changes every score
    if mapping.kind in RAKED_AFTER:  # only the areas whose weights change are written
        report.notes.append(weighting_summary(rake_areas(conn)))
    if report.inserted + report.updated >= LARGE_IMPORT:
        refresh_statistics(conn, LARGE_TABLES.get(mapping.kind, []))


def _log(
    conn: Connection,
    path: Path,
    mapping: Mapping,
    fingerprint: str,
    report: Report,
    actor: Actor,
    action: str,
    obj: str,
) -> None:
    """The load log's row and the audit event of an accepted import, in its transaction."""
    conn.execute(
        insert(LoadLog),
        {
            "kind": mapping.kind,
            "file_name": path.name,
            "sha256": report.sha256,
            "mapping_fingerprint": fingerprint,
            "rows_inserted": report.inserted,
            "rows_updated": report.updated,
            "rows_skipped": report.skipped,
            "loaded_by": actor.name,
        },
    )
    try:
        record(conn, actor, action, obj, "ok", _audit_detail(report))
    except SQLAlchemyError as exc:  # the import's transaction is rolled back with it
        raise AuditUnavailable("the audit log could not be written; the import was not made") from exc


def _audit_detail(report: Report) -> str:
    if report.already_imported:
        return "already imported with this mapping: nothing changed"
    if report.problems:
        rules = ", ".join(f"{count} x {rule}" for rule, count in report.summary().items())
        return f"refused: {report.problem_count} problem(s) ({rules})"
    done = f"{report.inserted} inserted, {report.updated} updated, {report.skipped} skipped"
    done += "".join(f"; {move}" for move in report.regrouped_text())
    return f"checked, nothing written: {done}" if report.dry_run else done
