"""Area boundaries: read from GeoJSON or WKT, simplified once for display, stored as GeoJSON.

Shapes are longitude and latitude (EPSG:4326, as GeoJSON requires). All the shapes of one
import are simplified together as one coverage (`shapely.coverage_simplify`), so two
neighbouring areas keep one shared border, with no slivers or gaps opening between them.
The tolerance is 1/2000 of the larger side of all the shapes' extent: about 25 m across
London's boroughs, far below what a map on a wall can show. Each area also gets a point
inside it (its pole of inaccessibility) where its name is written.

Which areas share a border is worked out from the shapes as they were read, before
simplifying (`shared_borders`): the displacement buffer of an evaluation uses it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

TOLERANCE_SHARE = 1 / 2000  # of the larger side of the shapes' extent
DIGITS = 6  # about 0.1 m in latitude: stored coordinates are rounded to this


class BoundaryRefused(ValueError):
    """A shape that cannot be used; the message gives the rule it breaks."""


@dataclass(frozen=True)
class Boundary:
    """An area's shape as stored: GeoJSON geometry text and a label point."""

    geojson: str
    label_lon: float
    label_lat: float
    vertices_read: int
    vertices_kept: int


def parse(value: str | dict) -> Polygon | MultiPolygon:
    """A polygon or multipolygon from a GeoJSON geometry (object or text) or WKT text.

    Raises BoundaryRefused naming the rule: not readable, not an area's shape, empty, or
    coordinates that are not longitude and latitude. A self-intersecting shape is repaired
    (`shapely.make_valid`), keeping its polygons."""
    try:
        if isinstance(value, dict):
            geometry = shape(value)
        elif value.lstrip().startswith("{"):
            geometry = shape(json.loads(value))
        else:
            geometry = shapely.from_wkt(value)
    except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise BoundaryRefused(
            "a boundary must be a GeoJSON geometry or WKT (e.g. 'POLYGON ((...))')"
        ) from exc
    if geometry is None or geometry.is_empty:
        raise BoundaryRefused("the boundary is empty")
    if not isinstance(geometry, Polygon | MultiPolygon):
        raise BoundaryRefused(f"a boundary must be a Polygon or MultiPolygon, not a {geometry.geom_type}")
    west, south, east, north = geometry.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise BoundaryRefused(
            "coordinates must be longitude and latitude (EPSG:4326); these look projected "
            "(metres or feet): convert the file to EPSG:4326 first"
        )
    if not geometry.is_valid:
        polygons = [g for g in _parts(shapely.make_valid(geometry)) if not g.is_empty]
        geometry = MultiPolygon(polygons) if len(polygons) > 1 else polygons[0]
    return geometry


def _parts(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry]
    return [p for g in getattr(geometry, "geoms", ()) for p in _parts(g)]


def simplify(shapes: dict[str, Polygon | MultiPolygon]) -> dict[str, Boundary]:
    """Each shape simplified for display, as stored. Shapes that do not overlap are simplified
    as one coverage (shared borders stay shared); overlapping ones each on their own."""
    if not shapes:
        return {}
    codes = list(shapes)
    geometries = [shapes[c] for c in codes]
    tolerance = _tolerance(geometries)
    if shapely.coverage_is_valid(geometries):
        simple = list(shapely.coverage_simplify(geometries, tolerance))
    else:
        simple = [shapely.simplify(g, tolerance, preserve_topology=True) for g in geometries]
    out = {}
    for code, read, kept in zip(codes, geometries, simple, strict=True):
        if kept.is_empty or kept.area == 0:
            kept = read  # too small to simplify at this tolerance: keep it as read
        kept = shapely.set_precision(kept, 10**-DIGITS) if not kept.is_empty else kept
        if kept.is_empty:
            kept = read
        lon, lat = label_point(kept)
        out[code] = Boundary(
            geojson=json.dumps(mapping(kept), separators=(",", ":")),
            label_lon=round(lon, DIGITS),
            label_lat=round(lat, DIGITS),
            vertices_read=shapely.get_num_coordinates(read),
            vertices_kept=shapely.get_num_coordinates(kept),
        )
    return out


def _tolerance(geometries: list[BaseGeometry]) -> float:
    west, south, east, north = shapely.total_bounds(geometries)
    return max(east - west, north - south) * TOLERANCE_SHARE


def label_point(geometry: Polygon | MultiPolygon) -> tuple[float, float]:
    """Where to write the area's name: the point of its largest part farthest from an edge."""
    largest = max(_parts(geometry), key=lambda p: p.area)
    west, south, east, north = largest.bounds
    point = polylabel(largest, tolerance=max(east - west, north - south) / 200)
    return point.x, point.y


def shared_borders(shapes: dict[str, Polygon | MultiPolygon]) -> set[tuple[str, str]]:
    """Pairs of codes (both orders) whose shapes share a stretch of border, not just a corner.

    Borders drawn by different hands rarely meet exactly, so a border is shared where the two
    shapes come within 1/20,000 of the extent of each other (about 2.5 m across London) for
    at least ten times that length."""
    codes = list(shapes)
    geometries = [shapes[c] for c in codes]
    if len(geometries) < 2:
        return set()
    eps = _tolerance(geometries) / 10
    tree = shapely.STRtree(geometries)
    pairs: set[tuple[str, str]] = set()
    left, right = tree.query(geometries, predicate="dwithin", distance=eps)
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        a, b = geometries[i], geometries[j]
        if a.boundary.intersection(b.buffer(eps)).length >= 10 * eps:
            pairs.add((codes[i], codes[j]))
            pairs.add((codes[j], codes[i]))
    return pairs
