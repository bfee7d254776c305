"""Import areas: code, name, kind, optional parent (code or name), population and shape.

Natural key: `code` (default: the name). An existing area with the same code is
updated when something changed, left alone when nothing did; a new one is
inserted. A parent may be an existing area or one defined in the same file. A shape
(`boundary`: a GeoJSON feature's geometry, or a column of WKT) is read, simplified and
stored as db.importing.boundaries says; a row without one leaves the area's stored shape.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator

from sqlalchemy import Connection, func, insert, or_, select, update

from db.importing import boundaries
from db.importing.area_names import NameIndex
from db.importing.fields import field_value
from db.importing.fixes import values_fix
from db.importing.mapping import Mapping, toml_string
from db.importing.report import Problem, Report, text_limit, text_rule
from db.models import AREA_KINDS, Area, AreaAlias, Partnership, PartnershipArea

NAME_LIMIT, CODE_LIMIT = text_limit(Area, "name"), text_limit(Area, "code")


def load(
    conn: Connection, rows: Iterator[tuple[int, dict[str, str]]], mapping: Mapping, report: Report
) -> None:
    existing = {
        r.code: r
        for r in conn.execute(
            select(
                Area.id,
                Area.code,
                Area.name,
                Area.kind,
                Area.population,
                Area.boundary,
                Area.label_lon,
                Area.label_lat,
            )
        )
    }
    code_by_name = {r.name.casefold(): code for code, r in existing.items()}
    pending: dict[str, dict] = {}
    report.repeated_key, report.repeats_policy = "area code", "first"
    parents: dict[str, tuple[int, str, str]] = {}
    shape_col = boundaries.shape_column(mapping)
    shape_texts: dict[str, str] = {}  # code -> the shape as the file writes it
    shapes: dict[str, boundaries.Shape] = {}
    no_shape: list[tuple[int, str]] = []
    for line, row in rows:
        report.rows_read += 1
        if report.rows_read == 1 and "boundary" in mapping.columns:
            if problem := boundaries.column_missing(line, row, mapping):
                report.problems.append(problem)
        elif report.rows_read == 1 and shape_col not in row:
            boundaries.note_unread(report, row)
        name_col, name = field_value(row, mapping, "name")
        code_col, code = field_value(row, mapping, "code")
        code = code or name
        kind_col, kind = field_value(row, mapping, "kind")
        pop_col, pop_text = field_value(row, mapping, "population")
        parent_col, parent = field_value(row, mapping, "parent")
        if name in mapping.skip.get("area", ()) or code in mapping.skip.get("area", ()):
            report.skip("area")
            continue
        if not name:
            report.problems.append(Problem(line, name_col, name, "required: an area needs a name"))
            continue
        if mapping.area_prefix and name:
            code, name = mapping.area_prefix + code, mapping.area_prefix + name
        broken = [
            (column, value, rule)
            for column, value, limit in ((name_col, name, NAME_LIMIT), (code_col, code, CODE_LIMIT))
            if (rule := text_rule(value, limit))
        ]
        if broken:
            report.problems.extend(Problem(line, column, value, rule) for column, value, rule in broken)
            continue
        if kind not in AREA_KINDS:
            rule = f"kind must be one of {', '.join(AREA_KINDS)}"
            report.problems.append(Problem(line, kind_col, kind, rule, values_fix("kind", kind, AREA_KINDS)))
        population = None
        if pop_text:
            try:
                population = int(float(pop_text.replace(",", "")))
            except ValueError:
                population = -1
            if population < 0:
                report.problems.append(
                    Problem(line, pop_col, pop_text, "population must be a whole number >= 0")
                )
        item = {"code": code, "name": name, "kind": kind, "population": population}
        shape_text = row.get(shape_col, "").strip()
        if code in pending:
            if pending[code] == item and shape_texts[code] == shape_text and mapping.duplicates != "refuse":
                # e.g. an incident file read for its districts: each row names one already read
                report.repeats += 1
                continue
            report.problems.append(
                Problem(line, code_col, code, "the same area code appears twice in the file")
            )
            continue
        pending[code] = item
        shape_texts[code] = shape_text
        if shape_text:
            skip_row = (
                "leave the cell blank to import the area without a shape, or leave the row out: "
                f"[skip] area = [{toml_string(name)}]"
            )
            shape = boundaries.read_shape(line, shape_col, shape_text, report, skip_row)
            if shape is not None:
                shapes[code] = shape
        elif shape_col in row:
            no_shape.append((line, name))
        if parent:
            parents[code] = (line, parent_col, parent)
    known = set(existing) | set(pending)
    names = code_by_name | {v["name"].casefold(): c for c, v in pending.items()}
    for line, column, parent in parents.values():
        if parent not in known and parent.casefold() not in names:
            report.problems.append(Problem(line, column, parent, "parent area is not known"))
    if report.problems:
        return
    kinds = {code: pending[code]["kind"] for code in shapes}
    simple = boundaries.simplified(shapes, kinds)  # once, in one pass over all the file's shapes
    new_shapes = {
        code
        for code, b in simple.items()
        if code not in existing
        or boundaries.differs(
            (existing[code].boundary, existing[code].label_lon, existing[code].label_lat), b
        )
    }
    ids = {code: r.id for code, r in existing.items()}
    for code, item in pending.items():
        old = existing.get(code)
        if old is None:
            ids[code] = conn.execute(insert(Area).values(**item).returning(Area.id)).scalar_one()
            report.inserted += 1
        elif (old.name, old.kind, old.population) != (item["name"], item["kind"], item["population"]):
            conn.execute(update(Area).where(Area.code == code).values(**item))
            report.updated += 1
        elif code in new_shapes:
            report.updated += 1
        else:
            report.skipped += 1
    for code, (_line, _column, parent) in parents.items():
        parent_code = parent if parent in ids else names[parent.casefold()]
        conn.execute(update(Area).where(Area.code == code).values(parent_id=ids[parent_code]))
    if simple:
        boundaries.write(conn, simple, new_shapes)
        boundaries.note_shapes(report, simple, len(new_shapes))
        boundaries.add_neighbours(conn, shapes, kinds, report)
    boundaries.note_missing(report, no_shape)


class AreaLookup:
    """Area names, codes and aliases (case-insensitive) to ids, with suggestions for misses."""

    def __init__(self, conn: Connection, extra_aliases: dict[str, str], prefix: str = ""):
        self.prefix = prefix
        self.ids: dict[str, int] = {}
        self.codes: dict[int, str] = {}
        for id_, code, name in conn.execute(select(Area.id, Area.code, Area.name)):
            self.ids[code.casefold()] = self.ids[name.casefold()] = id_
            self.codes[id_] = code
        for alias, id_ in conn.execute(select(AreaAlias.alias, AreaAlias.area_id)):
            self.ids.setdefault(alias.casefold(), id_)
        for alias, target in extra_aliases.items():
            if target.casefold() in self.ids:
                self.ids[alias.casefold()] = self.ids[target.casefold()]
        self.names = sorted({n for n, _ in conn.execute(select(Area.name, Area.id))})
        self._index: NameIndex | None = None  # built on the first unknown name
        self.partnerships: dict[int, list[str]] = {}  # area id -> codes of partnerships serving it
        serving = (
            select(PartnershipArea.area_id, Partnership.code)
            .join(Partnership, Partnership.id == PartnershipArea.partnership_id)
            .order_by(Partnership.code)
        )
        for area_id, code in conn.execute(serving):
            self.partnerships.setdefault(area_id, []).append(code)
        self._suggested: dict[str, str] = {}

    def find(self, value: str) -> int | None:
        key = " ".join(value.split()).casefold()
        if self.prefix:
            return self.ids.get(self.prefix.casefold() + key, self.ids.get(key))
        return self.ids.get(key)

    def resolve(self, line: int, column: str, value: str, report: Report) -> int | None:
        """The area's id, or None after recording an 'unknown area' problem with suggestions."""
        found = self.find(value)
        if found is None:
            report.problems.append(Problem(line, column, value, "unknown area", self.suggest(value)))
        return found

    def close_names(self, value: str) -> tuple[list[str], list[str]]:
        """(known names that are the same name written differently, names that are close),
        each at most three (see db.importing.area_names). The area prefix is tried first."""
        if self._index is None:
            self._index = NameIndex(self.names)
        same: list[str] = []
        close: list[str] = []
        for query in ([self.prefix + value] if self.prefix else []) + [value]:
            found_same, found_close = self._index.match(query)
            same += [n for n in found_same if n not in same]
            close += [n for n in found_close if n not in same + close]
        return same[:3], close[:3]

    def suggest(self, value: str) -> str:
        """What to do about an unknown area `value`: the ready-to-run alias command only for
        one known area with the same name written differently; for a close name, a question
        and the [area_aliases] line to add once the person has checked it is the same place."""
        if value not in self._suggested:
            self._suggested[value] = self._suggestion(value)
        return self._suggested[value]

    def _suggestion(self, value: str) -> str:
        if len(value) > NAME_LIMIT:  # no area has a name this long; do not echo it back whole
            return f"no known area has a close name; an area's name is at most {NAME_LIMIT} characters"
        same, close = self.close_names(value)
        if not same and not close:
            return (
                "no known area has a close name: import the area first, or add the name under "
                f'[area_aliases] with the area it means: {toml_string(value)} = "..."'
            )
        names = same or close
        asked = f"did you mean {' or '.join(repr(n) for n in names)}?{self._serving(names)}"
        line = f"[area_aliases] {toml_string(value)} = {toml_string(names[0])}"
        if len(same) == 1:
            command = f"commonground alias {shlex.quote(value)} {shlex.quote(same[0])}"
            return f"{asked} the same name written differently: run {command}, or add {line}"
        return f"{asked} check it is the same place; then add it to the mapping: {line}"

    def _serving(self, names: list[str]) -> str:
        """' (already in partnership X)' for each suggested area a partnership serves."""
        notes = []
        for name in names:
            codes = self.partnerships.get(self.ids[name.casefold()], [])
            if codes:
                which = "partnership " if len(codes) == 1 else "partnerships "
                notes.append(f"{name!r} is already in {which}{', '.join(codes)}")
        return f" ({'; '.join(notes)})" if notes else ""


class AliasRefused(ValueError):
    """An alias that cannot be added; the message says why."""


def add_alias(conn: Connection, name: str, area: str, source: str = "commonground alias") -> str:
    """Let `name`, as some file spells it, mean `area` (an area's code or name, any case).
    Returns the area's name. The one step an import report suggests for an unknown area."""
    name = " ".join(name.split())
    if not name:
        raise AliasRefused("the alias is empty")
    rule = text_rule(name, text_limit(AreaAlias, "alias"))
    if rule:
        raise AliasRefused(f"{name[:80]!r}: {rule}")
    target = conn.execute(
        select(Area.id, Area.name).where(or_(Area.code == area, func.lower(Area.name) == area.lower()))
    ).first()
    if target is None:
        raise AliasRefused(f"no area with code or name {area!r}")
    taken = conn.execute(
        select(Area.name).where(or_(func.lower(Area.name) == name.lower(), Area.code == name))
    ).first()
    if taken is not None:
        raise AliasRefused(f"{name!r} is already the name or code of an area")
    if conn.execute(select(AreaAlias.area_id).where(func.lower(AreaAlias.alias) == name.lower())).first():
        raise AliasRefused(f"{name!r} is already an alias")
    conn.execute(insert(AreaAlias).values(alias=name, area_id=target.id, source=source))
    return target.name
