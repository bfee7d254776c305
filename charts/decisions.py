"""Shared decision-making charts: who proposed a partnership's decisions (each period's
shares), the share of the decisions due that were done by the
date agreed, and what partners and officers say about sharing decisions, each year.

Pure builders over the frames of metrics.decisions (counts, shares, their 95% intervals
and unstable flags arrive computed: `decision_periods` pools thin years). One idea per
chart: who proposes, whether what was agreed got done, what partners say. The colours are
for categories, never a verdict's: grey for the police, sky blue for partner
organisations, black for residents.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts.figures import base_figure
from charts.perception import RESPONDENT_SYMBOLS
from charts.theme import INK, MUTED, OKABE_ITO, band_fill
from metrics.perception import RESPONDENT_LABELS

POLICE_GREY = band_fill(MUTED, 0.4)  # a light grey: the police, the baseline others are measured against
PROPOSERS = (  # column, share column, legend, colour, its labels' colour; residents at the base
    ("residents", "residents_share", "Residents", OKABE_ITO["black"], "#ffffff"),
    ("partners", "partners_share", "Partner organisations", OKABE_ITO["sky_blue"], INK),
    ("police", "police_share", "Police", POLICE_GREY, INK),
)
ON_TIME = MUTED  # done by the date agreed; an unstable share is drawn lighter
ON_TIME_UNSTABLE = band_fill(MUTED, 0.35)
FLAG = "*"  # after a share whose numerator is 20 or fewer
FLAG_NOTE = "* rests on 20 or fewer decisions: unstable, read with care"
SURVEY_COLOURS = {"partner": OKABE_ITO["sky_blue"], "officer": MUTED}
SURVEY_DODGE = {"partner": -0.08, "officer": 0.08}  # years either side of the year
UNDER_TWO_LINES = {"legend": {"y": -0.3}, "margin": {"b": 130}}  # the legend clear of two-line labels


def _pct(share: float, unstable: bool) -> str:
    return f"{100 * share:.0f}%" + (FLAG if unstable else "")


def _hover(period: str, count: int, n: int, noun: str, row, share: str) -> str:
    low, high = row[f"{share}_ci_low"], row[f"{share}_ci_high"]
    flag = "; unstable: 20 or fewer" if row[f"{share}_unstable"] else ""
    return (
        f"{period}: {count:,} of {n:,} {noun} ({100 * row[share]:.0f}%; 95% interval "
        f"{100 * low:.0f}% to {100 * high:.0f}%{flag})"
    )


def period_ticks(periods: pd.DataFrame, n: str) -> list[str]:
    """'2020-21<br>n=41': each period's label with the n its shares rest on (short enough for
    a phone; the axis title says what n counts)."""
    return [f"{p}<br>n={int(k):,}" for p, k in zip(periods["period"], periods[n], strict=True)]


def proposer_shares(periods: pd.DataFrame, title: str) -> go.Figure:
    """Who proposed the decisions of each period, as shares of its decisions stacked to
    100%: residents at the base (their own share reads from zero), partner organisations on
    them (the two together: the non-police share), the police on top. A share on 20 or
    fewer decisions carries FLAG. `periods`: metrics.decisions.decision_periods."""
    fig = base_figure(title, "Share of the decisions (%)")
    for column, share, name, colour, text_colour in PROPOSERS:
        fig.add_trace(
            go.Bar(
                x=periods["period"].tolist(),
                y=(100 * periods[share]).tolist(),
                name=name,
                marker={"color": colour, "line": {"color": "#ffffff", "width": 1}},
                text=[_pct(v, f) for v, f in zip(periods[share], periods[f"{share}_unstable"], strict=True)],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": text_colour},
                customdata=[
                    _hover(r["period"], int(r[column]), int(r["decisions"]), "decisions", r, share)
                    for _, r in periods.iterrows()
                ],
                hovertemplate="%{customdata}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        barmode="stack", uniformtext={"minsize": 14, "mode": "hide"}, legend={"traceorder": "normal"}
    )
    return _period_axis(fig, periods, "decisions")


def _period_axis(fig: go.Figure, periods: pd.DataFrame, n: str) -> go.Figure:
    """0-100% up the side; each period along the bottom with the n its shares rest on (the
    source line says what n counts; a slide names the axis)."""
    fig.update_yaxes(range=[0, 100], dtick=20, ticksuffix="%")
    fig.update_xaxes(
        type="category",
        tickangle=0,
        tickvals=periods["period"].tolist(),
        ticktext=period_ticks(periods, n),
    )
    return fig.update_layout(**UNDER_TWO_LINES)


def on_time_bars(periods: pd.DataFrame, title: str) -> go.Figure:
    """Of each period's decisions that were due, the share done by the date agreed, with
    its 95% interval; the share is written at the bar's foot (clear of the interval) and a
    share on 20 or fewer decisions is drawn lighter, with FLAG. `periods`:
    metrics.decisions.decision_periods."""
    fig = base_figure(title, "Share of the decisions due (%)")
    rows = periods[periods["due"] > 0]
    share = "follow_through"
    value = 100 * rows[share]
    flags = rows[f"{share}_unstable"].astype(bool)
    fig.add_trace(
        go.Bar(
            x=rows["period"].tolist(),
            y=value.tolist(),
            name="Done by the date agreed",
            showlegend=False,
            marker={"color": [ON_TIME_UNSTABLE if f else ON_TIME for f in flags]},
            text=[_pct(v, f) for v, f in zip(rows[share], flags, strict=True)],
            textposition="inside",
            insidetextanchor="start",
            textfont={"color": [INK if f else "#ffffff" for f in flags]},
            error_y={
                "type": "data",
                "array": (100 * rows[f"{share}_ci_high"] - value).clip(lower=0).tolist(),
                "arrayminus": (value - 100 * rows[f"{share}_ci_low"]).clip(lower=0).tolist(),
                "thickness": 2,
                "color": INK,
            },
            customdata=[
                _hover(r["period"], int(r["on_time"]), int(r["due"]), "due done on time", r, share)
                for _, r in rows.iterrows()
            ],
            hovertemplate="%{customdata}<extra>Done by the date agreed</extra>",
        )
    )
    return _period_axis(fig, rows, "due")


def decisions_item_by_year(survey: pd.DataFrame, title: str) -> go.Figure:
    """Partners' and officers' agreement that 'Partners share decisions about the
    partnership's priorities', per year: a dot with its 95% interval, partners a little left
    of the year and officers right; the n of each under the year ('6/3': partners/officers).
    `survey`: the item's yearly rows of metrics.decisions.beside_partner_survey."""
    fig = base_figure(title, "Agreement (0-100)")
    fig.update_yaxes(range=[0, 100], dtick=20, tick0=0)
    years = sorted(int(y) for y in survey["year"].dropna().unique())
    for who in ("partner", "officer"):
        rows = survey[survey["respondent"] == who].sort_values("year")
        if rows.empty:
            continue
        high = (rows["ci_high"] - rows["mean"]).fillna(0).clip(lower=0)
        low = (rows["mean"] - rows["ci_low"]).fillna(0).clip(lower=0)
        fig.add_trace(
            go.Scatter(
                x=[int(y) + SURVEY_DODGE[who] for y in rows["year"]],
                y=rows["mean"].tolist(),
                mode="lines+markers",
                name=f"{RESPONDENT_LABELS[who]} ({int(rows['n'].sum()):,} answers)",
                line={"color": SURVEY_COLOURS[who]},
                marker={"symbol": RESPONDENT_SYMBOLS[who], "size": 12, "color": SURVEY_COLOURS[who]},
                error_y={"type": "data", "array": high.tolist(), "arrayminus": low.tolist(), "thickness": 2},
                customdata=[
                    f"{int(r.year)}: {r.mean:.0f} (95% interval {max(r.ci_low, 0):.0f} to "
                    f"{min(r.ci_high, 100):.0f}, n={int(r.n):,})"
                    for r in rows.itertuples(index=False)
                ],
                hovertemplate="%{customdata}<extra>" + RESPONDENT_LABELS[who] + "</extra>",
            )
        )

    def n_of(year: int) -> str:
        counts = [
            survey[(survey["year"] == year) & (survey["respondent"] == who)]["n"].sum()
            for who in ("partner", "officer")
        ]
        return "/".join(f"{int(c):,}" if c else "-" for c in counts)

    fig.update_xaxes(
        tickvals=years,
        ticktext=[f"{y}<br>{n_of(y)}" for y in years],
        range=[years[0] - 0.5, years[-1] + 0.5] if years else None,
        tickangle=0,
        tickfont={"size": 13},  # six years and their n side by side on a phone
    )
    return fig.update_layout(**UNDER_TWO_LINES)
