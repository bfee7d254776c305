"""Area shapes at import: London's real boroughs from GeoJSON, Chicago's police districts from
WKT, a later file of shapes for areas already imported, the neighbours their borders give,
and the shapes that are refused, leaving the database as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Point, shape
from sqlalchemy import func, select

from db.importing.limits import Limits
from db.importing.mapping import load_preset, parse_mapping
from db.importing.run import import_file, preview
from db.models import Area, AreaNeighbour, LoadLog
from tests.db.conftest import LONDON, SHARED, need_shared, write

CHICAGO = SHARED / "chicago"
WKT_AREAS = {"kind": "areas", "columns": {"boundary": "wkt"}, "constants": {"kind": "neighbourhood"}}
SHAPES = {"kind": "boundaries", "columns": {"area": "name", "boundary": "wkt"}}
# Northfield sits on Southgate: the two share the border along latitude 51.5
NORTH = "POLYGON ((-0.2 51.5, -0.1 51.5, -0.1 51.6, -0.2 51.6, -0.2 51.5))"
SOUTH = "POLYGON ((-0.2 51.4, -0.1 51.4, -0.1 51.5, -0.2 51.5, -0.2 51.4))"
PROJECTED = "POLYGON ((530000 180000, 531000 180000, 531000 181000, 530000 180000))"  # metres
EAST = "POLYGON ((0.1 51.4, 0.2 51.4, 0.2 51.5, 0.1 51.5, 0.1 51.4))"  # far from both


def _stored(engine) -> dict[str, tuple]:
    """Each area's name -> (its shape, its label point) as stored."""
    with engine.connect() as conn:
        rows = conn.execute(select(Area.name, Area.boundary, Area.label_lon, Area.label_lat)).all()
    return {
        r.name: (shape(json.loads(r.boundary)), Point(r.label_lon, r.label_lat))
        if r.boundary
        else (None, None)
        for r in rows
    }


def _neighbours(engine) -> dict[str, set[str]]:
    """Each area's name -> the names of its neighbours, from the neighbour table."""
    with engine.connect() as conn:
        names = dict(conn.execute(select(Area.id, Area.name)).all())
        pairs = conn.execute(select(AreaNeighbour.area_id, AreaNeighbour.neighbour_id)).all()
    out: dict[str, set[str]] = {}
    for a, b in pairs:
        out.setdefault(names[a], set()).add(names[b])
    return out


def _snapshot(engine) -> tuple:
    """Everything an import of shapes may change: areas, their shapes, neighbours, the log."""
    with engine.connect() as conn:
        return (
            conn.execute(
                select(Area.code, Area.name, Area.boundary, Area.label_lon, Area.label_lat).order_by(
                    Area.code
                )
            ).all(),
            conn.execute(
                select(AreaNeighbour.area_id, AreaNeighbour.neighbour_id).order_by(
                    AreaNeighbour.area_id, AreaNeighbour.neighbour_id
                )
            ).all(),
            conn.execute(select(func.count()).select_from(LoadLog)).scalar_one(),
        )


def _note(report, start: str) -> str:
    return next(n for n in report.notes if n.startswith(start))


# --- London's real boroughs -----------------------------------------------------------------


def test_london_boroughs_import_their_real_shapes_with_labels_inside_and_their_neighbours(engine):
    need_shared()
    source = LONDON / "london_boroughs.geojson"
    report = import_file(engine, source, load_preset("london-boroughs"))  # the preset as it was
    assert report.accepted, report.text()
    stored = _stored(engine)
    assert len(stored) == 33
    assert all(s is not None for s, _ in stored.values())
    for name, (outline, label) in stored.items():
        assert outline.contains(label), f"{name}'s name is written outside it"
    raw = {f["properties"]["name"]: shape(f["geometry"]) for f in json.loads(source.read_text())["features"]}
    for name, (outline, _) in stored.items():  # simplified for display (the City, smallest, moves most)
        assert outline.symmetric_difference(raw[name]).area < 0.03 * raw[name].area, name
    # London as a Londoner knows it
    neighbours = _neighbours(engine)
    assert neighbours["City of London"] == {
        "Westminster", "Camden", "Islington", "Hackney", "Tower Hamlets", "Southwark", "Lambeth"
    }  # fmt: skip
    assert neighbours["Sutton"] == {"Croydon", "Merton", "Kingston upon Thames"}
    assert {"Hillingdon", "Bexley"}.isdisjoint(neighbours["Westminster"])
    assert set(neighbours) == set(stored), "every borough has a neighbour"
    assert all(a in neighbours[b] for a in neighbours for b in neighbours[a]), "both directions"
    pairs = sum(len(v) for v in neighbours.values()) // 2
    assert f"{pairs:,} added to the neighbour table, 0 already there" in _note(report, "neighbours:")
    shapes_note = _note(report, "shapes:")
    read = sum(shapely.get_num_coordinates(g) for g in raw.values())
    kept = sum(shapely.get_num_coordinates(s) for s, _ in stored.values())
    assert f"shapes: 33 read ({read:,} vertices), simplified together to {kept:,} vertices" in shapes_note
    assert kept < read / 5


def test_the_same_shapes_again_are_unchanged_and_add_no_neighbours(engine):
    need_shared()
    source = LONDON / "london_boroughs.geojson"
    assert import_file(engine, source, load_preset("london-boroughs")).accepted
    before = _snapshot(engine)
    again = import_file(engine, source, parse_mapping({"kind": "boundaries", "columns": {"area": "name"}}))
    assert again.accepted, again.text()
    assert (again.updated, again.skipped) == (0, 33)
    assert "33 unchanged" in again.text()
    assert "0 added to the neighbour table" in _note(again, "neighbours:")
    assert _snapshot(engine)[:2] == before[:2]


# --- Chicago's police districts, WKT --------------------------------------------------------


def test_chicago_districts_get_their_shapes_from_the_wkt_file(engine):
    need_shared()
    areas = import_file(
        engine, CHICAGO / "chicago_aggravated_assaults_2010_2019.csv.gz", load_preset("chicago-districts")
    )
    assert areas.accepted, areas.text()
    source = CHICAGO / "police_district_boundaries_dec2012_wkt.csv"
    report = import_file(engine, source, load_preset("chicago-district-boundaries"))
    assert report.accepted, report.text()
    stored = _stored(engine)
    assert (report.updated, report.skipped_on_purpose) == (len(stored), 3)  # district 31's three rows
    assert all(s is not None and s.contains(label) for s, label in stored.values())
    # the Loop (Willis Tower) is in the 1st (Central) district, which the river parts from the 18th
    assert stored["Chicago District 1"][0].contains(Point(-87.6359, 41.8789))
    assert {"Chicago District 18", "Chicago District 12"} <= _neighbours(engine)["Chicago District 1"]


# --- refusals -------------------------------------------------------------------------------


BROKEN = "POLYGON ((-0.2 51.4, " + ", ".join(f"-0.{i:04d} 51.4" for i in range(1, 400))  # cut short


@pytest.mark.parametrize(
    ("kind", "text", "line", "column", "value", "rule", "fix"),
    [
        (
            "areas",
            f'code,name,wkt\nN,Northfield,"{{N}}"\nS,Southgate,"{PROJECTED}"\n',
            3,
            "wkt",
            "POLYGON ((530000 180000",
            "coordinates must be longitude and latitude (EPSG:4326)",
            "ogr2ogr -t_srs EPSG:4326",
        ),
        (
            "areas",
            'code,name,wkt\nN,Northfield,"{N}"\nS,Southgate,POINT (-0.15 51.45)\n',
            3,
            "wkt",
            "POINT (-0.15 51.45)",
            "a boundary must be a Polygon or MultiPolygon, not a Point",
            "set [columns] boundary to the file's column of area outlines",
        ),
        (
            "areas",
            f'code,name,wkt\nN,Northfield,"{{N}}"\nS,Southgate,"{BROKEN}"\n',
            3,
            "wkt",
            BROKEN[:80] + "...",
            "a boundary must be a GeoJSON geometry or WKT",
            '[skip] area = ["Southgate"]',
        ),
        (
            "boundaries",
            'name,wkt\nNorthfield,"{N}"\nNorthfeld,"{S}"\n',
            3,
            "name",
            "Northfeld",
            "unknown area",
            "did you mean 'Northfield'?",
        ),
    ],
    ids=["projected", "point", "broken-wkt", "unknown-area"],
)
def test_a_shape_that_cannot_be_used_refuses_the_file_naming_it(
    towns, tmp_path, kind, text, line, column, value, rule, fix
):
    engine = towns
    source = write(tmp_path / "shapes.csv", text.replace("{N}", NORTH).replace("{S}", SOUTH))
    mapping = parse_mapping(WKT_AREAS if kind == "areas" else SHAPES)
    before = _snapshot(engine)
    report = import_file(engine, source, mapping)
    assert not report.accepted
    problem = report.problems[0]
    shown = str(problem)
    assert (problem.line, problem.column) == (line, column)
    assert f"line {line}, column {column!r}, value '{value}" in shown  # a long value by its start
    assert rule in problem.rule
    assert fix in problem.suggestion
    assert _snapshot(engine) == before


# --- a feature with no geometry ------------------------------------------------------------


def test_a_feature_without_geometry_imports_its_area_without_a_shape_and_says_so(engine, tmp_path):
    features = [
        {"type": "Feature", "properties": {"name": "Northfield"}, "geometry": json.loads(_geojson(NORTH))},
        {"type": "Feature", "properties": {"name": "Southgate"}, "geometry": None},
        {"type": "Feature", "properties": {"name": "Eastwick"}, "geometry": json.loads(_geojson(EAST))},
    ]
    source = write(
        tmp_path / "areas.geojson", json.dumps({"type": "FeatureCollection", "features": features})
    )
    report = import_file(
        engine, source, parse_mapping({"kind": "areas", "constants": {"kind": "neighbourhood"}})
    )
    assert report.accepted, report.text()
    assert report.inserted == 3
    stored = _stored(engine)
    assert stored["Southgate"][0] is None
    assert stored["Northfield"][0].equals(shapely.from_wkt(NORTH))
    assert "1 area has no shape in the file and is imported without one" in report.text()
    assert "'Southgate' (line 2)" in report.text()
    assert "neighbours:" not in report.text()  # Northfield and Eastwick do not touch


def _geojson(wkt: str) -> str:
    return shapely.to_geojson(shapely.from_wkt(wkt))


# --- a later file of shapes, and neighbours ----------------------------------------------


def test_shapes_for_areas_imported_from_a_csv_come_later_and_make_them_neighbours(towns, tmp_path):
    engine = towns
    source = write(tmp_path / "shapes.csv", f'name,wkt\nNorthfield,"{NORTH}"\nsouthgate,"{SOUTH}"\n')
    report = import_file(engine, source, parse_mapping(SHAPES))
    assert report.accepted, report.text()
    assert (report.inserted, report.updated) == (0, 2)
    assert _neighbours(engine) == {"Northfield": {"Southgate"}, "Southgate": {"Northfield"}}
    assert "1 added to the neighbour table, 0 already there" in _note(report, "neighbours:")
    again = import_file(engine, source, parse_mapping({**SHAPES, "duplicates": "refuse"}))  # another mapping
    assert (again.updated, again.skipped) == (0, 2)
    assert "0 added to the neighbour table, 1 already there" in _note(again, "neighbours:")


def test_an_area_twice_in_a_boundaries_file_is_refused_naming_both_lines(towns, tmp_path):
    source = write(tmp_path / "shapes.csv", f'name,wkt\nNorthfield,"{NORTH}"\nNorthfield,"{SOUTH}"\n')
    report = import_file(towns, source, parse_mapping(SHAPES))
    assert [(p.line, p.rule) for p in report.problems] == [
        (3, "the same area appears twice in the file (first on line 2)")
    ]


def test_a_mapped_column_of_shapes_the_file_lacks_is_refused_with_the_columns_it_has(towns, tmp_path):
    source = write(tmp_path / "shapes.csv", "name,outline\nNorthfield,on the map at the library\n")
    report = import_file(towns, source, parse_mapping(SHAPES))
    problem = report.problems[0]
    assert problem.rule == "the file has no column 'wkt' of shapes"
    assert "(the file's columns: 'name', 'outline')" in problem.suggestion


# --- limits -----------------------------------------------------------------------------------


def _long_square(points: int) -> str:
    """A square whose bottom edge is drawn with `points` points: a long WKT."""
    edge = ", ".join(f"{-0.2 + 0.1 * i / points:.9f} 51.5" for i in range(points))
    return f"POLYGON (({edge}, -0.1 51.5, -0.1 51.6, -0.2 51.6, -0.2 51.5))"


def test_a_shape_may_be_longer_than_other_cells_but_has_its_own_limit(engine, tmp_path):
    wkt = _long_square(1_000)  # about 25,000 characters
    limits = Limits(cell_chars=5_000, line_chars=5_000, boundary_chars=50_000)
    fine = write(tmp_path / "fine.csv", f'code,name,wkt\nN,Northfield,"{wkt}"\n')
    report = import_file(engine, fine, parse_mapping(WKT_AREAS), limits=limits)
    assert report.accepted, report.text()
    long_name = "N" * 6_000
    named = write(tmp_path / "named.csv", f'code,name,wkt\nN,{long_name},"{wkt}"\n')
    problem = import_file(engine, named, parse_mapping(WKT_AREAS), limits=limits).problems[0]
    assert (problem.line, problem.column, problem.rule) == (
        2,
        "name",
        "a cell longer than the limit of 5,000 characters",
    )
    huge = write(tmp_path / "huge.csv", f'code,name,wkt\nN,Northfield,"{_long_square(3_000)}"\n')
    problem = import_file(engine, huge, parse_mapping(WKT_AREAS), limits=limits).problems[0]
    assert (problem.line, problem.column) == (2, "wkt")
    assert (
        problem.rule
        == "a cell longer than the limit of 50,000 characters for a shape (column 'wkt'; other cells 5,000)"
    )
    assert "simplify the shapes" in problem.suggestion


def test_the_preview_shows_a_shape_by_its_start(tmp_path):
    wkt = _long_square(1_000)
    source = write(tmp_path / "areas.csv", f'code,name,wkt\nN,Northfield,"{wkt}"\n')
    _header, rows = preview(Path(source), parse_mapping(WKT_AREAS))
    assert rows[0][1]["wkt"] == f"{wkt[:80]}... ({len(wkt):,} characters)"


def test_a_city_and_its_neighbourhoods_in_one_file_keep_shared_borders_and_are_not_neighbours(
    engine, tmp_path
):
    city = "POLYGON ((-0.2 51.4, -0.1 51.4, -0.1 51.6, -0.2 51.6, -0.2 51.4))"  # Northfield and Southgate
    source = write(
        tmp_path / "areas.csv",
        "code,name,kind,parent,wkt\n"
        f'C,Riverton,city,,"{city}"\nN,Northfield,neighbourhood,C,"{NORTH}"\nS,Southgate,neighbourhood,C,"{SOUTH}"\n',
    )
    report = import_file(engine, source, parse_mapping({"kind": "areas", "columns": {"boundary": "wkt"}}))
    assert report.accepted, report.text()
    assert _neighbours(engine) == {"Northfield": {"Southgate"}, "Southgate": {"Northfield"}}
    stored = _stored(engine)
    assert shapely.coverage_is_valid([stored["Northfield"][0], stored["Southgate"][0]])  # one border, no gap


def test_a_column_of_shapes_the_mapping_does_not_read_is_pointed_out(engine, tmp_path):
    source = write(tmp_path / "areas.csv", f'code,name,the_geom\nN,Northfield,"{NORTH}"\n')
    report = import_file(engine, source, parse_mapping(WKT_AREAS | {"columns": {}}))
    assert report.accepted, report.text()
    assert _stored(engine)["Northfield"][0] is None
    assert (
        "column 'the_geom' looks like the areas' shapes but is not read: "
        'set [columns] boundary = "the_geom" in the mapping to keep them'
    ) in report.notes
    shapes = import_file(engine, source, parse_mapping({"kind": "boundaries", "columns": {"area": "name"}}))
    assert shapes.problems[0].rule == "the file has no column 'geometry' of shapes"
    assert shapes.problems[0].suggestion == (
        'set [columns] boundary = "the_geom" in the mapping: that column holds shapes'
    )


def test_boroughs_imported_before_shapes_were_kept_get_them_by_importing_again(engine, monkeypatch):
    need_shared()
    from db.importing import run

    source, preset = LONDON / "london_boroughs.geojson", load_preset("london-boroughs")
    assert import_file(engine, source, preset).accepted
    with monkeypatch.context() as old_rules:
        old_rules.setattr(run, "KIND_RULES_VERSION", {})
        old = run.mapping_fingerprint(preset)
        crime_before = run.mapping_fingerprint(load_preset("london-crime-wide"))
    with engine.begin() as conn:  # as an import under the old rules left it
        conn.execute(Area.__table__.update().values(boundary=None, label_lon=None, label_lat=None))
        conn.execute(AreaNeighbour.__table__.delete())
        conn.execute(LoadLog.__table__.update().values(mapping_fingerprint=old))
    again = import_file(engine, source, preset)
    assert not again.already_imported
    assert (again.inserted, again.updated) == (0, 33)
    assert all(outline is not None for outline, _ in _stored(engine).values())
    assert run.mapping_fingerprint(load_preset("london-crime-wide")) == crime_before  # crime: as it was
