"""Maps from the areas' stored shapes, drawn with no tile server.

Every map is one builder, `area_map`: each area is a filled shape on plain axes of
longitude and latitude (stretched so that shapes keep their proportions), so it draws
offline, on a projector and in a static export alike. A shape's colour comes from its
class (`metrics.maps`), and its hover text says what the colour means in words. Areas
with no data are grey and hatched, never a colour of the scale. On a slide nobody can
hover, so areas carry direct labels.

Pure: shapes and shades in, a Figure out; the caller has already applied the public rules.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import plotly.graph_objects as go

from charts.figures import base_figure
from charts.theme import INK, MUTED, NO_DATA, text_on
from metrics.maps import MapArea

NO_DATA_PATTERN = "/"  # hatching for "no data"
FEWER_PATTERN = "."  # dots for "fewer than 11": known to be small, not shown


@dataclass(frozen=True)
class Shade:
    """How one area is drawn: its legend class and colour, its hover text (plain words),
    an optional direct label, a fill pattern, and its outline."""

    legend: str
    colour: str
    hover: str
    label: str = ""
    pattern: str = ""
    edge: str = "#737373"  # mid-grey: a border shows against white and against every class
    edge_width: float = 0.75
    dash: str = "solid"


def no_data(hover: str, legend: str = "No data") -> Shade:
    """Grey and hatched: an area with nothing to show, never coloured as zero."""
    return Shade(legend, NO_DATA, hover, pattern=NO_DATA_PATTERN)


def area_map(
    areas: list[MapArea],
    shades: dict[int, Shade],
    title: str,
    *,
    legend_order: list[str] | None = None,
    height: int = 560,
    label_px: int = 14,
) -> go.Figure:
    """One filled shape per area in `shades` (areas without a shade are not drawn), largest
    first so that a small area inside a larger one stays on top; a legend entry per class,
    in `legend_order` (classes not listed follow in the order met); a text label at each
    area's label point where its shade has one."""
    fig = base_figure(title, "", height=height)
    drawn = [a for a in areas if a.id in shades]
    order = list(legend_order or [])
    for a in drawn:
        if shades[a.id].legend not in order:
            order.append(shades[a.id].legend)
    seen: set[str] = set()
    for a in drawn:
        shade = shades[a.id]
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in a.rings:
            xs += [x for x, _ in ring] + [None]
            ys += [y for _, y in ring] + [None]
        fig.add_trace(
            go.Scatter(
                x=xs[:-1],
                y=ys[:-1],
                mode="lines",
                fill="toself",
                fillcolor=shade.colour,
                fillpattern={"shape": shade.pattern, "fgcolor": MUTED, "bgcolor": shade.colour, "size": 10}
                if shade.pattern
                else None,
                line={"color": shade.edge, "width": shade.edge_width, "dash": shade.dash},
                hoveron="fills",
                hoverinfo="text",
                text=html.escape(shade.hover),
                name=html.escape(shade.legend),
                legendgroup=shade.legend,
                legendrank=order.index(shade.legend),
                showlegend=shade.legend not in seen,
                meta={"area": a.code},
            )
        )
        seen.add(shade.legend)
    labelled = [a for a in drawn if shades[a.id].label]
    if labelled:
        fig.add_trace(
            go.Scatter(
                x=[a.label_lon for a in labelled],
                y=[a.label_lat for a in labelled],
                mode="text",
                text=[html.escape(shades[a.id].label).replace("\n", "<br>") for a in labelled],
                textfont={"size": label_px, "color": [_label_colour(shades[a.id]) for a in labelled]},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    _fit(fig, drawn)
    return fig


def _label_colour(shade: Shade) -> str:
    return INK if shade.pattern else text_on(shade.colour)


def lat_scale(south: float, north: float) -> float:
    """How much longer a degree of latitude is than a degree of longitude at these latitudes:
    a flat map of longitude and latitude stretched by it keeps shapes' proportions."""
    return 1 / math.cos(math.radians((south + north) / 2))


def _fit(fig: go.Figure, areas: list[MapArea]) -> None:
    """Axes hidden, longitude and latitude at the same scale on the ground."""
    points = [p for a in areas for ring in a.rings for p in ring]
    scale = 1.0
    if points:
        lats = [y for _, y in points]
        scale = lat_scale(min(lats), max(lats))
    hidden = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": False}
    fig.update_xaxes(**hidden, constrain="domain")
    fig.update_yaxes(**hidden, scaleanchor="x", scaleratio=scale, constrain="domain")
    fig.update_layout(
        legend={"orientation": "v", "yanchor": "top", "y": 1, "x": 1.01, "xanchor": "left"},
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        hoverlabel={"bgcolor": "white", "bordercolor": INK},
    )


def drawn_areas(fig: go.Figure) -> list[str]:
    """Codes of the areas a map draws, one per shape (for tests and chart data)."""
    return [t.meta["area"] for t in fig.data if t.fill == "toself" and t.meta]
