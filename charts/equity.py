"""The equity gap over time: a pure figure builder (DataFrame -> Figure).

The gap is the reference group's score minus the focus group's, per quarter, with its 95%
interval, for the partnership's areas and for its comparison areas; the start is marked.
Numbers arrive computed (`metrics.equity.gap_by_quarter`).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from charts.figures import base_figure, mark_dates, time_axis
from charts.theme import MUTED, OKABE_ITO, band_fill

SIDE_COLOURS = {"Partnership area": OKABE_ITO["blue"], "Comparison areas": MUTED}


def gap_chart(quarters: pd.DataFrame, title: str, start: date | None = None) -> go.Figure:
    """Quarterly gap in points with its 95% band, one line per side (`side` column: the
    partnership's areas, the comparison areas), a zero line (no gap) and the start.

    `quarters`: side, quarter, gap, ci_low, ci_high, n_focus, n_reference."""
    fig = base_figure(title, "Gap (points, 0-100 scale)")
    for side, rows in quarters.groupby("side", sort=False):
        colour = SIDE_COLOURS.get(side, OKABE_ITO["orange"])
        x = list(rows["quarter"]) + list(rows["quarter"][::-1])
        y = list(rows["ci_high"]) + list(rows["ci_low"][::-1])
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                fill="toself",
                fillcolor=band_fill(colour, 0.12),
                line={"width": 0},
                hoverinfo="skip",
                name=f"{side}: 95% interval",
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=rows["quarter"],
                y=rows["gap"],
                mode="lines+markers",
                line={"color": colour, "dash": "solid" if side == "Partnership area" else "dot"},
                name=side,
                customdata=rows[["ci_low", "ci_high", "n_focus", "n_reference"]].to_numpy(),
                hovertemplate="%{x|%b %Y}: gap %{y:.0f} points (95%: %{customdata[0]:.0f} to "
                "%{customdata[1]:.0f}; n = %{customdata[2]} and %{customdata[3]})<extra>" + side + "</extra>",
            )
        )
    fig.add_hline(y=0, line={"color": MUTED, "width": 1})
    if not quarters.empty:
        time_axis(fig, quarters["quarter"].min(), quarters["quarter"].max(), start)
    return mark_dates(fig, start)
