"""Import the small reference and implementation tables, one declared spec per kind:
organisations, offence categories, survey items, activities, feedback, events and
decisions. The field rules here also read the scalar fields of the kinds with lists or
lookups of their own (initiatives, initiative_delivery, priorities).

Each spec lists its fields (the Common Ground names a mapping's [columns] maps to),
their types and rules, and the natural key that says when a row in the file is a
row already in the database. A row seen again is updated when something changed and
left alone when nothing did. Choice fields match case-insensitively, and a mapping's
[values] translates a file's own words first ("Partner meeting" -> "meeting"), as
the rows are read (db.importing.rows).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Connection, insert, select, update

from db.importing.fields import EARLIEST, field_value, parse_date, parse_number
from db.importing.fixes import values_fix
from db.importing.mapping import Mapping
from db.importing.report import Problem, Report, text_limit, text_rule
from db.models import (
    ACTIVITY_KINDS,
    CONSTRUCTS,
    CRIME_GROUPS,
    DECISION_STATUSES,
    EVENT_KINDS,
    PROPOSERS,
    RESPONDENT_TYPES,
    SECTORS,
    Activity,
    Base,
    Decision,
    Event,
    Feedback,
    OffenceCategory,
    Organisation,
    Partnership,
    SurveyItem,
)

TRUE, FALSE = {"true", "yes", "y", "1", "t"}, {"false", "no", "n", "0", "f"}
MAPPING_SOURCE = "(the mapping's source)"
PLAN_YEARS = 10  # how far ahead a planned date (a plan's end, a decision's due date) may lie


def latest_plan(today: date | None = None) -> date:
    """The latest planned date an import accepts: PLAN_YEARS from today."""
    today = today or date.today()
    return today.replace(year=today.year + PLAN_YEARS, day=min(today.day, 28))


@dataclass(frozen=True)
class Field:
    name: str  # the Common Ground field, as written under a mapping's [columns]
    # text | date | plan (a date up to PLAN_YEARS ahead) | month (a date or YYYY-MM, stored as the
    # first of its month) | int | float | bool | choice | partnership
    type: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    low: float | None = None  # numbers: smallest allowed
    high: float | None = None
    attribute: str = ""  # the model's column, when it differs from `name`
    default: object = None  # for a blank cell; MAPPING_SOURCE means the mapping's `source`

    @property
    def column(self) -> str:
        return self.attribute or self.name


# a rule between a row's fields: (line, the row's values by model column, each field's
# (column, cell as written)) -> the problems
RowCheck = Callable[[int, dict, dict[str, tuple[str, str]]], list[Problem]]


@dataclass(frozen=True)
class Spec:
    model: type[Base]
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # natural key, as model columns
    what: str  # what one row is, for messages
    check: RowCheck | None = None  # rules between fields, checked once each field reads


def _scale_ordered(line: int, values: dict, cells: dict[str, tuple[str, str]]) -> list[Problem]:
    """A survey item's scale runs upwards."""
    if values["scale_max"] <= values["scale_min"]:
        return [
            Problem(line, cells["scale_max"][0], str(values["scale_max"]), "scale_max must exceed scale_min")
        ]
    return []


def not_before(
    line: int, values: dict, cells: dict[str, tuple[str, str]], later: str, earlier: str
) -> list[Problem]:
    """`later` (a date field) is not before `earlier`, when both are given."""
    if values.get(later) is None or values.get(earlier) is None or values[later] >= values[earlier]:
        return []
    column, text = cells[later]
    return [Problem(line, column, text, f"{later} before {earlier} ({cells[earlier][1]})")]


def _decision_dates(line: int, values: dict, cells: dict[str, tuple[str, str]]) -> list[Problem]:
    """A decision is due, and done, on or after the meeting that made it; and it has a
    date done only when its status says it is done."""
    problems = not_before(line, values, cells, "due_on", "decided_on")
    problems += not_before(line, values, cells, "done_on", "decided_on")
    if values["done_on"] is not None and values["status"] != "done":
        rule = f"done_on given for a decision whose status is {values['status']} (only a done one has one)"
        column, text = cells["done_on"]
        problems.append(Problem(line, column, text, rule, "set its status to done, or leave done_on blank"))
    return problems


def _partnership(required: bool = True) -> Field:
    return Field("partnership", "partnership", required, attribute="partnership_id")


SPECS: dict[str, Spec] = {
    "organisations": Spec(
        Organisation,
        (Field("name", required=True), Field("sector", "choice", True, SECTORS)),
        ("name",),
        "organisation",
    ),
    "offence_categories": Spec(
        OffenceCategory,
        (
            Field("source", default=MAPPING_SOURCE),
            Field("code", required=True, attribute="source_code"),
            Field("name", required=True),
            Field("group", "choice", True, CRIME_GROUPS, attribute="crime_group"),
        ),
        ("source", "source_code"),
        "offence category",
    ),
    "survey_items": Spec(
        SurveyItem,
        (
            Field("code", required=True),
            Field("wording", required=True),
            Field("construct", "choice", True, CONSTRUCTS),
            Field("scale_min", "float", True),
            Field("scale_max", "float", True),
            Field("reverse_worded", "bool", default=False),
            Field("scale_labels"),
        ),
        ("code",),
        "survey item",
        _scale_ordered,
    ),
    "activities": Spec(
        Activity,
        (
            _partnership(),
            Field("occurred_on", "date", True),
            Field("kind", "choice", True, ACTIVITY_KINDS),
            Field("attendance", "int", low=0),
            Field("decisions_made", "int", low=0),
        ),
        ("partnership_id", "occurred_on", "kind"),
        "activity",
    ),
    "feedback": Spec(
        Feedback,
        (
            _partnership(),
            Field("received_on", "date", True),
            Field("source", "choice", True, RESPONDENT_TYPES),
            Field("rating", "int", low=1, high=5),
            Field("comment"),
        ),
        ("partnership_id", "received_on", "source", "rating", "comment"),
        "piece of feedback",
    ),
    "events": Spec(
        Event,
        (
            _partnership(required=False),
            Field("occurred_on", "date", True),
            Field("kind", "choice", True, EVENT_KINDS),
            Field("label", required=True),
        ),
        ("partnership_id", "occurred_on", "kind", "label"),
        "event",
    ),
    "decisions": Spec(
        Decision,
        (
            _partnership(),
            Field("decided_on", "date", True),
            Field("summary", required=True),
            Field("proposed_by", "choice", True, PROPOSERS),
            Field("status", "choice", True, DECISION_STATUSES),
            Field("due_on", "plan"),
            Field("done_on", "date"),
        ),
        ("partnership_id", "decided_on", "summary"),
        "decision",
        _decision_dates,
    ),
}


class Partnerships:
    """Partnership codes and names (case-insensitive) to ids, with suggestions for misses."""

    def __init__(self, conn: Connection):
        self.ids: dict[str, int] = {}
        for id_, code, name in conn.execute(select(Partnership.id, Partnership.code, Partnership.name)):
            self.ids[code.casefold()] = self.ids[name.casefold()] = id_
        self.labels = sorted(
            {label for row in conn.execute(select(Partnership.code, Partnership.name)) for label in row}
        )

    def find(self, text: str) -> int | None:
        return self.ids.get(" ".join(text.split()).casefold())

    def suggest(self, text: str) -> str:
        close = difflib.get_close_matches(text, self.labels, n=3, cutoff=0.6)
        if close:
            return f"did you mean {' or '.join(repr(c) for c in close)}?"
        return "no similar partnership; import partnerships first"


def plan_date(text: str, mapping: Mapping) -> tuple[date | None, str, str]:
    """(date, rule broken or '', suggestion) for a planned date: like any date, but it may
    lie ahead, up to PLAN_YEARS from today."""
    latest = latest_plan()
    value, rule = parse_date(text, mapping, today=latest)
    if rule.startswith("date outside"):
        rule = f"date outside {EARLIEST} to {latest} ({PLAN_YEARS} years ahead, for a plan)"
        return None, rule, "check the year"
    return value, rule, ""


def month_date(text: str, mapping: Mapping) -> tuple[date | None, str, str]:
    """(the first day of the month, rule broken or '', suggestion) for a month written as a
    date in the mapping's formats, or as YYYY-MM."""
    value, rule = parse_date(text, mapping)
    if value is None and rule.startswith("date does not match"):
        as_month, month_rule = parse_date(text, replace(mapping, date_format="%Y-%m"))
        if as_month is not None or not month_rule.startswith("date does not match"):
            value, rule = as_month, month_rule
        else:
            rule = f"{rule} (or YYYY-MM, a month)"
    return (value.replace(day=1) if value is not None else None), rule, ""


def _value(
    field: Field, text: str, mapping: Mapping, partnerships: Partnerships, limit: int | None = None
) -> tuple[object, str, str]:
    """(value, rule broken or '', suggestion) for one non-blank cell; `limit` is a text
    field's column length."""
    if field.type == "text":
        rule = text_rule(text, limit)
        return (None, rule, "") if rule else (text, "", "")
    if field.type == "date":
        value, rule = parse_date(text, mapping)
        return value, rule, ""
    if field.type == "plan":
        return plan_date(text, mapping)
    if field.type == "month":
        return month_date(text, mapping)
    if field.type == "bool":
        lowered = text.casefold()
        if lowered in TRUE | FALSE:
            return lowered in TRUE, "", ""
        return None, "must be yes or no (true/false, 1/0)", ""
    if field.type == "choice":
        wanted = {c.casefold(): c for c in field.choices}
        found = wanted.get(text.casefold())
        if found is None:
            return (
                None,
                f"must be one of {', '.join(field.choices)}",
                values_fix(field.name, text, field.choices),
            )
        return found, "", ""
    if field.type == "partnership":
        found = partnerships.find(text)
        return (
            (found, "", "")
            if found is not None
            else (None, "unknown partnership", partnerships.suggest(text))
        )
    number = parse_number(text, mapping)
    if number is None or (field.type == "int" and number != int(number)):
        return None, "must be a whole number" if field.type == "int" else "not a number", ""
    if (field.low is not None and number < field.low) or (field.high is not None and number > field.high):
        bounds = f"{field.low:g} to {field.high:g}" if field.high is not None else f"at least {field.low:g}"
        return None, f"must be {bounds}", ""
    return (int(number) if field.type == "int" else number), "", ""


def row_values(
    line: int, row: dict[str, str], spec: Spec, mapping: Mapping, partnerships: Partnerships, report: Report
) -> dict | None:
    """The row's values by model column, or None after recording its problems."""
    values: dict[str, object] = {}
    cells: dict[str, tuple[str, str]] = {}
    ok = True
    for field in spec.fields:
        column, text = cells[field.name] = field_value(row, mapping, field.name)
        if not text:
            if field.required:
                report.problems.append(Problem(line, column, "", f"required: {field.name}"))
                ok = False
            values[field.column] = mapping.source if field.default == MAPPING_SOURCE else field.default
            continue
        stored = field.type == "text" and field.column in spec.model.__table__.c  # not a name looked up
        limit = text_limit(spec.model, field.column) if stored else None
        value, rule, suggestion = _value(field, text, mapping, partnerships, limit)
        if rule:
            report.problems.append(Problem(line, column, text, rule, suggestion))
            ok = False
        values[field.column] = value
    if ok and spec.check is not None and (broken := spec.check(line, values, cells)):
        report.problems.extend(broken)
        ok = False
    return values if ok else None


def load(
    conn: Connection,
    rows: Iterator[tuple[int, dict[str, str]]],
    mapping: Mapping,
    report: Report,
    spec: Spec,
) -> None:
    partnerships = Partnerships(conn)
    parsed: dict[tuple, tuple[int, dict]] = {}
    for line, row in rows:
        if not report.rows_read and header_lacks(row, spec.fields, mapping, report):
            return
        report.rows_read += 1
        values = row_values(line, row, spec, mapping, partnerships, report)
        if values is None:
            continue
        key = tuple(values[k] for k in spec.key)
        add_once(parsed, key, line, values, spec, mapping, report)
    if report.problems or not parsed:
        return
    _write(conn, spec, [values for _line, values in parsed.values()], report)


def add_once(
    parsed: dict[tuple, tuple[int, object]],
    key: tuple,
    line: int,
    item: object,
    spec: Spec,
    mapping: Mapping,
    report: Report,
    where: tuple[str, str] | None = None,
) -> None:
    """Keep `item` (a row read) under its natural `key`, unless the file had that key already:
    an exact repeat is dropped (the mapping's `duplicates` allowing), anything else refused,
    naming `where` (column, value), else the first field's column and the key's last part."""
    if key not in parsed:
        parsed[key] = (line, item)
        return
    first_line, first = parsed[key]
    if first == item and mapping.duplicates != "refuse":
        report.duplicates_dropped += 1
        return
    column, value = where or (mapping.column(spec.fields[0].name), str(key[-1]))
    rule = f"the same {spec.what} appears twice in the file (first on line {first_line})"
    report.problems.append(Problem(line, column, value, rule))


def header_lacks(row: dict[str, str], required: tuple[Field, ...], mapping: Mapping, report: Report) -> bool:
    """True, after recording each, when the file's header lacks a required field's column
    (`row` is the first row read)."""
    missing = [
        mapping.column(f.name)
        for f in required
        if f.required and f.name not in mapping.constants and mapping.column(f.name) not in row
    ]
    report.problems.extend(
        Problem(1, column, "", "required column is missing from the header") for column in missing
    )
    return bool(missing)


def _write(conn: Connection, spec: Spec, rows: list[dict], report: Report) -> None:
    """Insert new rows, update changed ones, by natural key. The tables are small (at most
    thousands of rows), so existing keys are read in one query."""
    table = spec.model.__table__
    columns = [table.c[f.column] for f in spec.fields]
    existing = {tuple(r._mapping[k] for k in spec.key): r for r in conn.execute(select(table.c.id, *columns))}
    new = []
    for values in rows:
        old = existing.get(tuple(values[k] for k in spec.key))
        if old is None:
            new.append(values)
        elif any(old._mapping[c] != v for c, v in values.items()):
            conn.execute(update(table).where(table.c.id == old.id).values(**values))
            report.updated += 1
        else:
            report.skipped += 1
    if new:
        conn.execute(insert(table), new)
        report.inserted += len(new)


def loader(kind: str):
    """The load function for `kind`, in the shape every kind's loader has."""
    spec = SPECS[kind]

    def load_kind(conn: Connection, rows, mapping: Mapping, report: Report) -> None:
        load(conn, rows, mapping, report, spec)

    return load_kind
