"""Did its initiatives work? On the Partnership page, a card per targeted initiative with
its fidelity and delivery chart, where each landed against its goal, and the untargeted
ones in a plain table; on the Initiatives page, every initiative in one filterable table
and which kinds of response work here.

Records come from `ui.data.initiative_portfolio` (leadership); words and charts from
`charts.initiatives`, so the slide says the same."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.initiatives import (
    DELIVERY_SOURCE,
    DISPLACEMENT_WORDS,
    UNTESTED_WORDS,
    change_text,
    claim_text,
    dates_text,
    delivery_chart,
    doubtful,
    fidelity_text,
    goal_basis,
    goal_chart,
    goal_stated,
    goal_words,
    judged,
    net_text,
    raw_text,
    response_chart,
    response_label,
    response_sentence,
    target_text,
    untested,
    verdict_text,
)
from metrics.evaluation import Design
from metrics.formatting import day_label
from metrics.initiatives import DISPLACED, MOVED, response_types
from metrics.verdict import method_notes
from ui import data
from ui.auth import User
from ui.plain import plain
from ui.show import BADGE_COLOURS, chart, nothing_to_show, table
from ui.tables import initiatives_table

GOAL_SOURCE = (
    "Source: recorded crime by month of occurrence (resident survey for a survey goal). Each initiative's "
    "months before its start against as many after it, in its target areas against comparable areas outside "
    "every partnership and initiative (difference in differences). Dot: the change; bar: its 95% interval; "
    "black mark: the goal. For crime, left of the mark is better: a goal is met when the whole bar is left "
    "of it."
)


def initiatives_section(url: str, user: User, code: str, design: Design) -> None:
    """Partnership `code`'s initiatives: targeted ones judged on their own target, then the
    untargeted ones as recorded."""
    rows, _ = data.initiative_portfolio(url, user.audience, design)
    mine = [r for r in rows if r["partnership"] == code]
    if not mine:
        nothing_to_show("No initiatives are recorded for this partnership.")
        return
    targeted = [r for r in mine if r["targeted"]]
    if not targeted:
        nothing_to_show(
            "No initiative of this partnership names a target (areas and outcomes), so none is judged on its "
            "own. Record an initiative's target to find out whether it worked."
        )
    for record in targeted:
        initiative_card(record)
    delivered = data.initiative_delivery(url, user.audience, tuple(r["id"] for r in mine))
    if not delivered.empty:
        chart(
            delivery_chart(delivered, mine, "Delivered against plan"),
            DELIVERY_SOURCE
            + " An initiative that delivered under a fifth of its plan was not carried out: it is untested, "
            "not failed.",
            key="initiative_delivery",
        )
    for scale in ("crime", "survey"):
        same = [r for r in targeted if ((judged(r) or {}).get("kind") or "crime") == scale]
        fig = goal_chart(same, "Did each reach its goal?")
        if fig is not None:
            chart(fig, GOAL_SOURCE, key=f"initiative_goals_{scale}")
    others = [r for r in mine if not r["targeted"]]
    if others:
        st.markdown("**Not evaluated on its own: no target recorded**")
        table(initiatives_table(others), f"{code}-initiatives")
        st.caption(
            "These name no target areas and outcomes, so their effect cannot be told apart from the "
            "partnership's. 'Recorded as met' is what the initiative's lead typed: a claim, not measured."
        )


def initiative_card(record: dict) -> None:
    """One targeted initiative: what and where, when, whether it was carried out; then its
    verdict with the estimate and interval, whether the problem moved next door, its goal
    measured, and the lead's claim marked as a claim."""
    with st.container(border=True):
        kind = response_label(record.get("response_type")) or "No response type"
        st.markdown(f"**{plain(record['name'])}** · {plain(kind)}")
        left, right = st.columns([2, 3])
        with left:
            st.markdown(f"**Target:** {plain(target_text(record))}")
            st.markdown(f"**When:** {plain(dates_text(record))}")
            st.markdown(f"**Carried out?** {plain(fidelity_text(record))}")
        with right:
            if untested(record):
                st.badge(UNTESTED_WORDS, color="gray")
                st.markdown("Not judged: an initiative that was not carried out is untested, not failed.")
            else:
                colour = (
                    "yellow" if record["verdict"] == MOVED else BADGE_COLOURS.get(record["verdict"], "gray")
                )
                st.badge(record["verdict"], color=colour)
                if change := change_text(record):
                    st.markdown(f"**{plain(change)}**")
                if doubtful(record):
                    st.markdown("**May be chance**: see the note under this card.")
                outcome = judged(record)
                st.markdown(plain(outcome["sentence"]))
                shift = outcome.get("displacement") or {}
                if shift.get("label") in DISPLACEMENT_WORDS:
                    moved = shift["sentence"].split(" Counting both places")[0]  # the net is said once, below
                    st.markdown(f"**{DISPLACEMENT_WORDS[shift['label']]}.** {plain(moved)}")
                if net := net_text(record):
                    st.markdown(f"**{plain(net)}.**")
            goal = record["goal"]
            said = goal["sentence"]
            if goal_stated(record) and not said.startswith("The goal"):
                said = f"The goal: {goal_stated(record)}. {said}"
            basis = goal_basis(record) or raw_text(record)
            st.markdown(f"**{goal_words(record)}**" + (f": {plain(basis)}." if basis else "."))
            st.markdown(plain(said))
            if claim := claim_text(record):
                st.markdown(f":material/edit_note: *{plain(claim)}*")
        notes = _method_notes(record)
        if notes:
            st.caption(plain(notes))


def _method_notes(record: dict) -> str:
    outcome = judged(record)
    if outcome is None or untested(record):
        return ""
    notes = method_notes(outcome)
    if doubtful(record):
        q = outcome.get("q_value")
        notes.append(
            "May be chance: with every targeted initiative's outcomes judged together and the share of false "
            "calls kept to 5%, this call does not hold"
            + (f" (Benjamini-Hochberg q = {q:.2g})." if q else ".")
        )
    return " ".join(notes)


# --- the portfolio: every initiative ---------------------------------------------------------


PORTFOLIO_COLUMNS = [
    "Initiative",
    "Response type",
    "Carried out?",
    "Verdict",
    "Goal",
    "Moved next door?",
    "Counting both places",
    "Partnership",
    "Claim (as recorded)",
    "Target",
    "Started",
]


def portfolio_table(rows: list[dict]) -> pd.DataFrame:
    """One row per initiative, the targeted ones (judged on their own) first: initiative,
    response type, fidelity, verdict (with its estimate; 'may be chance' where the call does
    not stand), the goal's measured answer, whether it moved next door and the net change
    counting both places, then partnership, the lead's claim, target and start."""
    ordered = sorted(rows, key=lambda r: (not r["targeted"], r["partnership_name"], r.get("start") or ""))
    return pd.DataFrame(
        {
            "Initiative": [r["name"] for r in ordered],
            "Response type": [response_label(r.get("response_type")) for r in ordered],
            "Carried out?": [fidelity_text(r, counts=False) for r in ordered],  # short: the verdict in view
            "Verdict": [verdict_text(r) for r in ordered],
            "Goal": [goal_words(r) for r in ordered],
            "Moved next door?": [_moved_cell(r) for r in ordered],
            "Counting both places": [net_text(r).removeprefix("Counting both places: ") for r in ordered],
            "Partnership": [r["partnership_name"] for r in ordered],
            "Claim (as recorded)": [_claim_cell(r) for r in ordered],
            "Target": [target_text(r) or "none recorded" for r in ordered],
            "Started": [day_label(r["start"]) if r.get("start") else "" for r in ordered],
        },
        columns=PORTFOLIO_COLUMNS,
    )


def _moved_cell(record: dict) -> str:
    """'Yes: to Old Town', 'No sign', 'No: the benefit spread'; '' where not measured."""
    outcome = judged(record)
    if not record.get("targeted") or untested(record) or outcome is None:
        return ""
    shift = outcome.get("displacement") or {}
    if shift.get("label") == DISPLACED:
        return f"Yes: to {', '.join(shift.get('areas') or ())}"
    return {"no sign of displacement": "No sign", "diffusion of benefits": "No: the benefit spread"}.get(
        shift.get("label"), ""
    )


def chance_text(counts: dict) -> str:
    """Whether the initiatives' calls hold up when several are checked at once, in plain
    words (the method is named in the source line)."""
    judged_n, called, standing = counts.get("judged", 0), counts.get("called", 0), counts.get("standing", 0)
    if not judged_n:
        return "No carried-out initiative has a complete estimate yet, so none is called better or worse."
    if not called:
        return (
            f"None of the {judged_n} carried-out initiatives judged changed its problem clearly enough to "
            "be called better or worse."
        )
    results = "result" if called == 1 else "results"
    every = "The one" if called == 1 else "Both" if called == 2 else f"All {called}"
    if standing == called:
        return (
            f"{every} clear {results} (better or worse where it was aimed) "
            f"{'holds' if called == 1 else 'hold'} up even allowing for checking {judged_n} initiatives at "
            "once."
        )
    doubtful = called - standing
    return (
        f"Of {called} clear {results} (better or worse where it was aimed), {standing} hold up once "
        f"{judged_n} initiatives are checked at once; the other {doubtful} may be chance and "
        f"{'is' if doubtful == 1 else 'are'} marked so."
    )


CHANCE_SOURCE = (
    "Method: every carried-out targeted initiative's outcomes judged together, keeping the share of false "
    "calls to 5% (Benjamini-Hochberg false discovery rate)."
)


def _claim_cell(record: dict) -> str:
    claim = (record.get("claim") or {}).get("goal_met")
    return "" if claim is None else f"{'met' if claim else 'not met'}: a claim"


def chosen(rows: list[dict], kinds: list[str], partnerships: list[str]) -> list[dict]:
    """Rows of the chosen response types and partnerships (codes); none chosen is all."""
    return [
        r
        for r in rows
        if (not kinds or (r.get("response_type") or "") in kinds)
        and (not partnerships or r["partnership"] in partnerships)
    ]


def portfolio_filters(rows: list[dict]) -> list[dict]:
    """The response type and partnership pickers; returns the rows they choose."""
    kinds = sorted({r.get("response_type") or "" for r in rows})
    names = dict(sorted({(r["partnership"], r["partnership_name"]) for r in rows}, key=lambda p: p[1]))
    left, right = st.columns(2)
    picked_kinds = left.multiselect(
        "Response type",
        kinds,
        format_func=lambda k: response_label(k) or "(no type recorded)",
        placeholder="All response types",
        key="initiatives_types",
    )
    picked = right.multiselect(
        "Partnership",
        list(names),
        format_func=names.__getitem__,
        placeholder="All partnerships",
        key="initiatives_partnerships",
    )
    return chosen(rows, picked_kinds, picked)


def response_kinds(rows: list[dict]) -> None:
    """'Which kinds of response work here?': initiatives per response type by verdict, and
    a plain sentence that says how little a handful of initiatives can show."""
    types = response_types(rows)
    if types.empty:
        nothing_to_show("No initiatives are chosen.")
        return
    chart(
        response_chart(types, "Response types and verdicts"),
        "Source: the partnership registry's initiatives, each judged on its own target where one is "
        "recorded. "
        "Hatched: a call that may be chance once every targeted initiative is judged together (false "
        "discovery rate 5%). Moved next door: better where it was aimed, but crime rose next door. "
        "Untested (light grey, crossed): never carried out, so not judged.",
        key="initiative_kinds",
    )
    st.markdown(plain(response_sentence(rows)))
