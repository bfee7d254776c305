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
import textwrap
from dataclasses import dataclass, replace

import pandas as pd
import plotly.graph_objects as go

from charts.figures import base_figure
from charts.theme import (
    DIVERGING_5,
    GRID,
    INK,
    MAP_VERDICT_COLOURS,
    MUTED,
    NO_DATA,
    OKABE_ITO,
    OUTSIDE,
    SEQUENTIAL_5,
    text_on,
)
from metrics.maps import MapArea, Roles, relative_class, relative_classes, score_class
from metrics.publish import FEWER_THAN, NOT_SHOWN

NO_DATA_PATTERN = "/"  # hatching for "no data"
FEWER_PATTERN = "."  # dots for "fewer than 11": known to be small, not shown
CHANCE_PATTERN = "x"  # cross-hatched over a verdict's colour: the call may be chance


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
    outline: str = ""  # the legend of an edge drawn over every fill (a partnership's, its comparison's)


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
    basemap: str | None = None,
    legend_wrap: int | None = None,
) -> go.Figure:
    """One filled shape per area in `shades` (areas without a shade are not drawn), largest
    first so that a small area inside a larger one stays on top; a legend entry per class,
    in `legend_order` (classes not listed follow in the order met); a text label at each
    area's label point where its shade has one. With `basemap` (a tile URL template, the
    COMMONGROUND_BASEMAP setting), the shapes are drawn over those tiles instead
    (`tile_map`); without it nothing outside is ever asked for. `legend_wrap`: break legend
    entries longer than that many characters over lines, so that they fit a phone."""
    fig = base_figure(title, "", height=height)
    drawn = [a for a in areas if a.id in shades]
    order = list(legend_order or [])
    for a in drawn:
        for legend in (shades[a.id].legend, shades[a.id].outline):
            if legend and legend not in order:
                order.append(legend)
    if basemap:
        return tile_map(fig, drawn, shades, order, basemap)
    seen: set[str] = set()
    for a in drawn:
        shade = shades[a.id]
        xs, ys = _path([a])
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=shade.colour,
                fillpattern={"shape": shade.pattern, "fgcolor": MUTED, "bgcolor": shade.colour, "size": 10}
                if shade.pattern
                else None,
                line={"color": shade.edge, "width": shade.edge_width, "dash": shade.dash},
                hoveron="fills",
                hoverinfo="text",
                text=html.escape(shade.hover).replace("\n", "<br>"),
                name=_legend_name(shade.legend, legend_wrap),
                legendgroup=shade.legend,
                legendrank=order.index(shade.legend),
                showlegend=shade.legend not in seen,
                meta={"area": a.code},
            )
        )
        seen.add(shade.legend)
    _outlines(fig, drawn, shades, order, legend_wrap)
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


def _path(areas: list[MapArea]) -> tuple[list[float | None], list[float | None]]:
    """The areas' rings as one line of x and y, a gap (None) between rings."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a in areas:
        for ring in a.rings:
            xs += [x for x, _ in ring] + [None]
            ys += [y for _, y in ring] + [None]
    return xs[:-1], ys[:-1]


def _legend_name(legend: str, wrap: int | None) -> str:
    lines = textwrap.wrap(legend, wrap) if wrap else [legend]
    return "<br>".join(html.escape(line) for line in lines)


def _outlines(
    fig: go.Figure, drawn: list[MapArea], shades: dict[int, Shade], order: list[str], wrap: int | None
) -> None:
    """The edges that carry a meaning (`Shade.outline`), one line-only trace per style, drawn
    after every fill so that no neighbour's grey border paints over them; each is a legend
    entry ('Central Transit: black edge', 'Comparison areas for trust (dashed)') unless a
    class of fills already has that name (its swatch shows the edge)."""
    classes = {shades[a.id].legend for a in drawn}
    styles: dict[str, list[MapArea]] = {}
    for a in drawn:
        if shades[a.id].outline:
            styles.setdefault(shades[a.id].outline, []).append(a)
    for legend, members in styles.items():
        first = shades[members[0].id]
        xs, ys = _path(members)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": first.edge, "width": first.edge_width, "dash": first.dash},
                hoverinfo="skip",
                name=_legend_name(legend, wrap),
                legendgroup=legend,
                legendrank=order.index(legend),
                showlegend=legend not in classes,
                meta={"outline": [a.code for a in members]},
            )
        )


def tile_map(fig: go.Figure, drawn: list[MapArea], shades: dict[int, Shade], order: list[str], basemap: str):
    """The areas over a tile server's map (`basemap`, e.g. https://tiles.example/{z}/{x}/{y}.png):
    one choropleth trace per class, so the legend still names each class. Tiles cannot be
    hatched or dashed: a class's pattern and an outline's dash are told in its legend and
    hover only, and there are no direct labels (map labels would fetch fonts from elsewhere)."""
    for legend in order:
        members = [a for a in drawn if shades[a.id].legend == legend]
        if not members:
            continue
        colour = shades[members[0].id].colour
        fig.add_trace(
            go.Choroplethmap(
                geojson={"type": "FeatureCollection", "features": [_feature(a) for a in members]},
                locations=[a.code for a in members],
                z=[0] * len(members),
                colorscale=[[0, colour], [1, colour]],
                showscale=False,
                marker={
                    "opacity": 0.75,  # the tiles show through
                    "line": {
                        "color": [shades[a.id].edge for a in members],
                        "width": [shades[a.id].edge_width for a in members],
                    },
                },
                hovertext=[html.escape(shades[a.id].hover).replace("\n", "<br>") for a in members],
                hoverinfo="text",
                name=html.escape(legend),
                showlegend=True,
                meta={"areas": [a.code for a in members]},
            )
        )
    points = [p for a in drawn for ring in a.rings for p in ring] or [(0.0, 0.0)]
    lons, lats = [x for x, _ in points], [y for _, y in points]
    span = max(max(lons) - min(lons), (max(lats) - min(lats)) * lat_scale(min(lats), max(lats)), 1e-6)
    fig.update_layout(
        map={
            "style": "white-bg",
            "layers": [{"sourcetype": "raster", "source": [basemap], "below": "traces"}],
            "center": {"lon": (min(lons) + max(lons)) / 2, "lat": (min(lats) + max(lats)) / 2},
            "zoom": math.log2(360 * 1.1 / span),  # the areas fit a map some 550 px wide
        },
        legend={"orientation": "v", "yanchor": "top", "y": 1, "x": 1.01, "xanchor": "left"},
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        hoverlabel={"bgcolor": "white", "bordercolor": INK},
    )
    return fig


def _feature(area: MapArea) -> dict:
    return {
        "type": "Feature",
        "id": area.code,
        "geometry": {
            "type": "MultiPolygon",
            "coordinates": [[[list(p) for p in ring]] for ring in area.rings],
        },
    }


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
    codes = []
    for t in fig.data:
        if isinstance(t, go.Choroplethmap):
            codes += list(t.locations)
        elif getattr(t, "fill", None) == "toself" and t.meta:
            codes.append(t.meta["area"])
    return codes


# --- the pages' maps: shades for a crime rate, a verdict or score, a partnership's places ---

OTHER_AREAS = "Other areas"
NO_PARTNERSHIP = "In no partnership"
ROLE_LEGENDS = (
    "This partnership's areas",
    "Comparison areas",
    "Neighbours (displacement buffer)",
    "Other partnerships' areas",
)
# Comparison areas are neutral and dashed (as on every map): orange means "above the city rate".
ROLE_COLOURS = dict(zip(ROLE_LEGENDS, (OKABE_ITO["blue"], "#FFFFFF", SEQUENTIAL_5[1], GRID), strict=True))
# How a partnership's places are edged on a rate map, whose fills are the rates' classes.
ROLE_EDGES = dict(zip(ROLE_LEGENDS[:3], (("solid", 3.0), ("dash", 2.5), ("dot", 2.5)), strict=True))
OUTLINED = "Comparison areas (dashed)"
FEWER = "Fewer than 11 crimes: no rate"
NO_POPULATION = "Population not recorded, so no rate"
PROTECTED = "Not shown (protects a small count)"
NOT_EVALUATED = "Not yet evaluated"
NOT_ENOUGH = "Not enough data to judge"


def context(area: MapArea, legend: str = OTHER_AREAS) -> Shade:
    """A light neutral area drawn only so that the others sit in their city."""
    return Shade(legend, OUTSIDE, f"{area.name}: {legend.lower()}", edge="#BDBDBD", edge_width=0.5)


def rate_shades(areas: list[MapArea], rates: pd.DataFrame, city_rate: float | None) -> dict[int, Shade]:
    """Each area's crime rate (`metrics.maps.crime_rates`, one row per area) as a class
    around the city's rate (`relative_classes`), its count beside the rate in the hover; a
    count the public rules hide shows 'fewer than 11' (dotted) or 'not shown', never a
    rate; no data is grey and hatched."""
    by_area = rates.set_index("area_id")
    shades: dict[int, Shade] = {}
    for a in areas:
        if a.id not in by_area.index:
            shades[a.id] = context(a)
            continue
        row = by_area.loc[a.id]
        people = (
            f"{int(row['population']):,} residents" if pd.notna(row["population"]) else "population unknown"
        )
        rate = row["rate"]
        if pd.notna(rate) and city_rate:
            cls = relative_class(float(rate), city_rate)
            hover = (
                f"{a.name}: {float(rate):,.1f} crimes per 1,000 residents a year\n"
                f"{row['count_text']} crimes; {people}"
            )
            if row["flag"]:
                hover += f"\n{row['flag']}: read with care"
            shades[a.id] = Shade(cls.label, DIVERGING_5[cls.rank], hover)
        elif row["count_text"] == FEWER_THAN and row["months"]:
            shades[a.id] = Shade(
                FEWER, NO_DATA, f"{a.name}: {FEWER_THAN} crimes; no rate shown", pattern=FEWER_PATTERN
            )
        elif row["count_text"] == NOT_SHOWN and row["months"]:
            hover = f"{a.name}: not shown, so that a small count elsewhere cannot be worked out"
            shades[a.id] = Shade(PROTECTED, NO_DATA, hover, pattern=FEWER_PATTERN)
        elif row["months"]:
            shades[a.id] = no_data(f"{a.name}: {NO_POPULATION.lower()}", NO_POPULATION)
        else:
            shades[a.id] = no_data(f"{a.name}: no data (no crime data in this period)")
    return shades


def rate_legend(city_rate: float | None) -> list[str]:
    """The rate map's legend, low to high, then what has no rate."""
    classes = [c.label for c in relative_classes(city_rate)] if city_rate else []
    return [*classes, FEWER, PROTECTED, NO_POPULATION, "No data", OTHER_AREAS]


@dataclass(frozen=True)
class Standing:
    """How one partnership is coloured on the Overview map: its class, colour, and the
    words the hover says ('Improved: -12% (-20% to -3%)', 'trust 61 (n = 240)')."""

    legend: str
    colour: str
    words: str
    pattern: str = ""


def verdict_standing(
    verdict: str | None, words: str, legend: str | None = None, chance: bool = False
) -> Standing:
    """A verdict's map colour (`MAP_VERDICT_COLOURS`) under `legend` (the verdict table's
    word for it); a call that may be chance (`chance`) cross-hatched over its colour; none yet
    or too little data: grey hatched."""
    if verdict in MAP_VERDICT_COLOURS:
        pattern = CHANCE_PATTERN if chance else ""
        return Standing(legend or verdict, MAP_VERDICT_COLOURS[verdict], words, pattern)
    legend = NOT_EVALUATED if verdict is None else NOT_ENOUGH
    return Standing(legend, NO_DATA, words or legend.lower(), NO_DATA_PATTERN)


def score_standing(score: float | None, words: str) -> Standing:
    """A 0-100 score's class (`score_classes`) on the sequential scale; no score shown (none
    asked, or too few for the public rules): grey hatched."""
    if score is None:
        return Standing("No score shown", NO_DATA, words, NO_DATA_PATTERN)
    cls = score_class(score)
    return Standing(cls.label, SEQUENTIAL_5[cls.rank], words)


def partnership_shades(
    areas: list[MapArea],
    owners: dict[int, list[tuple[str, str]]],
    standings: dict[str, Standing],
    notes: dict[str, str],
    chosen: str | None = None,
    outlined: set[int] | frozenset[int] = frozenset(),
    *,
    compared: str = "",
    labels: dict[int, str] | None = None,
) -> dict[int, Shade]:
    """Every area: a partnership's area in its partnership's `Standing` (the first by name
    where two share it; the hover names both), the `chosen` partnership's areas edged in
    black and its comparison areas (`outlined`, those for the outcome `compared`) dashed,
    both edges drawn over every fill; the rest in a light neutral. `owners`: area id ->
    [(code, name)]; `notes`: code -> a sentence on its comparison; `labels`: area id -> the
    direct label it carries (a partnership's number, once per partnership)."""
    labels = labels or {}
    shades: dict[int, Shade] = {}
    chosen_name = next((n for mine in owners.values() for c, n in mine if c == chosen), "")
    for a in areas:
        mine = owners.get(a.id, [])
        if not mine:
            shade = context(a, NO_PARTNERSHIP)
            if a.id in outlined:
                shade = Shade(
                    NO_PARTNERSHIP,
                    OUTSIDE,
                    f"{a.name}: a comparison area of {chosen_name or 'the chosen partnership'}"
                    + (f" for {compared}" if compared else ""),
                    edge=INK,
                    edge_width=2.5,
                    dash="dash",
                    outline=comparison_legend(compared),
                )
            shades[a.id] = shade
            continue
        lines = [a.name] + [f"{name}: {standings[code].words}\n{notes.get(code, '')}" for code, name in mine]
        first = standings[mine[0][0]]
        ours = chosen in (code for code, _ in mine)
        shades[a.id] = Shade(
            first.legend,
            first.colour,
            "\n".join(line.rstrip() for line in lines),
            label=labels.get(a.id, ""),
            pattern=first.pattern,
            edge=INK if ours else "#737373",
            edge_width=3 if ours else 0.75,
            outline=f"{chosen_name}: black edge" if ours else "",
        )
    return shades


def comparison_legend(compared: str) -> str:
    """'Comparison areas for trust (dashed)': the set belongs to one outcome."""
    return f"Comparison areas for {compared} (dashed)" if compared else OUTLINED


def label_points(owners: dict[int, list[tuple[str, str]]], areas: list[MapArea]) -> dict[str, MapArea]:
    """One area per partnership to carry its label: of its areas, the one whose label point
    lies farthest from the labels already placed (partnerships by name), so that labels do
    not collide where partnerships meet."""
    by_code: dict[str, list[MapArea]] = {}
    names: dict[str, str] = {}
    for a in areas:
        for code, name in owners.get(a.id, []):
            by_code.setdefault(code, []).append(a)
            names[code] = name
    placed: dict[str, MapArea] = {}
    scale = lat_scale(min(a.label_lat for a in areas), max(a.label_lat for a in areas)) if areas else 1.0
    for code in sorted(by_code, key=lambda c: names[c]):
        taken = {p.id for p in placed.values()}
        free = [a for a in by_code[code] if a.id not in taken] or by_code[code]

        def room(a: MapArea) -> float:
            return min(
                (
                    math.hypot(a.label_lon - p.label_lon, (a.label_lat - p.label_lat) * scale)
                    for p in placed.values()
                ),
                default=0.0,
            )

        placed[code] = max(free, key=lambda a: (room(a), -a.id))
    return placed


def standing_legend(classes: list[str]) -> list[str]:
    return [*classes, NOT_ENOUGH, NOT_EVALUATED, "No score shown", NO_PARTNERSHIP]


def role_shades(areas: list[MapArea], roles: Roles, compared: str = "") -> dict[int, Shade]:
    """A partnership's areas, comparison areas (those for the outcome `compared`: white,
    edged in black dashes over every fill) and buffer, each named on the map and in the
    legend; every other area as context."""
    of = roles_of(roles)
    shades = {}
    for a in areas:
        legend = of.get(a.id)
        if legend is None:
            shades[a.id] = context(a)
            continue
        hover = f"{a.name}: {legend[0].lower() + legend[1:]}"
        named = legend != ROLE_LEGENDS[3]  # other partnerships' areas: context, named on hover
        # a word a line: names stay narrow, so neighbours' names do not run into each other
        label = a.name.replace(" ", "\n") if named else ""
        shade = Shade(legend, ROLE_COLOURS[legend], hover, label=label)
        if legend == ROLE_LEGENDS[1]:  # one legend entry, naming the outcome, its swatch dashed
            hover += f" for {compared}" if compared else ""
            named = comparison_legend(compared)
            shade = replace(
                shade, legend=named, hover=hover, edge=INK, edge_width=2.5, dash="dash", outline=named
            )
        shades[a.id] = shade
    return shades


def roles_of(roles: Roles) -> dict[int, str]:
    """Each of the partnership's places -> its role's legend (its own areas first)."""
    of: dict[int, str] = {}
    groups = (roles.treated, roles.comparison, roles.buffer, roles.others)
    for legend, ids in zip(ROLE_LEGENDS, groups, strict=True):
        for i in ids:
            of.setdefault(i, legend)
    return of


def edged(shades: dict[int, Shade], roles: Roles, compared: str = "") -> dict[int, Shade]:
    """A rate map's shades with a partnership's places edged (`ROLE_EDGES`) over every fill:
    its areas in a solid black line, its comparison areas (for the outcome `compared`)
    dashed, its buffer dotted; the hover and the legend say which."""
    outlines = {
        ROLE_LEGENDS[0]: f"{roles.name}: black edge",
        ROLE_LEGENDS[1]: comparison_legend(compared),
        ROLE_LEGENDS[2]: "Neighbours (displacement buffer): dotted edge",
    }
    out = dict(shades)
    for area_id, legend in roles_of(roles).items():
        if area_id in out and legend in ROLE_EDGES:
            dash, width = ROLE_EDGES[legend]
            shade = out[area_id]
            said = outlines[legend].removesuffix(" (dashed)").removesuffix(": dotted edge")
            out[area_id] = replace(
                shade,
                hover=f"{shade.hover}\n{said if legend != ROLE_LEGENDS[0] else legend}",
                edge=INK,
                edge_width=width,
                dash=dash,
                outline=outlines[legend],
            )
    return out
