"""Charts for a room: the same template, sized for a 1920x1080 projector and read from
the back (titles 44 px, axis text 24 px, thick lines), one idea per chart.

Pure functions of numbers the caller has already made public-safe (see metrics.publish).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cache

import plotly.graph_objects as go
import shapely
import shapely.prepared
from PIL import ImageFont

from charts.figures import base_figure
from charts.maps import FEWER_PATTERN, NO_DATA_PATTERN, Shade, area_map, no_data
from charts.theme import DIVERGING_5, INK, MUTED, NO_DATA, OKABE_ITO, text_on, verdict_fill
from metrics.formatting import verdict_label
from metrics.maps import MapArea

SLIDE_WIDTH, SLIDE_HEIGHT = 1920, 1080
CHART_HEIGHT = 760  # the rest of the slide holds the caption and the source line
TITLE_PX, AXIS_PX, TEXT_PX = 44, 24, 26
CAPTION_PX, SOURCE_PX = 30, 20
LEFT, RIGHT, TOP = 110, 60, 110  # the slide's margins, in pixels
LINE = 1.32  # line height, in font sizes


def table_header(headers: list[str]) -> dict:
    """A slide table's header row: 30 px dark text on white, ruled, left-aligned."""
    return {
        "values": headers,
        "font": {"size": 30, "color": INK},
        "fill_color": "#ffffff",
        "align": "left",
        "height": 56,
        "line_color": INK,
    }


def projected(fig: go.Figure, height: int = CHART_HEIGHT) -> go.Figure:
    """Restyle a chart for projection: bigger type, thicker lines, room for it all."""
    fig.update_layout(
        height=height,
        font={"size": TEXT_PX},
        title={"font": {"size": TITLE_PX}, "x": 0, "xref": "paper", "xanchor": "left"},
        legend={"font": {"size": AXIS_PX}, "y": -0.14},
        margin={"l": 110, "r": 60, "t": 110, "b": 120},
        hoverlabel={"font": {"size": AXIS_PX}},
    )
    fig.update_xaxes(tickfont={"size": AXIS_PX}, title={"font": {"size": TEXT_PX}})
    fig.update_yaxes(tickfont={"size": AXIS_PX}, title={"font": {"size": TEXT_PX}})
    for trace in fig.data:  # thick lines, but bands and hidden edges stay as they are
        if trace.type == "scatter" and not trace.fill and (trace.line.width is None or trace.line.width > 0):
            trace.update(line={"width": 6}, marker={"size": 14})
    fig.update_annotations(font={"size": AXIS_PX})
    return fig


def before_after_bars(labels: list[str], before: list, after: list, texts: tuple[list, list], title: str):
    """Counts per group in the months before and after the start, side by side. A None
    count (suppressed) draws no bar; its label says what is known ('fewer than 11')."""
    fig = base_figure(title, "Recorded crimes")
    for name, values, text, colour in (
        ("Before it began", before, texts[0], MUTED),
        ("After it began", after, texts[1], OKABE_ITO["blue"]),
    ):
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[0 if v is None else v for v in values],
                name=name,
                marker_color=colour,
                text=text,
                textposition="outside",
                textfont={"size": AXIS_PX},
                cliponaxis=False,
            )
        )
    fig.update_layout(barmode="group")
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return projected(fig)


def verdict_table(rows: list[dict], title: str, months: int = 12) -> go.Figure:
    """'Did it work?': one row per outcome with the verdict for the first `months` months
    (tinted), the verdict for the latest `months` months where there is one, and the first
    window's change against comparable areas with its 95% interval."""
    fig = base_figure(title, "")
    latest = any(r.get("latest") for r in rows)
    headers = [
        "<b>Outcome</b>",
        f"<b>First {months} months</b>",
        *([f"<b>Latest {months} months</b>"] if latest else []),
        f"<b>Change, first {months} months</b>",
    ]
    values = [
        [r["label"] for r in rows],
        [verdict_label(r["verdict"]) + ("*" if r.get("may be chance") else "") for r in rows],
        *([[verdict_label(r.get("latest") or "") or "–" for r in rows]] if latest else []),
        [r["change"] for r in rows],
    ]
    fills = [
        ["#ffffff"] * len(rows),
        [verdict_fill(r["verdict"]) for r in rows],
        *([[verdict_fill(r.get("latest") or "") for r in rows]] if latest else []),
        ["#ffffff"] * len(rows),
    ]
    fig.add_trace(
        go.Table(
            columnwidth=[2.2, 2.2, 2.2, 3.6] if latest else [2.2, 2.2, 4.6],
            header=table_header(headers),
            cells={
                "values": values,
                "font": {"size": 30, "color": INK},
                "fill_color": fills,
                "align": "left",
                "height": 62,
                "line_color": "#bbbbbb",
            },
        )
    )
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False})
    return projected(fig)


def attendance_bars(quarters: list, attendance: list, texts: list[str], title: str) -> go.Figure:
    """People attending the partnership's meetings, per quarter (`quarters`: each quarter's
    first day), with one axis label a year."""
    fig = base_figure(title, "People attending meetings")
    fig.add_trace(
        go.Bar(
            x=quarters,
            y=[0 if v is None else v for v in attendance],
            marker_color=OKABE_ITO["blue"],
            text=texts,
            textposition="outside",
            textfont={"size": AXIS_PX},
            cliponaxis=False,
        )
    )
    fig.update_layout(showlegend=False)
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    # one label a year, however many quarters: a room cannot read 29 slanted labels
    fig.update_xaxes(dtick="M12", tickformat="%Y", ticklabelmode="period", tickangle=0)
    return projected(fig)


# --- maps for a room --------------------------------------------------------------------

MAP_LABEL_PX = 24  # direct labels: a name and a rate read from the back of the room
MAP_LEGEND_PX = CAPTION_PX  # the legend reads at the slide's body size
OUTLINE_PX = 6  # the partnership's own areas, outlined over everything else
CONTEXT_FILL, CONTEXT_EDGE = "#FFFFFF", "#C4C4C4"  # the rest of the city: white, light grey borders
SHADE_EDGE = INK  # coloured areas: a dark border, unlike the rest of the city's light one
OUTLINED = "The partnership's areas"
REST_OF_CITY = "Rest of the city (no label)"
FEWER_LEGEND = "Fewer than 11 crimes: no rate"
LEGEND_SWATCH_PX = 80  # a legend entry's swatch and gaps, beside its text
SWATCH_PX = 30
NAME_PX = 150  # a name wider than this at MAP_LABEL_PX breaks onto two lines
FRAME_MARGIN = 0.06  # the view: the partnership's areas and neighbours, and this share again each side
LABEL_LINE = 1.3  # plotly's line height for text, in font sizes
LABEL_PAD = 6  # pixels kept clear around a label's text
LABEL_STEP = 10  # pixels between the places tried for a label inside its area


def map_legend_title(period: str) -> list[str]:
    """The legend's title, which carries the map's period: 'Crime, Oct 2025 to Sep 2026:',
    'per 1,000 residents a year'."""
    return [f"Crime, {period}:", "per 1,000 residents a year"]


def class_shade(legend: str, rank: int, hover: str, label: str) -> Shade:
    """An area coloured by its class on the diverging scale (0 lowest, 4 highest)."""
    return Shade(legend, DIVERGING_5[rank], hover, label, edge=SHADE_EDGE, edge_width=2)


def small_shade(hover: str, label: str, legend: str = FEWER_LEGEND) -> Shade:
    """Grey and dotted: a count too small to show, so no rate and no colour of the scale."""
    return Shade(legend, NO_DATA, hover, label, pattern=FEWER_PATTERN, edge=SHADE_EDGE, edge_width=2)


def no_rate_shade(hover: str, label: str, legend: str = "No data") -> Shade:
    """Grey and hatched: nothing to show (no crime data, or no population for a rate)."""
    shade = no_data(hover, legend)
    return Shade(shade.legend, shade.colour, hover, label, shade.pattern, edge=SHADE_EDGE, edge_width=2)


def context_shade(hover: str) -> Shade:
    """The rest of the city: white with light grey borders, unlabelled, there only to say
    which part of town this is (never mistaken for the scale's near-white middle class,
    which has a dark border and a label)."""
    return Shade(REST_OF_CITY, CONTEXT_FILL, hover, edge=CONTEXT_EDGE, edge_width=1)


@dataclass(frozen=True)
class MapLabels:
    """Where the direct labels went: the figure, and the areas whose label was left off
    for want of room (their names, for the notes)."""

    figure: go.Figure
    dropped: list[str]


def slide_map(
    areas: list[MapArea],
    shades: dict[int, Shade],
    title: str,
    outlined: list[int],
    focus: list[int],
    legend_order: list[str],
    period: str,
    caption: str = "",
    source: str = "",
) -> MapLabels:
    """A map for a slide (charts.maps.area_map, sized for a room): the `outlined` areas
    (the partnership's) drawn over in a thick dark line, the view framed on the `focus`
    areas (the partnership's and their neighbours) with a margin, the rest of the city as
    white context; the legend at the right at the slide's body size, its title carrying
    `period`. Direct labels never overlap (`place_labels`): the outlined areas keep their
    full label, a neighbour's is shortened to its name, moved within its area, or left off."""
    fig = area_map(
        areas, shades, title, legend_order=legend_order, height=CHART_HEIGHT, label_px=MAP_LABEL_PX
    )
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a in areas:
        if a.id in outlined and a.id in shades:
            for ring in a.rings:
                xs += [x for x, _ in ring] + [None]
                ys += [y for _, y in ring] + [None]
    if xs:
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": INK, "width": OUTLINE_PX},
                name=OUTLINED,
                hoverinfo="skip",
                legendrank=len(legend_order) + 1,
            )
        )
    _swatches(fig)
    legend_title = map_legend_title(period)
    names = [t.name for t in fig.data if t.showlegend is not False and t.name] + legend_title
    right = legend_width(names)
    drawn = [a for a in areas if a.id in shades]
    width = SLIDE_WIDTH - LEFT - RIGHT - right
    height = SLIDE_HEIGHT - TOP - _slide_text_height(caption, source) - 40
    window = _frame(fig, drawn, set(focus) & {a.id for a in drawn}, (width, height))
    dropped = _label(fig, drawn, shades, set(outlined), window, (width, height)) if window else []
    fig.update_layout(
        font={"size": TEXT_PX},
        title={"font": {"size": TITLE_PX}, "x": 0, "xref": "paper", "xanchor": "left"},
        legend={
            "orientation": "v",
            "font": {"size": MAP_LEGEND_PX},
            "x": 1.02,
            "xanchor": "left",
            "y": 1,
            "yanchor": "top",
            "traceorder": "normal",
            "itemsizing": "trace",
            "title": {
                "text": "<br>".join(html.escape(t) for t in legend_title),
                "font": {"size": MAP_LEGEND_PX},
            },
        },
        margin={"l": 20, "r": right, "t": 110, "b": 20},
        hoverlabel={"font": {"size": AXIS_PX}},
    )
    return MapLabels(fig, dropped)


SWATCH_SYMBOLS = {"": "square", FEWER_PATTERN: "square-dot", NO_DATA_PATTERN: "square-x"}


def _swatches(fig: go.Figure) -> None:
    """Large square legend keys in place of the shapes' own (a thin line a room cannot
    see): a square of the class's colour with a dark outline (the rest of the city's keeps
    its light grey one, as on the map); a dot for 'fewer than 11', a cross for no data."""
    for trace in list(fig.data):
        if trace.fill != "toself" or trace.showlegend is False:
            continue
        trace.showlegend = False
        pattern = trace.fillpattern.shape if trace.fillpattern and trace.fillpattern.shape else ""
        context = trace.line.color == CONTEXT_EDGE
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={
                    "symbol": SWATCH_SYMBOLS.get(pattern, "square"),
                    "size": SWATCH_PX,
                    "color": trace.fillcolor,
                    "line": {"color": CONTEXT_EDGE if context else INK, "width": 2},
                },
                name=trace.name,
                legendrank=trace.legendrank,
                hoverinfo="skip",
            )
        )


def map_label(name: str, said: str) -> str:
    """A direct label: the area's name (on two lines where it is long), then what is said
    of it ('55', 'fewer than 11 crimes')."""
    return "\n".join([*wrap_to_width(name, NAME_PX, MAP_LABEL_PX), said])


def name_label(name: str) -> str:
    """A neighbour's label where its rate does not fit: the name alone."""
    return "\n".join(wrap_to_width(name, NAME_PX, MAP_LABEL_PX))


def legend_width(names: list[str]) -> int:
    """Pixels a vertical legend of these entries takes at the right of a slide's chart."""
    widest = max((text_width(html.unescape(n), MAP_LEGEND_PX) for n in names), default=0)
    return int(widest) + LEGEND_SWATCH_PX


def _slide_text_height(caption: str, source: str) -> int:
    """Pixels the caption and source line take under a slide's chart (as slide_figure lays
    them out)."""
    inner = SLIDE_WIDTH - LEFT - RIGHT
    caption_lines = wrap_to_width(caption, inner, CAPTION_PX) if caption else []
    source_lines = wrap_to_width(source, inner, SOURCE_PX) if source else []
    return int(len(caption_lines) * CAPTION_PX * LINE) + 12 + int(len(source_lines) * SOURCE_PX * LINE) + 8


Window = tuple[float, float, float, float, float]  # x0, y0, pixels per x unit, per y unit, lat scale


def _frame(fig: go.Figure, drawn: list[MapArea], focus: set[int], box: tuple[float, float]) -> Window | None:
    """The view: the focus areas (the partnership's and their neighbours) and FRAME_MARGIN
    of them again on every side, widened to the plot's shape (`box`, pixels); the rest of the
    city shows only where it falls inside. Returns the view's origin and scale, for labels."""
    inside = [p for a in drawn if a.id in focus for ring in a.rings for p in ring]
    if not inside:
        inside = [p for a in drawn for ring in a.rings for p in ring]
    if not inside:
        return None
    ratio = fig.layout.yaxis.scaleratio or 1.0
    (x_low, x_high), (y_low, y_high) = [
        (min(p[i] for p in inside), max(p[i] for p in inside)) for i in (0, 1)
    ]
    x_span = max(x_high - x_low, 1e-9) * (1 + 2 * FRAME_MARGIN)
    y_span = max(y_high - y_low, 1e-9) * (1 + 2 * FRAME_MARGIN)
    scale = min(box[0] / x_span, box[1] / (y_span * ratio))  # pixels per unit of x
    x_span, y_span = box[0] / scale, box[1] / (scale * ratio)
    x0 = (x_low + x_high - x_span) / 2
    y0 = (y_low + y_high - y_span) / 2
    fig.update_xaxes(range=[x0, x0 + x_span], autorange=False, constrain="range", constraintoward="center")
    fig.update_yaxes(range=[y0, y0 + y_span], autorange=False, constrain="range", constraintoward="middle")
    return x0, y0, scale, scale * ratio, box[1]


def label_box(text: str, x: float, y: float):
    """The rectangle (pixels) a label centred at (x, y) takes, LABEL_PAD clear around it."""
    lines = text.split("\n")
    half_w = max(text_width(line, MAP_LABEL_PX) for line in lines) / 2 + LABEL_PAD
    half_h = len(lines) * MAP_LABEL_PX * LABEL_LINE / 2 + LABEL_PAD / 2
    return shapely.box(x - half_w, y - half_h, x + half_w, y + half_h)


def place_labels(
    areas: list[MapArea], labels: dict[int, str], keep: set[int], window: Window, box: tuple[float, float]
) -> tuple[dict[int, tuple[float, float, str]], list[int]]:
    """Where each label goes, in pixels from the plot's bottom left, so that no two overlap
    and none leaves the plot: the `keep` areas' (the partnership's) first, whole where there
    is room anywhere inside them, else the name alone; then the
    others, largest first, whole only where the label fits inside the area, else the name
    alone; each at its label point or the nearest free place inside its area (and the
    plot); an area with no free place is left without a label (the partnership's own too:
    the caption and source line give their rates). Returns the places and the areas left off."""
    x0, y0, sx, sy, _ = window
    plot = shapely.box(0, 0, box[0], box[1])
    order = sorted((a for a in areas if labels.get(a.id)), key=lambda a: (a.id not in keep, -a.size))
    placed: dict[int, tuple[float, float, str]] = {}
    taken: list = []
    dropped: list[int] = []
    for a in order:
        shape = shapely.union_all(
            [
                shapely.Polygon([((x - x0) * sx, (y - y0) * sy) for x, y in ring])
                for ring in a.rings
                if len(ring) > 2
            ]
        ).buffer(0)
        spots = _spots(shape.intersection(plot), ((a.label_lon - x0) * sx, (a.label_lat - y0) * sy))
        full = labels[a.id]
        texts = [full, name_label(a.name)]
        spot = None
        for text in texts:
            whole_inside = a.id not in keep and text == full
            for x, y in spots:
                rect = label_box(text, x, y)
                if not plot.contains(rect) or any(rect.intersects(t) for t in taken):
                    continue
                if whole_inside and not shape.buffer(LABEL_PAD).contains(rect):
                    continue
                spot = (x, y, text)
                break
            if spot:
                break
        if spot is None:
            dropped.append(a.id)
            continue
        placed[a.id] = spot
        taken.append(label_box(spot[2], spot[0], spot[1]))
    return placed, dropped


def _spots(shape, point: tuple[float, float]) -> list[tuple[float, float]]:
    """Places to try for a label, nearest `point` (the area's label point) first: it, where
    it is inside `shape`, then a grid LABEL_STEP pixels apart over the part inside."""
    if shape.is_empty:
        return []
    prepared = shapely.prepared.prep(shape)
    x_low, y_low, x_high, y_high = shape.bounds
    grid = [
        (x_low + i * LABEL_STEP, y_low + j * LABEL_STEP)
        for i in range(int((x_high - x_low) / LABEL_STEP) + 1)
        for j in range(int((y_high - y_low) / LABEL_STEP) + 1)
    ]
    spots = [p for p in grid if prepared.contains(shapely.Point(p))]
    spots.sort(key=lambda p: (p[0] - point[0]) ** 2 + (p[1] - point[1]) ** 2)
    if prepared.contains(shapely.Point(point)):
        spots.insert(0, point)
    return spots


def _label(
    fig: go.Figure,
    drawn: list[MapArea],
    shades: dict[int, Shade],
    keep: set[int],
    window: Window,
    box: tuple[float, float],
) -> list[str]:
    """The map's text trace redrawn from `place_labels`; the names of areas left unlabelled."""
    labels = {a.id: shades[a.id].label for a in drawn if shades[a.id].label}
    placed, dropped = place_labels(drawn, labels, keep, window, box)
    x0, y0, sx, sy, _ = window
    by_id = {a.id: a for a in drawn}
    ids = [a.id for a in drawn if a.id in placed]
    fig.data = [t for t in fig.data if t.mode != "text"]
    if ids:
        fig.add_trace(
            go.Scatter(
                x=[x0 + placed[i][0] / sx for i in ids],
                y=[y0 + placed[i][1] / sy for i in ids],
                mode="text",
                text=[html.escape(placed[i][2]).replace("\n", "<br>") for i in ids],
                textfont={
                    "size": MAP_LABEL_PX,
                    "color": [INK if shades[i].pattern else text_on(shades[i].colour) for i in ids],
                    "shadow": "auto",
                },
                hoverinfo="skip",
                showlegend=False,
                meta={"labels": [by_id[i].code for i in ids]},
            )
        )
    return [by_id[i].name for i in dropped]


def is_map(fig: go.Figure) -> bool:
    """Whether a chart is a map (charts.maps.area_map: filled shapes that name their area);
    its legend and margins differ. (charts.maps.drawn_areas reads `fill`, which bars lack.)"""
    return any(t.type == "scatter" and t.fill == "toself" and t.meta for t in fig.data)


@cache
def _font(size: int):
    """The slides' font (DejaVu Sans, the template's first choice), to measure text; None
    where it is not installed, and then an average width stands in."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return None


def text_width(text: str, size: int) -> float:
    """How wide `text` is drawn at `size` px, in pixels."""
    font = _font(size)
    return font.getlength(text) if font else 0.62 * size * len(text)


def wrap_to_width(text: str, width: float, size: int) -> list[str]:
    """`text` broken into lines no wider than `width` pixels at `size` px (a single word
    longer than the line stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _block(lines: list[str]) -> str:
    """Plotly text for wrapped lines: escaped, so data never becomes markup."""
    return "<br>".join(html.escape(line) for line in lines)


def _below_the_plot(fig: go.Figure) -> int:
    """Pixels the chart needs under its plot area: tick labels, an axis title, the legend."""
    layout = fig.layout
    if any(trace.type == "table" for trace in fig.data):
        return 10
    pixels = 50
    if layout.xaxis.title.text:
        pixels += 60
    named = [t for t in fig.data if t.showlegend is not False and t.name]
    if layout.showlegend is not False and len(named) > 1:
        pixels += 56
    return pixels


def _left_of_the_plot(fig: go.Figure) -> int:
    """Pixels the chart needs left of its plot area: room for the longest label of a
    horizontal bar chart's categories, or of dots placed on named rows (groups); the axis
    title of others fits in LEFT."""
    labels = [str(y) for t in fig.data if t.type == "bar" and t.orientation == "h" for y in (t.y or ())]
    labels += [y for t in fig.data if t.type == "scatter" for y in (t.y or ()) if isinstance(y, str)]
    if not labels:
        return LEFT
    return max(LEFT, int(max(text_width(label, AXIS_PX) for label in labels)) + 40)


def _fit_table(fig: go.Figure, plot_height: int) -> None:
    """Rows of a table sized so that every one fits the plot area (never cut in half)."""
    for trace in fig.data:
        if trace.type == "table":
            rows = len(trace.cells.values[0]) if trace.cells.values else 0
            header = trace.header.height or 56
            if rows:
                trace.cells.height = max(36, min(92, int((plot_height - header - 8) / rows)))


def slide_figure(
    figure: go.Figure | None,
    title: str,
    caption: str,
    source: str,
    number: int,
    total: int,
) -> go.Figure:
    """A whole 1920x1080 slide as one figure: the title and slide number, the chart (or,
    for a text slide, nothing), then the caption in large type and a one-line source. The
    caption and source are wrapped by their drawn width, and the chart gives up the room
    they need, so nothing falls off the slide. What the room sees is exactly what the
    packet and the deck carry."""
    inner = SLIDE_WIDTH - LEFT - RIGHT  # the text spans the slide's margins, whatever the plot's
    text_slide = figure is None
    caption_px = CAPTION_PX + 8 if text_slide else CAPTION_PX
    caption_lines = wrap_to_width(caption, inner, caption_px)
    source_lines = wrap_to_width(source, inner, SOURCE_PX) if source else []
    caption_height = int(len(caption_lines) * caption_px * LINE) + 12
    source_height = int(len(source_lines) * SOURCE_PX * LINE) + 8
    fig = go.Figure(figure) if figure is not None else base_figure(title, "")
    mapped = not text_slide and is_map(fig)
    under = 0 if text_slide else (16 if mapped else _below_the_plot(fig))
    left = LEFT if text_slide else _left_of_the_plot(fig)
    right = RIGHT + (fig.layout.margin.r or 0) if mapped else RIGHT  # a map's legend is at its right
    text_x = (LEFT - left) / (SLIDE_WIDTH - left - right)  # the slide's left margin, in plot units
    bottom = under + caption_height + source_height + 24
    if text_slide:  # the caption sits under the title; the plot area stays empty
        bottom = SLIDE_HEIGHT - TOP - 40
    plot = SLIDE_HEIGHT - TOP - bottom

    def below(pixels: float) -> float:  # a distance under the plot area, in its units
        return -pixels / plot

    fig.update_layout(
        width=SLIDE_WIDTH,
        height=SLIDE_HEIGHT,
        autosize=False,
        margin={"l": left, "r": right, "t": TOP, "b": bottom, "autoexpand": False},
        title={
            "text": html.escape(title),
            "x": LEFT / SLIDE_WIDTH,
            "xref": "container",
            "xanchor": "left",
            "y": 1 - 40 / SLIDE_HEIGHT,
            "yanchor": "middle",
            "font": {"size": TITLE_PX + (12 if text_slide else 0)},
        },
    )
    if text_slide:
        fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False})
    elif not mapped:
        fig.update_layout(legend={"y": below(under - 50), "yanchor": "top", "x": text_x, "xanchor": "left"})
        _fit_table(fig, plot)
    caption_top = below(under) if not text_slide else below(24)
    fig.add_annotation(
        text=_block(caption_lines),
        xref="paper",
        yref="paper",
        x=text_x,
        y=caption_top,
        xanchor="left",
        yanchor="top",
        align="left",
        showarrow=False,
        font={"size": caption_px, "color": INK},
    )
    if source_lines:
        fig.add_annotation(
            text=_block(source_lines),
            xref="paper",
            yref="paper",
            x=text_x,
            y=below(bottom - source_height - 16),
            xanchor="left",
            yanchor="top",
            align="left",
            showarrow=False,
            font={"size": SOURCE_PX, "color": MUTED},
        )
    fig.add_annotation(
        text=f"{number} / {total}",
        xref="paper",
        yref="paper",
        x=1 + (right - RIGHT) / (SLIDE_WIDTH - left - right),  # the slide's right margin
        y=1 + (TOP - 40) / plot,
        xanchor="right",
        yanchor="middle",
        showarrow=False,
        font={"size": AXIS_PX, "color": MUTED},
    )
    return fig
