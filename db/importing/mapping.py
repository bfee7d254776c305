"""Mapping files: how a source file's columns and values become Common Ground rows.

A mapping is a TOML file (see `presets/` for one per shared data set, each also an
example). Every key is optional, `kind` too when the import says the kind (the command's
KIND, the Data page's choice); a mapping for another kind than that is refused, naming both.

    kind = "crime"                 # what the file holds: areas, crime, partnerships... (17 kinds)
    description = "..."            # for people: where the file comes from, its quirks
    source = "mps"                 # label for the source's own codes and ids (crime, offence categories)
    delimiter = ","                # sniffed among , ; TAB | when absent
    encoding = "utf-8"             # detected when absent: UTF-8, UTF-16/32 with a BOM, or cp1252
    duplicates = "drop"            # exact duplicate rows: drop | keep | refuse (always counted)
    extra_cells = "refuse"         # cells beyond the named header columns: refuse | ignore (counted)
    date_format = "%d/%m/%Y"       # strptime format (%y: two-digit years), or a list tried in order
    decimal_comma = true           # numbers written 0,56
    date_parts = {year = "YEAR", month = "MONTH", day = "DAY"}   # crime: a date split over columns
    format = "wide"                # crime: long (a row per incident or count) | wide (a column per
                                   # month); survey_aggregates: long (item and value columns) | wide
                                   # (a column per measure, named under [items])
    period_format = "%Y%m"         # crime wide: how month column headers are written
    area_prefix = "NYC Precinct "  # areas: put before new codes and names; other kinds: look areas
                                   # up with it, so "1" of two cities cannot collide

    [columns]                      # Common Ground field = the file's column (default: same name)
    area = "LookUp_BoroughName"
    category = "MinorText"
    group = "MajorText"            # crime: the column whose values [groups] maps (default: category)
    boundary = "the_geom"          # areas, boundaries: the area's shape, WKT or GeoJSON geometry in
                                   # longitude and latitude (default: "geometry", which in a GeoJSON
                                   # file is each feature's own geometry)

    [constants]                    # Common Ground field = one value for every row
    kind = "borough"

    [values.sector]                # any field the kind reads: a file's own word = Common Ground's word,
    "Faith group" = "faith"        # translated as rows are read, after [rows], before [skip]; for a
                                   # list (a partnership's areas, members) each element is translated
    [values.answer]                # survey_responses: answers written as words
    "Strongly agree" = "5"

    [groups]                       # crime: a source value -> violent | property | asb | other
    "Violence Against the Person" = "violent"

    [area_aliases]                 # a name in this file -> an area's name or code
    "Westminster" = "City of Westminster"

    [skip]                         # rows left out on purpose, by field value (counted in the report):
    area = ["London Heathrow and London City Airports"]    # also category, item, code (partnerships);
                                   # an initiative naming such an area among its target_areas

    [rows]                         # which rows are data; the others are counted in the report, by rule
    present = ["DISTRICT"]         # only rows with these columns filled...
    blank = ["SECTOR"]             # ...and these empty
    keep_when = ["occurred >= 2014-01-01"]        # only rows for which every rule holds
    skip_when = ['Location = "No location"']      # not rows for which any rule holds
                                   # a rule: NAME OP VALUE, OP one of = != < <= > >=, or NAME is blank,
                                   # NAME is not blank. NAME: a column, or a field mapped to one.
                                   # VALUE: a date (YYYY-MM-DD; cells read with date_format), a number,
                                   # or text (= and != only, any case; quotes keep spaces). A row a rule
                                   # cannot read (a date cell that is not a date) is kept.

    # survey_aggregates
    statistic = "share"            # mean (a score) | share (a proportion positive)
    scale = "proportion"           # how values are written: proportion (0-1) | percent | 0-100 | 0-10
    period = "quarter_end"         # the date is the period's start | month | quarter_end
    [items."Trust MPS"]            # a measure (long: a value of the item column; wide: a column)
    code = "PAS_TRUST"             #   -> a survey item, created with this wording and construct
    construct = "trust"
    wording = "..."
    [breakdowns]                   # wide: a column holding an [items] measure for one group
    T_RACE_HISPANIC = {item = "TRUST", kind = "race", value = "Hispanic"}

    # survey_responses: [items] names the question columns
    [items.q_trust]
    code = "TRUST_1"               # an item already imported; or give wording, construct,
                                   # scale_min and scale_max to create it
    [open_answers]                 # columns of written answers: column = the open question's code
    q_other = "ANYTHING_ELSE"      # (blank answers are not stored; counted in the report)

    # partnerships (fields equity_dimension: age_band, sex, race_ethnicity, education or income;
    # equity_group; equity_reference, blank for everyone else: the equity gap it is judged on)
    list_separator = ";"           # between the elements of a list cell (a partnership's areas and
                                   # members; an initiative's target_areas and target_outcomes; a
                                   # priority's initiatives); not inside brackets or double quotes:
                                   # "Acme Ltd (formerly A; B)" is one
    [sectors]                      # organisation name -> sector, for organisations new to the database
    "Chicago Police Department" = "police"   # (others are created as "other", named in the report)

    # population_margins
    population_tolerance = 5       # how far (percent) an area's margins may add up from its stored
                                   # population; further is refused, naming both numbers

    # incident ids (crime)
    repeated_ids = "refuse"        # rows repeating an earlier id (one row per victim or arrest; wide:
                                   # the same area, offence and month twice): refuse | sum (add their
                                   # counts) | first (keep the first row); counted in every mode
    blank_ids = "refuse"           # a row whose id cell is blank: refuse | fingerprint (identified by
                                   # a hash of its content, like the rows of a file with no id column)

A mapping is checked like code when it is loaded: an unknown key, in any section or
nested table, is refused with the closest known one ("unknown key 'descripton' — did you
mean 'description'?"); so is a field the kind does not read under [columns], [constants],
[values] or [skip], a key only another kind reads, a malformed [rows] rule, and a word a key
does not take (duplicates, [groups], [sectors], ...): every problem, in every section, at
once, each reading "mapping, key 'KEY', value 'VALUE': rule". The fields
each kind reads are FIELDS below (each kind's module is the authority: areas,
partnerships, crime, survey_aggregates, survey_responses, initiatives, delivery
(initiative_delivery), priorities, and records.SPECS for organisations, offence categories,
survey items, activities, feedback, events and decisions).
"""

from __future__ import annotations

import codecs
import difflib
import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from db.importing.report import ImportRefused, Problem, text_rule
from db.importing.row_rules import ROW_RULE_HELP, RowRule, parse_row_rule
from db.models import CRIME_GROUPS, SECTORS

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
KINDS = (
    "areas",
    "boundaries",
    "organisations",
    "partnerships",
    "survey_items",
    "survey_responses",
    "survey_aggregates",
    "offence_categories",
    "crime",
    "initiatives",
    "initiative_delivery",
    "priorities",
    "decisions",
    "activities",
    "feedback",
    "events",
    "population_margins",
)


# The fields each kind reads: the Common Ground names a mapping's [columns], [constants]
# and [values] may use. Each kind's module is the authority (records.SPECS for the small
# tables); tests/db/test_import_mapping_checks.py checks this table against them.
FIELDS: dict[str, tuple[str, ...]] = {
    "areas": ("code", "name", "kind", "parent", "population", "boundary"),
    "boundaries": ("area", "boundary"),
    "partnerships": (
        "code",
        "name",
        "description",
        "goals",
        "start_date",
        "end_date",
        "status",
        "areas",
        "members",
        "equity_dimension",
        "equity_group",
        "equity_reference",
    ),
    "crime": ("source_id", "occurred", "area", "category", "group", "count"),
    "survey_aggregates": ("area", "item", "value", "date", "date_end", "n", "group_kind", "group_value"),
    "survey_responses": (
        "source_id",
        "responded_on",
        "area",
        "partnership",
        "respondent_type",
        "weight",
        "age_band",
        "sex",
        "race_ethnicity",
    ),
    "organisations": ("name", "sector"),
    "offence_categories": ("source", "code", "name", "group"),
    "survey_items": (
        "code",
        "wording",
        "construct",
        "scale_min",
        "scale_max",
        "reverse_worded",
        "scale_labels",
    ),
    "initiatives": (
        "partnership",
        "name",
        "response_type",
        "stage",
        "started_on",
        "ended_on",
        "goal",
        "goal_met",
        "planned_end",
        "target_areas",
        "target_outcomes",
        "goal_outcome",
        "goal_change",
        "goal_months",
    ),
    "initiative_delivery": ("partnership", "initiative", "month", "kind", "planned", "delivered"),
    "priorities": (
        "partnership",
        "raised_on",
        "source",
        "title",
        "theme",
        "outcome",
        "raised_by",
        "initiatives",
    ),
    "decisions": ("partnership", "decided_on", "summary", "proposed_by", "status", "due_on", "done_on"),
    "activities": ("partnership", "occurred_on", "kind", "attendance", "decisions_made"),
    "feedback": ("partnership", "received_on", "source", "rating", "comment"),
    "events": ("partnership", "occurred_on", "kind", "label"),
    "population_margins": ("area", "dimension", "group", "age_band", "sex", "population"),
}
LIST_FIELDS = {  # several values in one cell, split on list_separator
    "partnerships": ("areas", "members"),
    "initiatives": ("target_areas", "target_outcomes"),
    "priorities": ("initiatives",),
}
CONSTANT_FIELDS = {  # where a kind reads only some of its fields from [constants]
    "areas": ("code", "name", "kind", "parent", "population"),  # a shape is each row's own
    "boundaries": (),
    "crime": ("category", "group"),
    "survey_aggregates": tuple(f for f in FIELDS["survey_aggregates"] if f != "date_end"),
}
EXTRA_VALUES = {"survey_responses": ("answer",)}  # [values.answer]: every question column's answers
SKIP_FIELDS = {  # the fields whose values [skip] may list, per kind
    "areas": ("area",),
    "boundaries": ("area",),
    "partnerships": ("code", "area"),
    "initiatives": ("area",),
    "crime": ("area", "category"),
    "survey_aggregates": ("area", "item"),
    "population_margins": ("area",),
}
ITEM_KEYS = {  # what an [items] entry may say: a survey item's fields (all of them for answers)
    "survey_aggregates": ("code", "construct", "wording"),
    "survey_responses": FIELDS["survey_items"],
}
LOOKS_UP_AREAS = (
    "crime",
    "partnerships",
    "initiatives",
    "survey_aggregates",
    "survey_responses",
    "population_margins",
    "boundaries",
)
KINDS_OF_KEY = {  # top-level keys only some kinds read; the others are read by every kind
    "source": ("crime", "offence_categories"),
    "format": ("crime", "survey_aggregates"),
    "period_format": ("crime",),
    "date_parts": ("crime",),
    "groups": ("crime",),
    "repeated_ids": ("crime",),
    "blank_ids": ("crime",),
    "statistic": ("survey_aggregates",),
    "scale": ("survey_aggregates",),
    "period": ("survey_aggregates",),
    "breakdowns": ("survey_aggregates",),
    "items": ("survey_aggregates", "survey_responses"),
    "open_answers": ("survey_responses",),
    "sectors": ("partnerships",),
    "list_separator": tuple(LIST_FIELDS),
    "population_tolerance": ("population_margins",),
    "area_aliases": LOOKS_UP_AREAS,
    "area_prefix": ("areas", *LOOKS_UP_AREAS),
}
ROW_KEYS = ("present", "blank", "keep_when", "skip_when")
DATE_PART_KEYS = ("year", "month", "day")


@dataclass(frozen=True)
class Mapping:
    kind: str
    source: str = "import"
    format: str = "long"
    delimiter: str | None = None
    encoding: str | None = None
    duplicates: str = "drop"
    blank_ids: str = "refuse"  # crime: a row with a blank id: refuse | fingerprint (a hash of its content)
    repeated_ids: str = "refuse"  # crime: rows repeating an earlier id: refuse | sum | first (counted)
    extra_cells: str = "refuse"  # cells beyond the named columns: refuse | ignore (counted in the report)
    date_format: str | list[str] = "%Y-%m-%d"
    decimal_comma: bool = False
    date_parts: dict[str, str] = field(default_factory=dict)  # year/month/day -> column, when split
    area_prefix: str = ""  # put before area codes and names, so "1" of two cities cannot collide
    period_format: str = "%Y-%m"
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    area_aliases: dict[str, str] = field(default_factory=dict)
    skip: dict[str, list[str]] = field(default_factory=dict)
    description: str = ""
    # survey_aggregates
    statistic: str = "mean"  # mean (a score) or share (a proportion positive)
    scale: str = "0-100"  # how values are written: proportion (0-1), percent / 0-100, 0-10
    period: str = "start"  # the date is the period's start, or quarter_end (the last day of a quarter)
    items: dict[str, dict] = field(default_factory=dict)  # source measure -> item code, wording, construct
    # survey_aggregates, wide: a column holding an [items] measure for one group of people
    breakdowns: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {item, kind, value}
    # survey_responses: columns of written answers -> the open question's code
    open_answers: dict[str, str] = field(default_factory=dict)
    # partnerships
    sectors: dict[str, str] = field(default_factory=dict)  # organisation name -> sector
    list_separator: str = ";"  # between the elements of one list cell (LIST_FIELDS)
    # population_margins: how far (percent) an area's margins may add up from its stored population
    population_tolerance: float = 5.0
    # any kind: which rows are data: present/blank (lists of columns), keep_when/skip_when (rules)
    rows: dict[str, list[str]] = field(default_factory=dict)
    # any kind: a file's own words -> Common Ground's, per field ({kind = {"Partner meeting" = "meeting"}})
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def column(self, name: str, default: str | None = None) -> str | None:
        """The file's column for a Common Ground field (the field's own name when unmapped)."""
        return self.columns.get(name, default if default is not None else name)

    def rules(self) -> list[RowRule]:
        """The [rows] keep_when and skip_when rules, parsed (they were checked on loading)."""
        return [
            parse_row_rule(text, key) for key in ("keep_when", "skip_when") for text in self.rows.get(key, [])
        ]


def toml_string(text: str) -> str:
    """`text` as a TOML string, for a line a message tells a person to add to a mapping."""
    return json.dumps(text, ensure_ascii=False)


def _bad(rule: str, value: str = "", key: str = "") -> ImportRefused:
    return ImportRefused([Problem(0, key, value, f"mapping: {rule}")])


KNOWN_KEYS = tuple(f.name for f in fields(Mapping))


def _unknown(key: str, known: tuple[str, ...] | list[str], where: str, listing: str = "") -> Problem:
    """A key the mapping may not use here, with the closest one it may."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    place = f" in {where}" if where else ""
    rule = f"mapping: unknown key {key!r}{place}" + (f" — did you mean {close[0]!r}?" if close else "")
    listing = listing or f"{where or 'a mapping'} takes"
    return Problem(0, f"{where}.{key}" if where else key, key, rule, f"{listing}: {', '.join(known)}")


def parse_mapping(data: dict, name: str = "mapping", kind: str | None = None) -> Mapping:
    """The mapping `data` (a parsed TOML file) describes, checked like code: every key known
    for its kind, every field one the kind reads, every rule well formed. `kind`, what the
    file is imported as, fills in a mapping without one and must agree with one that has
    it. Raises ImportRefused listing every problem found, in every section, at once."""
    problems = [_unknown(key, KNOWN_KEYS, "") for key in data if key not in KNOWN_KEYS]
    if kind is not None and "kind" in data and data["kind"] != kind:
        rule = f"mapping: the mapping is for {data['kind']!r}, but the file is imported as {kind!r}"
        fix = f'import it as {data["kind"]}, or set kind = "{kind}" in the mapping'
        raise ImportRefused([*problems, Problem(0, "kind", str(data["kind"]), rule, fix)])
    if kind is not None:
        data = {**data, "kind": kind}
    if data.get("kind") not in KINDS:
        problems.append(
            Problem(0, "kind", str(data.get("kind")), f"mapping: kind must be one of {', '.join(KINDS)}")
        )
        raise ImportRefused(problems)
    kind = data["kind"]
    problems += [
        Problem(
            0,
            key,
            key,
            f"mapping: {key} is read only for {' and '.join(KINDS_OF_KEY[key])}, not {kind}",
            "remove it",
        )
        for key in data
        if kind not in KINDS_OF_KEY.get(key, (kind,))
    ]
    typed = _check_types(data)
    problems += typed
    # what follows reads each key as the type it takes; one of another type is reported above
    data = {k: v for k, v in data.items() if k not in {p.column for p in typed}}
    for key, choices in CHOICES.items():
        if data.get(key, choices[0]) not in choices:
            problems.append(_bad_choice(key, str(data[key]), choices))
    problems += [
        _bad_choice(
            f"[groups].{k}", str(v), CRIME_GROUPS, f"[groups] values must be one of {', '.join(CRIME_GROUPS)}"
        )
        for k, v in data.get("groups", {}).items()
        if v not in CRIME_GROUPS
    ]
    problems += [
        _bad_choice(
            f"[sectors].{k}", str(v), SECTORS, f"[sectors] values must be one of {', '.join(SECTORS)}"
        )
        for k, v in data.get("sectors", {}).items()
        if v not in SECTORS
    ]
    for column, group in data.get("breakdowns", {}).items():
        if (
            not isinstance(group, dict)
            or set(group) != {"item", "kind", "value"}
            or group["item"] not in data.get("items", {})
        ):
            rule = "mapping: each [breakdowns] entry needs item (a key of [items]), kind and value"
            problems.append(Problem(0, column, column, rule))
    section_problems, data = _check_sections(data, kind)
    problems += section_problems + _check_reading(data) + _check_stored_text(data)
    if problems:
        raise ImportRefused(problems)
    return Mapping(**data)


CHOICES = {  # keys that take one of a few words, the default first
    "duplicates": ("drop", "keep", "refuse"),
    "blank_ids": ("refuse", "fingerprint"),
    "repeated_ids": ("refuse", "sum", "first"),
    "extra_cells": ("refuse", "ignore"),
    "format": ("long", "wide"),
}


def _bad_choice(key: str, value: str, choices: tuple[str, ...], rule: str = "") -> Problem:
    """A key given a word it does not take: 'duplicates must be drop, keep or refuse'."""
    words = f"{', '.join(choices[:-1])} or {choices[-1]}"
    rule = rule or f"{key} must be {words}"
    close = difflib.get_close_matches(value.casefold(), choices, n=1, cutoff=0.6)
    return Problem(0, key, value, f"mapping: {rule}", f"did you mean {close[0]!r}?" if close else "")


def _check_types(data: dict) -> list[Problem]:
    """Each key holds the kind of value it takes: a table, text, true or false."""
    problems = []
    for f in fields(Mapping):
        if f.name not in data or f.name == "kind":
            continue
        value, default = data[f.name], f.default
        if f.name == "date_format":
            fine = isinstance(value, str) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            )
            wanted = "text or a list of texts"
        elif f.name in ("delimiter", "encoding"):
            continue  # checked with what they mean (_check_reading)
        elif isinstance(default, bool):
            fine, wanted = isinstance(value, bool), "true or false"
        elif isinstance(default, float):  # population_tolerance, a percentage
            number = isinstance(value, int | float) and not isinstance(value, bool)
            fine, wanted = number and 0 <= value <= 100, "a number from 0 to 100 (percent)"
        elif isinstance(default, str):
            fine, wanted = isinstance(value, str), "text in quotes"
        else:  # a table
            fine, wanted = isinstance(value, dict), f"a table ([{f.name}] or {f.name} = {{...}})"
        if not fine:
            problems.append(Problem(0, f.name, str(value), f"mapping: {f.name} must be {wanted}"))
    return problems


def _check_sections(data: dict, kind: str) -> tuple[list[Problem], dict]:
    """(the problems, `data` with [values] as text and keep_when/skip_when as lists): every
    key of every table is one the kind reads."""
    problems: list[Problem] = []
    reads = FIELDS[kind]
    what = f"{kind} reads the fields"
    for section in ("columns", "constants", "values"):
        known = {
            "columns": reads,
            "constants": CONSTANT_FIELDS.get(kind, reads),
            "values": reads + EXTRA_VALUES.get(kind, ()),
        }[section]
        problems += [
            _unknown(k, known, f"[{section}]", what) for k in data.get(section, {}) if k not in known
        ]
    problems += [
        Problem(0, f"[columns].{k}", str(v), "mapping: a [columns] entry names a column in quotes")
        for k, v in data.get("columns", {}).items()
        if not isinstance(v, str)
    ]
    problems += [
        Problem(0, f"[skip].{k}", str(v), f'mapping: [skip] {k} is a list of values, e.g. {k} = ["..."]')
        for k, v in data.get("skip", {}).items()
        if not (isinstance(v, list) and all(isinstance(x, str) for x in v))
    ]
    for field_name, words in data.get("values", {}).items():
        if not isinstance(words, dict):
            rule = f"mapping: [values.{field_name}] must be a table: the file's word = Common Ground's"
            problems.append(Problem(0, f"[values].{field_name}", str(words), rule))
    problems += [
        _unknown(k, SKIP_FIELDS.get(kind, ()), "[skip]", f"[skip] for {kind} takes")
        for k in data.get("skip", {})
        if k not in SKIP_FIELDS.get(kind, ())
    ]
    problems += [_unknown(k, ROW_KEYS, "[rows]") for k in data.get("rows", {}) if k not in ROW_KEYS]
    problems += [
        _unknown(k, DATE_PART_KEYS, "date_parts")
        for k in data.get("date_parts", {})
        if k not in DATE_PART_KEYS
    ]
    if data.get("date_parts") and "year" not in data["date_parts"]:
        problems.append(
            Problem(0, "date_parts", str(data["date_parts"]), "mapping: date_parts needs a year column")
        )
    for measure, spec in data.get("items", {}).items():
        where = f"[items.{measure}]"
        if not isinstance(spec, dict):
            problems.append(Problem(0, where, str(spec), f"mapping: {where} must be a table (code = ...)"))
            continue
        problems += [_unknown(k, ITEM_KEYS[kind], where) for k in spec if k not in ITEM_KEYS[kind]]
    rows = dict(data.get("rows", {}))
    for key in ("present", "blank"):
        if key in rows and not (isinstance(rows[key], list) and all(isinstance(c, str) for c in rows[key])):
            problems.append(
                Problem(
                    0, f"[rows].{key}", str(rows[key]), f"mapping: [rows] {key} is a list of column names"
                )
            )
    for key in ("keep_when", "skip_when"):
        if key not in rows:
            continue
        texts = [rows[key]] if isinstance(rows[key], str) else rows[key]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            problems.append(
                Problem(
                    0, f"[rows].{key}", str(rows[key]), f"mapping: [rows] {key} is a rule or a list of rules"
                )
            )
            continue
        rows[key] = texts
        for text in texts:
            try:
                parse_row_rule(text, key)
            except ValueError as exc:
                problems.append(Problem(0, f"[rows].{key}", text, f"mapping: {exc}", ROW_RULE_HELP))
    separator = data.get("list_separator", ";")
    if not separator.strip() or any(c in separator for c in '"()[]{}'):
        rule = 'mapping: list_separator must be visible text without quotes or brackets, e.g. ";" or "|"'
        problems.append(Problem(0, "list_separator", separator, rule))
    out = dict(data)
    if rows:
        out["rows"] = rows
    if "values" in data:
        out["values"] = {
            f: {str(k): str(v) for k, v in words.items()}
            for f, words in data["values"].items()
            if isinstance(words, dict)
        }
    return problems, out


def _check_reading(data: dict) -> list[Problem]:
    """The delimiter is one character and the encoding one Python can read text with."""
    problems = []
    delimiter = data.get("delimiter")
    if delimiter is not None and (
        not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n'
    ):
        rule = 'delimiter must be one character (not a quote or a line break), e.g. "," or "\\t"'
        problems.append(Problem(0, "delimiter", str(delimiter), f"mapping: {rule}"))
    encoding = data.get("encoding")
    if encoding is not None:
        try:
            known = isinstance(encoding, str) and codecs.lookup(encoding)._is_text_encoding
        except LookupError:
            known = False
        if not known:
            rule = "encoding is not a text encoding Python knows; e.g. utf-8, cp1252, latin-1, utf-16"
            problems.append(Problem(0, "encoding", str(encoding), f"mapping: {rule}"))
    return problems


OPEN_ANSWER_RULE = 'mapping: an [open_answers] entry names the question\'s code in quotes (column = "CODE")'


def _check_stored_text(data: dict) -> list[Problem]:
    """Text the mapping itself puts in the database (the source's label, the wording of
    items it creates, breakdown groups) follows the rules a file's text does."""
    texts = [("source", data.get("source", ""))]
    for measure, spec in data.get("items", {}).items():
        if isinstance(spec, dict):
            texts += [
                (f"[items].{measure}.{k}", spec.get(k, "")) for k in ("code", "wording", "scale_labels")
            ]
    unnamed = [
        Problem(0, f"[open_answers].{column}", str(code), OPEN_ANSWER_RULE)
        for column, code in data.get("open_answers", {}).items()
        if not isinstance(code, str) or not code.strip()
    ]
    texts += [(f"[open_answers].{column}", code) for column, code in data.get("open_answers", {}).items()]
    for column, group in data.get("breakdowns", {}).items():
        if isinstance(group, dict):
            texts += [(f"[breakdowns].{column}.{k}", group.get(k, "")) for k in ("kind", "value")]
    return unnamed + [
        Problem(0, key, value, f"mapping: {rule}")
        for key, value in texts
        if isinstance(value, str) and (rule := text_rule(value.strip()))
    ]


def load_mapping(path: Path, kind: str | None = None) -> Mapping:
    """The mapping file at `path`, checked (see parse_mapping; `kind` is what it imports)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _bad(f"cannot read {path.name}: {exc}", path.name) from exc
    return parse_mapping(data, path.name, kind)


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def presets_for(kind: str) -> list[str]:
    """The presets that import `kind`."""
    return [name for name in preset_names() if load_preset(name).kind == kind]


def load_preset(name: str) -> Mapping:
    path = PRESETS_DIR / f"{name}.toml"
    if not path.exists():
        raise _bad(f"no preset {name!r}; presets: {', '.join(preset_names())}", name)
    return load_mapping(path)
