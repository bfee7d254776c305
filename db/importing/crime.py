"""Import recorded crime: incident rows or published counts, long or wide.

- long: a row per incident (or per count with a `count` column), with an
  occurrence date in `date_format`;
- wide: a row per area and offence with one column per month (`period_format`),
  each cell a count.

Every row is checked (known area or alias, offence mapped to a standard group,
plausible date, whole non-negative count). Files are read a chunk of rows at a
time, and each distinct value (an area name, an offence, a date) is judged once
per file, not once per row: real files repeat the same few thousand values.

Natural key: `source` + `source_id` (the file's id column; area|offence|month for
counts; a hash of the row for id-less incident files). A row repeating an id that
came earlier in the file (one row per victim or arrest) is refused, added to the
first row's count, or left out, as the mapping's `repeated_ids` says, and counted. When the source has no
rows yet, the usual first import, valid rows go straight into `crime_incident` and
the roll-up is added to; otherwise rows are staged and merged, updating changed
rows, and the roll-up is rebuilt for the months touched. Either way it happens in
the caller's transaction, so a refused file leaves nothing behind.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import repeat
from operator import itemgetter

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
    or_,
    select,
    update,
)

from db.dialect import bulk_insert_tuples
from db.importing.areas import AreaLookup
from db.importing.fields import EARLIEST, date_fix, keep_when_fix, parse_date
from db.importing.fixes import groups_fix, present_fix, skip_fix, unknown_area_fix
from db.importing.mapping import Mapping
from db.importing.report import FORMULA_STARTS, Problem, Report, text_limit, text_rule
from db.importing.source import Chunk
from db.models import CRIME_GROUPS, CrimeIncident, OffenceCategory
from db.rollup import add_to_crime_monthly

_staging_meta = MetaData()
COLUMNS = ["source", "source_id", "occurred_on", "occurred_month", "area_id", "category_id", "count"]
ID_LIMIT = text_limit(CrimeIncident, "source_id")
CODE_LIMIT = text_limit(OffenceCategory, "source_code")
COUNT_RULE = "count must be a whole number >= 0"
ID_RULE = "required: incident id"
ID_FIX = (
    'set blank_ids = "fingerprint" to identify id-less rows by their content, '
    "as police.uk anti-social behaviour rows are"
)
DATE_CACHE_LIMIT = 500_000  # files of timestamps have as many distinct dates as rows


def _temporary(name: str, keyed: bool) -> Table:
    """A temporary table of incident rows; `keyed` makes source_id its primary key."""
    return Table(
        name,
        _staging_meta,
        Column("source", String(64)),
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


@dataclass(frozen=True)
class Fault:
    """Why a value is refused; becomes a Problem on every row that has the value."""

    rule: str
    suggestion: str = ""


SKIP = "skip: the mapping leaves this row out"
REPEAT_RULE = {
    "incident id": 'incident id repeated, and repeated_ids is "refuse"',
    "area, offence and month": 'the same area, offence and month twice, and repeated_ids is "refuse"',
}


def _repeat_fix(first: int) -> str:
    return (
        f'first on line {first}; set repeated_ids = "sum" to add their counts, '
        'or "first" to keep the first row'
    )


def _judged(values: Sequence, cache: dict, judge: Callable) -> list:
    """`judge(value)` for each value, computed once per distinct value."""
    for value in set(values).difference(cache):
        cache[value] = judge(value)
    return list(map(cache.__getitem__, values))


def _faults(report: Report, lines: list[int], column: str, values: Sequence, judged: list) -> None:
    if not any(isinstance(j, Fault) for j in set(judged)):
        return
    report.problems.extend(
        Problem(line, column, str(value), j.rule, j.suggestion)
        for line, value, j in zip(lines, values, judged, strict=True)
        if isinstance(j, Fault)
    )


class Categories:
    """(source, code) -> category id; new codes are created with the group the mapping gives.

    A code already stored under another group than the mapping's [groups] now gives is moved
    to that group, in the import's transaction, and the report says so. The crime roll-up is
    kept per category, and every count by group joins it to the category's group, so the
    counts move with it: nothing else needs rebuilding."""

    def __init__(self, conn: Connection, mapping: Mapping, report: Report):
        self.conn, self.mapping, self.report = conn, mapping, report
        self.ids: dict[str, int] = {}
        self.stored: dict[str, str] = {}
        for id_, code, group in conn.execute(
            select(OffenceCategory.id, OffenceCategory.source_code, OffenceCategory.crime_group).where(
                OffenceCategory.source == mapping.source
            )
        ):
            self.ids[code], self.stored[code] = id_, group
        self.decided: set[str] = set()  # codes whose group this import has settled

    def find(self, code: str, group_value: str) -> int | None:
        group = self.mapping.groups.get(group_value) or self.mapping.groups.get(code)
        if code in self.ids:
            if group is not None and code not in self.decided:
                self.decided.add(code)
                if group != self.stored[code]:
                    self._move(code, group)
            return self.ids[code]
        if group is None:
            return None
        self.decided.add(code)
        self.ids[code] = self.conn.execute(
            insert(OffenceCategory)
            .values(source=self.mapping.source, source_code=code, name=code, crime_group=group)
            .returning(OffenceCategory.id)
        ).scalar_one()
        self.stored[code] = group
        return self.ids[code]

    def _move(self, code: str, group: str) -> None:
        self.conn.execute(
            update(OffenceCategory).where(OffenceCategory.id == self.ids[code]).values(crime_group=group)
        )
        self.report.regrouped.append((code, self.stored[code], group))
        self.stored[code] = group


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


def _count(text: str) -> int | Fault:
    value = _parse_count(text)
    return COUNT_RULE_FAULT if value is None else value


COUNT_RULE_FAULT = Fault(COUNT_RULE)


class _Sink:
    """Where valid rows go. A source with no rows yet is written straight into
    `crime_incident` (a row repeating a source id, e.g. one row per victim, when the
    mapping says repeated_ids = "sum", is set aside and its count added to the first
    row's at the end) and its counts are added to the
    roll-up. A source already loaded is staged, then merged by natural key."""

    def __init__(self, conn: Connection, mapping: Mapping, report: Report):
        self.conn, self.mapping, self.report = conn, mapping, report
        ci = CrimeIncident.__table__
        self.fresh = not conn.execute(select(exists().where(ci.c.source == mapping.source))).scalar()
        self.repeats = 0
        self.rollup: Counter = Counter()
        _staging_meta.drop_all(conn, checkfirst=True)
        _staging_meta.create_all(conn)

    def add(self, direct: list[tuple], repeated: list[tuple]) -> None:
        """Write a chunk's rows: `repeated` holds rows whose id came earlier in the file."""
        if not self.fresh:
            bulk_insert_tuples(self.conn, STAGING, COLUMNS, direct + repeated)
            return
        bulk_insert_tuples(self.conn, CrimeIncident.__table__, COLUMNS, direct)
        bulk_insert_tuples(self.conn, STAGING, COLUMNS, repeated)
        self.report.inserted += len(direct)
        self.repeats += len(repeated)
        cells = map(itemgetter(4, 3, 5), direct)  # (area_id, month, category_id)
        if set(map(itemgetter(6), direct)) <= {1}:
            self.rollup.update(cells)  # counted in C: one incident per row
        else:
            for cell, count in zip(cells, map(itemgetter(6), direct), strict=True):
                self.rollup[cell] += count

    def finish(self) -> None:
        if not self.fresh:
            _merge(self.conn, self.mapping, self.report)
        else:
            if self.repeats:
                for area, month, category, count in _add_repeats(self.conn, self.mapping, self.report):
                    self.rollup[(area, month.isoformat(), category)] += count
            add_to_crime_monthly(
                self.conn,
                {(a, date.fromisoformat(m), c): n for (a, m, c), n in self.rollup.items() if n},
            )
        _staging_meta.drop_all(self.conn)


class _Judge:
    """Everything one import decides about values, each decided once."""

    def __init__(self, conn: Connection, mapping: Mapping, report: Report, header: list[str]):
        self.mapping, self.report = mapping, report
        self.index = {name: i for i, name in enumerate(header) if name}
        self.named = [i for i, name in enumerate(header) if name]
        self.all_named = len(self.named) == len(header)
        self.areas = AreaLookup(conn, mapping.area_aliases, mapping.area_prefix)
        self.categories = Categories(conn, mapping, report)
        self.area_col = mapping.column("area")
        self.cat_col = (
            "[constants].category" if "category" in mapping.constants else mapping.column("category")
        )
        self.group_col = mapping.column("group", mapping.columns.get("category", "category"))
        self.id_col = mapping.columns.get("source_id")
        self.count_col = mapping.column("count") if "count" in mapping.columns else None
        self.date_col = (
            "+".join(mapping.date_parts.values()) if mapping.date_parts else mapping.column("occurred")
        )
        self.skip_areas = set(mapping.skip.get("area", ()))
        self.skip_codes = set(mapping.skip.get("category", ()))
        self.today = date.today()
        self.area_cache: dict = {}
        self.category_cache: dict = {}
        self.date_cache: dict = {}
        self.count_cache: dict = {}
        self.seen: set = set()  # exact rows, for duplicates
        self.kept: dict[bytes, int] = {}  # duplicates="keep": how often each id-less row came so far
        # source ids read so far, by their hash, with the line each first came on. 64 bits: two
        # different ids of a million-row file share one about once in 30 million files (then
        # "refuse" names a false repeat and "first" leaves a row out; "sum" merges by the id itself)
        self.ids_seen: dict[int, int] = {}
        self.repeated_ids: set[int] = set()  # the ids that came again
        report.repeated_key = "incident id" if mapping.format == "long" else "area, offence and month"
        report.repeats_policy = mapping.repeated_ids

    def repeats(self, ids: Sequence[str], lines: Sequence[int], columns: Sequence[str]) -> set[int]:
        """Positions of the ids that came earlier in the file: one row per victim or arrest.
        The mapping's repeated_ids says what becomes of them: each is refused (a problem that
        names the line the id first came on and the change that accepts it), left out (first),
        or added to the first row's count (sum, by the sink). Every repeat is counted."""
        hashes = list(map(hash, ids))
        distinct, seen = set(hashes), self.ids_seen
        if len(distinct) == len(hashes) and seen.keys().isdisjoint(distinct):
            seen.update(zip(hashes, lines, strict=True))  # the usual case, checked without a loop in Python
            return set()
        repeated, report = set(), self.report
        for i, (key, line) in enumerate(zip(hashes, lines, strict=True)):
            first = seen.get(key)
            if first is None:
                seen[key] = line
                continue
            repeated.add(i)
            self.repeated_ids.add(key)
            report.repeats += 1
            if self.mapping.repeated_ids == "refuse":
                report.problems.append(
                    Problem(line, columns[i], ids[i], REPEAT_RULE[report.repeated_key], _repeat_fix(first))
                )
        report.repeated_into = len(self.repeated_ids)
        return repeated

    def missing_columns(self) -> list[str]:
        needed = [self.area_col]
        if not self.cat_col.startswith("[constants]"):
            needed.append(self.cat_col)
        if self.mapping.format == "long":
            needed += list(self.mapping.date_parts.values()) or [self.date_col]
            needed += [c for c in (self.id_col, self.count_col) if c]
        return [c for c in needed if c not in self.index]

    def area(self, value: str) -> int | Fault | str:
        text = value.strip()
        if text in self.skip_areas:
            return SKIP
        if rule := text_rule(text):
            return Fault(rule, skip_fix(self.mapping, "area", text))
        if not text:
            return Fault("required: area", present_fix(self.mapping, self.area_col))
        found = self.areas.find(text)
        if found is None:
            return Fault("unknown area", unknown_area_fix(self.mapping, text, self.areas.suggest(text)))
        return found

    def missing_fix(self, column: str) -> str:
        """The change that reads a required field from a column the header has."""
        fields = {self.area_col: "area", self.cat_col: "category", self.date_col: "occurred"}
        fields |= {self.id_col: "source_id", self.count_col: "count"}
        fields |= {c: f"date_parts.{part}" for part, c in self.mapping.date_parts.items()}
        section, _, key = fields.get(column, column).rpartition(".")
        line = f"[{section or 'columns'}] {key} ="
        close = difflib.get_close_matches(column, list(self.index), n=1, cutoff=0.5)
        if close:
            return f"name the file's column for it: {line} {json.dumps(close[0])} (the closest in the header)"
        return f'name the file\'s column for it: {line} "..." (the header has {", ".join(self.index)})'

    def category(self, pair: tuple[str, str]) -> int | Fault | str:
        code, group = pair[0].strip(), pair[1].strip()
        if code in self.skip_codes:
            return SKIP
        if rule := text_rule(code, CODE_LIMIT):
            return Fault(rule, skip_fix(self.mapping, "category", code))
        if not code:
            return Fault("required: offence category", present_fix(self.mapping, self.cat_col))
        found = self.categories.find(code, group)
        if found is None:
            return Fault("offence category not mapped to a group", groups_fix(group, CRIME_GROUPS))
        return found

    def day(self, text: str) -> tuple[str, str] | Fault:
        text = text.strip()
        if not text:
            return Fault("required: occurrence date", present_fix(self.mapping, self.date_col))
        value, rule = parse_date(text, self.mapping, self.today)
        if value is None:
            return Fault(rule, date_fix(text, self.mapping, self.today))
        return value.isoformat(), value.replace(day=1).isoformat()

    def day_from_parts(self, parts: tuple[str, ...]) -> tuple[str, str] | Fault:
        named = dict(zip(self.mapping.date_parts, (p.strip() for p in parts), strict=True))
        try:
            value = date(int(named["year"]), int(named.get("month") or 1), int(named.get("day") or 1))
        except (KeyError, ValueError):
            return Fault("not a valid date", "date_parts must name a year column, and may name month and day")
        if not EARLIEST <= value <= self.today:
            return Fault(f"date outside {EARLIEST} to today", keep_when_fix(value, self.today))
        return value.isoformat(), value.replace(day=1).isoformat()


def load(conn: Connection, chunks: Iterator[Chunk], mapping: Mapping, report: Report) -> None:
    if conn.dialect.name == "sqlite":
        # a bigger page cache keeps the incident indexes in memory during a large load
        conn.exec_driver_sql("PRAGMA cache_size = -131072")
    judge = sink = month_columns = None
    for chunk in chunks:
        if judge is None:
            judge = _Judge(conn, mapping, report, chunk.header)
            missing = judge.missing_columns()
            if missing:
                rule = "required column is missing from the header"
                report.problems.append(Problem(1, missing[0], "", rule, judge.missing_fix(missing[0])))
                return
            if mapping.format == "wide":
                month_columns = _month_columns(chunk.header, mapping)
                if not month_columns:
                    rule = f"no month columns in the format {mapping.period_format!r}"
                    report.problems.append(Problem(1, "(header)", "", rule, _period_fix(chunk.header)))
                    return
            sink = _Sink(conn, mapping, report)
        report.rows_read += len(chunk.rows)
        if mapping.format == "wide":
            direct, repeated = _wide_rows(chunk, judge, month_columns)
        else:
            direct, repeated = _long_rows(chunk, judge)
        if not report.problems:  # once refused, keep validating but stop writing
            sink.add(direct, repeated)
    if sink is not None and not report.problems:
        sink.finish()


def _duplicates(chunk: Chunk, judge: _Judge, fingerprints: list[bytes] | None) -> set[int]:
    """Indexes of exact duplicate rows to leave out (per the mapping's `duplicates`). For an
    id-less file `fingerprints` are the rows' ids; a kept duplicate gets a numbered one."""
    mode, seen, report = judge.mapping.duplicates, judge.seen, judge.report
    rows = chunk.rows if judge.all_named else [[r[i] for i in judge.named] for r in chunk.rows]
    keys = fingerprints if fingerprints is not None else list(map(hash, map(tuple, rows)))
    dropped: set[int] = set()
    distinct = set(keys)
    if len(distinct) == len(keys) and seen.isdisjoint(distinct):
        seen |= distinct  # the usual case: no duplicate, checked without a loop in Python
        return dropped
    for i, key in enumerate(keys):
        if key not in seen:
            seen.add(key)
            continue
        if mode == "drop":
            dropped.add(i)
            report.duplicates_dropped += 1
        elif mode == "refuse":
            report.problems.append(Problem(chunk.lines[i], "(row)", "", "exact duplicate of an earlier row"))
        else:  # keep: with an id column, the copy repeats its id, which repeated_ids rules on
            report.duplicates_kept += 1
        if fingerprints is not None and mode == "keep":  # a second identical incident gets its own id
            occurrence = judge.kept[key] = judge.kept.get(key, 1) + 1
            fingerprints[i] = key + _occurrence(occurrence)
            seen.add(fingerprints[i])
    return dropped


def _occurrence(n: int) -> bytes:
    """What tells the n-th copy of an id-less row from the first: one byte up to 255 (the
    ids earlier imports wrote), then a longer mark that no one-byte one can equal."""
    return bytes([n]) if n < 256 else b"\x00" + n.to_bytes(8, "big")


def _area_and_category(chunk: Chunk, judge: _Judge, columns: list[tuple]) -> tuple[list, list, list]:
    """Judged area ids, category ids and category codes for each row of the chunk."""
    index, n = judge.index, len(chunk.rows)
    area_values = columns[index[judge.area_col]]
    if judge.cat_col.startswith("[constants]"):
        codes: Sequence[str] = [str(judge.mapping.constants["category"])] * n
    else:
        codes = columns[index[judge.cat_col]]
    if "group" in judge.mapping.constants:
        groups: Sequence[str] = [str(judge.mapping.constants["group"])] * n
    elif judge.group_col in index:
        groups = columns[index[judge.group_col]]
    else:
        groups = codes
    areas = _judged(area_values, judge.area_cache, judge.area)
    if groups is codes:  # the code is its own group value: judge codes, not pairs
        categories = _judged(codes, judge.category_cache, lambda code: judge.category((code, code)))
    else:
        categories = _judged(list(zip(codes, groups, strict=True)), judge.category_cache, judge.category)
    _faults(judge.report, chunk.lines, judge.area_col, area_values, areas)
    _faults(judge.report, chunk.lines, judge.cat_col, codes, categories)
    return areas, categories, codes


def _left_out(judge: _Judge, dropped: set[int], areas: list, categories: list) -> set[int]:
    """Rows not to write: duplicates dropped and rows the mapping's [skip] leaves out."""
    skipped = set()
    if SKIP in areas or SKIP in categories:
        by_area = {i for i, a in enumerate(areas) if a is SKIP} - dropped
        by_category = {i for i, c in enumerate(categories) if c is SKIP} - dropped - by_area
        for field_name, rows in (("area", by_area), ("category", by_category)):
            if rows:
                judge.report.skip(field_name, len(rows))
        skipped = by_area | by_category
    return dropped | skipped


def _long_rows(chunk: Chunk, judge: _Judge) -> list[tuple]:
    mapping, index, report, lines = judge.mapping, judge.index, judge.report, chunk.lines
    columns = list(zip(*chunk.rows, strict=True))
    fingerprints = ids = None
    if judge.id_col is None:
        named = chunk.rows if judge.all_named else ([r[i] for i in judge.named] for r in chunk.rows)
        fingerprints = [hashlib.blake2b("\x1f".join(r).encode(), digest_size=12).digest() for r in named]
        dropped = _duplicates(chunk, judge, fingerprints)
    else:
        ids = list(map(str.strip, columns[index[judge.id_col]]))
        dropped = _duplicates(chunk, judge, None)
    areas, categories, _codes = _area_and_category(chunk, judge, columns)

    if len(judge.date_cache) > DATE_CACHE_LIMIT:
        judge.date_cache.clear()
    if mapping.date_parts:
        date_values: Sequence = list(
            zip(*(columns[index[c]] for c in mapping.date_parts.values()), strict=True)
        )
        days = _judged(date_values, judge.date_cache, judge.day_from_parts)
        date_values = ["/".join(parts) for parts in date_values]
    else:
        date_values = columns[index[judge.date_col]]
        days = _judged(date_values, judge.date_cache, judge.day)
    _faults(report, lines, judge.date_col, date_values, days)

    if judge.count_col:
        count_values = columns[index[judge.count_col]]
        counts = _judged(count_values, judge.count_cache, _count)
        _faults(report, lines, judge.count_col, count_values, counts)
    else:
        counts = [1] * len(lines)

    if ids is not None:
        if "" in ids:
            _blank_ids(chunk, judge, ids)
        if not _plain_ids(ids):
            report.problems.extend(
                Problem(line, judge.id_col, v, rule)
                for line, v in zip(lines, ids, strict=True)
                if v and (rule := text_rule(v, ID_LIMIT))
            )
    else:
        ids = [f.hex() for f in fingerprints]
    left_out = _left_out(judge, dropped, areas, categories)
    kept = [i for i in range(len(lines)) if i not in left_out] if left_out else range(len(lines))
    id_column = judge.id_col or "(row)"
    repeated = judge.repeats(
        [ids[i] for i in kept] if left_out else ids,
        [lines[i] for i in kept] if left_out else lines,
        [id_column] * len(kept),
    )
    if report.problems:
        return [], []
    rows = list(
        zip(
            repeat(mapping.source),
            ids,
            map(itemgetter(0), days),
            map(itemgetter(1), days),
            areas,
            categories,
            counts,
        )
    )
    if left_out:
        rows = [rows[i] for i in kept]
    return _split(rows, repeated, mapping)


def _split(rows: list[tuple], repeated: set[int], mapping: Mapping) -> tuple[list[tuple], list[tuple]]:
    """(rows to write, rows whose counts are added to an earlier row's: repeated_ids = "sum")."""
    if not repeated:
        return rows, []
    direct = [r for i, r in enumerate(rows) if i not in repeated]
    again = [r for i, r in enumerate(rows) if i in repeated] if mapping.repeated_ids == "sum" else []
    return direct, again


def _blank_ids(chunk: Chunk, judge: _Judge, ids: list[str]) -> None:
    """Rows whose id cell is blank: refused, or (blank_ids = "fingerprint") given the id an
    id-less file's row gets, a hash of its content, numbered when `duplicates = "keep"` keeps
    an identical row (two identical anti-social behaviour reports are two reports)."""
    blank = [i for i, v in enumerate(ids) if not v]
    if judge.mapping.blank_ids != "fingerprint":
        judge.report.problems.extend(
            Problem(chunk.lines[i], judge.id_col, "", ID_RULE, ID_FIX) for i in blank
        )
        return
    for i in blank:
        cells = chunk.rows[i] if judge.all_named else [chunk.rows[i][j] for j in judge.named]
        key = hashlib.blake2b("\x1f".join(cells).encode(), digest_size=12).digest()
        if judge.mapping.duplicates == "keep":
            occurrence = judge.kept[key] = judge.kept.get(key, 0) + 1
            key += _occurrence(occurrence) if occurrence > 1 else b""
        ids[i] = key.hex()


def _plain_ids(ids: list[str]) -> bool:
    """Whether every id may be stored as it is, checked in C for the usual chunk (short ids,
    none starting a formula, no NUL byte); False sends the chunk through `text_rule`."""
    joined = "\x1f" + "\x1f".join(ids)
    return (
        max(map(len, ids), default=0) <= ID_LIMIT
        and "\x00" not in joined
        and not any("\x1f" + start in joined for start in FORMULA_STARTS)
    )


def _wide_rows(chunk: Chunk, judge: _Judge, month_columns: list[tuple[int, str, str]]) -> list[tuple]:
    report, source = judge.report, judge.mapping.source
    columns = list(zip(*chunk.rows, strict=True))
    dropped = _duplicates(chunk, judge, None)
    areas, categories, codes = _area_and_category(chunk, judge, columns)
    left_out = _left_out(judge, dropped, areas, categories)
    header = chunk.header
    rows, lines, columns_of = [], [], []
    for i, (line, cells) in enumerate(zip(chunk.lines, chunk.rows, strict=True)):
        if i in left_out:
            continue
        area, category = areas[i], categories[i]
        valid = not isinstance(area, Fault) and not isinstance(category, Fault)
        prefix = f"{judge.areas.codes[area]}|{codes[i].strip()}|" if valid else ""
        for position, month, label in month_columns:
            text = cells[position]
            count = judge.count_cache.get(text)
            if count is None:
                count = judge.count_cache[text] = _count(text)
            if isinstance(count, Fault):
                report.problems.append(Problem(line, header[position], text, count.rule))
            elif valid and text.strip():
                rows.append((source, prefix + label, month, month, area, category, count))
                lines.append(line)
                columns_of.append(header[position])
    repeated = judge.repeats([r[1] for r in rows], lines, columns_of)
    if report.problems:
        return [], []
    return _split(rows, repeated, judge.mapping)


def _month_columns(header: list[str], mapping: Mapping) -> list[tuple[int, str, str]]:
    """(position, first day of the month as ISO text, YYYY-MM) for each month column."""
    out = []
    for position, column in enumerate(header):
        try:
            month = datetime.strptime(column.strip(), mapping.period_format).date().replace(day=1)
        except ValueError:
            continue
        out.append((position, month.isoformat(), f"{month:%Y-%m}"))
    return out


PERIOD_FORMATS = (
    "%Y-%m",
    "%Y%m",
    "%m/%Y",
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%b-%y",
    "%b %Y",
    "%B %Y",
    "%b-%Y",
    "%Y %b",
)


def _period_fix(header: list[str]) -> str:
    """The period_format that reads the most of the header's columns as months, if one reads two."""
    best, read = "", 1
    for fmt in PERIOD_FORMATS:
        found = len(_month_columns(header, Mapping(kind="crime", period_format=fmt)))
        if found > read:
            best, read = fmt, found
    if not best:
        return 'set period_format to how the header writes its months, e.g. "%Y-%m" for 2024-03'
    return f"set period_format = {json.dumps(best)} (it reads {read} of the header's columns as months)"


def _add_repeats(conn: Connection, mapping: Mapping, report: Report) -> list[tuple]:
    """A fresh source's rows whose id repeated in the file: their counts are added to the
    row already written for the id (or written, if the id was only a hash collision).
    Returns what that added to each roll-up cell: (area_id, month, category_id, count)."""
    m, ci = MERGED.c, CrimeIncident.__table__.c
    _stage_merged(conn)
    same_key = and_(ci.source == mapping.source, ci.source_id == m.source_id)
    added = select(m["count"]).where(m.source_id == ci.source_id).scalar_subquery()
    conn.execute(
        update(CrimeIncident.__table__)
        .where(ci.source == mapping.source, ci.source_id.in_(select(m.source_id)))
        .values(count=ci["count"] + added)
    )
    report.inserted += _insert_new(conn, mapping, same_key)
    cell = (ci.area_id, ci.occurred_month, ci.category_id)
    return list(conn.execute(select(*cell, func.sum(m["count"])).join(MERGED, same_key).group_by(*cell)))


def _stage_merged(conn: Connection) -> None:
    s = STAGING.c
    conn.execute(
        insert(MERGED).from_select(
            COLUMNS,
            select(
                func.min(s.source),
                s.source_id,
                func.min(s.occurred_on),
                func.min(s.occurred_month),
                func.min(s.area_id),
                func.min(s.category_id),
                func.sum(s["count"]),
            ).group_by(s.source_id),
        )
    )


def _insert_new(conn: Connection, mapping: Mapping, same_key) -> int:
    """Insert merged rows whose key is not in crime_incident yet; returns how many."""
    m = MERGED.c
    new = conn.execute(select(func.count()).select_from(MERGED).where(~exists().where(same_key))).scalar_one()
    conn.execute(
        insert(CrimeIncident.__table__).from_select(
            COLUMNS, select(*(m[c] for c in COLUMNS)).where(~exists().where(same_key))
        )
    )
    return new


def _merge(conn: Connection, mapping: Mapping, report: Report) -> None:
    """Merge staged rows into crime_incident by (source, source_id), and move the roll-up
    by the difference: the old values of changed rows out, the new and changed rows in."""
    m, ci = MERGED.c, CrimeIncident.__table__.c
    _stage_merged(conn)
    same_key = and_(ci.source == mapping.source, ci.source_id == m.source_id)
    differs = or_(
        ci.occurred_on != m.occurred_on,
        ci.area_id != m.area_id,
        ci.category_id != m.category_id,
        ci["count"] != m["count"],
    )
    cell = (ci.area_id, ci.occurred_month, ci.category_id)
    new_cell = (m.area_id, m.occurred_month, m.category_id)
    changed = select(*cell, func.sum(ci["count"])).join(MERGED, same_key).where(differs).group_by(*cell)
    changed_to = (
        select(*new_cell, func.sum(m["count"])).join(CrimeIncident.__table__, same_key).where(differs)
    )
    added = select(*new_cell, func.sum(m["count"])).where(~exists().where(same_key))
    delta: Counter = Counter()
    for area, month, category, count in conn.execute(changed):
        delta[(area, month, category)] -= count
    for query in (changed_to.group_by(*new_cell), added.group_by(*new_cell)):
        for area, month, category, count in conn.execute(query):
            delta[(area, month, category)] += count

    total = conn.execute(select(func.count()).select_from(MERGED)).scalar_one()
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
    report.inserted = _insert_new(conn, mapping, same_key)
    report.skipped = total - report.inserted - report.updated
    add_to_crime_monthly(conn, {key: n for key, n in delta.items() if n})
