"""What a mapping does to a file's rows before its kind reads them.

First [rows] says which rows are data: `present` and `blank` name columns that must be
filled or empty, and `keep_when` / `skip_when` rules compare a column or a Common Ground
field with a date, a number or text (db.importing.row_rules). Rows left out are counted in
the report, by rule. A rule that cannot judge a row (a date cell that is not a date in the
mapping's date_format) keeps it, so the kind refuses it with its own rule rather than a
filter dropping it unseen. Then [values] translates the file's own words into Common
Ground's, field by field; a list field (a partnership's areas and members) is translated
one element at a time by its kind.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date

from db.importing.fields import EARLIEST, _strptime, date_formats, parse_number
from db.importing.mapping import EXTRA_VALUES, FIELDS, LIST_FIELDS, Mapping, toml_string
from db.importing.report import ImportRefused, Problem, Report
from db.importing.row_rules import RowRule
from db.importing.source import Chunk

Test = Callable[[list[str]], bool]  # True: the row is left out
EVENT_KINDS = (
    "crime",
    "survey_responses",
    "survey_aggregates",
    "activities",
    "feedback",
    "events",
    "initiative_delivery",
    "priorities",
    "decisions",
)


def wanted(chunks: Iterator[Chunk], mapping: Mapping, report: Report) -> Iterator[Chunk]:
    """The chunks with only the rows the mapping's [rows] says are data. Each row left out
    is counted once, by the first rule that leaves it out, in the report's notes."""
    tests: list[tuple[str, Test]] | None = None
    left_out: Counter[str] = Counter()
    for chunk in chunks:
        if tests is None:
            tests = _tests(chunk.header, mapping)
        keep = []
        for cells in chunk.rows:
            rule = next((label for label, test in tests if test(cells)), None)
            if rule is not None:
                left_out[rule] += 1
            keep.append(rule is None)
        if not all(keep):
            report.skipped_on_purpose += keep.count(False)
            report.rows_read += keep.count(False)
            chunk.lines = [line for line, k in zip(chunk.lines, keep, strict=True) if k]
            chunk.rows = [cells for cells, k in zip(chunk.rows, keep, strict=True) if k]
        if chunk.rows:
            yield chunk
    for label, _test in tests or []:  # in the order the mapping writes them
        if left_out[label]:
            n = left_out[label]
            report.notes.append(f"{n:,} row{'' if n == 1 else 's'} left out by {label}")


def _tests(header: list[str], mapping: Mapping) -> list[tuple[str, Test]]:
    """(label for the report, test) for each [rows] condition, in the order they are written."""
    missing = [c for key in ("present", "blank") for c in mapping.rows.get(key, []) if c not in header]
    if missing:
        rule = "column named under [rows] is not in the file"
        raise ImportRefused([Problem(1, c, "", rule) for c in missing])
    tests: list[tuple[str, Test]] = []
    for column in mapping.rows.get("present", []):
        i = header.index(column)
        tests.append((f"[rows] present {column}", lambda cells, i=i: not cells[i].strip()))
    for column in mapping.rows.get("blank", []):
        i = header.index(column)
        tests.append((f"[rows] blank {column}", lambda cells, i=i: bool(cells[i].strip())))
    problems = []
    for rule in mapping.rules():
        try:
            read = _reader(rule, header, mapping)
        except ValueError as exc:
            close = difflib.get_close_matches(rule.name, [h for h in header if h], n=1)
            hint = f"did you mean {close[0]!r}?" if close else "name a column of the file or a mapped field"
            problems.append(Problem(1, rule.name, rule.text, str(exc), hint))
            continue
        tests.append((f"{rule.key} {rule.text}", _test(rule, read, mapping)))
    if problems:
        raise ImportRefused(problems)
    return tests


def _reader(rule: RowRule, header: list[str], mapping: Mapping) -> Callable[[list[str]], str]:
    """What a rule reads from a row's cells: its column's cell, or a date split over columns."""
    if rule.name in mapping.columns:
        column = mapping.columns[rule.name]
    elif rule.name == "occurred" and mapping.kind == "crime" and mapping.date_parts:
        if any(c not in header for c in mapping.date_parts.values()):
            raise ValueError(f"[rows] {rule.key}: a date_parts column is not in the file")
        at = {part: header.index(c) for part, c in mapping.date_parts.items()}
        return lambda cells: _joined(cells, at)
    elif rule.name in mapping.constants:
        raise ValueError(f"[rows] {rule.key}: {rule.name} is one value for every row ([constants])")
    else:
        column = rule.name
    if column not in header:
        raise ValueError(
            f"[rows] {rule.key}: {rule.name!r} is neither a column of the file nor a mapped field"
        )
    i = header.index(column)
    return lambda cells: cells[i]


def _joined(cells: list[str], at: dict[str, int]) -> str:
    """A date split over columns as YYYY-MM-DD ('' when the parts are not a date)."""
    try:
        parts = [int(cells[at[p]]) if p in at else 1 for p in ("year", "month", "day")]
        return date(*parts).isoformat()
    except ValueError:
        return ""


def _test(rule: RowRule, read: Callable[[list[str]], str], mapping: Mapping) -> Test:
    """True for a row the rule leaves out. Each distinct cell is judged once."""
    verdicts: dict[str, bool | None] = {}
    leave_when = rule.key == "skip_when"  # keep_when leaves out the rows the rule is False for

    def judge(text: str) -> bool | None:
        text = text.strip()
        if rule.op in ("blank", "not blank"):
            return (not text) == (rule.op == "blank")
        if isinstance(rule.value, date):
            value = _date(text, mapping)
        elif isinstance(rule.value, float):
            value = parse_number(text, mapping) if text else None
        else:
            value = text.casefold()
            return (value == rule.value.casefold()) == (rule.op == "=")
        if value is None:
            return None  # cannot judge: the row is kept, and its kind says what is wrong
        return _compare(value, rule.op, rule.value)

    def test(cells: list[str]) -> bool:
        text = read(cells)
        verdict = verdicts.get(text, ...)
        if verdict is ...:
            verdict = verdicts[text] = judge(text)
        return verdict is not None and verdict == leave_when

    return test


def _compare(value, op: str, other) -> bool:
    return {
        "=": value == other,
        "!=": value != other,
        "<": value < other,
        "<=": value <= other,
        ">": value > other,
        ">=": value >= other,
    }[op]


def _date(text: str, mapping: Mapping) -> date | None:
    """A cell read as a date in one of the mapping's formats (or YYYY-MM-DD, as split dates
    are joined), without the import's plausibility bounds: filters exist to leave those out."""
    if not text:
        return None
    for fmt in date_formats(mapping):
        found = _strptime(text, fmt)
        if found is not None:
            return found
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    return None


def translated(chunks: Iterator[Chunk], mapping: Mapping) -> Iterator[Chunk]:
    """The chunks with each [values] field's cells in Common Ground's words."""
    words: list[tuple[int, dict[str, str]]] | None = None
    skipped = LIST_FIELDS.get(mapping.kind, ()) + EXTRA_VALUES.get(mapping.kind, ())
    for chunk in chunks:
        if words is None:
            fields = [n for n in mapping.values if n not in skipped and n not in mapping.constants]
            missing = [n for n in fields if mapping.column(n) not in chunk.header]
            if missing:  # a translation that would silently do nothing
                raise ImportRefused([_untranslatable(n, mapping) for n in missing])
            words = [(chunk.header.index(mapping.column(n)), mapping.values[n]) for n in fields]
        for i, table in words:
            for cells in chunk.rows:
                cells[i] = table.get(cells[i].strip(), cells[i])
        yield chunk


def _untranslatable(name: str, mapping: Mapping) -> Problem:
    column = mapping.column(name)
    rule = f"[values.{name}] translates the column {column!r}, which is not in the file"
    return Problem(1, column, "", rule, f"name the column of {name} under [columns]")


def explain(report: Report, mapping: Mapping) -> None:
    """Add to problems that a row filter fixes the [rows] line that does it, e.g. a crime
    file with a few rows dated before 1990: keep_when = ["occurred >= 1990-01-01"]."""
    if mapping.kind not in EVENT_KINDS:
        return
    today = date.today()
    for index, problem in enumerate(report.problems):
        if problem.suggestion or not problem.rule.startswith("date outside"):
            continue
        year = re.search(r"\d{4}", problem.value)
        late = year is not None and int(year.group()) > today.year
        name = _field_of(problem.column, mapping)
        bound = f"<= {today.isoformat()}" if late else f">= {EARLIEST.isoformat()}"
        fix = f"leave such rows out with [rows] keep_when = [{toml_string(f'{name} {bound}')}]"
        list.__setitem__(report.problems, index, replace(problem, suggestion=fix))


def _field_of(column: str, mapping: Mapping) -> str:
    """The name a rule may use for a reported column: its Common Ground field if mapped."""
    if "+" in column and mapping.date_parts:
        return "occurred"
    for name in FIELDS[mapping.kind]:
        if mapping.columns.get(name) == column:
            return name
    return f'"{column}"' if re.search(r"[\s=!<>]", column) else column
