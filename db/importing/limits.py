"""How much one import may take, and the guards that hold a file to it.

A small file must not be able to take the server down: a line or a cell is capped in
characters, a .gz file's decompressed size and ratio are capped as it is read, and an
.xlsx workbook (a zip) has its members' declared and actual sizes checked before openpyxl
opens it. An area's shape (a WKT or GeoJSON geometry cell) may be longer than any other
cell, up to its own limit; the other cells of its file keep theirs. Every limit has a plain
message naming the limit. Problems are capped in `report.Problems`; the Data page's memory
limit is in `child`.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from db.importing.report import ImportRefused, Problem


@dataclass(frozen=True)
class Limits:
    line_chars: int = 1_000_000  # one physical line of a text file
    cell_chars: int = 1_000_000  # one cell (a quoted cell may span lines)
    boundary_chars: int = 20_000_000  # one cell of an area's shape (WKT or GeoJSON), the only longer one
    expanded_bytes: int = 1_000_000_000  # a .gz file, or all of an .xlsx's members, decompressed
    ratio: int = 100  # decompressed size / file size, checked once past `ratio_floor`
    ratio_floor: int = 20_000_000  # below this a small file may compress as well as it likes
    shared_strings_bytes: int = 100_000_000  # an .xlsx's table of strings, which openpyxl holds whole
    memory_bytes: int = 2_000_000_000  # address space of a Data page import's child process

    def expanded_allowed(self, file_bytes: int) -> int:
        """The most bytes a compressed file of `file_bytes` may decompress to."""
        return min(self.expanded_bytes, max(self.ratio_floor, self.ratio * file_bytes))


DEFAULT = Limits()


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.0f} MB" if n >= 1_000_000 else f"{n:,} bytes"


def expansion_rule(limits: Limits, file_bytes: int, what: str) -> str:
    allowed = limits.expanded_allowed(file_bytes)
    if allowed == limits.expanded_bytes:
        return f"{what} decompresses to more than {_mb(allowed)}, the limit for one import"
    return (
        f"{what} decompresses to more than {limits.ratio} times its size of {_mb(file_bytes)} "
        f"(a compression bomb?)"
    )


class GuardedGzip(io.RawIOBase):
    """A .gz file's decompressed bytes, refused (ImportRefused) past the size the limits allow,
    and with a plain message when the file is not gzip or ends early."""

    def __init__(self, path: Path, limits: Limits):
        self.path, self.limits = path, limits
        self.file_bytes = path.stat().st_size
        self.allowed = limits.expanded_allowed(self.file_bytes)
        self.inner = gzip.open(path, "rb")
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            n = self.inner.readinto(buffer)
        except gzip.BadGzipFile as exc:
            raise _refused("not a gzip file, though its name ends in .gz", self.path.name) from exc
        except EOFError as exc:
            rule = "the .gz file is truncated: it ends before its compressed data does"
            raise _refused(rule, self.path.name) from exc
        except (zlib.error, OSError) as exc:
            raise _refused(f"the .gz file is corrupt ({exc})", self.path.name) from exc
        self.read_bytes += n
        if self.read_bytes > self.allowed:
            rule = expansion_rule(self.limits, self.file_bytes, "the .gz file")
            raise _refused(rule, self.path.name, "unzip it and import the file itself")
        return n

    def close(self) -> None:
        self.inner.close()
        super().close()


def _refused(rule: str, value: str = "", suggestion: str = "") -> ImportRefused:
    return ImportRefused([Problem(0, "(file)", value, rule, suggestion)])


def check_xlsx(path: Path, limits: Limits) -> None:
    """Refuse an .xlsx whose members would decompress past the limits: first by the sizes
    its directory declares, then by actually decompressing them (a zip can lie)."""
    file_bytes = path.stat().st_size
    allowed = limits.expanded_allowed(file_bytes)
    rule = expansion_rule(limits, file_bytes, "the workbook")
    try:
        with zipfile.ZipFile(path) as book:
            members = book.infolist()
            if sum(m.file_size for m in members) > allowed:
                raise _refused(rule, path.name, "save it as CSV and import that")
            actual = 0
            for member in members:
                strings = 0
                with book.open(member) as f:
                    while chunk := f.read(1 << 20):
                        actual += len(chunk)
                        if actual > allowed:
                            raise _refused(rule, path.name, "save it as CSV and import that")
                        if member.filename.lower().endswith("sharedstrings.xml"):
                            strings += len(chunk)
                            if strings > limits.shared_strings_bytes:
                                too_many = (
                                    "the workbook's table of text values decompresses to more than "
                                    f"{_mb(limits.shared_strings_bytes)}, the limit for one import"
                                )
                                raise _refused(too_many, path.name, "save it as CSV and import that")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        rule = "not a valid .xlsx workbook (is it a CSV or an old .xls renamed?)"
        raise _refused(rule, path.name) from exc
