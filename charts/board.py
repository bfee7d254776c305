"""Charts for a room: the same template, sized for a 1920x1080 projector and read from
the back (titles 44 px, axis text 24 px, thick lines), one idea per chart.

Pure functions of numbers the caller has already made public-safe (see metrics.publish).
"""

from __future__ import annotations

import html
import textwrap

import plotly.graph_objects as go

from charts.figures import base_figure
from charts.theme import INK, MUTED, OKABE_ITO, verdict_fill

SLIDE_WIDTH, SLIDE_HEIGHT = 1920, 1080
CHART_HEIGHT = 760  # the rest of the slide holds the caption and the source line
TITLE_PX, AXIS_PX, TEXT_PX = 44, 24, 26


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
    fig.update_yaxes(rangemode="tozero")
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
        "<b>Change, first months</b>",
    ]
    values = [
        [r["label"] for r in rows],
        [r["verdict"] for r in rows],
        *([[r.get("latest") or "-" for r in rows]] if latest else []),
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
                "font": {"size": TEXT_PX, "color": INK},
                "fill_color": "#ffffff",
                "align": "left",
                "height": 56,
                "line_color": INK,
            },
            cells={
                "values": values,
                "font": {"size": TEXT_PX, "color": INK},
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
    """People attending the partnership's meetings, per quarter."""
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
    fig.update_yaxes(rangemode="tozero")
    return projected(fig)


def _wrapped(text: str, width: int) -> str:
    """Plotly text: escaped (data never becomes markup) and broken into lines."""
    return "<br>".join(textwrap.wrap(html.escape(text), width=width))


def slide_figure(
    figure: go.Figure | None,
    title: str,
    caption: str,
    source: str,
    number: int,
    total: int,
    height: int = SLIDE_HEIGHT,
) -> go.Figure:
    """A whole 1920x1080 slide as one figure: the chart (or, for a text slide, the title),
    then the caption in large type, the source line and the slide number. What the room
    sees is exactly what the packet and the deck carry."""
    top = 110
    bottom = 400 if figure is not None else height - top - 40  # a text slide is all text
    plot = height - top - bottom  # the chart's own height, in pixels

    def below(pixels: int) -> float:  # a distance under the chart, in the chart's units
        return -pixels / plot

    fig = go.Figure(figure) if figure is not None else base_figure(title, "")
    fig.update_layout(height=height, margin={"l": 110, "r": 60, "t": top, "b": bottom})
    if figure is None:
        fig.update_layout(
            xaxis={"visible": False},
            yaxis={"visible": False},
            title={"text": html.escape(title), "font": {"size": TITLE_PX + 12}, "x": 0, "xref": "paper"},
        )
    else:
        fig.update_layout(legend={"y": below(60), "yanchor": "top"})
    for text, y, size, colour, width in (
        (
            caption,
            below(120) if figure is not None else below(20),
            30 if figure is not None else 38,
            INK,
            104,
        ),
        (source, below(bottom - 92), 18, MUTED, 150),
    ):
        fig.add_annotation(
            text=_wrapped(text, width if figure is not None or size < 30 else 70),
            xref="paper",
            yref="paper",
            x=0,
            y=y,
            xanchor="left",
            yanchor="top",
            align="left",
            showarrow=False,
            font={"size": size, "color": colour},
        )
    fig.add_annotation(
        text=f"{number} / {total}",
        xref="paper",
        yref="paper",
        x=1,
        y=1 + (top - 30) / plot,
        xanchor="right",
        yanchor="top",
        showarrow=False,
        font={"size": AXIS_PX, "color": MUTED},
    )
    return fig
