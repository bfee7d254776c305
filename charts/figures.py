"""Figure builders for the pages. Each takes tidy rows and returns a styled Figure.

Builders never compute statistics: intervals, counts and rates arrive in the
frame from `metrics/`. Time series draw the partnership's start and its events.
"""

from __future__ import annotations

import html
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from charts.theme import (
    CONSTRUCT_COLOURS,
    CRIME_GROUP_COLOURS,
    EVENT_LINE,
    OKABE_ITO,
    START_LINE,
    TEMPLATE_NAME,
    band_fill,
)
from metrics.formatting import month_label, name_label
from metrics.registry import CRIME_GROUP_LABELS


def base_figure(title: str, y_title: str, height: int = 440) -> go.Figure:
    """An empty figure in the project's template. The title may hold data (a partnership's
    name), so it is escaped: Plotly reads tags such as <a href> in its text."""
    fig = go.Figure()
    fig.update_layout(
        template=TEMPLATE_NAME, title=html.escape(title), yaxis_title=html.escape(y_title), height=height
    )
    return fig


def time_axis(fig: go.Figure, first, last, start: date | None = None) -> go.Figure:
    """A date axis that reads at a glance: one label a year over more than two years,
    else one a quarter ('Jan 2023'); padded so that a lone point, and the start line,
    sit inside the chart rather than on its edge."""
    days = [pd.Timestamp(d) for d in (first, last, start) if d is not None and pd.notna(d)]
    if not days:
        return fig
    low, high = min(days), max(days)
    long = (high - low).days > 2 * 365
    pad = pd.Timedelta(days=90 if long else 45)
    fig.update_xaxes(
        range=[low - pad, high + pad],
        dtick="M12" if long else "M3",
        tickformat="%Y" if long else "%b %Y",
        ticklabelmode="period" if long else "instant",
    )
    return fig


def mark_dates(
    fig: go.Figure, start: date | None, events: pd.DataFrame | None = None, labelled: bool = False
) -> go.Figure:
    """Draw the partnership start (solid, labelled at its foot) and events (dotted) as
    vertical lines.

    On a page, event labels would pile up where events cluster, so each event gets a
    marker on the top edge that names it on hover. On a slide (`labelled`), nobody can
    hover: each event's date and name are written at the top of its line, on staggered
    rows so that neighbours do not overlap.
    """
    # Shapes are set in one update: plotly validates every shape again on each add_shape.
    shapes = []
    if start is not None:
        when = pd.Timestamp(start)
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": when,
                "x1": when,
                "y0": 0,
                "y1": 1,
                "line": {"color": START_LINE, "width": 3},
            }
        )
        fig.add_annotation(
            x=when,
            xref="x",
            yref="paper",
            y=0.02,
            text="<b>Partnership began</b>",
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"size": 16, "color": START_LINE},
            bgcolor="rgba(255,255,255,0.85)",
        )
    if events is not None and not events.empty:
        shapes += [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": day,
                "x1": day,
                "y0": 0,
                "y1": 0.9 if not labelled else 1,
                "line": {"color": EVENT_LINE, "dash": "dot", "width": 2},
                "layer": "below",  # under the data and the labels
            }
            for day in events["occurred_on"]
        ]
        if labelled:
            _label_events(fig, events)
        else:
            fig.add_trace(
                go.Scatter(
                    x=events["occurred_on"],
                    y=[1.0] * len(events),
                    yaxis="y2",
                    mode="markers",
                    marker={"symbol": "triangle-down", "size": 12, "color": EVENT_LINE},
                    text=[html.escape(label) for label in events["label"]],
                    hovertemplate="%{x|%d %b %Y}: %{text}<extra></extra>",
                    name="Events (hover to read)",
                )
            )
            fig.update_layout(
                yaxis2={"overlaying": "y", "range": [0, 1.05], "visible": False, "fixedrange": True}
            )
    if shapes:
        fig.update_layout(shapes=[*fig.layout.shapes, *shapes])
    return fig


def _label_events(fig: go.Figure, events: pd.DataFrame) -> None:
    """Each event's month and name at the top of its line, on one of three rows in turn
    (in date order), and shortened to 32 characters; the full names are in the data."""
    ordered = events.sort_values("occurred_on")
    for row, (day, label) in enumerate(zip(ordered["occurred_on"], ordered["label"], strict=True)):
        name = label if len(label) <= 32 else label[:31].rstrip() + "…"
        fig.add_annotation(
            x=pd.Timestamp(day),
            xref="x",
            yref="paper",
            y=1 - 0.075 * (row % 3),
            text=html.escape(f"{month_label(day)}: {name}"),
            showarrow=False,
            xanchor="left",
            yanchor="top",
            xshift=4,
            font={"size": 16, "color": EVENT_LINE},
            bgcolor="rgba(255,255,255,0.85)",
        )


def score_trend(
    scores: pd.DataFrame,
    title: str,
    construct: str,
    start: date | None = None,
    events: pd.DataFrame | None = None,
    labelled: bool = False,
) -> go.Figure:
    """Quarterly score on 0-100 with its 95% band.

    `scores`: one construct's rows of `metrics.survey.survey_scores`
    (quarter, mean, ci_low, ci_high, n).
    """
    colour = CONSTRUCT_COLOURS.get(construct, OKABE_ITO["blue"])
    fig = base_figure(title, "Score (0-100)")
    x = list(scores["quarter"]) + list(scores["quarter"][::-1])
    y = list(scores["ci_high"]) + list(scores["ci_low"][::-1])
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            fill="toself",
            fillcolor=band_fill(colour),
            line={"width": 0},
            hoverinfo="skip",
            name="95% interval",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=scores["quarter"],
            y=scores["mean"],
            mode="lines+markers",
            line={"color": colour},
            name="Score",
            customdata=scores[["ci_low", "ci_high", "n", "share_positive"]].to_numpy(),
            hovertemplate="%{x|%b %Y}: %{y:.0f} (95%: %{customdata[0]:.0f} to %{customdata[1]:.0f}, "
            "n=%{customdata[2]}); %{customdata[3]:.0f}% positive<extra></extra>",
        )
    )
    fig.update_yaxes(range=[0, 100])
    time_axis(fig, scores["quarter"].min(), scores["quarter"].max(), start)
    return mark_dates(fig, start, events, labelled)


def published_trend(
    rows: pd.DataFrame,
    title: str,
    construct: str,
    start: date | None = None,
    events: pd.DataFrame | None = None,
    labelled: bool = False,
) -> go.Figure:
    """A published score or share per period, without a band: the source reported no
    sample size, so there is no interval to draw. `rows`: one construct's rows of
    `metrics.survey.published_scores`."""
    colour = CONSTRUCT_COLOURS.get(construct, OKABE_ITO["blue"])
    share = (rows["statistic"] == "share").all()
    fig = base_figure(title, "% agreeing (published)" if share else "Score (0-100, published)")
    fig.add_trace(
        go.Scatter(
            x=rows["period"],
            y=rows["value"],
            mode="lines+markers",
            line={"color": colour},
            name="Published value (no sample size)",
            hovertemplate="%{x|%b %Y}: %{y:.0f}<extra>sample size not reported</extra>",
        )
    )
    fig.update_yaxes(range=[0, 100])
    time_axis(fig, rows["period"].min(), rows["period"].max(), start)
    return mark_dates(fig, start, events, labelled)


def crime_trend(
    monthly: pd.DataFrame,
    title: str,
    measure: str = "count",
    start: date | None = None,
    events: pd.DataFrame | None = None,
) -> go.Figure:
    """Monthly crime, one line per crime group.

    `monthly`: one partnership's rows of `metrics.crime.crime_monthly`;
    `measure`: "count" or "rate_per_1000".
    """
    y_title = "Crimes per month" if measure == "count" else "Crimes per 1,000 residents"
    fig = base_figure(title, y_title)
    for group, rows in monthly.groupby("crime_group", sort=False):
        fig.add_trace(
            go.Scatter(
                x=rows["month"],
                y=rows[measure],
                mode="lines",
                name=CRIME_GROUP_LABELS.get(group, group),
                line={"color": CRIME_GROUP_COLOURS.get(group)},
                hovertemplate="%{x|%b %Y}: %{y:,.2f}<extra>%{fullData.name}</extra>"
                if measure != "count"
                else "%{x|%b %Y}: %{y:,}<extra>%{fullData.name}</extra>",
            )
        )
    fig.update_yaxes(rangemode="tozero", tickformat=",d" if measure == "count" else ",.1f")
    return mark_dates(fig, start, events)


def latest_score_dots(frame: pd.DataFrame, construct: str, title: str) -> go.Figure:
    """Each partnership's latest score as a dot with its 95% interval, in name order
    (not ranked: overlapping intervals do not support an order).

    `frame`: `metrics.portfolio.portfolio` output.
    """
    rows = frame.dropna(subset=[construct]).sort_values("name", ascending=False)
    colour = CONSTRUCT_COLOURS.get(construct, OKABE_ITO["blue"])
    fig = base_figure(title, "", height=max(320, 60 + 44 * len(rows)))
    fig.add_trace(
        go.Scatter(
            x=rows[construct],
            y=[html.escape(name) for name in rows["name"]],  # names are data: text, never markup
            mode="markers",
            marker={"size": 14, "color": colour},
            error_x={
                "type": "data",
                "array": rows[f"{construct}_margin"],
                "color": colour,
                "thickness": 3,
                "width": 6,
            },
            customdata=rows[[f"{construct}_n", f"{construct}_margin"]].to_numpy(),
            hovertemplate="%{y}: %{x:.0f} ± %{customdata[1]:.0f} (n=%{customdata[0]})<extra></extra>",
            name="Latest quarter",
        )
    )
    fig.update_xaxes(range=[0, 100], title="Score (0-100), with 95% interval")
    fig.update_layout(showlegend=False, margin={"l": 20})
    fig.update_yaxes(automargin=True, gridcolor="rgba(0,0,0,0)")
    return fig


def partners_by_sector(members: pd.DataFrame, title: str) -> go.Figure:
    """Number of member organisations per sector, as horizontal bars."""
    counts = members.groupby("sector").size().sort_values()
    labels = [name_label(s) for s in counts.index]
    fig = base_figure(title, "", height=max(260, 60 + 44 * len(counts)))
    fig.add_trace(
        go.Bar(
            x=counts.to_numpy(),
            y=labels,
            orientation="h",
            marker_color=OKABE_ITO["blue"],
            text=counts.to_numpy(),
            textposition="outside",
        )
    )
    fig.update_xaxes(title="Organisations", dtick=1, rangemode="tozero")
    fig.update_layout(showlegend=False)
    fig.update_yaxes(automargin=True)
    return fig


def activity_bars(activity: pd.DataFrame, title: str) -> go.Figure:
    """Meetings held per quarter, one axis; each bar is labelled with the people who came
    when there are few enough bars to read (the table below the chart has them all)."""
    fig = base_figure(title, "Meetings held")
    label = len(activity) <= 16
    fig.add_trace(
        go.Bar(
            x=activity["quarter"],
            y=activity["meetings"],
            name="Meetings held",
            marker_color=OKABE_ITO["blue"],
            text=[f"{int(n):,} people" for n in activity["meeting_attendance"]] if label else None,
            textposition="outside",
            cliponaxis=False,
            customdata=activity[["meeting_attendance"]].to_numpy(),
            hovertemplate="%{x|%b %Y}: %{y:,} meetings, %{customdata[0]:,} people<extra></extra>",
        )
    )
    fig.update_layout(showlegend=False)
    fig.update_yaxes(
        rangemode="tozero", tickformat=",d", dtick=1 if activity["meetings"].max() <= 8 else None
    )
    fig.update_xaxes(dtick="M12", tickformat="%Y", ticklabelmode="period")
    return fig


def evaluation_chart(series: dict, title: str, windows: dict, start: date) -> go.Figure:
    """The partnership's monthly counts against its comparison areas, with the fitted
    interrupted time series and what that model expects without a change.

    `series`: the `series` entry of an evaluation outcome (months, treated, comparison,
    fitted, counterfactual). The comparison is scaled to the partnership's level over the
    before window, so the two can be read on one axis.
    """
    months = pd.to_datetime(series["months"])
    treated = pd.Series(series["treated"], index=months, dtype=float)
    fig = base_figure(title, "Crimes per month", height=460)
    before = (months >= pd.Timestamp(windows["before"][0] + "-01")) & (
        months <= pd.Timestamp(windows["before"][1] + "-01")
    )
    if series.get("comparison"):
        comparison = pd.Series(series["comparison"], index=months, dtype=float)
        scale = treated[before].sum() / comparison[before].sum() if comparison[before].sum() else 0.0
        fig.add_trace(
            go.Scatter(
                x=months,
                y=comparison * scale,
                mode="lines",
                name="Comparison areas (scaled)",
                line={"color": OKABE_ITO["sky_blue"], "width": 3, "dash": "dash"},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=treated,
            mode="lines+markers",
            name="Partnership area",
            line={"color": OKABE_ITO["black"], "width": 3},
            marker={"size": 6},
        )
    )
    if series.get("fitted"):
        fig.add_trace(
            go.Scatter(
                x=months,
                y=series["fitted"],
                mode="lines",
                name="Time-series fit",
                line={"color": OKABE_ITO["vermillion"], "width": 3},
            )
        )
        after = months >= pd.Timestamp(windows["after"][0] + "-01")
        fig.add_trace(
            go.Scatter(
                x=months[after],
                y=pd.Series(series["counterfactual"], index=months)[after],
                mode="lines",
                name="Expected without a change",
                line={"color": OKABE_ITO["vermillion"], "width": 3, "dash": "dot"},
            )
        )
    shades = (("before", "Before", OKABE_ITO["sky_blue"]), ("after", "After", OKABE_ITO["orange"]))
    for key, label, colour in shades:
        first, last = windows[key]
        fig.add_vrect(
            x0=pd.Timestamp(first + "-01"),
            x1=pd.Timestamp(last + "-01") + pd.offsets.MonthEnd(0),
            fillcolor=band_fill(colour, 0.12),
            line_width=0,
            annotation_text=f"{label} window",
            annotation_position="top left",
            annotation_font={"size": 14, "color": EVENT_LINE},
        )
    observed = [treated.max()]
    if series.get("comparison"):
        observed.append((comparison * scale).max())
    top = max(v for v in observed if pd.notna(v)) * 1.15 if any(pd.notna(v) for v in observed) else 1.0
    fitted = [
        v for v in [*(series.get("fitted") or []), *(series.get("counterfactual") or [])] if v is not None
    ]
    fig.update_yaxes(range=[0, top or 1.0], tickformat=",d")
    if fitted and max(fitted) > top:
        fig.add_annotation(
            text=f"The fitted line leaves the chart (it reaches {max(fitted):,.0f}): clipped to the data",
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            xanchor="right",
            yanchor="top",
            showarrow=False,
            font={"size": 14, "color": EVENT_LINE},
            bgcolor="rgba(255,255,255,0.85)",
        )
    return mark_dates(fig, start, None)


FULL_SHADE = 0.5  # of a source's usual month: the coverage strip's full blue


def coverage_strip(months: pd.DataFrame, title: str) -> go.Figure:
    """One strip per source: months along the x axis, each shaded by its records against
    the source's usual month (white: none; full blue: half a usual month or more, so that
    seasons do not read as gaps), and thin
    months marked by a short vermillion tick under the strip.

    `months`: `metrics.coverage.coverage_months` output."""
    labels = list(dict.fromkeys(months["source"]))
    rows = {label: i for i, label in enumerate(labels)}
    fig = base_figure(title, "", height=130 + 100 * len(labels))
    wide = months.pivot(index="source", columns="month", values="share").reindex(labels)
    counts = months.pivot(index="source", columns="month", values="volume").reindex(labels)
    x = [pd.Timestamp(m) for m in wide.columns]
    fig.add_trace(
        go.Heatmap(
            x=x,
            y=list(range(len(labels))),
            z=wide.clip(upper=FULL_SHADE).to_numpy(),
            text=counts.to_numpy(),
            colorscale=[[0.0, "white"], [1.0, OKABE_ITO["blue"]]],
            zmin=0.0,
            zmax=FULL_SHADE,
            ygap=44,  # room above each strip for its name and under it for its thin-month marks
            showscale=False,
            hovertemplate="%{x|%b %Y}: %{text:,} records<extra></extra>",
            name="Records a month",
        )
    )
    thin = months[months["thin"]]
    fig.add_trace(
        go.Scatter(
            x=[pd.Timestamp(m) for m in thin["month"]],
            y=[rows[label] + 0.36 for label in thin["source"]],
            text=thin["volume"].tolist(),
            mode="markers",
            marker={
                "symbol": "line-ns-open",
                "size": 12,
                "color": OKABE_ITO["vermillion"],
                "line": {"width": 2},
            },
            hovertemplate="%{x|%b %Y}: %{text:,} records, thin or stray<extra></extra>",
            name="Thin or stray month (left out of the covered span, or a gap inside it)",
        )
    )
    for label, row in rows.items():  # each name over its strip: the strip keeps the width on a phone
        fig.add_annotation(
            x=0,
            xref="paper",
            y=row - 0.3,
            text=html.escape(label),  # names are data: text, never markup
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"size": 16},
        )
    fig.update_yaxes(range=[len(labels) - 0.5, -0.55], visible=False)
    fig.update_layout(showlegend=False, margin={"l": 20, "b": 50})
    fig = time_axis(fig, months["month"].min(), months["month"].max())
    # Plotly spaces the labels to the width it is drawn at (a phone or a projector), never crowded
    return fig.update_xaxes(dtick=None, nticks=8, tickangle=0)


def _words(value):
    """Text a chart escaped for Plotly, as the words it was (numbers and dates unchanged)."""
    return html.unescape(value) if isinstance(value, str) else value


def figure_table(fig: go.Figure) -> pd.DataFrame:
    """The numbers a chart draws, one row per point: series, x, y (and its label, if any).
    Bands list their upper edge then their lower edge, as they are drawn. A heatmap gives a
    row per cell: its row as the series, its column as x and its text (the count) as y."""
    rows = []
    for trace in fig.data:
        xs, ys = getattr(trace, "x", None), getattr(trace, "y", None)
        if isinstance(trace, go.Heatmap):  # a cell per row and column: series is the row
            for row, texts in zip(ys, trace.text, strict=True):
                rows += [
                    {"series": _words(row), "x": x, "y": v, "label": None}
                    for x, v in zip(xs, texts, strict=True)
                ]
            continue
        if xs is None or ys is None:
            continue
        texts = getattr(trace, "text", None)
        labels = list(texts) if isinstance(texts, list | tuple) else [None] * len(xs)
        for x, y, label in zip(xs, ys, labels + [None] * (len(xs) - len(labels)), strict=False):
            rows.append({"series": trace.name or "", "x": _words(x), "y": _words(y), "label": _words(label)})
    return pd.DataFrame(rows, columns=["series", "x", "y", "label"])
