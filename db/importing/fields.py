"""Reading one field of a row as the mapping says: constants, dates in one of several
formats, numbers with a decimal comma. Problems are returned, never raised, and a date
that does not read comes with the mapping change that would read it (`date_fix`)."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import lru_cache

from db.importing.mapping import Mapping

EARLIEST = date(1990, 1, 1)
DEFAULT_DATE_FORMAT = "%Y-%m-%d"
# the formats a date_format suggestion is chosen from, most usual first: ISO dates, day-first
# (Europe) before month-first (US) slashes, then the timestamps records systems export
COMMON_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%Y-%m",
    "%Y/%m/%d",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y%m%d",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d %B %Y",
    "%d %b %Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S%z",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
)
_COMMON = set(COMMON_DATE_FORMATS)
_DIGITS = str.maketrans("0123456789", "0000000000")
_READERS_BY_SHAPE: dict[str, tuple[str, ...]] = {}  # '00/00/0000' -> the formats that read such dates


def field_value(row: dict[str, str], mapping: Mapping, field: str) -> tuple[str, str]:
    """(where it came from, stripped value) for a field: the mapping's constant or the row's column."""
    if field in mapping.constants:
        return f"[constants].{field}", str(mapping.constants[field]).strip()
    column = mapping.column(field)
    return column, row.get(column, "").strip()


def date_formats(mapping: Mapping) -> list[str]:
    fmt = mapping.date_format
    return list(fmt) if isinstance(fmt, list | tuple) else [fmt]


def _offset_hours(text: str) -> str:
    """A timestamp whose UTC offset is written in hours only ('+00', '-05') with minutes
    added ('+0000'), which strptime's %z needs; any other text as it is. Cheap: it runs
    once per distinct timestamp, and files of timestamps have as many as rows."""
    if len(text) > 4 and text[-3] in "+-" and text[-2:].isdigit() and text[-4].isdigit():
        return text + "00"
    return text


@lru_cache(maxsize=65_536)
def _strptime(text: str, fmt: str) -> date | None:
    """strptime is slow and real files repeat the same dates: parse each text once. The date
    is the one written, in the file's own time zone: an offset is read, never applied."""
    if "%z" in fmt:
        text = _offset_hours(text)
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        return None


def _read(text: str, mapping: Mapping) -> date | None:
    for fmt in date_formats(mapping):
        value = _strptime(text, fmt)
        if value is not None:
            return value
    return None


def parse_date(text: str, mapping: Mapping, today: date | None = None) -> tuple[date | None, str]:
    """(date, '') or (None, rule broken). Tries each of the mapping's date formats in order."""
    value = _read(text, mapping)
    if value is None:
        shown = " or ".join(repr(f) for f in date_formats(mapping))
        return None, f"date does not match {shown}"
    if not EARLIEST <= value <= (today or date.today()):
        return None, f"date outside {EARLIEST} to today"
    return value, ""


def date_fix(text: str, mapping: Mapping, today: date | None = None) -> str:
    """The mapping change that accepts `text`, a date `parse_date` refused: a date_format
    that reads it (from COMMON_DATE_FORMATS; both, when day-first and month-first read it
    alike), or the [rows] filter that leaves out rows dated outside the plausible range.
    '' when neither would."""
    value = _read(text, mapping)
    if value is not None:
        return keep_when_fix(value, today)
    readers = _readers(text)
    if not readers:
        return ""
    fix = f"set {_with_format(mapping, readers[0])}"
    twin = _swapped(readers[0])
    if twin != readers[0] and twin in readers:
        fix += f" (or {json.dumps(twin)}: both read {text!r}; check which the file uses)"
    return fix


def keep_when_fix(value: date, today: date | None = None) -> str:
    """The [rows] filter that leaves out a row dated `value`, outside EARLIEST to today."""
    side = f">= {EARLIEST}" if value < EARLIEST else f"<= {today or date.today()}"
    return f'leave such rows out with [rows] keep_when = ["occurred {side}"]'


def _reads(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(_offset_hours(text) if "%z" in fmt else text, fmt)
    except ValueError:
        return False
    return True


def _swapped(fmt: str) -> str:
    """Day-first as month-first and back: the format that may read the same text otherwise."""
    return fmt.replace("%d/%m", "%m/%D").replace("%m/%d", "%d/%m").replace("%m/%D", "%m/%d")


def _readers(text: str) -> list[str]:
    """The common formats that read `text`. A refused file may hold a million distinct
    timestamps: texts of one shape (digits alike) are first tried with the formats that read
    earlier ones (and their day-first or month-first twins, which read '03/04' alike but not
    '25/03'), and only tried against every format when none of those does."""
    shape = text.translate(_DIGITS)
    known = _READERS_BY_SHAPE.get(shape, ())
    twins = [_swapped(fmt) for fmt in known]
    readers = [fmt for fmt in dict.fromkeys([*known, *twins]) if fmt in _COMMON and _reads(text, fmt)]
    readers.sort(key=COMMON_DATE_FORMATS.index)
    if not readers:
        readers = [fmt for fmt in COMMON_DATE_FORMATS if _reads(text, fmt)]
        if len(_READERS_BY_SHAPE) < 10_000:
            _READERS_BY_SHAPE[shape] = tuple(dict.fromkeys([*known, *readers]))
    return readers


def _with_format(mapping: Mapping, fmt: str) -> str:
    """`date_format = ...` with `fmt` in the place of the default, or after the mapping's own."""
    current = date_formats(mapping)
    if current == [DEFAULT_DATE_FORMAT]:
        return f"date_format = {json.dumps(fmt)}"
    return f"date_format = {json.dumps([*current, fmt])}"


def parse_number(text: str, mapping: Mapping) -> float | None:
    """A number, with a decimal comma when the mapping says so; None when it is not one."""
    cleaned = text.strip()
    if mapping.decimal_comma:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None
