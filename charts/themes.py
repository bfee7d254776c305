"""Charts of what people write: theme counts in two windows, and sentiment per theme.

Pure builders (DataFrame -> go.Figure) in the project's template. The counts chart draws
what metrics.themes.public_counts returns: a hidden count (None) draws no bar and its label
says what is known ('fewer than 11'); no comment text ever reaches a chart.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.figures import base_figure
from charts.theme import MUTED, OKABE_ITO

NEUTRAL = "#BFBFBF"  # light grey: comments neither negative nor positive


def theme_bars(shown: pd.DataFrame, first_label: str | None, latest_label: str, title: str) -> go.Figure:
    """Comments per theme as horizontal bars: the first four quarters after the start (when
    known) beside the latest four. `shown`: theme, first, latest, first_text, latest_text."""
    themes = shown["theme"].tolist()[::-1]  # the codebook's first theme on top
    fig = base_figure(title, "", height=max(320, 90 + 56 * len(themes)))
    windows = [("latest", latest_label, OKABE_ITO["blue"])]
    if first_label is not None:
        windows.insert(0, ("first", first_label, MUTED))
    for column, name, colour in windows:
        values = shown[column].tolist()[::-1]
        fig.add_trace(
            go.Bar(
                x=[0 if v is None or pd.isna(v) else v for v in values],
                y=themes,
                orientation="h",
                name=name,
                marker_color=colour,
                text=shown[f"{column}_text"].tolist()[::-1],
                textposition="outside",
                cliponaxis=False,
            )
        )
    # the legend under the axis, which needs no title: the chart's title says what is counted
    legend = {"orientation": "h", "x": 0, "xanchor": "left", "y": -0.1, "yanchor": "top"}
    fig.update_layout(barmode="group", legend=legend | {"traceorder": "reversed"}, margin={"b": 100})
    fig.update_xaxes(rangemode="tozero", tickformat=",d")
    fig.update_yaxes(automargin=True)
    return fig


def sentiment_bars(scores: pd.DataFrame, title: str) -> go.Figure:
    """Share of each theme's comments that read negative, neutral and positive (VADER),
    stacked to 100%. `scores`: theme, scored, negative, positive (shares); themes with no
    shares (too few comments) are left out."""
    rows = scores.dropna(subset=["negative", "positive"]).iloc[::-1]
    labels = [f"{t} ({n:,})" for t, n in zip(rows["theme"], rows["scored"], strict=True)]
    fig = base_figure(title, "", height=max(320, 90 + 48 * len(rows)))
    neutral = 1 - rows["negative"] - rows["positive"]
    for name, values, colour in (
        ("Negative", rows["negative"], OKABE_ITO["vermillion"]),
        ("Neither", neutral, NEUTRAL),
        ("Positive", rows["positive"], OKABE_ITO["blue"]),
    ):
        fig.add_trace(
            go.Bar(
                x=values * 100,
                y=labels,
                orientation="h",
                name=name,
                marker_color=colour,
                text=[f"{v:.0%}" if v >= 0.08 else "" for v in values],
                textposition="inside",
            )
        )
    fig.update_layout(
        barmode="stack", legend={"orientation": "h", "x": 0, "xanchor": "left", "y": -0.1, "yanchor": "top"}
    )
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    fig.update_yaxes(automargin=True)
    return fig
