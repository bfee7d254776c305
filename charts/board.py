"""Charts for a room: the same template, sized for a 1920x1080 projector and read from
the back (titles 44 px, axis text 24 px, thick lines), one idea per chart.

Pure functions of numbers the caller has already made public-safe (see metrics.publish).
"""

from __future__ import annotations

import html
from functools import cache

import plotly.graph_objects as go
from PIL import ImageFont

from charts.figures import base_figure
from charts.theme import INK, MUTED, OKABE_ITO, verdict_fill
from metrics.formatting import verdict_label

SLIDE_WIDTH, SLIDE_HEIGHT = 1920, 1080
CHART_HEIGHT = 760  # the rest of the slide holds the caption and the source line
TITLE_PX, AXIS_PX, TEXT_PX = 44, 24, 26
CAPTION_PX, SOURCE_PX = 30, 20
LEFT, RIGHT, TOP = 110, 60, 110  # the slide's margins, in pixels
LINE = 1.32  # line height, in font sizes


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
            header={
                "values": headers,
                "font": {"size": 30, "color": INK},
                "fill_color": "#ffffff",
                "align": "left",
                "height": 56,
                "line_color": INK,
            },
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
    under = 0 if text_slide else _below_the_plot(fig)
    left = LEFT if text_slide else _left_of_the_plot(fig)
    text_x = (LEFT - left) / (SLIDE_WIDTH - left - RIGHT)  # the slide's left margin, in plot units
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
        margin={"l": left, "r": RIGHT, "t": TOP, "b": bottom, "autoexpand": False},
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
    else:
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
        x=1,
        y=1 + (TOP - 40) / plot,
        xanchor="right",
        yanchor="middle",
        showarrow=False,
        font={"size": AXIS_PX, "color": MUTED},
    )
    return fig
