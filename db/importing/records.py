"""Import the small reference and implementation tables, one declared spec per kind:
organisations, offence categories, survey items, initiatives, activities, feedback
and events.

Each spec lists its fields (the Common Ground names a mapping's [columns] maps to),
their types and rules, and the natural key that says when a row in the file is a
row already in the database. A row seen again is updated when something changed and
left alone when nothing did. Choice fields match case-insensitively, and a mapping's
[values] translates a file's own words first ("Partner meeting" -> "meeting"), as
the rows are read (db.importing.rows).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from db.importing.fields import parse_date, parse_number
from db.importing.fixes import values_fix
from db.importing.mapping import Mapping
from db.importing.report import Problem, Report, text_limit, text_rule
from db.models import (
    ACTIVITY_KINDS,
    CONSTRUCTS,
    CRIME_GROUPS,
    EVENT_KINDS,
    RESPONDENT_TYPES,
    SARA_STAGES,
    SECTORS,
    Activity,
    Base,
    Event,
    Feedback,
    Initiative,
    OffenceCategory,
    Organisation,
    Partnership,
    SurveyItem,
)

TRUE, FALSE = {"true", "yes", "y", "1", "t"}, {"false", "no", "n", "0", "f"}
MAPPING_SOURCE = "(the mapping's source)"


@dataclass(frozen=True)
class Field:
    name: str  # the Common Ground field, as written under a mapping's [columns]
    type: str = "text"  # text | date | int | float | bool | choice | partnership
    required: bool = False
    choices: tuple[str, ...] = ()
    low: float | None = None  # numbers: smallest allowed
    high: float | None = None
    attribute: str = ""  # the model's column, when it differs from `name`
    default: object = None  # for a blank cell; MAPPING_SOURCE means the mapping's `source`

    @property
    def column(self) -> str:
        return self.attribute or self.name


@dataclass(frozen=True)
class Spec:
    model: type[Base]
    fields: tuple[Field, ...]
    key: tuple[str, ...]  # natural key, as model columns
    what: str  # what one row is, for messages


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
    ),
    "initiatives": Spec(
        Initiative,
        (
            _partnership(),
            Field("name", required=True),
            Field("response_type"),
            Field("stage", "choice", True, SARA_STAGES),
            Field("started_on", "date"),
            Field("ended_on", "date"),
            Field("goal"),
            Field("goal_met", "bool"),
        ),
        ("partnership_id", "name"),
        "initiative",
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


def _row(
    line: int, row: dict[str, str], spec: Spec, mapping: Mapping, partnerships: Partnerships, report: Report
):
    """The row's values by model column, or None after recording its problems."""
    values: dict[str, object] = {}
    ok = True
    for field in spec.fields:
        if field.name in mapping.constants:
            column, text = f"[constants].{field.name}", str(mapping.constants[field.name]).strip()
        else:
            column = mapping.column(field.name)
            text = row.get(column, "").strip()
        if not text:
            if field.required:
                report.problems.append(Problem(line, column, "", f"required: {field.name}"))
                ok = False
            values[field.column] = mapping.source if field.default == MAPPING_SOURCE else field.default
            continue
        limit = text_limit(spec.model, field.column) if field.type == "text" else None
        value, rule, suggestion = _value(field, text, mapping, partnerships, limit)
        if rule:
            report.problems.append(Problem(line, column, text, rule, suggestion))
            ok = False
        values[field.column] = value
    if ok and spec.model is SurveyItem and values["scale_max"] <= values["scale_min"]:
        column = mapping.column("scale_max")
        report.problems.append(
            Problem(line, column, str(values["scale_max"]), "scale_max must exceed scale_min")
        )
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
        if not report.rows_read:
            missing = [
                mapping.column(f.name)
                for f in spec.fields
                if f.required and f.name not in mapping.constants and mapping.column(f.name) not in row
            ]
            if missing:
                rule = "required column is missing from the header"
                report.problems.extend(Problem(1, column, "", rule) for column in missing)
                return
        report.rows_read += 1
        values = _row(line, row, spec, mapping, partnerships, report)
        if values is None:
            continue
        key = tuple(values[k] for k in spec.key)
        if key in parsed:
            first_line, first = parsed[key]
            if first == values and mapping.duplicates != "refuse":
                report.duplicates_dropped += 1
                continue
            column = mapping.column(spec.fields[0].name)
            rule = f"the same {spec.what} appears twice in the file (first on line {first_line})"
            report.problems.append(Problem(line, column, str(key[-1]), rule))
            continue
        parsed[key] = (line, values)
    if report.problems or not parsed:
        return
    _write(conn, spec, [values for _line, values in parsed.values()], report)


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
