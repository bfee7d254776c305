"""Shared decision-making charts: who proposed a partnership's decisions each quarter, the
share proposed by partners or residents and the share done by the date agreed each year,
and what partners and officers say about sharing decisions, each year.

Pure builders over the frames of metrics.decisions (counts, shares and their 95% intervals
arrive computed; see board.voice_slides.yearly_shares for the yearly intervals). One idea
per chart: who proposes (counts), how shared and how followed through (shares), what
partners say (scores).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.figures import base_figure, time_axis
from charts.perception import RESPONDENT_COLOURS, RESPONDENT_SYMBOLS
from charts.theme import OKABE_ITO
from metrics.formatting import quarter_label
from metrics.perception import RESPONDENT_LABELS

PROPOSER_BARS = (  # column of decision_quarters, legend, colour
    ("police", "Police", OKABE_ITO["blue"]),
    ("partners", "Partner organisations", OKABE_ITO["orange"]),
    ("residents", "Residents", OKABE_ITO["bluish_green"]),
)
SHARE_LINES = (  # share column, its count and n columns, legend, colour, what n counts
    ("non_police_share", "non_police", "decisions", "Proposed by partners or residents", "decisions"),
    ("follow_through", "on_time", "due", "Done by the date agreed", "due"),
)
# partners' dots a little left of the year and their n above; officers' right, n below
SURVEY_DODGE = {"partner": (-0.1, "top center"), "officer": (0.1, "bottom center")}
SHARE_COLOURS = {"non_police_share": OKABE_ITO["bluish_green"], "follow_through": OKABE_ITO["reddish_purple"]}


def proposer_bars(quarters: pd.DataFrame, title: str) -> go.Figure:
    """Decisions per quarter of the meeting that made them, stacked by who proposed them
    (police, partner organisations, residents). `quarters`: metrics.decisions.decision_quarters."""
    fig = base_figure(title, "Decisions per quarter")
    labels = [quarter_label(q) for q in quarters["quarter"]]
    for column, name, colour in PROPOSER_BARS:
        fig.add_trace(
            go.Bar(
                x=quarters["quarter"].tolist(),
                y=quarters[column].astype(int).tolist(),
                name=name,
                marker_color=colour,
                customdata=list(zip(labels, quarters["decisions"].astype(int), strict=True)),
                hovertemplate="%{customdata[0]}: %{y:,} of %{customdata[1]:,} decisions<extra>"
                + name
                + "</extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    time_axis(fig, quarters["quarter"].min(), quarters["quarter"].max())
    return readable_years(fig)


# Tick labels by the tick spacing Plotly picks for the chart's drawn width: a year under each
# year's middle (one label every 2 or 5 years on a phone), months where years are few and wide.
TICK_FORMATS = [{"dtickrange": [None, "M6"], "value": "%b %Y"}]


def readable_years(fig: go.Figure) -> go.Figure:
    """A date axis whose labels never crowd: Plotly chooses how many by the width the chart
    is drawn at (a phone or a 4K screen), and each label reads as a year or a month."""
    return fig.update_xaxes(
        dtick=None, tickformat="%Y", tickformatstops=TICK_FORMATS, ticklabelmode="period", tickangle=0
    )


def _mid_year(years: pd.Series) -> list[pd.Timestamp]:
    """Each year's middle (1 July), where its label sits on a year axis."""
    return [pd.Timestamp(int(y), 7, 1) for y in years]


def _positions(years: pd.DataFrame) -> dict[str, list[str]]:
    """Where each share's label goes at each year: the higher one above its point, the
    lower one below, so the two labels of a year never sit on each other."""
    a, b = years["non_police_share"], years["follow_through"]
    upper = [pd.isna(y) or (not pd.isna(x) and x >= y) for x, y in zip(a, b, strict=True)]
    return {
        "non_police_share": ["top center" if u else "bottom center" for u in upper],
        "follow_through": ["bottom center" if u else "top center" for u in upper],
    }


def shares_by_year(years: pd.DataFrame, title: str) -> go.Figure:
    """Each year's share of decisions proposed by partners or residents, and share of the
    decisions due that were done by the date agreed, in %, with 95% intervals and n.

    `years`: board.voice_slides.yearly_shares (year, decisions, non_police, due, on_time,
    the two shares and their ci_low / ci_high columns)."""
    fig = base_figure(title, "Share of decisions (%)")
    positions = _positions(years)
    for share, count, n, name, noun in SHARE_LINES:
        rows = years.dropna(subset=[share])
        if rows.empty:
            continue
        where = [p for p, keep in zip(positions[share], years[share].notna(), strict=True) if keep]
        value = 100 * rows[share]
        fig.add_trace(
            go.Scatter(
                x=_mid_year(rows["year"]),
                y=value.tolist(),
                mode="lines+markers+text",
                cliponaxis=False,  # a label over a point at the edge stays whole
                name=name,
                line={"color": SHARE_COLOURS[share]},
                marker={"color": SHARE_COLOURS[share], "size": 12},
                text=[f"{v:.0f}%" for v in value],
                textposition=where,
                error_y={
                    "type": "data",
                    "array": (100 * rows[f"{share}_ci_high"] - value).clip(lower=0).tolist(),
                    "arrayminus": (value - 100 * rows[f"{share}_ci_low"]).clip(lower=0).tolist(),
                    "thickness": 2,
                    "color": SHARE_COLOURS[share],
                },
                customdata=[
                    f"{int(y)}: {int(k):,} of {int(m):,} {noun} ({v:.0f}%; 95% interval {100 * lo:.0f}% "
                    f"to {100 * hi:.0f}%)"
                    for y, k, m, v, lo, hi in zip(
                        rows["year"],
                        rows[count],
                        rows[n],
                        value,
                        rows[f"{share}_ci_low"],
                        rows[f"{share}_ci_high"],
                        strict=True,
                    )
                ],
                hovertemplate="%{customdata}<extra>" + name + "</extra>",
            )
        )
    # the axis runs past 100% so that a label over a 100% point is not cut off
    fig.update_yaxes(range=[0, 114], dtick=20, tick0=0, ticksuffix="%")
    return _year_range(fig, years["year"])


def _year_range(fig: go.Figure, years: pd.Series) -> go.Figure:
    """Whole years on the axis, from the first year's start to the last one's end."""
    if len(years):
        first, last = int(years.min()), int(years.max())
        fig.update_xaxes(range=[pd.Timestamp(first, 1, 1), pd.Timestamp(last, 12, 31)])
    fig.update_layout(legend={"y": -0.2})  # under the year labels, which sit a line lower than a date's
    return readable_years(fig)


def decisions_item_by_year(survey: pd.DataFrame, title: str) -> go.Figure:
    """Partners' and officers' agreement that 'Partners share decisions about the
    partnership's priorities', per year: a dot with its 95% interval and n written beside it.
    `survey`: the item's yearly rows of metrics.decisions.beside_partner_survey."""
    fig = base_figure(title, "Agreement (0-100)")
    fig.update_yaxes(range=[0, 114], dtick=20, tick0=0)
    for who in ("partner", "officer"):
        rows = survey[survey["respondent"] == who].sort_values("year")
        if rows.empty:
            continue
        high = (rows["ci_high"] - rows["mean"]).fillna(0).clip(lower=0)
        low = (rows["mean"] - rows["ci_low"]).fillna(0).clip(lower=0)
        fig.add_trace(
            go.Scatter(
                x=[d + pd.Timedelta(days=365 * SURVEY_DODGE[who][0]) for d in _mid_year(rows["year"])],
                y=rows["mean"].tolist(),
                mode="lines+markers+text",
                cliponaxis=False,  # a label over a point at the edge stays whole
                name=f"{RESPONDENT_LABELS[who]} ({int(rows['n'].sum()):,} answers)",
                line={"color": RESPONDENT_COLOURS[who]},
                marker={"symbol": RESPONDENT_SYMBOLS[who], "size": 12, "color": RESPONDENT_COLOURS[who]},
                text=[f"n={int(n):,}" for n in rows["n"]],
                textposition=SURVEY_DODGE[who][1],
                error_y={"type": "data", "array": high.tolist(), "arrayminus": low.tolist(), "thickness": 2},
                customdata=[
                    f"{int(r.year)}: {r.mean:.0f} (95% interval {max(r.ci_low, 0):.0f} to "
                    f"{min(r.ci_high, 100):.0f}, n={int(r.n):,})"
                    for r in rows.itertuples(index=False)
                ],
                hovertemplate="%{customdata}<extra>" + RESPONDENT_LABELS[who] + "</extra>",
            )
        )
    return _year_range(fig, survey["year"])
