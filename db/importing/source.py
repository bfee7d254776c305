"""Read a file as (line number, row) pairs, streaming: CSV in any common delimiter and
encoding, Excel .xlsx, and GeoJSON feature properties.

Encodings: UTF-8 with or without a byte-order mark, else cp1252 (what spreadsheet
programs on Windows write). Delimiters: the mapping's, else sniffed among
`, ; TAB |`. Structural problems (empty file, header only, duplicate or blank
headers, a file that is not what its name says) raise `ImportRefused` at once.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, islice
from operator import itemgetter
from pathlib import Path

from db.importing.report import ImportRefused, Problem

DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
csv.field_size_limit(64 * 1024 * 1024)  # a hostile 10 MB cell is read and then refused by a rule

Row = tuple[int, dict[str, str]]
EXTRA = "__extra__"  # key of the cells a row has beyond its named columns


def _refuse(rule: str, value: str = "", column: str = "") -> ImportRefused:
    return ImportRefused([Problem(0, column, value, rule)])


def open_bytes(path: Path):
    """The file's bytes, gunzipped on the fly for `.gz` files."""
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")


def detect_encoding(path: Path, declared: str | None = None) -> str:
    """The mapping's encoding, else UTF-8 with BOM, UTF-8, or cp1252 (checked by decoding
    the whole file incrementally, so a bad byte on the last line is not missed)."""
    if declared:
        return declared
    with open_bytes(path) as f:
        if f.read(3) == b"\xef\xbb\xbf":
            return "utf-8-sig"
    with open_bytes(path) as f:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        try:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _header(names: list[str]) -> list[str]:
    cleaned = [n.strip() for n in names]
    seen: set[str] = set()
    for n in cleaned:
        if n in seen and n:
            raise _refuse("duplicate column name in the header", n, n)
        seen.add(n)
    return cleaned


CHUNK_ROWS = 50_000


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
    path: Path, delimiter: str | None = None, encoding: str | None = None
) -> tuple[str, str, list[str]]:
    """(encoding, delimiter, header) of delimited text, as every reader of it sees them.
    Raises ImportRefused for an empty file, an unknown delimiter or a bad header."""
    enc = detect_encoding(path, encoding)
    with io.TextIOWrapper(open_bytes(path), encoding=enc, newline="") as f:
        sample = f.read(SNIFF_BYTES)
        if not sample.strip():
            raise _refuse("the file is empty")
        if delimiter is None:
            try:
                delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=DELIMITERS).delimiter
            except csv.Error as exc:
                raise _refuse(f"cannot tell the column delimiter (tried {DELIMITERS!r})") from exc
    with io.TextIOWrapper(open_bytes(path), encoding=enc, newline="") as f:  # from the start again
        header = _header(next(csv.reader(f, delimiter=delimiter)))
    if len(header) < 2:
        raise _refuse(
            f"only one column found with delimiter {delimiter!r}: is this the right delimiter?",
            header[0] if header else "",
        )
    return enc, delimiter, header


def csv_chunks(
    path: Path, delimiter: str | None = None, encoding: str | None = None, size: int = CHUNK_ROWS
) -> Iterator[Chunk]:
    """Delimited text in chunks of rows. The common row (as many cells as the header,
    every column named) costs one C-level read and a cheap blank check; only odd rows
    take the slow path."""
    enc, delimiter, header = csv_layout(path, delimiter, encoding)
    with io.TextIOWrapper(open_bytes(path), encoding=enc, newline="") as f:
        reader = csv.reader(f, delimiter=delimiter)
        next(reader)  # the header, read above
        last_line = reader.line_num
        any_row = False
        while batch := list(islice(reader, size)):
            start, end = last_line + 1, reader.line_num
            last_line = end
            chunk = _chunk(header, batch, start, end, delimiter)
            if chunk.rows:
                any_row = True
                yield chunk
        if not any_row:
            raise _refuse("the file has a header but no data rows")


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


def read_xlsx(path: Path) -> Iterator[Row]:
    """First worksheet of an .xlsx, values as text. openpyxl reads the XML with
    defusedxml when it is installed (it is a dependency), so external entities are refused."""
    from openpyxl import load_workbook

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
        if not any(c.strip() for c in cells):
            continue
        any_row = True
        yield line, {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header) if name}
    book.close()
    if not any_row:
        raise _refuse("the workbook has a header but no data rows")


def read_geojson(path: Path) -> Iterator[Row]:
    """Each feature's properties as a row (geometry is not stored)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        features = data["features"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise _refuse("not a GeoJSON FeatureCollection", path.name) from exc
    for line, feature in enumerate(features, start=1):
        yield line, {k: "" if v is None else str(v) for k, v in (feature.get("properties") or {}).items()}


def read_chunks(
    path: Path, delimiter: str | None = None, encoding: str | None = None, size: int = CHUNK_ROWS
) -> Iterator[Chunk]:
    """Chunks of `path` by its extension (.xlsx, .geojson/.json, anything else as delimited text)."""
    suffix = Path(path.name.removesuffix(".gz")).suffix.lower()
    if suffix == ".xlsx":
        return _chunked(read_xlsx(path), size)
    if suffix in (".geojson", ".json"):
        return _chunked(read_geojson(path), size)
    return csv_chunks(path, delimiter, encoding, size)


def read_rows(path: Path, delimiter: str | None = None, encoding: str | None = None) -> Iterator[Row]:
    """Rows of `path` as (line, {column: text}) pairs."""
    for chunk in read_chunks(path, delimiter, encoding):
        yield from chunk.dicts()
