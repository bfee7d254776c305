"""Read a file as (line number, row) pairs, streaming: CSV in any common delimiter and
encoding, Excel .xlsx, and GeoJSON features (their properties, and their geometry as the
column `geometry`).

Encodings: the mapping's, else UTF-8 with or without a byte-order mark, UTF-16 or UTF-32
with one, else cp1252 (what spreadsheet programs on Windows write). Delimiters: the
mapping's, else sniffed among `, ; TAB |`. Structural problems (empty file, header only,
duplicate or blank headers, a byte the encoding cannot read, a line or cell past its limit,
a file that is not what its name says) raise `ImportRefused` at once, naming the line. One
column, an area's shape (`long_column`), may hold cells up to `Limits.boundary_chars`: a
district's WKT can run to megabytes; every other cell keeps `Limits.cell_chars`.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate, islice
from operator import itemgetter
from pathlib import Path

from db.importing.limits import DEFAULT, GuardedGzip, Limits, check_xlsx
from db.importing.report import MAX_SHOWN_VALUE, ImportRefused, Problem

DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
BOMS = [  # longest first: a UTF-32 little-endian mark begins like UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]

Row = tuple[int, dict[str, str]]
EXTRA = "__extra__"  # key of the cells a row has beyond its named columns


def _refuse(
    rule: str, value: str = "", column: str = "", line: int = 0, suggestion: str = ""
) -> ImportRefused:
    return ImportRefused([Problem(line, column, value, rule, suggestion)])


def open_bytes(path: Path, limits: Limits = DEFAULT):
    """The file's bytes, gunzipped on the fly for `.gz` files (within the limits)."""
    if path.suffix.lower() == ".gz":
        return io.BufferedReader(GuardedGzip(path, limits), buffer_size=1 << 16)
    return open(path, "rb")


def detect_encoding(path: Path, declared: str | None = None, limits: Limits = DEFAULT) -> str:
    """The mapping's encoding, else the one a byte-order mark names, else UTF-8, else cp1252
    (checked by decoding the whole file incrementally, so a bad byte on the last line is not
    missed). A file of NUL-separated ASCII without a mark is refused as UTF-16 without one."""
    if declared:
        return declared
    with open_bytes(path, limits) as f:
        start = f.read(SNIFF_BYTES)
    for bom, name in BOMS:
        if start.startswith(bom):
            return name
    if start.count(b"\x00") > len(start) // 4:
        raise _refuse(
            "the file looks like UTF-16 or UTF-32 without a byte-order mark (a NUL byte in every "
            "other position)",
            repr(start[:20])[2:-1],
            "(file)",
            1,
            'set encoding = "utf-16-le" (or "utf-16-be") in the mapping, or save the file as UTF-8',
        )
    with open_bytes(path, limits) as f:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        try:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def bad_byte(path: Path, encoding: str, declared: bool, limits: Limits = DEFAULT) -> ImportRefused:
    """The refusal for the first byte of `path` that `encoding` cannot decode, naming its
    line and byte offset (found by decoding again, only once a read has failed)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = lines = 0
    with open_bytes(path, limits) as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            pending = decoder.getstate()[0] if hasattr(decoder, "getstate") else b""
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                at = offset - len(pending) + exc.start
                line = lines + data[: exc.start].count(b"\n") + 1
                byte = data[exc.start : exc.start + 1]
                return _bad_byte(byte, at, line, encoding, declared)
            offset += len(chunk)
            lines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return _bad_byte(exc.object[exc.start : exc.start + 1], offset, lines + 1, encoding, declared)
    return _refuse(f"a byte the encoding {encoding} cannot read", "", "(file)", 0)


def _bad_byte(byte: bytes, at: int, line: int, encoding: str, declared: bool) -> ImportRefused:
    shown = f"0x{byte.hex()}" if byte else "the end of the file"
    if declared:
        rule = f"byte {shown} at byte offset {at:,} is not valid {encoding}, the mapping's encoding"
    else:
        rule = f"byte {shown} at byte offset {at:,} is neither UTF-8 nor cp1252"
    hint = 'set encoding in the mapping to the one the file was saved in, e.g. encoding = "latin-1"'
    return _refuse(rule, shown, "(line)", line, hint)


def _lines(
    f, limits: Limits, header: list[str] | None, delimiter: str, long_column: str = ""
) -> Iterator[str]:
    """The physical lines of text file `f`, each refused past `limits.line_chars` (read no
    further than that, so a 1 GB line costs 1 MB)."""
    limit, readline, number = limits.line_chars, f.readline, 0
    while line := readline(limit + 1):
        number += 1
        if len(line) > limit:
            cells = _cells_so_far(line[:limit], delimiter)
            if header is None:
                column = "(header)"
            else:
                column = header[len(cells) - 1] if len(cells) <= len(header) else "(beyond the header)"
            if column and column == long_column:
                rule, fix = _shape_too_long(limits, long_column), SIMPLIFY_FIRST
            else:
                rule = f"line longer than the limit of {limit:,} characters"
                fix = "check that the file has one row per line, and shorten this cell"
            raise _refuse(rule, cells[-1][:MAX_SHOWN_VALUE], column, number, fix)  # the cell that passes it
        yield line


def _cells_so_far(text: str, delimiter: str) -> list[str]:
    """The cells of the start of a line, quoted delimiters and all (a NUL: split on delimiters)."""
    limit = csv.field_size_limit(sys.maxsize)  # the cell that passed the limit is read here
    try:
        return next(csv.reader([text], delimiter=delimiter), [""])
    except csv.Error:
        return text.split(delimiter)
    finally:
        csv.field_size_limit(limit)


def _shape_too_long(limits: Limits, column: str) -> str:
    return (
        f"a cell longer than the limit of {limits.boundary_chars:,} characters for a shape "
        f"(column {column!r}; other cells {limits.cell_chars:,})"
    )


class _Reading:
    """Turns a failure while text is read into the refusal that names it."""

    def __init__(self, path: Path, encoding: str, declared: bool, limits: Limits, long_column: str = ""):
        self.path, self.encoding, self.declared, self.limits = path, encoding, declared, limits
        self.long_column = long_column  # a column of shapes, whose cells may be longer than others'
        self.reader = None  # the csv reader, whose line_num is the last physical line read

    @property
    def line(self) -> int:
        return self.reader.line_num if self.reader is not None else 1

    def __enter__(self) -> _Reading:
        csv.field_size_limit(self.limits.boundary_chars if self.long_column else self.limits.cell_chars)
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if isinstance(exc, UnicodeDecodeError):
            raise bad_byte(self.path, self.encoding, self.declared, self.limits) from None
        if isinstance(exc, csv.Error):
            if "field larger than field limit" in str(exc):
                if self.long_column:
                    rule = _shape_too_long(self.limits, self.long_column)
                    raise _refuse(rule, "", "(a quoted cell)", self.line, SIMPLIFY_FIRST) from None
                rule = f"a cell longer than the limit of {self.limits.cell_chars:,} characters"
                raise _refuse(rule, "", "(a quoted cell)", self.line) from None
            raise _refuse(
                f"cannot read this line as delimited text ({exc})", "", "(line)", self.line
            ) from None
        if isinstance(exc, LookupError):  # an encoding codecs knows but cannot read text with
            raise _refuse(f"cannot read the file as {self.encoding}", self.encoding, "encoding") from None


def _header(names: list[str]) -> list[str]:
    cleaned = [n.strip() for n in names]
    seen: set[str] = set()
    for n in cleaned:
        if n in seen and n:
            raise _refuse("duplicate column name in the header", n, n)
        seen.add(n)
    return cleaned


CHUNK_ROWS = 50_000
SIMPLIFY_FIRST = "simplify the shapes before importing them (e.g. mapshaper's -simplify, or QGIS)"
GEOMETRY = "geometry"  # the column a GeoJSON feature's geometry is read as (GeoJSON text)


@dataclass
class Chunk:
    """Up to CHUNK_ROWS consecutive data rows, as cells in header order (padded or cut to
    the header's width). `extra` holds, by row index, cells beyond the named columns."""

    header: list[str]
    lines: list[int] = field(default_factory=list)  # 1-based line where each row starts
    rows: list[list[str]] = field(default_factory=list)
    extra: dict[int, str] = field(default_factory=dict)

    def dicts(self) -> Iterator[Row]:
        named = [(i, n) for i, n in enumerate(self.header) if n]
        for index, (line, cells) in enumerate(zip(self.lines, self.rows, strict=True)):
            row = {n: cells[i] for i, n in named}
            if index in self.extra:
                row[EXTRA] = self.extra[index]
            yield line, row


def _blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


def csv_layout(
    path: Path, delimiter: str | None = None, encoding: str | None = None, limits: Limits = DEFAULT
) -> tuple[str, str, list[str]]:
    """(encoding, delimiter, header) of delimited text, as every reader of it sees them.
    Raises ImportRefused for an empty file, an unknown delimiter or a bad header."""
    enc = detect_encoding(path, encoding, limits)
    with _Reading(path, enc, bool(encoding), limits), _text(path, enc, limits) as f:
        sample = f.read(SNIFF_BYTES)
        if not sample.strip():
            raise _refuse("the file is empty")
        if delimiter is None:
            try:
                delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=DELIMITERS).delimiter
            except csv.Error as exc:
                raise _refuse(f"cannot tell the column delimiter (tried {DELIMITERS!r})") from exc
    with _Reading(path, enc, bool(encoding), limits), _text(path, enc, limits) as f:  # from the start again
        header = _header(next(csv.reader(_lines(f, limits, None, delimiter), delimiter=delimiter)))
    if len(header) < 2:
        raise _refuse(
            f"only one column found with delimiter {delimiter!r}: is this the right delimiter?",
            header[0] if header else "",
        )
    return enc, delimiter, header


def _text(path: Path, encoding: str, limits: Limits) -> io.TextIOWrapper:
    return io.TextIOWrapper(open_bytes(path, limits), encoding=encoding, newline="")


def csv_chunks(
    path: Path,
    delimiter: str | None = None,
    encoding: str | None = None,
    size: int = CHUNK_ROWS,
    limits: Limits = DEFAULT,
    long_column: str | None = None,
) -> Iterator[Chunk]:
    """Delimited text in chunks of rows. The common row (as many cells as the header,
    every column named) costs one C-level read and a cheap blank check; only odd rows
    take the slow path. When the header has `long_column` (shapes), its cells may run to
    `limits.boundary_chars` and each other cell is held to `limits.cell_chars` row by row."""
    enc, delimiter, header = csv_layout(path, delimiter, encoding, limits)
    long_column = long_column if long_column in header else ""
    reading_limits = limits
    if long_column:
        reading_limits = replace(limits, line_chars=limits.line_chars + limits.boundary_chars)
    with (
        _Reading(path, enc, bool(encoding), limits, long_column) as reading,
        _text(path, enc, limits) as f,
    ):
        lines = _lines(f, reading_limits, header, delimiter, long_column)
        reader = reading.reader = csv.reader(lines, delimiter=delimiter)
        next(reader)  # the header, read above
        last_line = reader.line_num
        any_row = False
        while batch := list(islice(reader, size)):
            start, end = last_line + 1, reader.line_num
            last_line = end
            chunk = _chunk(header, batch, start, end, delimiter)
            if long_column:
                _short_beside(chunk, header.index(long_column), limits)
            if chunk.rows:
                any_row = True
                yield chunk
        if not any_row:
            raise _refuse("the file has a header but no data rows")


def _short_beside(chunk: Chunk, long_index: int, limits: Limits) -> None:
    """Refuse a cell longer than `limits.cell_chars` in any column but the shapes'."""
    for line, cells in zip(chunk.lines, chunk.rows, strict=True):
        for i, cell in enumerate(cells):
            if i != long_index and len(cell) > limits.cell_chars:
                rule = f"a cell longer than the limit of {limits.cell_chars:,} characters"
                raise _refuse(rule, cell[:MAX_SHOWN_VALUE], chunk.header[i], line)


def _chunk(header: list[str], batch: list[list[str]], start: int, end: int, delimiter: str) -> Chunk:
    """`batch`, the records read from physical line `start` to `end`, as a chunk: blank
    lines out, rows padded or cut to the header, cells beyond it kept aside. When quoted
    cells hold line breaks, each row's line is counted from them."""
    width = len(header)
    if end - start + 1 == len(batch):
        lines: Sequence[int] = range(start, end + 1)
    else:
        breaks = (sum(c.count("\n") for c in r) for r in batch[:-1])
        lines = list(accumulate((1 + n for n in breaks), initial=start))
    regular = all(header) and len(set(map(len, batch))) == 1 and len(batch[0]) == width
    chunk = Chunk(header)
    if regular and all(map(itemgetter(0), batch)):  # the usual case: no blank line, no odd row
        chunk.lines, chunk.rows = list(lines), batch
        return chunk
    for line, cells in zip(lines, batch, strict=True):
        if _blank(cells):
            continue  # blank lines are not data
        if not regular:
            spill = [c for i, c in enumerate(cells) if c.strip() and (i >= width or not header[i])]
            if spill:
                chunk.extra[len(chunk.rows)] = delimiter.join(spill)
            cells = (cells + [""] * width)[:width]
        chunk.lines.append(line)
        chunk.rows.append(cells)
    return chunk


def _chunked(rows: Iterator[Row], size: int = CHUNK_ROWS) -> Iterator[Chunk]:
    """Rows read as dicts (workbooks, GeoJSON) regrouped as chunks; the header is the
    first row's keys, later keys added as they appear."""
    chunk: Chunk | None = None
    for line, row in rows:
        if chunk is None:
            chunk = Chunk(list(row))
        for name in row:
            if name not in chunk.header:
                chunk.header.append(name)
                for cells in chunk.rows:
                    cells.append("")
        chunk.lines.append(line)
        chunk.rows.append([row.get(n, "") for n in chunk.header])
        if len(chunk.rows) >= size:
            yield chunk
            chunk = Chunk(list(chunk.header))
    if chunk is not None and chunk.rows:
        yield chunk


def read_xlsx(path: Path, limits: Limits = DEFAULT) -> Iterator[Row]:
    """First worksheet of an .xlsx, values as text. openpyxl reads the XML with
    defusedxml when it is installed (it is a dependency), so external entities are refused;
    the workbook's decompressed size is checked first, and each cell's length as it is read."""
    from openpyxl import load_workbook

    check_xlsx(path, limits)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _refuse("not a valid .xlsx workbook (is it a CSV or an old .xls renamed?)", path.name) from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = _header(["" if v is None else str(v) for v in next(rows)])
    except StopIteration:
        raise _refuse("the workbook's first sheet is empty") from None
    any_row = False
    for line, values in enumerate(rows, start=2):
        cells = ["" if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v)) for v in values]
        _cell_lengths(cells, header, line, limits)
        if not any(c.strip() for c in cells):
            continue
        any_row = True
        yield line, {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name}
    book.close()
    if not any_row:
        raise _refuse("the workbook has a header but no data rows")


def _cell_lengths(cells: list[str], header: list[str], line: int, limits: Limits) -> None:
    for i, cell in enumerate(cells):
        if len(cell) > limits.cell_chars:
            column = header[i] if i < len(header) else "(beyond the header)"
            rule = f"a cell longer than the limit of {limits.cell_chars:,} characters"
            raise _refuse(rule, cell[:MAX_SHOWN_VALUE], column, line)


GEOJSON_BYTES = 50_000_000  # GeoJSON is read whole; a city's area boundaries take a few MB


def read_geojson(path: Path, limits: Limits = DEFAULT) -> Iterator[Row]:
    """Each feature's properties as a row, with its geometry as GeoJSON text in the column
    `geometry` (blank when the feature has none; a property of that name is shadowed)."""
    if path.stat().st_size > min(GEOJSON_BYTES, limits.expanded_bytes):
        limit = min(GEOJSON_BYTES, limits.expanded_bytes)
        raise _refuse(f"a GeoJSON file larger than the limit of {limit:,} bytes", path.name, "(file)")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        features = data["features"]
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise _refuse("not a GeoJSON FeatureCollection in UTF-8", path.name, "(file)") from exc
    for line, feature in enumerate(features, start=1):
        row = {k: "" if v is None else str(v) for k, v in (feature.get("properties") or {}).items()}
        _cell_lengths(list(row.values()), list(row), line, limits)
        geometry = feature.get("geometry")
        row[GEOMETRY] = "" if geometry is None else json.dumps(geometry, separators=(",", ":"))
        if len(row[GEOMETRY]) > limits.boundary_chars:
            rule = f"a shape longer than the limit of {limits.boundary_chars:,} characters"
            raise _refuse(rule, row[GEOMETRY][:MAX_SHOWN_VALUE], GEOMETRY, line, SIMPLIFY_FIRST)
        yield line, row


def read_chunks(
    path: Path,
    delimiter: str | None = None,
    encoding: str | None = None,
    size: int = CHUNK_ROWS,
    limits: Limits = DEFAULT,
    long_column: str | None = None,
) -> Iterator[Chunk]:
    """Chunks of `path` by its extension (.xlsx, .geojson/.json, anything else as delimited
    text); `long_column`, a column of shapes, may hold longer cells (see csv_chunks)."""
    suffix = Path(path.name.removesuffix(".gz")).suffix.lower()
    if suffix == ".xlsx":
        return _chunked(read_xlsx(path, limits), size)
    if suffix in (".geojson", ".json"):
        return _chunked(read_geojson(path, limits), size)
    return csv_chunks(path, delimiter, encoding, size, limits, long_column)


def read_rows(
    path: Path, delimiter: str | None = None, encoding: str | None = None, limits: Limits = DEFAULT
) -> Iterator[Row]:
    """Rows of `path` as (line, {column: text}) pairs."""
    for chunk in read_chunks(path, delimiter, encoding, limits=limits):
        yield from chunk.dicts()
