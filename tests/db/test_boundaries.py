"""Area shapes: read, simplified as one coverage, and the demo's agreeing with its neighbours."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import Point, Polygon, shape
from sqlalchemy import select

from db.boundaries import BoundaryRefused, parse, shared_borders, simplify
from db.demo.shapes import grid_polygons
from db.models import Area, AreaNeighbour


def _wiggly_pair() -> dict[str, Polygon]:
    """Two squares sharing a border drawn with 200 points."""
    border = [(1.0, y / 200) for y in range(201)]
    border = [(x + 0.00001 * ((i % 7) - 3), y) for i, (x, y) in enumerate(border)]
    border[0], border[-1] = (1.0, 0.0), (1.0, 1.0)
    left = Polygon([(0, 0), *border, (0, 1)])
    right = Polygon([(2, 0), (2, 1), *border[::-1]])
    return {"L": left, "R": right}


def test_simplifying_keeps_a_shared_border_shared_and_drops_points():
    shapes = _wiggly_pair()
    stored = simplify(shapes)
    kept = {code: shape(json.loads(b.geojson)) for code, b in stored.items()}
    assert stored["L"].vertices_kept < stored["L"].vertices_read / 3
    assert shapely.coverage_is_valid(list(kept.values()))  # no gap, no overlap
    assert shared_borders(kept) == {("L", "R"), ("R", "L")}
    assert kept["L"].intersection(kept["R"]).area == pytest.approx(0, abs=1e-12)


def test_label_point_is_inside_its_area_even_for_a_crescent():
    crescent = Point(0, 0).buffer(1).difference(Point(0.3, 0).buffer(0.85))
    stored = simplify({"C": crescent})["C"]
    assert crescent.contains(Point(stored.label_lon, stored.label_lat))
    assert not crescent.contains(crescent.centroid)  # the centroid would have missed


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("not a shape", "GeoJSON geometry or WKT"),
        ("POINT (0 51)", "not a Point"),
        ("POLYGON EMPTY", "empty"),
        ("POLYGON ((530000 180000, 531000 180000, 531000 181000, 530000 180000))", "EPSG:4326"),
    ],
)
def test_a_shape_that_cannot_be_used_is_refused_with_its_rule(value, rule):
    with pytest.raises(BoundaryRefused, match=rule):
        parse(value)


def test_a_self_intersecting_bow_tie_is_repaired_not_refused():
    bow_tie = parse('{"type": "Polygon", "coordinates": [[[0,0],[1,1],[1,0],[0,1],[0,0]]]}')
    assert bow_tie.is_valid
    assert bow_tie.area == pytest.approx(0.5)


def test_corners_meeting_at_a_point_are_not_neighbours():
    polygons = grid_polygons(2, 2, west=0, north=10, cell=0.01, seed=1)
    pairs = shared_borders({f"{r}{c}": p for (r, c), p in polygons.items()})
    assert ("00", "01") in pairs
    assert ("00", "10") in pairs
    assert ("00", "11") not in pairs
    assert ("01", "10") not in pairs


def test_the_demo_citys_shapes_agree_with_its_neighbour_table(demo_engine):
    with demo_engine.connect() as conn:
        rows = conn.execute(select(Area.id, Area.kind, Area.boundary, Area.label_lon, Area.label_lat)).all()
        table = {(a, b) for a, b in conn.execute(select(AreaNeighbour.area_id, AreaNeighbour.neighbour_id))}
    assert all(r.boundary for r in rows), "every demo area, city and districts included, has a shape"
    shapes = {r.id: shape(json.loads(r.boundary)) for r in rows if r.kind == "neighbourhood"}
    assert len(shapes) == 40
    assert shapely.coverage_is_valid(list(shapes.values()))
    assert shared_borders(shapes) == table
    for r in rows:
        assert shape(json.loads(r.boundary)).contains(Point(r.label_lon, r.label_lat))


def test_the_city_scale_grid_of_300_beats_shares_borders_exactly_with_its_grid_neighbours():
    rows, cols = 15, 20
    polygons = grid_polygons(rows, cols, west=-101.0, north=44.2, cell=0.0072, seed=11)
    rook = {
        ((r, c), (r + dr, c + dc))
        for r in range(rows)
        for c in range(cols)
        for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))
        if 0 <= r + dr < rows and 0 <= c + dc < cols
    }
    assert shared_borders(polygons) == rook
    assert shapely.coverage_is_valid(list(polygons.values()))
