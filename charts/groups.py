"""Breakdown charts: one construct by group, one dimension at a time, as dots with their
95% intervals (or, for a published series, the published values alone).

Pure builders of rows the caller has already made safe for its audience
(`metrics.groups.public_groups`): a hidden group never reaches them, and the caller
names it in the caption. Groups run down the y axis with their n in the label; each dot
carries its value as text, so a room can read it without hovering.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from charts.board import AXIS_PX, projected
from charts.figures import base_figure
from charts.theme import CONSTRUCT_COLOURS, OKABE_ITO

SMALL_SAMPLE = "small sample"


def group_label(group: str, n, flag: str = "") -> str:
    """'Black (n=480)', 'Asian (n=55, small sample)', or 'Hispanic' when n is unknown."""
    known = n is not None and not pd.isna(n)
    parts = [f"n={int(n):,}"] if known else []
    if flag:
        parts.append(flag)
    return html.escape(f"{group} ({', '.join(parts)})" if parts else str(group))


def group_dots(rows: pd.DataFrame, title: str, construct: str, x_title: str | None = None) -> go.Figure:
    """A construct by group: a dot per group (its weighted mean, 0-100) with its 95%
    interval, the first group at the top. `rows`: `metrics.groups.public_groups(...).groups`
    for one scope, dimension and construct (columns group, n, mean, ci_low, ci_high and
    flag), or published rows (group and value, no n): then dots only, no interval."""
    published = "value" in rows.columns and "mean" not in rows.columns
    values = rows["value" if published else "mean"].astype(float)
    colour = CONSTRUCT_COLOURS.get(construct, OKABE_ITO["blue"])
    flags = rows["flag"] if "flag" in rows.columns else [""] * len(rows)
    ns = rows["n"] if "n" in rows.columns else [None] * len(rows)
    labels = [group_label(g, n, f) for g, n, f in zip(rows["group"], ns, flags, strict=True)]
    fig = base_figure(title, "", height=max(300, 90 + 56 * len(rows)))
    trace = {
        "x": values.tolist(),
        "y": labels,
        "mode": "markers+text",
        "text": [f"{v:.0f}" for v in values],
        "textposition": "top center",
        "marker": {"size": 14, "color": colour},
        "cliponaxis": False,
        "name": "As published" if published else "Score",
    }
    if not published:
        trace["error_x"] = {
            "type": "data",
            "symmetric": False,
            "array": (rows["ci_high"] - rows["mean"]).clip(lower=0).tolist(),
            "arrayminus": (rows["mean"] - rows["ci_low"]).clip(lower=0).tolist(),
            "color": colour,
            "thickness": 3,
            "width": 6,
        }
        trace["customdata"] = rows[["ci_low", "ci_high"]].round(0).to_numpy()
        trace["hovertemplate"] = "%{y}: %{x:.0f} (95% interval %{customdata[0]:.0f} to %{customdata[1]:.0f})"
        trace["hovertemplate"] += "<extra></extra>"
    else:
        trace["hovertemplate"] = "%{y}: %{x:.0f} (as published)<extra></extra>"
    fig.add_trace(go.Scatter(**trace))
    default = (
        "Score (0-100), as published; sample size not reported"
        if published
        else "Score (0-100), with 95% interval"
    )
    fig.update_xaxes(range=[0, 100], title=x_title or default)
    # the first group at the top, with room above it for its value
    fig.update_yaxes(automargin=True, range=[len(rows) - 0.5, -0.8], gridcolor="rgba(0,0,0,0)")
    fig.update_layout(showlegend=False, margin={"l": 20})
    return fig


def group_dots_projected(rows: pd.DataFrame, title: str, construct: str) -> go.Figure:
    """`group_dots` for a slide: big type, the value beside each dot."""
    fig = projected(group_dots(rows, title, construct))
    fig.update_traces(textfont={"size": AXIS_PX}, marker={"size": 22}, selector={"type": "scatter"})
    fig.update_traces(error_x={"thickness": 5, "width": 10}, selector={"type": "scatter"})
    return fig
