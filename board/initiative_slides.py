"""'Did its initiatives work?': a public slide with each targeted initiative's answer in
large type: was it carried out, did its problem change against comparable areas (and did
it move next door), and was its goal met, measured, with the lead's claim marked as one.

Public-safe by construction: shares and relative changes only, never a count of people or
crimes (the count rule of metrics.publish applies to the activity counts in the notes),
and nothing from decisions or comments. An initiative never carried out is untested, not
failed. No slide when the partnership has no targeted initiative (as the other optional
slides do)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection

from board.slide import Slide
from charts.initiatives import (
    displacement_text,
    doubtful,
    goal_basis,
    goal_stated,
    goal_words,
    initiative_cards,
    judged,
    net_text,
    outcome_noun,
    plain_effect,
    public_claim_text,
    raw_text,
    target_text,
    untested,
)
from metrics.evaluation import Design
from metrics.formatting import effect_text, size_text, verdict_label
from metrics.initiatives import DIFFUSION, DISPLACED, MOVED, NO_DISPLACEMENT, UNTESTED, portfolio
from metrics.publish import Rules, count_text
from metrics.verdict import CALLED, IMPROVED, INCONCLUSIVE, NO_CLEAR_CHANGE, TOO_EARLY, WORSENED

TITLE = "Did its initiatives work?"
IN_CAPTION = 3  # initiatives said in the caption; the rest in the notes
DRAWN = 4  # initiatives drawn on the slide (with their tiles' lines under the answers up to 3)


def initiatives_slide(
    conn: Connection, initiatives: list[dict], design: Design, rules: Rules
) -> Slide | None:
    """The slide for a partnership's initiatives (`evaluate(...)["initiatives"]`), or None
    when none is targeted."""
    targeted = [r for r in initiatives if r.get("targeted")]
    if not targeted:
        return None
    _mark_chance(conn, targeted, design)
    rows = [slide_row(r) for r in targeted]
    sentences = [initiative_sentence(r) for r in targeted]
    caption = " ".join(sentences[:IN_CAPTION])
    if any(doubtful(r) for r in targeted):
        caption += " * May be chance: with every initiative judged together, this call does not hold."
    others = len(initiatives) - len(targeted)
    source = (
        "Method: each initiative's own areas against comparable areas outside every partnership and "
        "initiative, the months before its start against as many after (difference in differences); "
        "95% intervals in brackets. Delivery: the initiative's activity records."
    )
    detail = " ".join(
        [
            *sentences[IN_CAPTION:],
            *(_notes(r, rules) for r in targeted),
            f"{others} other initiative{'s' if others != 1 else ''} name no target, so are not judged on "
            "their own."
            if others
            else "",
        ]
    ).strip()
    drawn = targeted[:DRAWN]
    if len(targeted) > DRAWN:
        more = len(targeted) - DRAWN
        caption += f" {more} more initiative{' is' if more == 1 else 's are'} in the notes."
    figure = initiative_cards([card(r, details=len(drawn) <= 3) for r in drawn], TITLE)
    return Slide("initiatives", TITLE, caption, source, figure, pd.DataFrame(rows), detail)


def _mark_chance(conn: Connection, targeted: list[dict], design: Design) -> None:
    """Each called initiative's `stands` under the false-discovery rule across every
    partnership's targeted initiatives (as the Initiatives page marks them); only computed
    when this partnership has a call to mark."""
    if not any(r.get("verdict") in CALLED and "stands" not in r for r in targeted):
        return
    every, _ = portfolio(conn, design)
    stands = {r["id"]: r.get("stands") for r in every}
    for r in targeted:
        if r["id"] in stands and stands[r["id"]] is not None:
            r["stands"] = stands[r["id"]]


def slide_row(record: dict) -> dict:
    """One initiative as the slide's table shows it (and its CSV carries)."""
    outcome = judged(record)
    effect = outcome.get("effect") if outcome and not untested(record) else None
    share = record["fidelity"]["share"]
    verdict = "Untested" if untested(record) else record["verdict"]
    shift = (outcome or {}).get("displacement") or {}
    moved = shift.get("label") == DISPLACED and not untested(record)
    return {
        "initiative": record["name"],
        "target": target_text(record),
        "carried out": _carried_out(record),
        "share delivered": None if share is None else round(share, 2),
        "verdict": verdict,
        "may be chance": doubtful(record),
        "change": effect_text(effect, compact=True) if effect and verdict in _ESTIMATED else "",
        "moved next door": ", ".join(shift.get("areas") or ()) if moved else "",
        "counting both places": net_text(record),
        "goal": goal_stated(record),
        "goal answer": goal_words(record),
        "claim": public_claim_text(record),
    }


_ESTIMATED = (IMPROVED, MOVED, WORSENED, NO_CLEAR_CHANGE, INCONCLUSIVE)
GOAL_ANSWERS = {
    "met": "Met",
    "possibly met": "Possibly met",
    "not met": "Not met",
    "not shown": "Not shown to be met",
    "cannot tell": "Cannot tell yet",
    "no measurable goal": "No measurable goal",
}


def card(record: dict, details: bool = True) -> dict:
    """One initiative as the slide draws it: its name and target, and four tiles (question,
    answer in large type, a line under it, the verdict that tints it)."""
    row = slide_row(record)
    f = record["fidelity"]
    tried = not untested(record)
    share = "" if f["share"] is None else f"{f['share']:.0%} of planned activity delivered"
    carried = (row["carried out"].split(":")[0], share + ("" if tried else ": untested, not a failure"), None)
    if tried:
        outcome = judged(record)
        noun = outcome_noun(outcome["outcome"]) if outcome else ""
        worked = (
            verdict_label(record["verdict"]) + ("*" if row["may be chance"] else ""),
            f"{noun} {plain_effect(outcome['effect'])} against comparable areas" if row["change"] else "",
            record["verdict"],
        )
        shift = (outcome or {}).get("displacement") or {}
        moved = _moved(shift, noun, record)
    else:
        worked = ("Untested", "not judged: it was not carried out", UNTESTED)
        moved = ("Not judged", "", None)
    goal = record.get("goal") or {}
    answer = "Not tested" if not tried else GOAL_ANSWERS.get(goal.get("answer"), "No measurable goal")
    said = [f"Goal: {goal_stated(record)}." if goal_stated(record) else ""]
    if basis := goal_basis(record):  # the measured basis, so 'possibly' reads as uncertain
        said.append(f"Measured: {basis}.")
    if raw := raw_text(record):  # a fall that looked like the goal, and why it is not shown
        said.append(f"{raw}.")
    said = [" ".join(x for x in said if x)]
    said.append(public_claim_text(record))  # the claim on its own line, as a claim
    tiles = [
        ("Carried out?", *carried),
        ("Did it work?", *worked),
        ("Did it move next door?", *moved),
        ("Its goal", answer, "\n".join(x for x in said if x), None),
    ]
    if not details:
        tiles = [(q, a, "", v) for q, a, _, v in tiles]
    return {"name": record["name"], "target": row["target"], "tiles": tiles}


def _moved(shift: dict, noun: str, record: dict) -> tuple[str, str, str | None]:
    where = ", ".join(shift.get("areas") or ())
    effect = shift.get("effect") or {}
    estimate = effect.get("estimate")
    label = shift.get("label")
    if label == DISPLACED and estimate is not None:
        return (
            f"Yes: to {where}",
            f"{noun} there {plain_effect(effect)} against comparable areas.\n{net_text(record)}.",
            MOVED,
        )
    if label == DIFFUSION and estimate is not None:
        return "No: the benefit spread", f"{noun} fell {size_text('relative', estimate)} in {where} too", None
    if label == NO_DISPLACEMENT:
        return "No sign", f"in {where}", None
    return "Not measured", "", None


def _carried_out(record: dict) -> str:
    f = record["fidelity"]
    if f["share"] is None:
        return "Not recorded"
    if untested(record):
        return f"No: {f['share']:.0%} of plan"
    return (
        f"Yes: {f['share']:.0%} of plan"
        if f["label"] == "delivered"
        else f"In part: {f['share']:.0%} of plan"
    )


def initiative_sentence(record: dict) -> str:
    """One plain sentence a room can read: 'Riverside Park lighting and patrols:
    anti-social behaviour fell 62% against comparable areas; goal met.'"""
    name = record["name"]
    if untested(record):
        share = record["fidelity"]["share"] or 0
        return (
            f"{name} was not carried out ({share:.0%} of its planned activity was delivered), so it is "
            "untested: not a failure."
        )
    outcome = judged(record)
    noun = outcome_noun(outcome["outcome"]) if outcome else "its outcome"
    effect = (outcome or {}).get("effect")
    verdict = record["verdict"]
    if verdict in (IMPROVED, MOVED, WORSENED) and effect:
        way = "fell" if effect["estimate"] < 0 else "rose"
        said = f"{noun} {way} {size_text(effect['scale'], effect['estimate'])} against comparable areas"
        if doubtful(record):
            said += " (may be chance)"
    elif verdict == NO_CLEAR_CHANGE:
        said = f"no clear change in {noun} against comparable areas"
    elif verdict == INCONCLUSIVE:
        said = f"the change in {noun} against comparable areas is unclear and may be chance"
    elif verdict == TOO_EARLY:
        said = "too early to tell"
    else:
        said = f"not enough data to judge {noun}"
    shift = (outcome or {}).get("displacement") or {}
    if shift.get("label") == DISPLACED:
        said += f", but some of it moved next door to {', '.join(shift.get('areas') or ())}"
        if net := net_text(record):
            said += f"; {net[:1].lower()}{net[1:]}".replace(": ", ", ", 1)
    answer = goal_words(record)
    said += f"; {answer[:1].lower()}{answer[1:]}"
    if basis := goal_basis(record):
        said += f" ({basis})"
    if raw := raw_text(record):
        said += f": {raw[:1].lower()}{raw[1:]}"
    claim = (record.get("claim") or {}).get("goal_met")
    if claim and record["goal"]["answer"] not in ("met", "possibly met"):
        said += " (the partnership's records said met: a claim, which the measured change does not show)"
    return f"{name}: {said}."


def _notes(record: dict, rules: Rules) -> str:
    """The packet's and speaker's full account: delivery counts (public: small counts hidden),
    what was compared, the displacement answer, the goal and the claim."""
    f = record["fidelity"]
    parts = [f"{record['name']} ({target_text(record)})."]
    if f["share"] is not None:
        parts.append(
            f"Delivered {count_text(f['delivered'], rules)} of {count_text(f['planned'], rules)} planned "
            "activities."
        )
    outcome = judged(record)
    if outcome and not untested(record):
        if outcome.get("comparison"):
            parts.append(f"Compared with {', '.join(outcome['comparison']['areas'])}.")
        if shift := displacement_text(record):
            parts.append(shift)
    goal = goal_stated(record)
    if goal:
        parts.append(f"Goal: {goal}: {goal_words(record).lower()}.")
    if net := net_text(record):
        parts.append(f"{net}.")
    if claim := public_claim_text(record):
        parts.append(claim)
    return " ".join(parts)
