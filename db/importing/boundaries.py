"""Import area shapes: with the areas themselves, or later, from a file of shapes.

Two ways in. An `areas` file whose rows carry a shape (a GeoJSON feature's own geometry, or
a column of WKT or GeoJSON text: the field `boundary`), or a `boundaries` file giving shapes
to areas already imported, matched by code, name or alias as every kind that names an area
(`AreaLookup`, with its suggestions for a name it does not know). Each shape is read with
`db.boundaries.parse`: one that cannot be used refuses the file, naming its line, column,
value, rule and fix. Then all the file's shapes are simplified in one pass inside the
import's transaction, each kind of area together as one coverage (a city overlaps its
districts: mixed, no border could stay shared), and stored with their label points; a shape
already stored the same counts as unchanged. Areas of one kind whose shapes (as read, before
simplifying) share a border are added to the neighbour table when they were not there
already: a district is not its city's neighbour.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy import Connection, bindparam, insert, select, update

from db.boundaries import Boundary, BoundaryRefused, parse, shared_borders, simplify
from db.importing import areas  # its AreaLookup; areas imports this module for its shapes
from db.importing.fields import field_value
from db.importing.mapping import Mapping, toml_string
from db.importing.report import Problem, Report
from db.importing.source import GEOMETRY
from db.models import Area, AreaNeighbour

Shape = Polygon | MultiPolygon
SHOWN_MISSING = 5  # areas without a shape named in the report


def shape_column(mapping: Mapping) -> str:
    """The file's column of shapes: [columns] boundary, else `geometry` (a GeoJSON feature's own)."""
    return mapping.column("boundary", GEOMETRY)


def _fix(rule: str, skip_row: str) -> str:
    """The change that lets the file in, for each rule db.boundaries.parse refuses by."""
    if "EPSG:4326" in rule:
        return (
            "e.g. ogr2ogr -t_srs EPSG:4326 out.geojson in.shp, or in QGIS Export > Save Features As "
            "with CRS EPSG:4326"
        )
    if "Polygon or MultiPolygon" in rule or "GeoJSON geometry or WKT" in rule:
        return f"set [columns] boundary to the file's column of area outlines; or {skip_row}"
    return skip_row


def read_shape(line: int, column: str, text: str, report: Report, skip_row: str) -> Shape | None:
    """The shape `text` holds, or None after recording the problem (with its fix)."""
    try:
        return parse(text)
    except BoundaryRefused as exc:
        report.problems.append(Problem(line, column, text, str(exc), _fix(str(exc), skip_row)))
        return None


SHAPE_START = re.compile(r'\s*((multi)?polygon\b|\{\s*"type"\s*:\s*"(multi)?polygon")', re.IGNORECASE)


def looks_like_shapes(row: dict[str, str]) -> str | None:
    """The first column of `row` whose cell is a polygon's WKT or GeoJSON, if any."""
    return next((column for column, cell in row.items() if SHAPE_START.match(cell[:100])), None)


def column_missing(line: int, row: dict[str, str], mapping: Mapping) -> Problem | None:
    """The problem when the file lacks the column of shapes a mapping (or a boundaries
    file's default) names; its fix names the column that looks like shapes, if one does."""
    column = shape_column(mapping)
    if column in row:
        return None
    found = looks_like_shapes(row)
    if found:
        fix = f"set [columns] boundary = {toml_string(found)} in the mapping: that column holds shapes"
    else:
        columns = ", ".join(map(repr, row))
        fix = f"set [columns] boundary to the column that holds them (the file's columns: {columns})"
    return Problem(line, column, "", f"the file has no column {column!r} of shapes", fix)


def note_unread(report: Report, row: dict[str, str]) -> None:
    """Say so when an areas file has a column of shapes the mapping does not read."""
    found = looks_like_shapes(row)
    if found:
        report.notes.append(
            f"column {found!r} looks like the areas' shapes but is not read: set [columns] boundary = "
            f"{toml_string(found)} in the mapping to keep them"
        )


def _by_kind(shapes: dict[str, Shape], kinds: dict[str, str]) -> list[dict[str, Shape]]:
    return [
        {c: g for c, g in shapes.items() if kinds[c] == kind} for kind in sorted({kinds[c] for c in shapes})
    ]


def simplified(shapes: dict[str, Shape], kinds: dict[str, str]) -> dict[str, Boundary]:
    """The file's shapes (by area code) as stored: each kind of area (`kinds`, by code)
    simplified together as one coverage, so neighbours keep one shared border."""
    out: dict[str, Boundary] = {}
    for group in _by_kind(shapes, kinds):
        out |= simplify(group)
    return out


def differs(old: tuple[str | None, float | None, float | None], new: Boundary) -> bool:
    """Whether `new` is not what is stored already (shape and label point)."""
    return old != (new.geojson, new.label_lon, new.label_lat)


def write(conn: Connection, simple: dict[str, Boundary], codes: set[str]) -> None:
    """Store the shapes of the areas `codes` (by area code)."""
    if not codes:
        return
    statement = (
        update(Area)
        .where(Area.code == bindparam("area_code"))
        .values(boundary=bindparam("shape"), label_lon=bindparam("lon"), label_lat=bindparam("lat"))
    )
    rows = [
        {"area_code": c, "shape": simple[c].geojson, "lon": simple[c].label_lon, "lat": simple[c].label_lat}
        for c in sorted(codes)
    ]
    conn.execute(statement, rows)  # one executemany, not a statement per area


def add_neighbours(conn: Connection, shapes: dict[str, Shape], kinds: dict[str, str], report: Report) -> None:
    """Add each pair of areas of one kind (by code) whose shapes share a border to the
    neighbour table, in both directions, when missing; the report says how many were added."""
    pairs = {pair for group in _by_kind(shapes, kinds) for pair in shared_borders(group)}
    if not pairs:
        return
    ids = dict(conn.execute(select(Area.code, Area.id).where(Area.code.in_(sorted(shapes)))).all())
    known = {(a, b) for a, b in conn.execute(select(AreaNeighbour.area_id, AreaNeighbour.neighbour_id))}
    missing = sorted({(ids[a], ids[b]) for a, b in pairs} - known)
    if missing:
        conn.execute(insert(AreaNeighbour), [{"area_id": a, "neighbour_id": b} for a, b in missing])
    added = len({frozenset(p) for p in missing})
    verb = "would be added" if report.dry_run else "added"
    report.notes.append(
        f"neighbours: {len(pairs) // 2:,} pairs of areas share a border; {added:,} {verb} to the "
        f"neighbour table, {len(pairs) // 2 - added:,} already there"
    )


def note_shapes(report: Report, simple: dict[str, Boundary], changed: int) -> None:
    """What was read and what is stored: shapes, vertices, bytes."""
    read = sum(b.vertices_read for b in simple.values())
    kept = sum(b.vertices_kept for b in simple.values())
    stored = sum(len(b.geojson.encode("utf-8")) for b in simple.values())
    report.notes.append(
        f"shapes: {len(simple):,} read ({read:,} vertices), simplified together to {kept:,} vertices "
        f"({stored:,} bytes stored); {changed:,} new or changed, {len(simple) - changed:,} unchanged"
    )


def note_missing(report: Report, missing: list[tuple[int, str]]) -> None:
    """Name the areas the file gives no shape (the first few, by line)."""
    if not missing:
        return
    shown = ", ".join(f"{name!r} (line {line})" for line, name in missing[:SHOWN_MISSING])
    more = f" and {len(missing) - SHOWN_MISSING:,} more" if len(missing) > SHOWN_MISSING else ""
    which = "area has" if len(missing) == 1 else "areas have"
    report.notes.append(
        f"{len(missing):,} {which} no shape in the file and {'is' if len(missing) == 1 else 'are'} "
        f"imported without one (a shape stored before is kept): {shown}{more}"
    )


def load(
    conn: Connection, rows: Iterator[tuple[int, dict[str, str]]], mapping: Mapping, report: Report
) -> None:
    """A `boundaries` file: one row (or GeoJSON feature) per area already imported, with its shape."""
    lookup = areas.AreaLookup(conn, mapping.area_aliases, mapping.area_prefix)
    column = shape_column(mapping)
    shapes: dict[str, Shape] = {}
    first_line: dict[str, int] = {}
    for line, row in rows:
        report.rows_read += 1
        if report.rows_read == 1 and (problem := column_missing(line, row, mapping)):
            report.problems.append(problem)
            return
        area_col, area = field_value(row, mapping, "area")
        if area in mapping.skip.get("area", ()):
            report.skip("area")
            continue
        skip_row = f"leave the row out: [skip] area = [{toml_string(area)}]"
        if not area:
            report.problems.append(Problem(line, area_col, area, "required: each shape names its area"))
            continue
        area_id = lookup.resolve(line, area_col, area, report)
        text = row.get(column, "").strip()
        if not text:
            rule = "required: a boundaries file gives each area its shape"
            report.problems.append(Problem(line, column, text, rule, skip_row))
            continue
        shape = read_shape(line, column, text, report, skip_row)
        if area_id is None or shape is None:
            continue
        code = lookup.codes[area_id]
        if code in first_line:
            rule = f"the same area appears twice in the file (first on line {first_line[code]})"
            fix = f"join its parts into one MULTIPOLYGON, or {skip_row} and keep one"
            report.problems.append(Problem(line, area_col, area, rule, fix))
            continue
        first_line[code], shapes[code] = line, shape
    if report.problems or not shapes:
        return
    areas_now = conn.execute(
        select(Area.code, Area.kind, Area.boundary, Area.label_lon, Area.label_lat).where(
            Area.code.in_(sorted(shapes))
        )
    ).all()
    kinds = {r.code: r.kind for r in areas_now}
    stored = {r.code: (r.boundary, r.label_lon, r.label_lat) for r in areas_now}
    simple = simplified(shapes, kinds)
    changed = {code for code, b in simple.items() if differs(stored[code], b)}
    write(conn, simple, changed)
    report.updated += len(changed)
    report.skipped += len(simple) - len(changed)
    note_shapes(report, simple, len(changed))
    add_neighbours(conn, shapes, kinds, report)
