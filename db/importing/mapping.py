"""Mapping files: how a source file's columns and values become Common Ground rows.

A mapping is a TOML file (see `presets/` for one per shared data set, each also an
example). Every key but `kind` is optional.

    kind = "crime"                 # what the file holds: one of KINDS below
    description = "..."            # for people: where the file comes from, its quirks
    source = "mps"                 # label for the source's own codes and ids (crime, offence categories)
    delimiter = ","                # sniffed among , ; TAB | when absent
    encoding = "utf-8"             # detected when absent: UTF-8, UTF-16/32 with a BOM, or cp1252
    duplicates = "drop"            # exact duplicate rows: drop | keep | refuse (always counted)
    blank_ids = "refuse"           # crime: a row whose id column is blank: refuse | fingerprint
                                   # (identified by a hash of its content, like an id-less file's rows)
    repeated_ids = "refuse"        # crime: rows repeating an earlier id (one row per victim or
                                   # arrest; wide: the same area, offence and month twice): refuse |
                                   # sum (add their counts) | first (keep the first row); counted
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

    [constants]                    # Common Ground field = one value for every row
    kind = "borough"

    [values.sector]                # any field: a file's own word = Common Ground's word
    "Faith group" = "faith"
    [values.answer]                # survey_responses: answers written as words
    "Strongly agree" = "5"

    [groups]                       # crime: a source value -> violent | property | asb | other
    "Violence Against the Person" = "violent"

    [area_aliases]                 # a name in this file -> an area's name or code
    "Westminster" = "City of Westminster"

    [skip]                         # rows left out on purpose, by field value (counted in the report):
    area = ["London Heathrow and London City Airports"]    # also category, item, code (partnerships)

    [rows]                         # only rows with these columns filled, and these empty, are data
    present = ["DISTRICT"]
    blank = ["SECTOR"]

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

    # partnerships
    [sectors]                      # organisation name -> sector, for organisations new to the database
    "Chicago Police Department" = "police"

The fields each kind reads are listed in its module: areas, partnerships, crime,
survey_aggregates, survey_responses, and records (organisations, offence
categories, survey items, initiatives, activities, feedback, events).
"""

from __future__ import annotations

import codecs
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from db.importing.report import ImportRefused, Problem, text_rule
from db.models import CRIME_GROUPS

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
KINDS = (
    "areas",
    "organisations",
    "partnerships",
    "survey_items",
    "survey_responses",
    "survey_aggregates",
    "offence_categories",
    "crime",
    "initiatives",
    "activities",
    "feedback",
    "events",
)


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
    # partnerships
    sectors: dict[str, str] = field(default_factory=dict)  # organisation name -> sector
    # any kind: only rows with these columns filled (present) and these empty (blank) are data
    rows: dict[str, list[str]] = field(default_factory=dict)
    # any kind: a file's own words -> Common Ground's, per field ({kind = {"Partner meeting" = "meeting"}})
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def column(self, name: str, default: str | None = None) -> str | None:
        """The file's column for a Common Ground field (the field's own name when unmapped)."""
        return self.columns.get(name, default if default is not None else name)


def _bad(rule: str, value: str = "", key: str = "") -> ImportRefused:
    return ImportRefused([Problem(0, key, value, f"mapping: {rule}")])


def parse_mapping(data: dict, name: str = "mapping") -> Mapping:
    unknown = set(data) - {f.name for f in fields(Mapping)}
    if unknown:
        raise _bad(f"unknown key(s) {', '.join(sorted(unknown))} in {name}", ", ".join(sorted(unknown)))
    if data.get("kind") not in KINDS:
        raise _bad(f"kind must be one of {', '.join(KINDS)}", str(data.get("kind")), "kind")
    if data.get("duplicates", "drop") not in ("drop", "keep", "refuse"):
        raise _bad("duplicates must be drop, keep or refuse", str(data.get("duplicates")), "duplicates")
    if data.get("blank_ids", "refuse") not in ("refuse", "fingerprint"):
        raise _bad("blank_ids must be refuse or fingerprint", str(data.get("blank_ids")), "blank_ids")
    if data.get("repeated_ids", "refuse") not in ("refuse", "sum", "first"):
        raise _bad("repeated_ids must be refuse, sum or first", str(data.get("repeated_ids")), "repeated_ids")
    if data.get("extra_cells", "refuse") not in ("refuse", "ignore"):
        raise _bad("extra_cells must be refuse or ignore", str(data.get("extra_cells")), "extra_cells")
    if data.get("format", "long") not in ("long", "wide"):
        raise _bad("format must be long or wide", str(data.get("format")), "format")
    bad_groups = {k: v for k, v in data.get("groups", {}).items() if v not in CRIME_GROUPS}
    if bad_groups:
        key, value = next(iter(bad_groups.items()))
        raise _bad(f"[groups] values must be one of {', '.join(CRIME_GROUPS)}", value, key)
    for column, group in data.get("breakdowns", {}).items():
        if set(group) != {"item", "kind", "value"} or group["item"] not in data.get("items", {}):
            raise _bad(
                "each [breakdowns] entry needs item (a key of [items]), kind and value", column, column
            )
    if set(data.get("rows", {})) - {"present", "blank"}:
        raise _bad("[rows] takes present and blank (lists of columns)", str(data["rows"]), "rows")
    _check_reading(data)
    _check_stored_text(data)
    return Mapping(**{k: v for k, v in data.items()})


def _check_reading(data: dict) -> None:
    """The delimiter is one character and the encoding one Python can read text with."""
    delimiter = data.get("delimiter")
    if delimiter is not None and (
        not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n'
    ):
        rule = 'delimiter must be one character (not a quote or a line break), e.g. "," or "\\t"'
        raise _bad(rule, str(delimiter), "delimiter")
    encoding = data.get("encoding")
    if encoding is not None:
        try:
            known = isinstance(encoding, str) and codecs.lookup(encoding)._is_text_encoding
        except LookupError:
            known = False
        if not known:
            rule = "encoding is not a text encoding Python knows; e.g. utf-8, cp1252, latin-1, utf-16"
            raise _bad(rule, str(encoding), "encoding")


def _check_stored_text(data: dict) -> None:
    """Text the mapping itself puts in the database (the source's label, the wording of
    items it creates, breakdown groups) follows the rules a file's text does."""
    texts = [("source", data.get("source", ""))]
    for measure, spec in data.get("items", {}).items():
        texts += [(f"[items].{measure}.{k}", spec.get(k, "")) for k in ("code", "wording", "scale_labels")]
    for column, group in data.get("breakdowns", {}).items():
        texts += [(f"[breakdowns].{column}.{k}", group.get(k, "")) for k in ("kind", "value")]
    for key, value in texts:
        if isinstance(value, str) and (rule := text_rule(value.strip())):
            raise _bad(rule, value, key)


def load_mapping(path: Path) -> Mapping:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise _bad(f"cannot read {path.name}: {exc}", path.name) from exc
    return parse_mapping(data, path.name)


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
