"""Did each initiative work? A targeted initiative judged on its own target.

An initiative is *targeted* when it names areas and outcomes (crime groups or survey
constructs). Each targeted initiative gets the partnership evaluation's engine
(`metrics.evaluation`) on its own target, as the POP Center's "Assessing Responses to
Problems" asks: was it carried out, did the problem fall against comparable areas, and did
it move next door?

- **Windows** are `goal_months` long (12 when no goal says otherwise) either side of its
  start, with the design's inference (areas' drift as well as counting noise).
- **Comparison areas** are proposed from areas in no partnership's catchment and no
  initiative's target, not bordering its target.
- **Displacement**: its target's neighbours (its own partnership's other areas included;
  other interventions' areas not) against their own comparison ring. Crime rising there
  beyond chance is "displaced"; falling is a "diffusion of benefits".
- **Fidelity**: delivered against planned activities. Under a fifth delivered is "not
  carried out": the initiative is *untested*, never judged failed.
- **Goal met** is measured from the change and its interval (`goal_answer`); what a person
  typed (`initiative.goal_met`) is kept, and always called a claim.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
from sqlalchemy import Connection, func, select

from db.models import (
    Initiative,
    InitiativeArea,
    InitiativeDelivery,
    InitiativeOutcome,
    Partnership,
)
from metrics.effects import did_counts, drift_variance, log_change
from metrics.evaluation import (
    CRIME_OUTCOMES,
    MIN_DRIFT_AREAS,
    Design,
    Places,
    Prefetched,
    evaluate_crime,
    evaluate_survey,
)
from metrics.formatting import size_text
from metrics.registry import CRIME_GROUP_LABELS, metric
from metrics.verdict import IMPROVED, NOT_ENOUGH, TOO_EARLY, WORSENED

UNTESTED = "Untested"
# an initiative whose target improved while its crime rose next door beyond chance: the
# verdict is not "Improved", as the area as a whole may have gained nothing
MOVED = "Moved next door"
# fidelity: the share of planned activity delivered
DELIVERED_SHARE, CARRIED_OUT_SHARE = 0.8, 0.2
DELIVERED, PARTLY, NOT_CARRIED_OUT, NOT_RECORDED = (
    "delivered",
    "partly delivered",
    "not carried out",
    "not recorded",
)
# what the measured change says of a stated goal
MET, POSSIBLY_MET, NOT_MET, NOT_SHOWN, CANNOT_TELL, NO_GOAL, GOAL_UNTESTED = (
    "met",
    "possibly met",
    "not met",
    "not shown",
    "cannot tell",
    "no measurable goal",
    "untested",
)
DISPLACED, NO_DISPLACEMENT, DIFFUSION, NOT_MEASURED = (
    "displaced",
    "no sign of displacement",
    "diffusion of benefits",
    "not measured",
)


@dataclass(frozen=True)
class Aimed:
    """An initiative as the registry holds it, with its target (empty when untargeted)."""

    id: int
    partnership: str
    name: str
    response_type: str | None
    stage: str
    start: date | None
    planned_end: date | None
    ended_on: date | None
    goal_text: str | None
    claim: bool | None
    areas: tuple[int, ...] = ()
    outcomes: tuple[str, ...] = ()
    goal_outcome: str | None = None
    goal_change: float | None = None
    goal_months: int | None = None

    @property
    def targeted(self) -> bool:
        return bool(self.areas and self.outcomes and self.start)


def initiatives(conn: Connection, code: str | None = None) -> list[Aimed]:
    """Every initiative (or partnership `code`'s), with its target, ordered by partnership,
    start and name; three queries however many there are."""
    i = Initiative
    q = (
        select(
            i.id,
            Partnership.code,
            i.name,
            i.response_type,
            i.stage,
            i.started_on,
            i.planned_end,
            i.ended_on,
            i.goal,
            i.goal_met,
            i.goal_outcome,
            i.goal_change,
            i.goal_months,
        )
        .join(Partnership, Partnership.id == i.partnership_id)
        .order_by(Partnership.code, i.started_on, i.name)
    )
    if code is not None:
        q = q.where(Partnership.code == code)
    rows = conn.execute(q).all()
    ids = [r.id for r in rows]
    areas: dict[int, list[int]] = {}
    outcomes: dict[int, list[str]] = {}
    if ids:
        for initiative_id, area_id in conn.execute(
            select(InitiativeArea.initiative_id, InitiativeArea.area_id).where(
                InitiativeArea.initiative_id.in_(ids)
            )
        ):
            areas.setdefault(initiative_id, []).append(area_id)
        for initiative_id, outcome in conn.execute(
            select(InitiativeOutcome.initiative_id, InitiativeOutcome.outcome).where(
                InitiativeOutcome.initiative_id.in_(ids)
            )
        ):
            outcomes.setdefault(initiative_id, []).append(outcome)
    return [
        Aimed(
            id=r.id,
            partnership=r.code,
            name=r.name,
            response_type=r.response_type,
            stage=r.stage,
            start=r.started_on,
            planned_end=r.planned_end,
            ended_on=r.ended_on,
            goal_text=r.goal,
            claim=r.goal_met,
            areas=tuple(sorted(areas.get(r.id, ()))),
            outcomes=_ordered(outcomes.get(r.id, ())),
            goal_outcome=r.goal_outcome,
            goal_change=r.goal_change,
            goal_months=r.goal_months,
        )
        for r in rows
    ]


def _ordered(outcomes) -> tuple[str, ...]:
    order = (*CRIME_OUTCOMES, "trust", "satisfaction", "safety", "procedural_justice")
    return tuple(sorted(outcomes, key=order.index))


# --- fidelity -------------------------------------------------------------------------


def delivery(conn: Connection, ids: list[int]) -> pd.DataFrame:
    """Planned and delivered activities by initiative, month and kind. Columns:
    initiative_id, month, kind, planned, delivered."""
    d = InitiativeDelivery
    columns = ["initiative_id", "month", "kind", "planned", "delivered"]
    if not ids:
        return pd.DataFrame(columns=columns)
    q = (
        select(d.initiative_id, d.month, d.kind, d.planned, d.delivered)
        .where(d.initiative_id.in_(ids))
        .order_by(d.initiative_id, d.month, d.kind)
    )
    return pd.DataFrame(conn.execute(q).all(), columns=columns)


def delivery_totals(conn: Connection) -> dict[int, tuple[int, int]]:
    """(planned, delivered) summed in SQL per initiative; initiatives with no record absent."""
    d = InitiativeDelivery
    q = select(d.initiative_id, func.sum(d.planned), func.sum(d.delivered)).group_by(d.initiative_id)
    return {i: (int(p or 0), int(x or 0)) for i, p, x in conn.execute(q)}


@dataclass(frozen=True)
class Registry:
    """Every initiative with its target, and every one's delivery totals: read once and
    shared by every partnership's evaluation (`Prefetched.initiatives`)."""

    every: list[Aimed]
    totals: dict[int, tuple[int, int]]


@dataclass(frozen=True)
class Fidelity:
    planned: int
    delivered: int
    share: float | None
    label: str
    sentence: str

    def as_dict(self) -> dict:
        return {
            "planned": self.planned,
            "delivered": self.delivered,
            "share": self.share,
            "label": self.label,
            "sentence": self.sentence,
        }


def fidelity(planned: int, delivered: int) -> Fidelity:
    """Implementation fidelity from planned and delivered activity counts: delivered (at
    least four-fifths), partly delivered, or not carried out (under a fifth)."""
    if planned <= 0:
        return Fidelity(planned, delivered, None, NOT_RECORDED, "No planned activity is recorded.")
    share = delivered / planned
    label = (
        DELIVERED if share >= DELIVERED_SHARE else PARTLY if share >= CARRIED_OUT_SHARE else NOT_CARRIED_OUT
    )
    sentence = f"{delivered:,} of {planned:,} planned activities were delivered ({share:.0%})."
    if label == NOT_CARRIED_OUT:
        sentence += " It was not carried out, so it is untested: not a failure."
    return Fidelity(planned, delivered, share, label, sentence)


# --- the goal ---------------------------------------------------------------------------


def goal_text(outcome: str, change: float, months: int) -> str:
    """'property crime down 20% within 12 months' or 'trust up 5 points within 12 months'."""
    noun = _noun(outcome).lower()
    way = "down" if change < 0 else "up"
    scale = "relative" if outcome in CRIME_OUTCOMES else "points"
    return f"{noun} {way} {size_text(scale, change)} within {months} months"


def goal_answer(
    change: float, lower_is_better: bool, verdict: str, effect: dict | None, raw: float | None = None
) -> tuple[str, str]:
    """(answer, sentence) for a stated goal `change` (relative for crime, points for a survey
    score, signed) from the measured effect (`Effect.as_dict()`, same scale) and its verdict.

    - met: the whole 95% interval reaches the goal;
    - possibly met: the change is real (the interval excludes none) and its best estimate
      reaches the goal, but the interval includes falling short;
    - not met: the whole interval falls short of the goal;
    - not shown: the interval includes no change at all (and the goal): it may be chance.
      `raw` (the target's before/after change, no comparison) is quoted when it alone
      would have looked like the goal was met;
    - cannot tell: no estimate, or the after-window is not complete yet.
    """
    if effect is None or verdict in (NOT_ENOUGH, TOO_EARLY):
        return CANNOT_TELL, "Cannot tell yet whether the goal was met: " + (
            "its months after the start are not all in." if verdict == TOO_EARLY else "there is no estimate."
        )
    sign = -1.0 if lower_is_better else 1.0
    want = sign * change  # how far in the better direction the goal asks for
    gained = sign * effect["estimate"]
    worst, best = sorted(sign * x for x in effect["ci"])
    scale = effect["scale"]

    def size(x: float) -> str:
        return size_text(scale, x)

    way = "fall" if lower_is_better else "rise"
    if worst >= want:
        return MET, f"Goal met: even the least of the 95% interval is a {way} of {size(worst)}."
    if best < want:
        return NOT_MET, f"Goal not met: the 95% interval rules out a {way} of {size(want)}."
    if worst > 0:
        if gained >= want:
            return POSSIBLY_MET, (
                f"Goal possibly met: the change is real and its best estimate, a {way} of {size(gained)}, "
                f"reaches the goal, but it could have been as little as a {way} of {size(worst)}."
            )
        return NOT_SHOWN, (
            f"Goal not shown to be met: the change is real, but its best estimate, a {way} of "
            f"{size(gained)}, falls short of {size(want)}."
        )
    looked = raw is not None and sign * raw >= want
    head = (
        f"Goal not shown to be met: before and after, it {('fell' if raw < 0 else 'rose')} "
        f"{size(raw)}, which looks like the goal, but comparable areas {('fell' if raw < 0 else 'rose')} too"
        if looked
        else "Goal not shown to be met"
    )
    return NOT_SHOWN, f"{head}: against them the 95% interval includes no change, so it may be chance."


def claim_sentence(claim: bool | None, measured: bool) -> str:
    """What a person typed about the goal, marked as a claim."""
    if claim is None:
        return ""
    said = "met" if claim else "not met"
    tail = " (a claim; the measured answer is above)" if measured else " (a claim, not measured)"
    return f"Recorded by the initiative's lead as {said}{tail}."


# --- displacement -------------------------------------------------------------------------


def ring_drift(
    table: pd.DataFrame, places: Places, before: tuple[date, date], after: tuple[date, date]
) -> float:
    """How far rings of neighbouring areas drift apart between the windows: the
    between-ring variance (`drift_variance`) of the log changes of every pool area's ring
    of neighbours (those with no intervention of their own). A buffer is such a ring, and
    neighbours drift partly together, so a ring drifts more than its areas' own drift
    divided by their number would say. NaN when fewer than MIN_DRIFT_AREAS rings have
    crime to compare."""
    kinds = {places.kinds[a] for a in places.treated}
    busy = set(places.all_catchment)
    pairs = []
    for area, kind in places.kinds.items():
        if kind not in kinds or area in busy:
            continue
        ring = tuple(sorted(places.neighbours.get(area, frozenset()) - busy))
        if ring:
            pairs.append(log_change(_window_total(table, ring, *before), _window_total(table, ring, *after)))
    if len(pairs) < MIN_DRIFT_AREAS:
        return math.nan
    return drift_variance([d for d, _ in pairs], [v for _, v in pairs])


def _window_total(table: pd.DataFrame, areas: tuple[int, ...], first: date, last: date) -> int:
    """Crimes in `areas` from month `first` to `last` of a months x areas table."""
    inside = table[(table.index >= first) & (table.index <= last)]
    return int(inside.reindex(columns=list(areas), fill_value=0).to_numpy().sum())


def displacement(result: dict, ring_variance: float = math.nan) -> dict:
    """Did crime move next door? The buffer's change against its own comparison ring
    (`result['wdd']`'s counts, or the comparison areas when the comparison has no ring of its
    own), and the crimes prevented net of it (the weighted displacement difference).

    Its interval counts the rings' drift (`ring_drift`: `ring_variance` for each ring) as
    well as counting noise; without it (too few rings), the areas' own drift
    (`result['drift']`) shared out over each side's areas, which is too narrow where
    neighbours drift together (benchmarks/results/initiative_placebo.md)."""
    parts = result.get("wdd")
    if result.get("kind") != "crime" or not parts or not parts.get("buffer"):
        why = "no neighbouring area without an intervention of its own" if parts else "no comparison"
        return {"label": NOT_MEASURED, "sentence": f"Displacement not measured: {why}."}
    d0, d1, dc0, dc1 = parts["buffer_counts"]
    tau2 = (result.get("drift") or {}).get("between_area_variance", 0.0)
    own_ring = bool(parts.get("buffer_control"))
    if not own_ring:
        dc0, dc1 = result["comparison"]["before"], result["comparison"]["after"]
    if not math.isnan(ring_variance):
        control = ring_variance if own_ring else tau2 / max(len(result["comparison"]["areas"]), 1)
        drift = ring_variance + control
    else:
        drift = tau2 * (1 / len(parts["buffer"]) + 1 / max(len(parts.get("buffer_control") or ()), 1))
    effect = did_counts(d0, d1, dc0, dc1, drift=drift).as_dict()
    names = ", ".join(parts["buffer"])
    noun = result["label"].lower()
    low, high = effect["ci"]
    if low > 0:
        label = DISPLACED
        said = (
            f"But {noun} rose {size_text('relative', effect['estimate'])} next door ({names}) against "
            f"comparable areas: some of it moved rather than stopped."
        )
    elif high < 0:
        label = DIFFUSION
        said = f"{noun.capitalize()} also fell next door ({names}): the benefit spread."
    else:
        label = NO_DISPLACEMENT
        said = f"No sign that {noun} moved next door ({names})."
    prevented = parts["crimes_prevented"]
    lo, hi = sorted(-x for x in parts["ci"])
    bounds = f"{_net(lo, short=True)} to {_net(hi, short=True)}"
    net = f" Counting both places, {_net(prevented)} (95% interval: {bounds})."
    return {
        "label": label,
        "sentence": said + net,
        "areas": parts["buffer"],
        "effect": effect,
        "crimes_prevented": prevented,
        "crimes_prevented_ci": [lo, hi],
    }


def _net(prevented: float, short: bool = False) -> str:
    """'about 21 fewer crimes' / '55 more' for a net count of crimes prevented."""
    n = abs(round(prevented))
    way = "fewer" if prevented > 0 else "more"
    if short:
        return "none" if n == 0 else f"{n:,} {way}"
    return "no net change" if n == 0 else f"about {n:,} {way} crimes"


# --- one initiative's evaluation ----------------------------------------------------------------


def busy_areas(aimed: list[Aimed]) -> frozenset[int]:
    """Every targeted initiative's areas: none is a comparison for any evaluation here."""
    return frozenset(a for x in aimed if x.targeted for a in x.areas)


def initiative_places(partnership: Places, aimed: Aimed, every: list[Aimed]) -> Places:
    """The places an initiative is judged on: its target areas as the treated areas; no
    comparison area in any partnership's catchment or any initiative's target; and a
    displacement buffer that may include its own partnership's other areas, but no other
    partnership's and no other initiative's."""
    busy = busy_areas(every)
    other_targets = frozenset(a for x in every if x.targeted and x.id != aimed.id for a in x.areas)
    own = frozenset(partnership.treated)
    return replace(
        partnership,
        name=aimed.name,
        start=aimed.start,
        treated=aimed.areas,
        registered_comparison=(),
        all_catchment=partnership.all_catchment | busy,
        buffer_exclude=(partnership.all_catchment - own) | other_targets,
    )


def evaluate_initiative(
    conn: Connection,
    aimed: Aimed,
    partnership: Places,
    every: list[Aimed],
    design: Design,
    shared: Prefetched,
    totals: dict[int, tuple[int, int]],
) -> dict:
    """One initiative's evaluation (the shape is documented in docs/methods.md)."""
    planned, delivered = totals.get(aimed.id, (0, 0))
    fid = fidelity(planned, delivered)
    record = {
        "id": aimed.id,
        "name": aimed.name,
        "response_type": aimed.response_type,
        "stage": aimed.stage,
        "targeted": aimed.targeted,
        "start": aimed.start.isoformat() if aimed.start else None,
        "planned_end": aimed.planned_end.isoformat() if aimed.planned_end else None,
        "ended_on": aimed.ended_on.isoformat() if aimed.ended_on else None,
        "target": {
            "areas": [partnership.names[a] for a in aimed.areas],
            "outcomes": list(aimed.outcomes),
            "hotspot": bool(set(aimed.areas) - set(partnership.treated)),
        },
        "fidelity": fid.as_dict(),
        "outcomes": [],
    }
    goal = _goal_record(aimed)
    if not aimed.targeted:
        record.update(verdict=None, sentence="No target is recorded, so it is not evaluated on its own.")
        record["goal"] = {**goal, "answer": NO_GOAL if goal["change"] is None else CANNOT_TELL}
        record["goal"]["sentence"] = (
            "No target areas and outcomes are recorded, so the goal cannot be measured."
        )
        record["claim"] = {"goal_met": aimed.claim, "sentence": claim_sentence(aimed.claim, False)}
        return record
    months = aimed.goal_months or 12
    own_design = replace(design, before_months=months, after_months=months)
    places = initiative_places(partnership, aimed, every)
    for outcome in aimed.outcomes:
        if outcome in CRIME_OUTCOMES:
            span = shared.span(conn, "crime")
            result = evaluate_crime(
                conn, places, outcome, own_design, span, shared, shared.crime_sources(conn)
            )
            result["displacement"] = displacement(
                result, _ring_variance(conn, places, outcome, result, shared)
            )
        else:
            span = shared.span(conn, "survey")
            result = evaluate_survey(conn, places, outcome, own_design, span, shared.survey_windows, shared)
            result["displacement"] = {
                "label": NOT_MEASURED,
                "sentence": "Displacement is measured for crime only.",
            }
        result.pop("sustained", None)  # the latest months say nothing about an initiative that ended
        record["outcomes"].append(result)
    judged = _judged_outcome(record["outcomes"], aimed.goal_outcome)
    if fid.label == NOT_CARRIED_OUT:
        record["verdict"] = UNTESTED
        record["sentence"] = f"Untested: {fid.sentence}"
        record["goal"] = {**goal, "answer": GOAL_UNTESTED, "measured": False}
        record["goal"]["sentence"] = "It was not carried out, so its goal was not tested."
    else:
        moved = judged["displacement"]["label"] == DISPLACED
        record["verdict"] = MOVED if moved and judged["verdict"] == IMPROVED else judged["verdict"]
        extra = judged["displacement"]["sentence"] if moved else ""
        record["sentence"] = " ".join(x for x in (judged["sentence"], extra) if x)
        record["goal"] = _measured_goal(goal, aimed, record["outcomes"])
    record["claim"] = {
        "goal_met": aimed.claim,
        "sentence": claim_sentence(aimed.claim, record["goal"].get("measured", False)),
    }
    return record


def _ring_variance(conn: Connection, places: Places, group: str, result: dict, shared: Prefetched) -> float:
    """`ring_drift` over the windows `result` was judged on (NaN without an estimate)."""
    windows = result.get("windows")
    if not result.get("effect") or not windows:
        return math.nan
    before, after = ([_month(x) for x in windows[side]] for side in ("before", "after"))
    table = shared.crime_table(conn, group, shared.span(conn, "crime"), before[0], after[1])
    return ring_drift(table, places, (before[0], before[1]), (after[0], after[1]))


def _month(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def _noun(outcome: str) -> str:
    return CRIME_GROUP_LABELS[outcome] if outcome in CRIME_OUTCOMES else metric(outcome).label


def _goal_record(aimed: Aimed) -> dict:
    measurable = aimed.goal_outcome is not None and aimed.goal_change is not None
    months = aimed.goal_months or 12
    return {
        "text": aimed.goal_text,
        "outcome": aimed.goal_outcome,
        "change": aimed.goal_change,
        "months": months if measurable else aimed.goal_months,
        "stated": goal_text(aimed.goal_outcome, aimed.goal_change, months) if measurable else None,
        "measured": False,
    }


def _judged_outcome(outcomes: list[dict], goal_outcome: str | None) -> dict:
    """The outcome an initiative's verdict is read from: its goal's, else its first."""
    for o in outcomes:
        if o["outcome"] == goal_outcome:
            return o
    return outcomes[0]


def _measured_goal(goal: dict, aimed: Aimed, outcomes: list[dict]) -> dict:
    if goal["change"] is None or goal["outcome"] not in aimed.outcomes:
        return {**goal, "answer": NO_GOAL, "sentence": "No measurable goal was stated."}
    result = _judged_outcome(outcomes, goal["outcome"])
    raw = _raw_change(result)
    answer, sentence = goal_answer(
        goal["change"], result["lower_is_better"], result["verdict"], result.get("effect"), raw
    )
    moved = (result.get("displacement") or {}).get("label") == DISPLACED
    if moved and answer in (MET, POSSIBLY_MET):
        sentence += " That is where it was aimed: crime moved next door, so the area as a whole gained less."
    return {
        **goal,
        "answer": answer,
        "measured": answer != CANNOT_TELL,
        "sentence": f"The goal: {goal['stated']}. {sentence}",
        "raw_change": raw,
    }


def _raw_change(result: dict) -> float | None:
    """The target's own before/after change, without a comparison: what a claim is
    usually read from (relative for crime, points for a survey score)."""
    treated = result.get("treated") or {}
    before, after = treated.get("before"), treated.get("after")
    if result["kind"] == "crime":
        return after / before - 1 if before else None
    if isinstance(before, dict) and isinstance(after, dict) and before.get("n") and after.get("n"):
        return after["mean"] - before["mean"]
    return None


def evaluate_initiatives(
    conn: Connection, code: str, design: Design | None = None, shared: Prefetched | None = None
) -> list[dict]:
    """Every initiative of partnership `code`, targeted ones judged on their target."""
    design = design or Design()
    shared = shared or Prefetched()
    partnership = shared.places(conn, code)
    if partnership is None:
        return []
    if shared.initiatives is None:
        shared.initiatives = Registry(initiatives(conn), delivery_totals(conn))
    every, totals = shared.initiatives.every, shared.initiatives.totals
    own = [a for a in every if a.partnership == code]
    return [evaluate_initiative(conn, a, partnership, every, design, shared, totals) for a in own]


# --- the portfolio ------------------------------------------------------------------------------


def portfolio(conn: Connection, design: Design | None = None) -> tuple[list[dict], dict]:
    """Every partnership's initiatives, evaluated in one batch, each with its partnership's
    code and name; and the multiple-comparison rule of issue 8 applied across every targeted
    initiative's judged outcomes (`mark_chance`): each outcome gains `q_value` and `stands`,
    and each initiative `stands` (its verdict's outcome stands). Returns (initiatives,
    the counts and the sentence a chief reads)."""
    from metrics.evaluation import partnership_codes

    design = design or Design()
    shared = Prefetched()
    rows = []
    for code in partnership_codes(conn):
        places = shared.places(conn, code)
        for record in evaluate_initiatives(conn, code, design, shared):
            rows.append({"partnership": code, "partnership_name": places.name, **record})
    return rows, mark_initiatives(rows)


def mark_initiatives(rows: list[dict]) -> dict:
    """`metrics.evaluation.mark_chance` over initiatives: every targeted, carried-out
    initiative's outcomes form one family. An untested initiative's outcomes are not in it
    (nothing was tried, so nothing is tested)."""
    from metrics.evaluation import mark_chance

    tested = [r for r in rows if r["targeted"] and r["verdict"] != UNTESTED]
    counts = mark_chance([{"outcomes": r["outcomes"]} for r in tested], "initiative")
    for r in tested:
        judged = _judged_outcome(r["outcomes"], r["goal"].get("outcome"))
        r["stands"] = judged.get("stands", False)
    return counts


def response_types(rows: list[dict]) -> pd.DataFrame:
    """'Which kinds of response work here?': per response type, how many targeted
    initiatives were judged each way (a call that may be chance counted apart), and how
    many goals were met or possibly met. Untargeted initiatives are counted as such."""
    records = []
    for r in rows:
        kind = r.get("response_type") or "(no type recorded)"
        verdict = r["verdict"] if r["targeted"] else "Not targeted"
        if verdict in (IMPROVED, WORSENED) and not r.get("stands", True):
            verdict = f"{verdict} (may be chance)"
        records.append({"response_type": kind, "verdict": verdict, "goal": r["goal"]["answer"]})
    frame = pd.DataFrame(records, columns=["response_type", "verdict", "goal"])
    if frame.empty:
        return frame
    table = pd.crosstab(frame["response_type"], frame["verdict"])
    table["goals met or possibly met"] = (
        frame.assign(hit=frame["goal"].isin((MET, POSSIBLY_MET))).groupby("response_type")["hit"].sum()
    )
    table["initiatives"] = frame.groupby("response_type").size()
    return table.reset_index()
