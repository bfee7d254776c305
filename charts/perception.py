"""Perception-gap charts: residents', partners' and officers' scores side by side.

Pure builders over `metrics.perception` frames (intervals and n arrive computed): dots
with 95% whiskers per shared construct, the same over the years, and the partnership
health items for partners against officers.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from charts.figures import base_figure
from charts.theme import OKABE_ITO
from metrics.perception import RESPONDENT_LABELS, RESPONDENTS, construct_label

RESPONDENT_COLOURS = {
    "resident": OKABE_ITO["blue"],
    "partner": OKABE_ITO["bluish_green"],
    "officer": OKABE_ITO["vermillion"],
}
RESPONDENT_SYMBOLS = {"resident": "circle", "partner": "diamond", "officer": "square"}
YEAR_DODGE = {"resident": -0.12, "partner": 0.0, "officer": 0.12}  # so whiskers do not overlap


def _whiskers(rows: pd.DataFrame, axis: str) -> dict:
    """Error bars from the rows' interval (none where the SE is undefined, n = 1)."""
    high = (rows["ci_high"] - rows["mean"]).fillna(0).clip(lower=0)
    low = (rows["mean"] - rows["ci_low"]).fillna(0).clip(lower=0)
    return {
        f"error_{axis}": {"type": "data", "array": high.tolist(), "arrayminus": low.tolist(), "thickness": 3}
    }


def _label(row) -> str:
    return f"{row.mean:.0f} (n={int(row.n):,})"


def perception_gap(view: pd.DataFrame, title: str) -> go.Figure:
    """Whole-period scores (rows of `views` with no year): one row per shared construct and
    kind of respondent, a dot with its 95% interval, the score and n written beside it."""
    whole = view[view["year"].isna()]
    constructs = list(dict.fromkeys(whole["construct"]))
    fig = base_figure(title, "", height=max(320, 150 + 95 * len(whole)))
    for who in RESPONDENTS:
        rows = whole[whole["respondent"] == who]
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=rows["mean"],
                y=[
                    [html.escape(construct_label(c)) for c in rows["construct"]],
                    [RESPONDENT_LABELS[who]] * len(rows),
                ],
                mode="markers+text",
                name=RESPONDENT_LABELS[who],
                marker={"color": RESPONDENT_COLOURS[who], "size": 16, "symbol": RESPONDENT_SYMBOLS[who]},
                text=[_label(r) for r in rows.itertuples(index=False)],
                textposition="top center",
                hovertemplate="%{text}<extra>" + RESPONDENT_LABELS[who] + "</extra>",
                **_whiskers(rows, "x"),
            )
        )
    fig.update_xaxes(range=[0, 100], title_text="Score, 0-100 (95% interval)")
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=constructs)
    fig.update_layout(showlegend=False, margin={"l": 220})
    return fig


def perception_over_time(view: pd.DataFrame, construct: str, title: str) -> go.Figure:
    """One construct's scores by year: one line per kind of respondent, with intervals and
    n in the hover and legend."""
    yearly = view[(view["construct"] == construct) & view["year"].notna()]
    fig = base_figure(title, f"{construct_label(construct)}, 0-100")
    for who in RESPONDENTS:
        rows = yearly[yearly["respondent"] == who].sort_values("year")
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=rows["year"].astype(int) + YEAR_DODGE[who],
                y=rows["mean"],
                # partners' and officers' few answers a year are written beside each dot
                mode="lines+markers" if who == "resident" else "lines+markers+text",
                name=f"{RESPONDENT_LABELS[who]} ({int(rows['n'].sum()):,} answers)",
                line={"color": RESPONDENT_COLOURS[who]},
                marker={"symbol": RESPONDENT_SYMBOLS[who], "size": 12},
                text=[f"n={int(n):,}" for n in rows["n"]],
                textposition="bottom center",
                customdata=[f"{int(r.year)}: {_label(r)}" for r in rows.itertuples(index=False)],
                hovertemplate="%{customdata}<extra>" + RESPONDENT_LABELS[who] + "</extra>",
                **_whiskers(rows, "y"),
            )
        )
    fig.update_yaxes(range=[0, 100])
    fig.update_xaxes(dtick=1, tickformat="d")
    return fig


def health_items_chart(items: pd.DataFrame, title: str) -> go.Figure:
    """Whole-period partnership health items: one row per item, partners and officers as
    dots with their 95% intervals and n."""
    whole = items[items["year"].isna()]
    wording = list(dict.fromkeys(whole["wording"]))
    fig = base_figure(title, "", height=max(320, 150 + 70 * len(whole)))
    for who in ("partner", "officer"):
        rows = whole[whole["respondent"] == who]
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=rows["mean"],
                y=[[_short(w) for w in rows["wording"]], [RESPONDENT_LABELS[who]] * len(rows)],
                mode="markers+text",
                name=RESPONDENT_LABELS[who],
                marker={"color": RESPONDENT_COLOURS[who], "size": 14, "symbol": RESPONDENT_SYMBOLS[who]},
                text=[_label(r) for r in rows.itertuples(index=False)],
                textposition="top center",
                hovertemplate="%{text}<extra>" + RESPONDENT_LABELS[who] + "</extra>",
                **_whiskers(rows, "x"),
            )
        )
    fig.update_xaxes(range=[0, 100], title_text="Agreement, 0-100 (95% interval)")
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=[_short(w) for w in wording])
    fig.update_layout(showlegend=False, margin={"l": 440})
    return fig


def _short(wording: str, width: int = 34) -> str:
    """An item's wording broken over lines for an axis label (escaped: it is data)."""
    words, lines, line = html.escape(wording).split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line])
