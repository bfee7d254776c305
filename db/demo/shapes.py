"""Plausible boundaries for the demo's grid of areas.

The demo's areas sit on a grid whose neighbours (up, down, left, right) share a border
(db/demo/generate.py, db/demo/scale.py). Their shapes are that grid made irregular: every
inner corner is moved by up to a fifth of a cell, and every edge bends through a few points
that both areas on either side of it share. So two areas share a border exactly when the
neighbour table says they do, and diagonal areas meet at a corner only.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import Polygon

from db.boundaries import simplify

JITTER = 0.2  # of a cell: how far an inner corner moves
BEND = 0.07  # of a cell: how far an edge's inner points move across it
BENDS = 3  # inner points per edge


def grid_polygons(
    rows: int, cols: int, *, west: float, north: float, cell: float, seed: int
) -> dict[tuple[int, int], Polygon]:
    """Polygons in longitude and latitude for a rows x cols grid, row 0 at the north.

    `cell` is a cell's height in degrees of latitude; its width in degrees of longitude is
    stretched so that cells are about square on the ground."""
    rng = np.random.default_rng(seed)
    width = cell / np.cos(np.radians(north))
    corners = np.zeros((rows + 1, cols + 1, 2))
    for r in range(rows + 1):
        for c in range(cols + 1):
            dx, dy = rng.uniform(-JITTER, JITTER, 2) if 0 < r < rows and 0 < c < cols else (0.0, 0.0)
            corners[r, c] = (west + (c + dx) * width, north - (r + dy) * cell)
    edges: dict[tuple[tuple[int, int], tuple[int, int]], list[tuple[float, float]]] = {}

    def edge(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[float, float]]:
        """Points from corner a to corner b, bent the same way whichever cell asks."""
        key = (a, b) if a < b else (b, a)
        if key not in edges:
            start, end = corners[key[0]], corners[key[1]]
            outer = key[0][0] == key[1][0] in (0, rows) or key[0][1] == key[1][1] in (0, cols)
            normal = np.array([-(end - start)[1], (end - start)[0]])
            normal = normal / np.hypot(*normal) * cell
            points = [tuple(start)]
            for t in np.linspace(0, 1, BENDS + 2)[1:-1]:
                shift = 0.0 if outer else rng.uniform(-BEND, BEND)
                points.append(tuple(start + (end - start) * t + normal * shift))
            edges[key] = points + [tuple(end)]
        points = edges[key]
        return points if key[0] == a else points[::-1]

    polygons = {}
    for r in range(rows):
        for c in range(cols):
            ring = (
                edge((r, c), (r, c + 1))[:-1]
                + edge((r, c + 1), (r + 1, c + 1))[:-1]
                + edge((r + 1, c + 1), (r + 1, c))[:-1]
                + edge((r + 1, c), (r, c))[:-1]
            )
            polygons[(r, c)] = Polygon([(float(x), float(y)) for x, y in ring])
    return polygons


def add_boundaries(
    areas: list[dict], grid: dict[tuple[int, int], int], *, west: float, north: float, cell: float, seed: int
) -> None:
    """Give the demo's area rows (dicts with id and parent_id) their stored boundary: the
    grid's areas a polygon each, every parent the union of its children's shapes."""
    rows = 1 + max(r for r, _c in grid)
    cols = 1 + max(c for _r, c in grid)
    polygons = grid_polygons(rows, cols, west=west, north=north, cell=cell, seed=seed)
    by_id = {a["id"]: a for a in areas}
    levels = [{area_id: polygons[rc] for rc, area_id in grid.items()}]
    while True:
        parents: dict[int, list] = {}
        for area_id, polygon in levels[-1].items():
            parent = by_id[area_id].get("parent_id")
            if parent is not None:
                parents.setdefault(parent, []).append(polygon)
        if not parents:
            break
        levels.append({p: shapely.union_all(parts) for p, parts in parents.items()})
    for area in areas:
        area.update(boundary=None, label_lon=None, label_lat=None)
    for level in levels:
        for area_id, stored in simplify(level).items():
            by_id[area_id].update(
                boundary=stored.geojson, label_lon=stored.label_lon, label_lat=stored.label_lat
            )
