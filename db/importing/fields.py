"""Reading one field of a row as the mapping says: constants, dates in one of several
formats, numbers with a decimal comma. Problems are returned, never raised."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from db.importing.mapping import Mapping

EARLIEST = date(1990, 1, 1)


def field_value(row: dict[str, str], mapping: Mapping, field: str) -> tuple[str, str]:
    """(where it came from, stripped value) for a field: the mapping's constant or the row's column."""
    if field in mapping.constants:
        return f"[constants].{field}", str(mapping.constants[field]).strip()
    column = mapping.column(field)
    return column, row.get(column, "").strip()


def date_formats(mapping: Mapping) -> list[str]:
    fmt = mapping.date_format
    return list(fmt) if isinstance(fmt, list | tuple) else [fmt]


@lru_cache(maxsize=65_536)
def _strptime(text: str, fmt: str) -> date | None:
    """strptime is slow and real files repeat the same dates: parse each text once."""
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        return None


def parse_date(text: str, mapping: Mapping, today: date | None = None) -> tuple[date | None, str]:
    """(date, '') or (None, rule broken). Tries each of the mapping's date formats in order."""
    for fmt in date_formats(mapping):
        value = _strptime(text, fmt)
        if value is None:
            continue
        if not EARLIEST <= value <= (today or date.today()):
            return None, f"date outside {EARLIEST} to today"
        return value, ""
    shown = " or ".join(repr(f) for f in date_formats(mapping))
    return None, f"date does not match {shown}"


def parse_number(text: str, mapping: Mapping) -> float | None:
    """A number, with a decimal comma when the mapping says so; None when it is not one."""
    cleaned = text.strip()
    if mapping.decimal_comma:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None
