"""Did each initiative work? The words and charts of an initiative's evaluation.

Pure functions of `metrics.initiatives` records (one per initiative: its target, fidelity,
verdict, goal and the claim typed about it) and of its monthly delivery; no Streamlit, so
the Partnership page, the Initiatives page and the board slide say the same thing in the
same words. An initiative that was never carried out is *untested*: no word or colour
here treats it as a failure.
"""

from __future__ import annotations

import html
from collections import Counter
from functools import cache

import pandas as pd
import plotly.graph_objects as go
from PIL import ImageFont

from charts.figures import base_figure
from charts.theme import GRID, INK, MUTED, NO_DATA, OKABE_ITO, VERDICT_COLOURS, band_fill, verdict_fill
from metrics.formatting import day_label, effect_text, name_label, size_text
from metrics.initiatives import (
    CANNOT_TELL,
    DIFFUSION,
    DISPLACED,
    GOAL_UNTESTED,
    MET,
    MOVED,
    NO_DISPLACEMENT,
    NO_GOAL,
    NOT_CARRIED_OUT,
    NOT_MET,
    NOT_RECORDED,
    NOT_SHOWN,
    POSSIBLY_MET,
    UNTESTED,
)
from metrics.publish import PUBLIC, Rules, count_text
from metrics.registry import CRIME_GROUP_LABELS, metric
from metrics.verdict import IMPROVED, NOT_ENOUGH, WORSENED

UNTESTED_WORDS = "Untested: not carried out"
NOT_TARGETED = "Not evaluated on its own: no target recorded"
MAY_BE_CHANCE = " (may be chance)"
GOAL_WORDS = {
    MET: "Goal met",
    POSSIBLY_MET: "Goal possibly met",
    NOT_MET: "Goal not met",
    NOT_SHOWN: "Goal not shown to be met",
    CANNOT_TELL: "Cannot tell yet",
    NO_GOAL: "No measurable goal",
    GOAL_UNTESTED: "Goal not tested: not carried out",
}
DISPLACEMENT_WORDS = {
    DISPLACED: "Moved next door",
    NO_DISPLACEMENT: "No sign it moved next door",
    DIFFUSION: "The benefit spread next door",
}
# kinds of activity: sky blue and grey, solid or hatched, never a verdict's colour
KIND_COLOURS = {
    "patrol": (OKABE_ITO["sky_blue"], ""),
    "meeting": (MUTED, ""),
    "outreach": (OKABE_ITO["sky_blue"], "/"),
    "environmental": (MUTED, "x"),
}
UNTESTED_COLOUR = NO_DATA  # a light grey, hatched in bars: neither a success nor a failure
NOT_TARGETED_COLOUR = "#EDEDED"
# improved where it was aimed, but crime rose next door: yellow, neither a success's green
# nor a failure's vermillion
MOVED_COLOUR = OKABE_ITO["yellow"]
DELIVERY_SOURCE = (
    "Source: the initiatives' delivery records: activities planned and delivered each month "
    "(patrols, meetings, outreach, environmental changes)."
)


# --- words -----------------------------------------------------------------------------


def response_label(kind: str | None) -> str:
    """'Problem-solving meeting': the response type as recorded, capitalised; '' for none."""
    return f"{kind[:1].upper()}{kind[1:]}" if kind else ""


def outcome_noun(outcome: str) -> str:
    """'anti-social behaviour', 'trust in police'."""
    label = CRIME_GROUP_LABELS.get(outcome) or metric(outcome).label
    return label[:1].lower() + label[1:]


def judged(record: dict) -> dict | None:
    """The outcome an initiative's verdict is read from: its goal's, else its first."""
    outcomes = record.get("outcomes") or []
    goal = (record.get("goal") or {}).get("outcome")
    return next((o for o in outcomes if o["outcome"] == goal), outcomes[0] if outcomes else None)


def untested(record: dict) -> bool:
    return record.get("verdict") == UNTESTED or record["fidelity"]["label"] == NOT_CARRIED_OUT


def target_text(record: dict) -> str:
    """'Riverside: anti-social behaviour', with ' (a hotspot outside the partnership's
    areas)' when it works beyond them; '' when no target is recorded."""
    target = record.get("target") or {}
    if not record.get("targeted"):
        return ""
    areas = ", ".join(target["areas"])
    said = f"{areas}: {', '.join(outcome_noun(o) for o in target['outcomes'])}"
    return said + (" (a hotspot outside the partnership's areas)" if target.get("hotspot") else "")


def dates_text(record: dict) -> str:
    """'1 Apr 2023 to 31 Mar 2024 (planned end)', and when it ended if that differs."""
    if not record.get("start"):
        return "No start date recorded"
    said = f"From {day_label(record['start'])}"
    if record.get("planned_end"):
        said += f" to {day_label(record['planned_end'])} (planned end)"
    ended = record.get("ended_on")
    if ended and ended != record.get("planned_end"):
        said += f"; ended {day_label(ended)}"
    return said


def fidelity_text(record: dict, counts: bool = True) -> str:
    """'Delivered: 157 of 168 planned activities (93%)'; 'Untested: not carried out (0 of
    84 ...)'. Without `counts`, the share alone."""
    f = record["fidelity"]
    if f["label"] == NOT_RECORDED:
        return "No planned activity recorded"
    size = f"{f['delivered']:,} of {f['planned']:,} planned activities, {f['share']:.0%}"
    size = size if counts else f"{f['share']:.0%} of planned activity"
    if f["label"] == NOT_CARRIED_OUT:
        return f"{UNTESTED_WORDS} ({size} delivered)"
    return f"{name_label(f['label'])}: {size}" + ("" if counts else " delivered")


def doubtful(record: dict) -> bool:
    """An Improved, Moved next door or Worsened call that does not hold with every
    initiative judged together."""
    return record.get("verdict") in (IMPROVED, MOVED, WORSENED) and record.get("stands") is False


def verdict_colour(verdict: str) -> str:
    """An initiative's verdict colour: Moved next door yellow, Untested light grey."""
    if verdict == MOVED:
        return MOVED_COLOUR
    if verdict == UNTESTED:
        return UNTESTED_COLOUR
    return VERDICT_COLOURS.get(verdict, MUTED)


def net_text(record: dict, rules: Rules = PUBLIC) -> str:
    """Where crime moved next door, what the two places gained together: 'Counting both
    places: about 21 fewer crimes (could be from 55 more to 96 fewer)'; '' otherwise. A
    count from 1 to 10 is said as 'fewer than 11' under public rules."""
    outcome = judged(record)
    shift = (outcome or {}).get("displacement") or {}
    if untested(record) or shift.get("label") != DISPLACED or shift.get("crimes_prevented") is None:
        return ""
    said = f"Counting both places: {_net(shift['crimes_prevented'], rules)}"
    if shift.get("crimes_prevented_ci"):
        low, high = shift["crimes_prevented_ci"]
        said += f" (could be from {_net(low, rules, short=True)} to {_net(high, rules, short=True)})"
    return said


def _net(prevented: float, rules: Rules, short: bool = False) -> str:
    n = abs(round(prevented))
    way = "fewer" if prevented > 0 else "more"
    if short:
        return "none" if n == 0 else f"{count_text(n, rules)} {way}"
    return "no net change" if n == 0 else f"about {count_text(n, rules)} {way} crimes"


def plain_effect(effect: dict, lower_is_better: bool = True) -> str:
    """'-30%, between 7% and 47% fewer' for a resident, not '(95%: -47% to -7%)'."""
    low, high = effect["ci"]
    scale = effect["scale"]
    est = size_text(scale, effect["estimate"])
    sign = "-" if effect["estimate"] < 0 else "+"
    if scale != "relative":
        return f"{sign}{est} (between {low:+.0f} and {high:+.0f} points)"
    if high < 0:
        return f"{sign}{est} (between {size_text(scale, high)} and {size_text(scale, low)} fewer)"
    if low > 0:
        return f"{sign}{est} (between {size_text(scale, low)} and {size_text(scale, high)} more)"
    return f"{sign}{est} (from {size_text(scale, low)} fewer to {size_text(scale, high)} more)"


def goal_basis(record: dict) -> str:
    """The measured basis of a 'possibly met' or 'met' goal, for a card: '-30% against a goal
    of -20%; could be as little as -7%'; '' for any other answer."""
    goal = record.get("goal") or {}
    outcome = judged(record)
    effect = (outcome or {}).get("effect")
    if untested(record) or goal.get("answer") not in (MET, POSSIBLY_MET) or not effect:
        return ""
    unit = 100 if effect["scale"] == "relative" else 1
    mark = "%" if unit == 100 else " points"
    lower = outcome.get("lower_is_better", True)
    least = max(effect["ci"]) if lower else min(effect["ci"])
    said = f"{effect['estimate'] * unit:+.0f}{mark} against a goal of {goal['change'] * unit:+.0f}{mark}"
    word = "could be as little as" if goal["answer"] == POSSIBLY_MET else "at least"
    return f"{said}; {word} {least * unit:+.0f}{mark}"


def raw_text(record: dict) -> str:
    """Where the goal was not shown to be met although the target's own before and after
    looked like it: 'It fell 23% before and after, which looks like the goal, but comparable
    areas fell too'; '' otherwise."""
    goal = record.get("goal") or {}
    raw = goal.get("raw_change")
    if untested(record) or goal.get("answer") != NOT_SHOWN or raw is None or goal.get("change") is None:
        return ""
    outcome = judged(record) or {}
    scale = (outcome.get("effect") or {}).get("scale", "relative")
    sign = -1 if outcome.get("lower_is_better", True) else 1
    if sign * raw < sign * goal["change"]:
        return ""
    way = "fell" if raw < 0 else "rose"
    return (
        f"It {way} {size_text(scale, raw)} before and after, which looks like the goal, but comparable "
        f"areas {way} too"
    )


def change_text(record: dict) -> str:
    """'Property crime: -30% (95%: -47% to -7%) against comparable areas', '' without an estimate."""
    outcome = judged(record)
    effect = outcome.get("effect") if outcome and record.get("verdict") != NOT_ENOUGH else None
    if not effect or untested(record):
        return ""
    noun = outcome_noun(outcome["outcome"])
    return f"{noun[:1].upper()}{noun[1:]}: {effect_text(effect)} against comparable areas"


def verdict_text(record: dict) -> str:
    """'Improved: -62% (95%: -73% to -47%)', with ' (may be chance)' where the call does not
    stand; 'Untested: not carried out'; or 'Not evaluated on its own: no target recorded'."""
    if not record.get("targeted"):
        return UNTESTED_WORDS if record["fidelity"]["label"] == NOT_CARRIED_OUT else NOT_TARGETED
    if untested(record):
        return UNTESTED_WORDS
    outcome = judged(record)
    verdict = record["verdict"] + (MAY_BE_CHANCE if doubtful(record) else "")
    effect = outcome.get("effect") if outcome and record["verdict"] != NOT_ENOUGH else None
    return f"{verdict}: {outcome_noun(outcome['outcome'])} {effect_text(effect)}" if effect else verdict


def displacement_text(record: dict) -> str:
    """Did the problem move next door? A short sentence without crime counts (for the
    public too): 'Moved next door: property crime rose 74% in Old Town against comparable
    areas.'; '' where it was not measured or the initiative is untested."""
    outcome = judged(record)
    if not record.get("targeted") or untested(record) or outcome is None:
        return ""
    d = outcome.get("displacement") or {}
    if d.get("label") not in DISPLACEMENT_WORDS:
        return ""
    where = ", ".join(d.get("areas") or ())
    noun = outcome_noun(outcome["outcome"])
    estimate = (d.get("effect") or {}).get("estimate")
    if d["label"] == DISPLACED and estimate is not None:
        return (
            f"{DISPLACEMENT_WORDS[DISPLACED]}: {noun} rose {size_text('relative', estimate)} in {where} "
            "against comparable areas, so some of it moved rather than stopped."
        )
    if d["label"] == DIFFUSION and estimate is not None:
        return (
            f"{DISPLACEMENT_WORDS[DIFFUSION]}: {noun} fell {size_text('relative', estimate)} in {where} too."
        )
    return f"{DISPLACEMENT_WORDS[NO_DISPLACEMENT]} ({where})."


def goal_words(record: dict) -> str:
    """The measured answer to the stated goal, in two to five words."""
    answer = (record.get("goal") or {}).get("answer")
    if untested(record) and record.get("targeted"):
        return GOAL_WORDS[GOAL_UNTESTED]
    return GOAL_WORDS.get(answer, "No measurable goal")


def goal_stated(record: dict) -> str:
    """'anti-social behaviour down 25% within 12 months', else the goal as typed."""
    goal = record.get("goal") or {}
    return goal.get("stated") or goal.get("text") or ""


def public_claim_text(record: dict) -> str:
    """The claim for a public slide, pointing at no one: 'The partnership's records said met:
    a claim.'; '' when nothing was typed."""
    claim = (record.get("claim") or {}).get("goal_met")
    if claim is None:
        return ""
    return f"The partnership's records said {'met' if claim else 'not met'}: a claim."


def claim_text(record: dict) -> str:
    """What a person typed about the goal, marked as a claim: 'Recorded as met by its lead:
    a claim, not the measured answer.'; '' when nothing was typed."""
    claim = (record.get("claim") or {}).get("goal_met")
    if claim is None:
        return ""
    said = "met" if claim else "not met"
    measured = (record.get("goal") or {}).get("measured")
    return f"Recorded as {said} by its lead: a claim, " + (
        "not the measured answer." if measured else "not measured."
    )


# --- charts ------------------------------------------------------------------------------


def delivery_chart(delivery: pd.DataFrame, records: list[dict], title: str) -> go.Figure:
    """Planned against delivered activities by month, one panel per initiative (in
    `records`' order): delivered as bars stacked by kind, planned as a black step line.
    `delivery`: `metrics.initiatives.delivery` rows."""
    shown = [r for r in records if (delivery["initiative_id"] == r["id"]).any()]
    fig = base_figure(title, "", height=200 + 250 * max(len(shown), 1))
    if not shown:
        return fig
    titles = [html.escape(r["name"]) for r in shown]  # its fidelity is said on its card
    fig.set_subplots(
        rows=len(shown), cols=1, subplot_titles=titles, vertical_spacing=0.5 / len(shown) ** 0.5 / 2
    )
    legend: set[str] = set()
    empty: list[str] = []  # the axes of panels with nothing delivered
    for row, record in enumerate(shown, start=1):
        mine = delivery[delivery["initiative_id"] == record["id"]]
        months = pd.to_datetime(mine["month"])
        for kind, (colour, hatch) in KIND_COLOURS.items():
            part = mine[mine["kind"] == kind]
            if part.empty or part["delivered"].sum() == 0:  # no empty legend entry
                continue
            fig.add_trace(
                go.Bar(
                    x=pd.to_datetime(part["month"]),
                    y=part["delivered"],
                    name=f"Delivered: {kind}",
                    legendgroup=kind,
                    showlegend=kind not in legend,
                    marker={"color": colour, "pattern": {"shape": hatch, "fgcolor": INK}},
                    hovertemplate=f"%{{x|%b %Y}}: %{{y:,}} {kind} delivered<extra></extra>",
                ),
                row=row,
                col=1,
            )
            legend.add(kind)
        planned = mine.groupby("month", as_index=False)["planned"].sum()
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(planned["month"]),
                y=planned["planned"],
                name="Planned (all kinds)",
                legendgroup="planned",
                showlegend=row == 1,
                mode="lines+markers",
                line={"color": INK, "width": 3, "shape": "hvh"},
                marker={"size": 7, "color": INK},
                hovertemplate="%{x|%b %Y}: %{y:,} planned<extra></extra>",
            ),
            row=row,
            col=1,
        )
        top = max(planned["planned"].max(), mine.groupby("month")["delivered"].sum().max(), 1)
        fig.update_yaxes(title_text="Activities", range=[0, top * 1.25], tickformat=",d", row=row, col=1)
        if mine["delivered"].sum() == 0:  # no bar to see: say so on the panel
            axis = "" if row == 1 else str(row)
            empty.append(axis)
        fig.update_xaxes(
            range=[months.min() - pd.Timedelta(days=20), months.max() + pd.Timedelta(days=20)],
            tickformat="%b<br>%Y",  # two short lines: a phone's narrow axis keeps them apart
            nticks=6,
            tickangle=0,
            row=row,
            col=1,
        )
    # the legend clear of the month labels (two lines each) under the last panel
    height = fig.layout.height
    fig.update_layout(
        barmode="stack",
        bargap=0.25,
        margin={"b": 140},
        legend={"y": -80 / (height - 60 - 140), "yanchor": "top"},
    )
    fig.update_annotations(font={"size": 16}, xanchor="left", x=0)  # the panels' titles
    for axis in empty:  # no bar to see: say so in the middle of the panel
        fig.add_annotation(
            x=0.5,
            xanchor="center",
            xref=f"x{axis} domain",
            y=0.45,
            yref=f"y{axis} domain",
            text="<b>0 delivered</b>: not carried out",
            showarrow=False,
            font={"size": 18, "color": INK},
            bgcolor="rgba(255,255,255,0.85)",
        )
    return fig


def goal_chart(records: list[dict], title: str) -> go.Figure | None:
    """Where each targeted initiative landed against its goal: the change against
    comparable areas with its 95% interval (a dot and a bar, coloured by verdict) and the
    goal as a black mark, one row per initiative, its name and goal written above the row
    (so a phone keeps the plot's width). An untested one, or one without an estimate,
    shows its goal mark and says why it has no dot. Records with no measurable goal are
    left out; None when none is left, or none has a dot. One scale only (crime in %,
    surveys in points): the caller draws one chart per scale."""
    rows = [r for r in records if r.get("targeted") and (r.get("goal") or {}).get("change") is not None]
    dots = [
        r for r in rows if not untested(r) and (judged(r) or {}).get("effect") and r["verdict"] != NOT_ENOUGH
    ]
    if not dots:  # nothing landed anywhere: the cards say why
        return None
    relative = all((judged(r) or {}).get("kind") == "crime" for r in rows)
    unit = 100 if relative else 1
    fig = base_figure(title, "", height=200 + 100 * len(rows))
    labels = [html.escape(r["name"]) for r in rows]
    effects = [judged(r)["effect"] for r in dots]
    x = [e["estimate"] * unit for e in effects]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=[html.escape(r["name"]) for r in dots],
            mode="markers+text",
            name="Change (95% interval)",
            marker={
                "size": 16,
                "color": [verdict_colour(r["verdict"]) for r in dots],
                "line": {"width": 1.5, "color": INK},
            },
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [(e["ci"][1] - e["estimate"]) * unit for e in effects],
                "arrayminus": [(e["estimate"] - e["ci"][0]) * unit for e in effects],
                "thickness": 4,
                "width": 0,
                "color": MUTED,
            },
            text=[_change(v, relative) for v in x],
            textposition="bottom center",
            hovertemplate="%{y}: %{text} against comparable areas<extra></extra>",
        )
    )
    goals = [r["goal"]["change"] * unit for r in rows]
    fig.add_trace(
        go.Scatter(
            x=goals,
            y=labels,
            mode="markers",
            name="Its goal",
            marker={"symbol": "line-ns-open", "size": 34, "color": INK, "line": {"width": 4, "color": INK}},
            text=[f"goal {_change(g, relative)}" for g in goals],
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    for r, label, goal in zip(rows, labels, goals, strict=True):
        fig.add_annotation(  # the row's name and goal above it, from the plot's left edge
            x=0,
            xref="paper",
            y=label,
            yshift=30,
            text=f"{label}: goal {_change(goal, relative)}",
            showarrow=False,
            xanchor="left",
            font={"size": 15, "color": INK},
        )
        if r not in dots:
            fig.add_annotation(
                x=1,
                xref="paper",
                y=label,
                text=UNTESTED_WORDS if untested(r) else "No estimate yet",
                showarrow=False,
                xanchor="right",
                bgcolor="rgba(255,255,255,0.85)",
                font={"size": 15, "color": MUTED},
            )
    ends = [0.0, *goals, *(v * unit for e in effects for v in e["ci"])]
    pad = (max(ends) - min(ends)) * 0.08 or 10
    fig.add_vline(x=0, line={"color": GRID, "width": 2})
    fig.update_xaxes(
        title_text="Change against comparable areas (%)" if relative else "Change (points, 0-100)",
        ticksuffix="%" if relative else "",
        zeroline=False,
        range=[min(ends) - pad, max(ends) + pad],
        nticks=6,
        tickangle=0,
    )
    fig.update_yaxes(autorange="reversed", showticklabels=False, showgrid=False)
    # the legend above the plot: under it, a short chart's legend would sit on the axis labels
    fig.update_layout(
        margin={"l": 20, "t": 110, "b": 70},
        showlegend=True,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    return fig


def _change(value: float, relative: bool) -> str:
    return f"{value:+.0f}%" if relative else f"{value:+.0f}"


VERDICT_ORDER = (
    IMPROVED,
    f"{IMPROVED}{MAY_BE_CHANCE}",
    MOVED,
    "No clear change",
    "Inconclusive",
    "Too early to tell",
    NOT_ENOUGH,
    f"{WORSENED}{MAY_BE_CHANCE}",
    WORSENED,
    UNTESTED,
    "Not targeted",
)


def _kind_colour(verdict: str) -> str:
    if verdict == "Not targeted":
        return NOT_TARGETED_COLOUR
    return verdict_colour(verdict.removesuffix(MAY_BE_CHANCE))


def _kind_hatch(verdict: str) -> str:
    if verdict.endswith(MAY_BE_CHANCE):
        return "/"
    return "x" if verdict == UNTESTED else ""


def response_chart(types: pd.DataFrame, title: str) -> go.Figure:
    """'Which kinds of response work here?': initiatives per response type, as bars split
    by verdict (a call that may be chance hatched; untested grey; not targeted light grey).
    `types`: `metrics.initiatives.response_types` output."""
    order = types.sort_values("response_type", ascending=False)
    fig = base_figure(title, "", height=150 + 46 * len(order))
    columns = [v for v in VERDICT_ORDER if v in order.columns]
    for verdict in columns:
        fig.add_trace(
            go.Bar(
                x=order[verdict],
                y=[html.escape(response_label(t)) for t in order["response_type"]],
                orientation="h",
                name="Not evaluated on its own (no target)" if verdict == "Not targeted" else verdict,
                marker={
                    "color": _kind_colour(verdict),
                    "pattern": {"shape": _kind_hatch(verdict), "fgcolor": MUTED},
                    "line": {"color": MUTED, "width": 1},
                },
                hovertemplate=f"%{{y}}: %{{x}} {html.escape(verdict.lower())}<extra></extra>",
            )
        )
    # the legend under the axis title, in reading order (on a phone it is a column of five)
    plot = 20 + 46 * len(order)
    fig.update_layout(
        height=plot + 80 + 240,
        barmode="stack",
        margin={"t": 80, "b": 240},
        legend={"orientation": "h", "y": -80 / plot, "yanchor": "top", "x": 0, "traceorder": "normal"},
    )
    most = order["initiatives"].max()
    fig.update_xaxes(title_text="Initiatives", dtick=1 if most <= 4 else 2 if most <= 10 else None)
    fig.update_yaxes(automargin=True, showgrid=False)
    return fig


def response_sentence(rows: list[dict]) -> str:
    """What the portfolio says of kinds of response, in plain words: how many initiatives
    can be judged on their own, what they found per kind, and why no kind can be ranked
    on so few."""
    if not rows:
        return "No initiatives are recorded."
    targeted = [r for r in rows if r.get("targeted")]
    said = f"Of {len(rows)} initiatives, {len(targeted)} name a target and so can be judged on their own"
    if not targeted:
        return said + ": record an initiative's areas and outcomes to find out whether it worked."
    per_kind: dict[str, Counter] = {}
    for r in targeted:
        kind = r.get("response_type") or "no type recorded"
        word = "untested (not carried out)" if untested(r) else r["verdict"].lower()
        word += MAY_BE_CHANCE if doubtful(r) else ""
        per_kind.setdefault(kind, Counter())[word] += 1
    parts = [
        f"{kind}: " + ", ".join(f"{n} {w}" for w, n in sorted(words.items()))
        for kind, words in sorted(per_kind.items())
    ]
    most = max(sum(c.values()) for c in per_kind.values())
    caution = (
        " With so few judged initiatives of each kind, no kind of response can yet be shown to work "
        "better than another here."
        if most < 5
        else " Kinds with more judged initiatives say more; a single success or failure is not a pattern."
    )
    untried = sum(untested(r) for r in targeted)
    note = (
        f" {untried} {'was' if untried == 1 else 'were'} never carried out: untested, not failed."
        if untried
        else ""
    )
    return f"{said} ({'; '.join(parts)}).{note}{caution}"


# --- the board slide ---------------------------------------------------------------------

CARD_NAME_PX, CARD_LABEL_PX, CARD_ANSWER_PX, CARD_DETAIL_PX = 34, 24, 52, 28
PLOT_WIDTH_PX, PLOT_HEIGHT_PX = 1750, 740  # a slide's plot area, about (charts.board.slide_figure)
TILE_GAP_PX, PAD_PX, BAND_GAP_PX = 24, 18, 28
LINE = 1.35  # line height, in font sizes (plotly's, with a little room)


def initiative_cards(cards: list[dict], title: str) -> go.Figure:
    """'Did its initiatives work?' for a room: a band per initiative (up to four), its name
    and target above four tiles, each a question, its answer in large type and a line
    under it. `cards`: dicts with name, target and tiles, each tile (question, answer,
    detail, verdict or None): the verdict tints the tile (untested grey, never a failure's
    colour). The bands sit in the middle of the plot area, as tall as their text needs."""
    from charts.board import projected, wrap_to_width  # charts.board draws maps: loaded for a slide only

    fig = projected(base_figure(title, ""))
    fig.update_layout(xaxis={"visible": False, "range": [0, 1]}, yaxis={"visible": False, "range": [0, 1]})
    # one card fills the slide in larger type; more share it
    scale = 1.25 if len(cards) == 1 else 1.0 if len(cards) == 2 else 0.75 if len(cards) == 3 else 0.6
    name_px, label_px, answer_px, detail_px = (
        round(CARD_NAME_PX * max(scale, 0.8)),
        round(CARD_LABEL_PX * max(scale, 0.8)),
        round(CARD_ANSWER_PX * scale),
        round(CARD_DETAIL_PX * max(min(scale, 1.1), 0.8)),
    )
    columns = max((len(c["tiles"]) for c in cards), default=1)
    tile_px = (PLOT_WIDTH_PX - TILE_GAP_PX * (columns - 1)) / columns
    inner = tile_px - 2 * PAD_PX
    # answers are bold: a short one fits a tile on one line, and the longest word always does
    words = [t[1] for c in cards for t in c["tiles"] if len(t[1].split()) <= 2]
    words += [w for c in cards for t in c["tiles"] for w in t[1].split()]
    widest = max((_bold_width(w, answer_px) for w in words), default=0)
    if widest > inner:
        answer_px = int(answer_px * inner / widest)
    laid = []  # per card: per tile (answer lines, detail lines)
    for c in cards:
        laid.append(
            [
                (
                    wrap_to_width(answer, inner, answer_px),
                    [line for part in detail.split("\n") for line in wrap_to_width(part, inner, detail_px)],
                )
                for _, answer, detail, _ in c["tiles"]
            ]
        )
    heights = []
    for tiles in laid:
        answer_lines = max(len(a) for a, _ in tiles)
        detail_lines = max(len(d) for _, d in tiles)
        tile = (
            2 * PAD_PX
            + label_px * LINE
            + answer_lines * answer_px * LINE
            + (12 + detail_lines * detail_px * LINE if detail_lines else 0)
        )
        heights.append((name_px * 1.6, tile))
    total = sum(n + t for n, t in heights) + BAND_GAP_PX * (len(cards) - 1)
    top_px = max((PLOT_HEIGHT_PX - total) / 2, 0)  # from the plot area's top

    def y(px: float) -> float:  # pixels down from the plot area's top, in paper units
        return 1 - px / PLOT_HEIGHT_PX

    shapes = []
    for c, tiles, (name_h, tile_h) in zip(cards, laid, heights, strict=True):
        fig.add_annotation(
            **_text_at(0, y(top_px)),
            text=f"<b>{html.escape(c['name'], quote=False)}</b>   "
            f"<span style='color:{MUTED}'>{html.escape(c['target'], quote=False)}</span>",
            font={"size": name_px, "color": INK},
        )
        tile_top = top_px + name_h
        for j, ((question, _, _, verdict), (answer, detail)) in enumerate(
            zip(c["tiles"], tiles, strict=True)
        ):
            x0 = j * (tile_px + TILE_GAP_PX) / PLOT_WIDTH_PX
            shapes.append(
                {
                    "type": "rect",
                    "xref": "paper",
                    "yref": "paper",
                    "x0": x0,
                    "x1": x0 + tile_px / PLOT_WIDTH_PX,
                    "y0": y(tile_top + tile_h),
                    "y1": y(tile_top),
                    "line": {"color": GRID, "width": 2},
                    "fillcolor": _tile_fill(verdict),
                    "layer": "below",
                }
            )
            left = x0 + PAD_PX / PLOT_WIDTH_PX
            down = tile_top + PAD_PX
            fig.add_annotation(
                **_text_at(left, y(down)),
                text=html.escape(question, quote=False),
                font={"size": label_px, "color": MUTED},
            )
            down += label_px * LINE
            fig.add_annotation(
                **_text_at(left, y(down)),
                text="<br>".join(f"<b>{html.escape(line, quote=False)}</b>" for line in answer),
                font={"size": answer_px, "color": INK},
            )
            if detail:
                down += len(answer) * answer_px * LINE + 12
                fig.add_annotation(
                    **_text_at(left, y(down)),
                    text="<br>".join(html.escape(line, quote=False) for line in detail),
                    font={"size": detail_px, "color": INK},
                )
        top_px = tile_top + tile_h + BAND_GAP_PX
    fig.update_layout(shapes=shapes, showlegend=False)
    return fig


@cache
def _bold_font(size: int):
    try:
        return ImageFont.truetype("DejaVuSans-Bold.ttf", size)
    except OSError:
        return None


def _bold_width(text: str, size: int) -> float:
    """How wide `text` is drawn in bold at `size` px (the slides' font, DejaVu Sans)."""
    font = _bold_font(size)
    return font.getlength(text) if font else 0.7 * size * len(text)


def _wrap_bold(text: str, width: float, size: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and _bold_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _text_at(x: float, y: float, anchor: str = "top") -> dict:
    return {
        "x": x,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "left",
        "yanchor": anchor,
        "align": "left",
        "showarrow": False,
    }


def _tile_fill(verdict: str | None) -> str:
    if verdict is None:
        return "#ffffff"
    if verdict in (UNTESTED, MOVED):
        return band_fill(verdict_colour(verdict), 0.35)
    return verdict_fill(verdict)
