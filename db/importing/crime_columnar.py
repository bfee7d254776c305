"""The quick way in for a clean incident file: read and checked a column at a time.

The usual large crime file is a UTF-8 CSV export (gzipped or not) with one row per
incident and an id column, loaded for a source that has no rows yet. pyarrow's CSV
reader parses such a file a block at a time (C++, in threads), and each column is
dictionary-encoded: every distinct area, offence and date goes once through the same
`crime._Judge` as on the general path, and rows take their values' verdicts by index
in numpy, without a Python loop per row. numpy also counts the roll-up's cells.

The general path (`crime.load`) stays the authority. This one writes exactly the
rows that one would write and never reports a problem: at the first thing it does
not handle (a value the general path would refuse or skip, a repeated id, a row of
the wrong width, a byte that is not UTF-8, a file not in its shape) it raises
`NotFast`, the caller rolls the transaction back and imports the file the general
way, which finds and reports every problem with its line. So a file with repeated
ids or exact duplicate rows always follows the mapping's `repeated_ids` and
`duplicates` there, and its report counts them the same way.
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Callable
from datetime import date
from itertools import repeat
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, exists, select

from db.dialect import bulk_insert_tuples
from db.importing.crime import COLUMNS, DATE_CACHE_LIMIT, ID_LIMIT, Fault, _count, _Judge, _judged
from db.importing.limits import DEFAULT, Limits
from db.importing.mapping import Mapping
from db.importing.report import ImportRefused, Report, formula_like
from db.importing.source import csv_layout, open_bytes
from db.models import CrimeIncident
from db.rollup import add_to_crime_monthly

BLOCK_BYTES = 4 << 20  # pyarrow parses a block this size at a time, ahead of the writes
# an id the general path would keep as it is: printable ASCII, not space, at both ends, not
# starting a formula (the general path tells a negative number from one), no NUL byte
PLAIN_ID = r"^[!-~](.*[!-~])?$"
FORMULA_ID = r"^[=+\-@]"
TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ".tab", ""}


class NotFast(Exception):
    """The file is not one this path handles; import it the general way."""


def suited(path: Path, mapping: Mapping) -> bool:
    """Whether the file's shape and the mapping allow this path at all (cheap: no reading)."""
    return (
        mapping.kind == "crime"
        and mapping.format == "long"
        and "source_id" in mapping.columns
        and mapping.blank_ids == "refuse"  # a blank id to fingerprint goes the general way
        and not mapping.date_parts
        and not mapping.rows  # [rows] present, blank, keep_when, skip_when: rows left out by rule
        and not mapping.values  # the file's words translated before they are judged
        and Path(Path(path).name.lower().removesuffix(".gz")).suffix in TEXT_SUFFIXES
    )


def load(conn: Connection, path: Path, mapping: Mapping, report: Report, limits: Limits = DEFAULT) -> None:
    """Import `path` into `crime_incident` and the roll-up in the caller's transaction,
    or raise NotFast (possibly after writing: the caller must roll back)."""
    try:
        encoding, delimiter, header = csv_layout(path, mapping.delimiter, mapping.encoding, limits)
    except ImportRefused as refused:
        raise NotFast(str(refused)) from None
    if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig") or not all(header):
        raise NotFast("not UTF-8, or a column without a name")
    ci = CrimeIncident.__table__
    if conn.execute(select(exists().where(ci.c.source == mapping.source))).scalar():
        raise NotFast("the source has rows already: merged the general way")
    judge = _Judge(conn, mapping, report, header)
    if judge.missing_columns():
        raise NotFast("a required column is missing")
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size = -131072")  # keeps the incident indexes in memory
    cells: Counter = Counter()
    rows = 0
    try:
        for batch in _batches(path, header, delimiter, judge, limits):
            if not batch.num_rows:
                continue
            rows += batch.num_rows
            for cell, count in _write(conn, batch, judge).items():
                cells[cell] += count
    except pa.ArrowInvalid as exc:  # a ragged row, a byte that is not UTF-8
        raise NotFast(str(exc)) from None
    except conn.dialect.dbapi.IntegrityError as exc:  # an id repeated in the file
        raise NotFast(str(exc)) from None
    if not rows:
        raise NotFast("no data rows")
    add_to_crime_monthly(conn, {cell: n for cell, n in cells.items() if n})
    report.rows_read += rows
    report.inserted += rows
    report.read_by_columns = True


def _batches(
    path: Path, header: list[str], delimiter: str, judge: _Judge, limits: Limits
) -> pacsv.CSVStreamingReader:
    """The file's needed columns as text, a block of rows at a time (parsed ahead, in threads).
    A .gz file is decompressed through the same guard as on the general path, within the limits."""
    needed = [judge.id_col, judge.area_col, judge.cat_col, judge.group_col, judge.date_col, judge.count_col]
    wanted = list(dict.fromkeys(c for c in needed if c in judge.index))
    gzipped = path.suffix.lower() == ".gz"
    return pacsv.open_csv(
        pa.PythonFile(open_bytes(path, limits), mode="r") if gzipped else pa.input_stream(str(path)),
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in wanted}, include_columns=wanted
        ),
    )


def _positions(indices: pa.Array) -> np.ndarray:
    """A dictionary's int32 indices as numpy, without a copy (and without `to_numpy`,
    which imports pandas: 0.17 s)."""
    whole = np.frombuffer(indices.buffers()[1], dtype=np.int32)
    return whole[indices.offset : indices.offset + len(indices)]


def _verdicts(column: pa.Array, cache: dict, judge_one: Callable) -> tuple[list, np.ndarray]:
    """(the verdict on each distinct value, each row's position among them)."""
    encoded = pc.dictionary_encode(column)
    return _checked(_judged(encoded.dictionary.to_pylist(), cache, judge_one)), _positions(encoded.indices)


def _checked(verdicts: list) -> list:
    if any(isinstance(v, Fault | str) for v in verdicts):  # refused or skipped: reported the general way
        raise NotFast("a value the general path refuses or skips")
    return verdicts


def _categories(batch: pa.RecordBatch, judge: _Judge) -> tuple[list, np.ndarray]:
    """Offence category ids as `_verdicts` gives them, from the code and its group value
    (each a column or a constant of the mapping)."""
    constants, cache = judge.mapping.constants, judge.category_cache
    code = str(constants["category"]) if "category" in constants else None
    group = str(constants["group"]) if "group" in constants else None
    group_column = judge.group_col in judge.index and judge.group_col != judge.cat_col
    if group is None and not group_column:  # the code is its own group value
        if code is None:
            return _verdicts(batch.column(judge.cat_col), cache, lambda c: judge.category((c, c)))
        group = code
    if code is not None and group is not None:
        return _checked(_judged([(code, group)], cache, judge.category)), np.zeros(batch.num_rows, np.int32)
    if group is not None:
        return _verdicts(batch.column(judge.cat_col), cache, lambda c: judge.category((c, group)))
    if code is not None:
        return _verdicts(batch.column(judge.group_col), {}, lambda g: judge.category((code, g)))
    # a code column and a group column: judge each distinct pair
    codes = pc.dictionary_encode(batch.column(judge.cat_col))
    groups = pc.dictionary_encode(batch.column(judge.group_col))
    width = len(groups.dictionary)
    pairs, at = np.unique(
        _positions(codes.indices).astype(np.int64) * width + _positions(groups.indices), return_inverse=True
    )
    code_text, group_text = codes.dictionary.to_pylist(), groups.dictionary.to_pylist()
    values = [(code_text[p // width], group_text[p % width]) for p in pairs.tolist()]
    return _checked(_judged(values, cache, judge.category)), at


def _write(conn: Connection, batch: pa.RecordBatch, judge: _Judge) -> Counter:
    """Write a block's rows; returns its roll-up cells (area_id, month, category_id) -> count."""
    ids = batch.column(judge.id_col)
    if ids.null_count or not pc.all(pc.match_substring_regex(ids, PLAIN_ID)).as_py():
        raise NotFast("an id that is empty or needs trimming")
    signed = pc.match_substring_regex(ids, FORMULA_ID)  # a formula, or a number such as -0
    if (
        (pc.any(signed).as_py() and any(map(formula_like, pc.filter(ids, signed).to_pylist())))
        or pc.any(pc.match_substring(ids, "\x00")).as_py()
        or pc.max(pc.utf8_length(ids)).as_py() > ID_LIMIT
    ):
        raise NotFast("an id the general path checks one by one")
    areas, area_at = _verdicts(batch.column(judge.area_col), judge.area_cache, judge.area)
    categories, category_at = _categories(batch, judge)
    if len(judge.date_cache) > DATE_CACHE_LIMIT:
        judge.date_cache.clear()
    days, day_at = _verdicts(batch.column(judge.date_col), judge.date_cache, judge.day)
    if judge.count_col:
        counts, count_at = _verdicts(batch.column(judge.count_col), judge.count_cache, _count)
        row_counts = np.asarray(counts, np.int64)[count_at]
    else:
        row_counts = None

    iso_days = np.asarray([d[0] for d in days], dtype=object)
    iso_months = np.asarray([d[1] for d in days], dtype=object)
    bulk_insert_tuples(
        conn,
        CrimeIncident.__table__,
        COLUMNS,
        list(
            zip(
                repeat(judge.mapping.source),
                ids.to_pylist(),
                iso_days[day_at].tolist(),
                iso_months[day_at].tolist(),
                np.asarray(areas)[area_at].tolist(),
                np.asarray(categories)[category_at].tolist(),
                repeat(1) if row_counts is None else row_counts.tolist(),
            )
        ),
    )
    # the roll-up's cells counted in numpy: one number per (area, month, offence) position
    months = sorted(set(iso_months.tolist()))
    position = {month: i for i, month in enumerate(months)}
    month_of_day = np.asarray([position[m] for m in iso_months.tolist()], np.int64)
    key = (area_at.astype(np.int64) * len(months) + month_of_day[day_at]) * len(categories) + category_at
    cell_keys, at = np.unique(key, return_inverse=True)
    totals = np.bincount(at, weights=row_counts).astype(np.int64)
    cells: Counter = Counter()
    for cell, n in zip(cell_keys.tolist(), totals.tolist(), strict=True):
        rest, category = divmod(cell, len(categories))
        area, month = divmod(rest, len(months))
        cells[(areas[area], date.fromisoformat(months[month]), categories[category])] += n
    return cells
