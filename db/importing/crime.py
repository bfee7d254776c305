"""Import recorded crime: incident rows or published counts, long or wide.

- long: a row per incident (or per count with a `count` column), with an
  occurrence date in `date_format`;
- wide: a row per area and offence with one column per month (`period_format`),
  each cell a count.

Every row is checked (known area or alias, offence mapped to a standard group,
plausible date, whole non-negative count). Valid rows stream into a temporary
staging table; the merge then inserts new rows and updates changed ones by
natural key (`source` + `source_id`: the file's id column, or area|offence|month
for counts, or a hash of the row for id-less incident files) and refreshes the
monthly roll-up for the months touched.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from db.dialect import bulk_insert_tuples
from db.importing.areas import AreaLookup
from db.importing.fields import EARLIEST, field_value, parse_date
from db.importing.mapping import Mapping
from db.importing.report import Problem, Report, formula_like
from db.models import CrimeIncident, OffenceCategory
from db.rollup import refresh_crime_monthly

BATCH = 10_000

_staging_meta = MetaData()


def _temporary(name: str, keyed: bool) -> Table:
    """A temporary table of incident rows; `keyed` makes source_id its primary key."""
    return Table(
        name,
        _staging_meta,
        Column("source_id", String(200), primary_key=keyed),
        Column("occurred_on", Date),
        Column("occurred_month", Date),
        Column("area_id", Integer),
        Column("category_id", Integer),
        Column("count", Integer),
        prefixes=["TEMPORARY"],
    )


STAGING = _temporary("import_crime_staging", keyed=False)  # rows as read, ids may repeat
MERGED = _temporary("import_crime_merged", keyed=True)  # one row per source_id


class Categories:
    """(source, code) -> category id; new codes are created with the group the mapping gives."""

    def __init__(self, conn: Connection, mapping: Mapping):
        self.conn, self.mapping = conn, mapping
        self.ids = {
            code: id_
            for id_, code in conn.execute(
                select(OffenceCategory.id, OffenceCategory.source_code).where(
                    OffenceCategory.source == mapping.source
                )
            )
        }

    def find(self, code: str, group_value: str) -> int | None:
        if code in self.ids:
            return self.ids[code]
        group = self.mapping.groups.get(group_value) or self.mapping.groups.get(code)
        if group is None:
            return None
        self.ids[code] = self.conn.execute(
            insert(OffenceCategory)
            .values(source=self.mapping.source, source_code=code, name=code, crime_group=group)
            .returning(OffenceCategory.id)
        ).scalar_one()
        return self.ids[code]


def _month(d: date) -> date:
    return d.replace(day=1)


THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+")


def _parse_count(text: str) -> int | None:
    """A whole count >= 0 ('' is 0). A comma is read only as a thousands separator
    ('1,234'); '1,5' is refused rather than guessed."""
    text = text.strip()
    if not text:
        return 0
    if "," in text:
        if not THOUSANDS.fullmatch(text):
            return None
        text = text.replace(",", "")
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value >= 0 and value == int(value) else None


STAGED_COLUMNS = ["source_id", "occurred_on", "occurred_month", "area_id", "category_id", "count"]


def _staged(conn: Connection, buffer: list[tuple]) -> None:
    bulk_insert_tuples(conn, STAGING, STAGED_COLUMNS, buffer)
    buffer.clear()


def load(
    conn: Connection, rows: Iterator[tuple[int, dict[str, str]]], mapping: Mapping, report: Report
) -> None:
    _staging_meta.drop_all(conn, checkfirst=True)
    _staging_meta.create_all(conn)
    areas = AreaLookup(conn, mapping.area_aliases, mapping.area_prefix)
    categories = Categories(conn, mapping)
    area_col = mapping.column("area")
    cat_col = "[constants].category" if "category" in mapping.constants else mapping.column("category")
    group_col = mapping.column("group", mapping.columns.get("category", "category"))
    today = date.today()
    seen: set[bytes] = set()
    buffer: list[tuple] = []
    month_columns: list[tuple[str, date]] | None = None
    for line, row in rows:
        report.rows_read += 1
        if month_columns is None:
            month_columns = _month_columns(row, mapping) if mapping.format == "wide" else []
            missing = [c for c in (area_col, cat_col) if c not in row and not c.startswith("[constants]")]
            if missing:
                report.problems.append(
                    Problem(1, missing[0], "", "required column is missing from the header")
                )
                return
            if mapping.format == "wide" and not month_columns:
                report.problems.append(
                    Problem(1, "(header)", "", f"no month columns in the format {mapping.period_format!r}")
                )
                return
        fingerprint = hashlib.blake2b("\x1f".join(row.values()).encode(), digest_size=12).digest()
        occurrence = 1
        if fingerprint in seen:
            if mapping.duplicates == "drop":
                report.duplicates_dropped += 1
                continue
            if mapping.duplicates == "refuse":
                report.problems.append(Problem(line, "(row)", "", "exact duplicate of an earlier row"))
                continue
            occurrence = 2  # keep: a second identical incident gets its own id below
            while fingerprint + bytes([occurrence]) in seen:
                occurrence += 1
            fingerprint = fingerprint + bytes([occurrence])
        seen.add(fingerprint)

        area_text = row.get(area_col, "").strip()
        for column in (area_col, mapping.column("category")):
            if formula_like(row.get(column, "").strip()):
                report.problems.append(
                    Problem(
                        line, column, row[column], "text starting with =, +, - or @ (a spreadsheet formula)"
                    )
                )
        code = field_value(row, mapping, "category")[1]
        if area_text in mapping.skip.get("area", ()) or code in mapping.skip.get("category", ()):
            report.skipped_on_purpose += 1
            continue
        area_id = areas.resolve(line, area_col, area_text, report)
        group_value = str(mapping.constants.get("group", row.get(group_col, code))).strip()
        category_id = categories.find(code, group_value) if code else None
        if category_id is None:
            rule = "required: offence category" if not code else "offence category not mapped to a group"
            suggestion = "" if not code else f"add {group_value!r} under [groups]"
            report.problems.append(Problem(line, cat_col, code, rule, suggestion))
        if mapping.format == "wide":
            for column, month in month_columns:
                count = _parse_count(row.get(column, ""))
                if count is None:
                    report.problems.append(
                        Problem(line, column, row.get(column, ""), "count must be a whole number >= 0")
                    )
                elif area_id is not None and category_id is not None and row.get(column, "").strip():
                    key = f"{areas.codes[area_id]}|{code}|{month:%Y-%m}"
                    buffer.append((key, month, month, area_id, category_id, count))
        else:
            occurred = _parse_date(line, row, mapping, today, report)
            count_text = row.get(mapping.column("count"), "1") if "count" in mapping.columns else "1"
            count = _parse_count(count_text)
            if count is None:
                report.problems.append(
                    Problem(line, mapping.column("count"), count_text, "count must be a whole number >= 0")
                )
            id_col = mapping.columns.get("source_id")
            source_id = row.get(id_col, "").strip() if id_col else fingerprint.hex()
            if id_col and not source_id:
                report.problems.append(Problem(line, id_col, "", "required: incident id"))
            if None not in (occurred, area_id, category_id, count) and source_id:
                buffer.append((source_id, occurred, _month(occurred), area_id, category_id, count))
        if report.problems:
            buffer.clear()  # refused anyway: keep validating, stop staging
        elif len(buffer) >= BATCH:
            _staged(conn, buffer)
    if report.problems:
        return
    _staged(conn, buffer)
    _merge(conn, mapping, report)


def _month_columns(row: dict[str, str], mapping: Mapping) -> list[tuple[str, date]]:
    out = []
    for column in row:
        try:
            out.append(
                (column, datetime.strptime(column.strip(), mapping.period_format).date().replace(day=1))
            )
        except ValueError:
            continue
    return out


def _parse_date(line: int, row: dict[str, str], mapping: Mapping, today: date, report: Report) -> date | None:
    if mapping.date_parts:  # the date is spread over several columns (year, month, day)
        parts = {k: row.get(c, "").strip() for k, c in mapping.date_parts.items()}
        column = "+".join(mapping.date_parts.values())
        try:
            value = date(int(parts["year"]), int(parts.get("month") or 1), int(parts.get("day") or 1))
        except (KeyError, ValueError):
            report.problems.append(Problem(line, column, "/".join(parts.values()), "not a valid date"))
            return None
        if not EARLIEST <= value <= today:
            report.problems.append(
                Problem(line, column, value.isoformat(), f"date outside {EARLIEST} to today")
            )
            return None
        return value
    column = mapping.column("occurred")
    text = row.get(column, "").strip()
    if not text:
        report.problems.append(Problem(line, column, text, "required: occurrence date"))
        return None
    value, rule = parse_date(text, mapping, today)
    if value is None:
        report.problems.append(Problem(line, column, text, rule))
    return value


def _merge(conn: Connection, mapping: Mapping, report: Report) -> None:
    """Merge staged rows into crime_incident by (source, source_id); refresh the roll-up."""
    s, m, ci = STAGING.c, MERGED.c, CrimeIncident.__table__.c
    conn.execute(
        insert(MERGED).from_select(
            ["source_id", "occurred_on", "occurred_month", "area_id", "category_id", "count"],
            select(
                s.source_id,
                func.min(s.occurred_on),
                func.min(s.occurred_month),
                func.min(s.area_id),
                func.min(s.category_id),
                func.sum(s.count),
            ).group_by(s.source_id),
        )
    )
    same_key = and_(ci.source == mapping.source, ci.source_id == m.source_id)
    differs = or_(
        ci.occurred_on != m.occurred_on,
        ci.area_id != m.area_id,
        ci.category_id != m.category_id,
        ci["count"] != m["count"],
    )
    total = conn.execute(select(func.count()).select_from(MERGED)).scalar_one()
    matched = conn.execute(
        select(func.count()).select_from(MERGED).where(exists().where(same_key))
    ).scalar_one()
    old_months = set(conn.execute(select(ci.occurred_month).where(same_key, differs).distinct()).scalars())
    report.updated = conn.execute(
        select(func.count()).select_from(MERGED).join(CrimeIncident.__table__, same_key).where(differs)
    ).scalar_one()
    conn.execute(
        update(CrimeIncident.__table__)
        .where(same_key, differs)
        .values(
            occurred_on=m.occurred_on,
            occurred_month=m.occurred_month,
            area_id=m.area_id,
            category_id=m.category_id,
            count=m["count"],
        )
    )
    conn.execute(
        insert(CrimeIncident.__table__).from_select(
            ["source", "source_id", "occurred_on", "occurred_month", "area_id", "category_id", "count"],
            select(
                literal(mapping.source, String),
                m.source_id,
                m.occurred_on,
                m.occurred_month,
                m.area_id,
                m.category_id,
                m["count"],
            ).where(~exists().where(same_key)),
        )
    )
    report.inserted = total - matched
    report.skipped = matched - report.updated
    new_months = set(conn.execute(select(m.occurred_month).distinct()).scalars())
    refresh_crime_monthly(conn, new_months | old_months)
    _staging_meta.drop_all(conn)
