"""The rules of a mapping's [rows] keep_when and skip_when, as written and as parsed.

A rule is NAME OP VALUE (OP one of = != < <= > >=) or NAME is blank / NAME is not blank.
NAME is a column of the file or a Common Ground field mapped to one. VALUE is a date when
written YYYY-MM-DD, a number when it is one, and text otherwise (in double quotes when it
holds spaces or operators). Parsing needs nothing but the text, so a mapping is checked
when it is loaded; db.importing.rows applies the rules to a file's rows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

OPERATORS = ("!=", "<=", ">=", "=", "<", ">")
_COMPARISON = re.compile(r'^\s*(?P<name>"[^"]+"|[^=!<>"]+?)\s*(?P<op>!=|<=|>=|=|<|>)\s*(?P<value>.*?)\s*$')
_BLANK = re.compile(r'^\s*(?P<name>"[^"]+"|[^"]+?)\s+is\s+(?P<not>not\s+)?blank\s*$', re.IGNORECASE)
ROW_RULE_HELP = (
    'write NAME OP VALUE (OP one of = != < <= > >=), e.g. "occurred >= 2014-01-01" or '
    "'Location = \"No location\"', or NAME is blank / NAME is not blank; NAME is a column or a field"
)


@dataclass(frozen=True)
class RowRule:
    """One keep_when or skip_when rule: `name` (a column or a Common Ground field) `op` `value`.
    `op` is one of OPERATORS, or "blank" / "not blank"; `value` is a date, a number or text."""

    key: str  # keep_when | skip_when
    text: str  # as the mapping writes it, for the report
    name: str
    op: str
    value: date | float | str | None = None


def parse_row_rule(text: str, key: str = "keep_when") -> RowRule:
    """The rule `text` states; raises ValueError saying what is wrong with it. A value reads
    as a date when written YYYY-MM-DD, as a number when it is one, else as text (quotes
    keep spaces and operators in it); < <= > >= compare dates or numbers only."""
    blank = _BLANK.match(text)
    if blank:
        return RowRule(key, text.strip(), blank["name"].strip('"'), "not blank" if blank["not"] else "blank")
    found = _COMPARISON.match(text)
    if not found or not found["value"] or found["value"][0] in "=<>!":
        raise ValueError(f"[rows] {key} rule {text!r} is not NAME OP VALUE or NAME is (not) blank")
    raw = found["value"]
    quoted = len(raw) >= 2 and raw[0] == raw[-1] == '"'
    if '"' in (raw[1:-1] if quoted else raw):
        raise ValueError(f"[rows] {key} rule {text!r}: a value in quotes must open and close with one")
    literal = raw[1:-1] if quoted else raw
    value: date | float | str = literal
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", literal):
        try:
            value = date.fromisoformat(literal)
        except ValueError:
            raise ValueError(f"[rows] {key} rule {text!r}: {literal!r} is not a date") from None
    else:
        try:
            number = float(literal)
        except ValueError:
            number = None
        if number is not None and math.isfinite(number):
            value = number
    if found["op"] not in ("=", "!=") and isinstance(value, str):
        raise ValueError(
            f"[rows] {key} rule {text!r}: {found['op']} compares dates (YYYY-MM-DD) or numbers, "
            f"and {literal!r} is neither"
        )
    return RowRule(key, text.strip(), found["name"].strip().strip('"'), found["op"], value)
