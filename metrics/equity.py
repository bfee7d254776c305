"""Equity gaps: how far one group of residents trusts the police less than another, and
whether a partnership changed that.

The registry names each partnership's gap (`partnership.equity_dimension`,
`equity_group`, `equity_reference`; no reference means everyone else whose dimension is
known). For a construct (trust first, then the other survey outcomes):

- the gap in a window is `G = reference mean - focus mean` (positive: the focus group
  scores lower), with `SE = sqrt(se_ref^2 + se_focus^2)` (independent groups);
- the partnership's effect on it is the difference in differences of the gap,
  `(G_T1 - G_T0) - (G_C1 - G_C0)`, over the windows and comparison areas the survey
  evaluation uses (`metrics.evaluation`); a negative effect means the gap narrowed,
  which is the "Improved" side;
- its interval counts sampling noise and, with the "drift" inference (issue 15), how far
  the gaps of areas without a partnership drift apart between the same windows
  (`metrics.effects.drift_variance`, weighted by `drift_weight`), so that placebo runs
  are called at their nominal 5% rate (`benchmarks/equity_placebo.py`).

A source that publishes breakdowns without sample sizes (Chicago's sentiment scores by
race) gets the same difference in differences from the published group values, with an
interval from how much the gap changes among areas without a partnership
(`metrics.evaluation.evaluate_published`).

Statistics are plain functions of numbers at the top; the queries return per-area sums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, case, func, literal, select

from db.models import GROUP_DIMENSIONS, Partnership, SurveyAggregate, SurveyGroupMonthly, SurveyItem
from metrics.effects import Effect, drift_variance, drift_weight, survey_did
from metrics.evaluation import (
    MIN_DRIFT_AREAS,
    SUM_COLUMNS,
    SURVEY_OUTCOMES,
    Design,
    Places,
    Prefetched,
    Windows,
    _by_area,
    add_months,
    candidates,
    drift_pool,
    evaluate_published,
    load_places,
    make_windows,
    propose_survey_comparison,
    survey_coverage,
    survey_sums,
    window_problem,
    window_sums,
)
from metrics.publish import LEADERSHIP, PUBLIC, Rules, group_visible
from metrics.stats import Z95, WeightedEstimate, weighted_mean
from metrics.verdict import NOT_ENOUGH, TOO_EARLY, describe_change, judge

MIN_GROUP_N = 30  # answers per group, per window, per side (domain.md section 6: fewer are not shown)
# Areas without a partnership measure how gaps drift apart from answers of single areas, which
# are few per group; each area counts by its own sampling variance (DerSimonian-Laird), so areas
# with 10 answers per group and window take part with little weight.
DRIFT_GROUP_N = 10
# the registry's dimensions and the words a published breakdown's group_kind uses for them
PUBLISHED_KINDS = {
    "race_ethnicity": "race",
    "age_band": "age",
    "sex": "sex",
    "education": "education",
    "income": "income",
}
CONSTRUCT_WORDS = {"trust": "trust", "satisfaction": "satisfaction", "safety": "feeling safe"}
NO_GAP_SET = (
    "No equity gap is set in the registry for this partnership: give it equity_dimension and "
    "equity_group (and equity_reference, or leave it blank for everyone else) in the partnerships import."
)


# --- the gap and its change, as numbers ---------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """The reference group's mean minus the focus group's, in points, with its SE and n."""

    estimate: float
    se: float
    n_focus: int
    n_reference: int
    focus_mean: float = math.nan
    reference_mean: float = math.nan

    @property
    def ci(self) -> tuple[float, float]:
        return self.estimate - Z95 * self.se, self.estimate + Z95 * self.se

    def as_dict(self) -> dict:
        return {
            "gap": _number(self.estimate),
            "se": _number(self.se),
            "ci": [_number(x) for x in self.ci],
            "focus": {"mean": _number(self.focus_mean), "n": self.n_focus},
            "reference": {"mean": _number(self.reference_mean), "n": self.n_reference},
        }


def _number(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def group_gap(reference: WeightedEstimate, focus: WeightedEstimate) -> Gap:
    """`reference - focus` with `SE = sqrt(se_reference^2 + se_focus^2)` (independent samples)."""
    return Gap(
        reference.estimate - focus.estimate,
        math.sqrt(reference.se**2 + focus.se**2),
        focus.n,
        reference.n,
        focus.estimate,
        reference.estimate,
    )


def gap_did(t0: Gap, t1: Gap, c0: Gap, c1: Gap, drift: float = 0.0) -> Effect:
    """How the treated areas' gap changed against the comparison's:
    `(G_T1 - G_T0) - (G_C1 - G_C0)` in points (negative: narrowed), with
    `SE = sqrt(se_T0^2 + se_T1^2 + se_C0^2 + se_C1^2 + drift)`."""
    return survey_did(t0.estimate, t0.se, t1.estimate, t1.se, c0.estimate, c0.se, c1.estimate, c1.se, drift)


def gap_drift(changes: list[float], variances: list[float]) -> float:
    """Between-area variance of gap changes beyond sampling noise (`drift_variance`)."""
    return drift_variance(changes, variances)


# --- words -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GapSpec:
    """A partnership's equity gap as the registry sets it."""

    dimension: str
    group: str
    reference: str | None = None

    @property
    def reference_words(self) -> str:
        return self.reference or "everyone else"

    def noun(self, construct: str) -> str:
        """'The gap in trust between Black and White residents'."""
        what = CONSTRUCT_WORDS.get(construct, construct.replace("_", " "))
        if self.reference is None:
            return f"The gap in {what} between {self.group} residents and everyone else"
        return f"The gap in {what} between {self.group} and {self.reference} residents"

    def as_dict(self) -> dict:
        return {"dimension": self.dimension, "group": self.group, "reference": self.reference}


def points_text(x: float) -> str:
    return f"{abs(x):.0f} point" + ("" if round(abs(x)) == 1 else "s")


def change_text(effect: Effect, noun: str, against: str) -> str:
    """'The gap in trust between Black and White residents narrowed by 6 points (between 1
    and 11) against comparable areas.' The effect is the change of the gap: below 0 narrowed."""
    low, high = -effect.ci_high, -effect.ci_low  # on the "narrowed by" scale
    if round(effect.estimate) == 0:
        head = f"{noun} did not change"
    else:
        head = f"{noun} {'narrowed' if effect.estimate < 0 else 'widened'} by {points_text(effect.estimate)}"
    if low > 0:
        interval = f"between {low:.0f} and {high:.0f}"
    elif high < 0:
        interval = f"between {-high:.0f} and {-low:.0f}"
    else:
        interval = f"95% interval: from widening by {-low:.0f} to narrowing by {high:.0f}"
    return f"{head} ({interval}) {against}."


def gap_verdict(effect: Effect | None, noun: str, against: str, months_after: int, missing, design: Design):
    """The verdict of `metrics.verdict.judge` with the gap as the outcome (lower is better,
    so a narrowing is Improved) and its sentence in words of narrowing and widening."""
    verdict = judge(
        effect,
        True,
        noun,
        against,
        months_after,
        missing,
        after_needed=design.after_months,
        margin=design.survey_margin,
    )
    if effect is None or verdict.label == NOT_ENOUGH:
        return verdict
    sentence = verdict.sentence.replace(
        describe_change(effect, noun, against), change_text(effect, noun, against)
    )
    return replace(verdict, sentence=sentence)


# --- reading the registry and the roll-up ------------------------------------------------


def gap_specs(conn: Connection) -> dict[str, GapSpec | None]:
    """Every partnership's equity gap by code (None where the registry sets none)."""
    p = Partnership
    rows = conn.execute(select(p.code, p.equity_dimension, p.equity_group, p.equity_reference))
    return {
        code: GapSpec(dim, group, ref or None) if dim in GROUP_DIMENSIONS and group else None
        for code, dim, group, ref in rows
    }


def group_month_sums(
    conn: Connection, spec: GapSpec, first: date, last: date, constructs: tuple[str, ...] = SURVEY_OUTCOMES
) -> pd.DataFrame:
    """Per construct, area, month and side ('focus': the group; 'reference': the reference
    group, or everyone else with the dimension known) the sums a weighted mean needs, from
    `survey_group_monthly`. Columns: construct, area_id, month, side, n, sw, sw2, swx, swx2."""
    g = SurveyGroupMonthly
    side = case((g.group_value == spec.group, literal("focus")), else_=literal("reference"))
    q = (
        select(g.construct, g.area_id, g.month, side, *(func.sum(getattr(g, c)) for c in SUM_COLUMNS))
        .where(g.dimension == spec.dimension, g.construct.in_(constructs), g.month >= first, g.month <= last)
        .group_by(g.construct, g.area_id, g.month, side)
    )
    if spec.reference is not None:
        q = q.where(g.group_value.in_((spec.group, spec.reference)))
    columns = ["construct", "area_id", "month", "side", *SUM_COLUMNS]
    frame = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=columns)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


@dataclass(frozen=True)
class MonthSums:
    """`group_month_sums` rows as arrays, so that any windows' sums are two bincounts: each
    row's key (construct, area, side) as a code, its month as a date, its sums."""

    keys: list[tuple[str, int, str]]
    codes: np.ndarray
    months: np.ndarray
    values: np.ndarray

    @staticmethod
    def of(monthly: pd.DataFrame) -> MonthSums:
        codes, keys = pd.factorize(pd.MultiIndex.from_frame(monthly[["construct", "area_id", "side"]]))
        return MonthSums(
            list(keys),
            codes,
            monthly["month"].to_numpy(),
            monthly[SUM_COLUMNS].to_numpy(dtype=float),
        )

    def windows(self, w: Windows) -> dict[str, Sums]:
        """Per construct, {(area, window, side): sums} over the windows of `w`."""
        out: dict[str, Sums] = {}
        before = (self.months >= w.before_start) & (self.months < w.start)
        after = (self.months >= w.after_start) & (self.months <= w.after_end)
        for window, inside in (("before", before), ("after", after)):
            codes = self.codes[inside]
            totals = np.column_stack(
                [np.bincount(codes, self.values[inside, j], len(self.keys)) for j in range(len(SUM_COLUMNS))]
            )
            for k in np.flatnonzero(totals[:, 0] > 0):
                construct, area, side = self.keys[k]
                out.setdefault(construct, {})[(int(area), window, side)] = totals[k]
        return out


def group_window_sums(monthly: pd.DataFrame, w: Windows) -> pd.DataFrame:
    """`group_month_sums` added up into the 'before' and 'after' windows of `w`.
    Columns: construct, area_id, side, window, n, sw, sw2, swx, swx2."""
    rows = [
        (construct, area, side, window, *values)
        for construct, sums in MonthSums.of(monthly).windows(w).items()
        for (area, window, side), values in sums.items()
    ]
    return pd.DataFrame(rows, columns=["construct", "area_id", "side", "window", *SUM_COLUMNS])


Sums = dict[tuple[int, str, str], np.ndarray]  # (area, window, side) -> [n, sw, sw2, swx, swx2]


@dataclass
class EquityCache:
    """Monthly group sums per gap spec over the whole survey coverage, read once and shared
    by every partnership with the same gap (`evaluate --all`, the scorecard)."""

    months: dict[GapSpec, MonthSums] = field(default_factory=dict)
    specs: dict[str, GapSpec | None] | None = None
    windows: dict[tuple[GapSpec, Windows], dict[str, Sums]] = field(default_factory=dict)
    by_area: dict[tuple[Windows, str], dict] = field(default_factory=dict)  # survey sums (comparisons)
    kinds: frozenset[str] | None = None  # published breakdowns' group kinds, read when first needed

    def publishes(self, conn: Connection, spec: GapSpec) -> bool:
        """Whether any source publishes a breakdown of the spec's dimension (one query a batch)."""
        if self.kinds is None:
            g = SurveyAggregate
            q = select(g.group_kind).where(g.group_kind != "all").distinct()
            self.kinds = frozenset(conn.execute(q).scalars())
        return PUBLISHED_KINDS.get(spec.dimension) in self.kinds

    def spec(self, conn: Connection, code: str) -> GapSpec | None:
        if self.specs is None:
            self.specs = gap_specs(conn)
        return self.specs.get(code)

    def window_sums(
        self, conn: Connection, spec: GapSpec, construct: str, w: Windows, coverage: tuple[date, date]
    ) -> Sums:
        """The construct's group sums in the windows `w`: every construct's are added up at
        once and kept for partnerships with the same gap and windows."""
        if (spec, w) not in self.windows:
            self.windows[spec, w] = self.month_sums(conn, spec, coverage).windows(w)
        return self.windows[spec, w].get(construct, {})

    def survey_by_area(
        self, conn: Connection, construct: str, w: Windows, prefetched: Prefetched | None, coverage
    ) -> dict:
        """The construct's survey sums per area and window (`metrics.evaluation._by_area`),
        from which `evaluate_survey` proposes comparison areas."""
        if (w, construct) not in self.by_area:
            shared = prefetched.survey_windows if prefetched is not None else {}
            if w not in shared:
                source = prefetched.survey_months(conn, coverage) if prefetched is not None else None
                shared[w] = window_sums(source, w) if source is not None else survey_sums(conn, w)
            for c, part in shared[w].groupby("construct"):
                self.by_area[w, c] = _by_area(part)
        return self.by_area.get((w, construct), {})

    def month_sums(self, conn: Connection, spec: GapSpec, coverage: tuple[date, date]) -> MonthSums:
        if spec not in self.months:
            self.months[spec] = MonthSums.of(group_month_sums(conn, spec, *coverage))
        return self.months[spec]


def _side_mean(sums: Sums, areas: tuple[int, ...], window: str, side: str) -> WeightedEstimate:
    total = np.zeros(5)
    for area in areas:
        total += sums.get((area, window, side), 0.0)
    return weighted_mean(int(total[0]), *map(float, total[1:]))


def area_gap(sums: Sums, areas: tuple[int, ...], window: str) -> Gap:
    """The gap over `areas` together in one window."""
    return group_gap(_side_mean(sums, areas, window, "reference"), _side_mean(sums, areas, window, "focus"))


def gap_changes(sums: Sums, pool: list[int], min_n: int = DRIFT_GROUP_N) -> tuple[list[float], list[float]]:
    """Each pool area's own gap change (after - before) and its sampling variance, for
    areas with at least `min_n` answers in each group and window."""
    changes, variances = [], []
    for area in pool:
        before, after = area_gap(sums, (area,), "before"), area_gap(sums, (area,), "after")
        enough = min(before.n_focus, before.n_reference, after.n_focus, after.n_reference) >= min_n
        if enough and before.se > 0 and after.se > 0:
            changes.append(after.estimate - before.estimate)
            variances.append(before.se**2 + after.se**2)
    return changes, variances


def _answers(sums: Sums, areas: tuple[int, ...]) -> list[float]:
    """Answers in both groups and both windows, per area."""
    return [
        sum(
            float(sums.get((a, w, s), np.zeros(5))[0])
            for w in ("before", "after")
            for s in ("focus", "reference")
        )
        for a in areas
    ]


# --- the evaluation ----------------------------------------------------------------------------


def _few(gap: Gap, spec: GapSpec, where: str, when: str) -> list[str]:
    """'only 11 Black and 5 White residents answered in the partnership's areas before the
    start (30 of each needed)', or nothing when both groups have enough answers."""
    names = (spec.group, "other" if spec.reference is None else spec.reference)
    low = [
        (name, n) for name, n in zip(names, (gap.n_focus, gap.n_reference), strict=True) if n < MIN_GROUP_N
    ]
    if not low:
        return []
    who = " and ".join(f"{n} {name}" for name, n in low)
    needed = f"{MIN_GROUP_N} of each needed" if len(low) == 2 else f"{MIN_GROUP_N} needed"
    return [f"only {who} residents answered in {where} {when} ({needed})"]


def evaluate_gap(
    conn: Connection,
    places: Places,
    spec: GapSpec,
    construct: str,
    design: Design,
    coverage: tuple[date, date] | None,
    prefetched: Prefetched | None = None,
    cache: EquityCache | None = None,
) -> dict:
    """One construct's equity gap for a partnership: the gap in each window on each side,
    its difference in differences, verdict and sentence. `coverage` is the survey coverage
    (`metrics.evaluation.survey_coverage`); `group_months` the spec's `group_month_sums` over
    it when already read (`EquityCache`)."""
    noun = spec.noun(construct)
    result: dict = {"outcome": construct, "label": noun, "lower_is_better": True, **spec.as_dict()}
    against = "against comparable areas"

    def refuse(missing: list[str], **extra) -> dict:
        return {**result, **extra, **gap_verdict(None, noun, "", 0, missing, design).as_dict()}

    if coverage is None:
        return refuse(["no resident survey answers"])
    if not places.treated:
        return refuse(["the partnership has no catchment areas"])
    w = make_windows(places.start, coverage[0], coverage[1], design)
    result["windows"] = w.as_dict()
    problem = window_problem(w, design, coverage, "survey data")
    if problem:
        return refuse([problem])
    if w.length == 0:
        return {
            **result,
            "verdict": TOO_EARLY,
            "sentence": "Too early to tell: no month after the start has survey data yet.",
        }
    cache = cache or EquityCache()
    sums = cache.window_sums(conn, spec, construct, w, coverage)
    treated = places.treated
    t0, t1 = area_gap(sums, treated, "before"), area_gap(sums, treated, "after")
    if t0.n_focus + t0.n_reference + t1.n_focus + t1.n_reference == 0:
        published = published_gaps(conn, spec, construct, w) if cache.publishes(conn, spec) else None
        if published is not None and not published.empty:
            return {**result, **evaluate_published_gap(published, places, noun, w, design)}
        return refuse(
            [f"no resident of the partnership's areas gave their {spec.dimension.replace('_', ' ')}"]
        )
    comparison, reason = _comparison(conn, places, construct, w, prefetched, coverage, design, cache)
    result["method"] = "difference in differences of the gap (weighted means, effective sample sizes"
    result["method"] += ", areas' drift)" if design.inference == "drift" else ")"
    result["treated"] = {
        "areas": [places.names[x] for x in treated],
        "before": t0.as_dict(),
        "after": t1.as_dict(),
    }
    if not comparison:
        return refuse(["no comparison area without a partnership to compare with"], comparison=None)
    c0, c1 = area_gap(sums, comparison, "before"), area_gap(sums, comparison, "after")
    result["comparison"] = {
        "areas": [places.names[x] for x in comparison],
        "reason": reason,
        "before": c0.as_dict(),
        "after": c1.as_dict(),
    }
    missing = [
        *_few(t0, spec, "the partnership's areas", "before the start"),
        *_few(t1, spec, "the partnership's areas", "after the start"),
        *_few(c0, spec, "the comparison areas", "before the start"),
        *_few(c1, spec, "the comparison areas", "after the start"),
    ]
    drift = 0.0
    if design.inference == "drift":
        changes, variances = gap_changes(sums, drift_pool(places))
        if len(changes) < MIN_DRIFT_AREAS:
            missing.append(
                f"only {len(changes)} areas without a partnership have {DRIFT_GROUP_N} answers from each "
                f"group in each window to measure how gaps drift apart ({MIN_DRIFT_AREAS} needed)"
            )
            tau2 = 0.0
        else:
            tau2 = gap_drift(changes, variances)
        weight = drift_weight(_answers(sums, treated), _answers(sums, comparison))
        drift = tau2 * weight
        result["drift"] = {"between_area_variance": tau2, "areas": len(changes), "weight": weight}
    effect = None if missing else gap_did(t0, t1, c0, c1, drift)
    if effect is not None:
        result["effect"] = effect.as_dict()
    verdict = gap_verdict(effect, noun, against, w.available_after, missing, design)
    return {**result, **verdict.as_dict()}


def _comparison(
    conn: Connection,
    places: Places,
    construct: str,
    w: Windows,
    prefetched: Prefetched | None,
    coverage: tuple[date, date],
    design: Design,
    cache: EquityCache,
) -> tuple[tuple[int, ...], str]:
    """The comparison areas `metrics.evaluation.evaluate_survey` uses: the registry's, else
    those proposed from the construct's pre-period score (from the same window sums)."""
    if places.registered_comparison:
        return places.registered_comparison, "set in the partnership registry"
    sums = cache.survey_by_area(conn, construct, w, prefetched, coverage)
    return propose_survey_comparison(sums, places.treated, candidates(places), design.survey_comparisons)


# --- published breakdowns ----------------------------------------------------------------------


def published_gaps(conn: Connection, spec: GapSpec, construct: str, w: Windows) -> pd.DataFrame | None:
    """Published group scores of `construct` averaged per area and window, as the gap
    `reference - focus` per area. Columns: area_id, window, value. None when the registry's
    dimension has no published kind or no reference group is named (a source publishes no
    'everyone else')."""
    kind = PUBLISHED_KINDS.get(spec.dimension)
    if kind is None or spec.reference is None:
        return None
    g, i = SurveyAggregate, SurveyItem
    window = case((g.period_start < w.start, "before"), else_="after")
    q = (
        select(g.area_id, window, g.group_value, func.avg(g.value))
        .join(i, i.id == g.item_id)
        .where(
            i.construct == construct,
            g.statistic.in_(("mean", "share")),
            g.group_kind == kind,
            g.group_value.in_((spec.group, spec.reference)),
            g.period_start >= w.before_start,
            g.period_start < add_months(w.after_end, 1),
            (g.period_start < w.start) | (g.period_start >= w.after_start),
        )
        .group_by(g.area_id, window, g.group_value)
    )
    rows = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=["area_id", "window", "group", "value"])
    if rows.empty:
        return rows[["area_id", "window", "value"]]
    wide = rows.pivot_table(index=["area_id", "window"], columns="group", values="value")
    if spec.group not in wide or spec.reference not in wide:
        return rows.iloc[0:0][["area_id", "window", "value"]]
    gaps = (wide[spec.reference] - wide[spec.group]).dropna().rename("value").reset_index()
    return gaps


def evaluate_published_gap(
    published: pd.DataFrame, places: Places, noun: str, w: Windows, design: Design
) -> dict:
    """The gap's difference in differences from published group scores (no sample sizes):
    `metrics.evaluation.evaluate_published` on the gap, judged with narrowing as better."""
    out = evaluate_published(published, places, noun, w, design)
    out["method"] = "difference in differences of the published gap (interval from areas' own gap changes)"
    effect_dict = out.get("effect")
    if not effect_dict:
        return out
    effect = Effect.from_dict(effect_dict)  # its t interval, as evaluate_published judged it
    verdict = gap_verdict(effect, noun, "against comparable areas", w.available_after, [], design)
    for side in ("treated", "comparison"):
        for window in ("before", "after"):
            record = out[side][window]
            out[side][window] = {"gap": record["mean"], "se": None, "ci": [None, None]}
    return {**out, **verdict.as_dict()}


def evaluate_equity(
    conn: Connection,
    places: Places,
    design: Design,
    coverage: tuple[date, date] | None,
    constructs: tuple[str, ...] = SURVEY_OUTCOMES,
    prefetched: Prefetched | None = None,
    cache: EquityCache | None = None,
) -> dict:
    """The `equity` record of `metrics.evaluation.evaluate`: the registry's gap and, per
    construct, `evaluate_gap`'s result; or {set: False, sentence} when none is set."""
    cache = cache or EquityCache()
    spec = cache.spec(conn, places.code)
    if spec is None:
        return {"set": False, "sentence": NO_GAP_SET, "gaps": []}
    gaps = [evaluate_gap(conn, places, spec, c, design, coverage, prefetched, cache) for c in constructs]
    return {"set": True, **spec.as_dict(), "gaps": gaps}


# --- what may be shown -------------------------------------------------------------------------

SIDES = (("treated", "Partnership area"), ("comparison", "Comparison areas"))


def shown_gaps(gap: dict, rules: Rules = PUBLIC) -> pd.DataFrame:
    """One construct's gap before and after the start on each side (`evaluate_gap`'s
    record), with a gap hidden (None) where either group has fewer answers than the rules
    allow (public: `GROUP_HIDE_BELOW`, 50) or its n is unknown (published breakdowns show
    as published). Columns: side, window, gap, n_focus, n_reference, shown, note."""
    rows = []
    for side, name in SIDES:
        record = gap.get(side) or {}
        for window in ("before", "after"):
            cell = record.get(window) or {}
            n_focus = (cell.get("focus") or {}).get("n")
            n_reference = (cell.get("reference") or {}).get("n")
            published = "focus" not in cell and cell.get("gap") is not None
            visible = cell.get("gap") is not None and (
                published or (group_visible(n_focus, rules) and group_visible(n_reference, rules))
            )
            note = "" if visible else f"not shown: fewer than {rules.group_hide_below} answers in a group"
            if cell.get("gap") is None:
                note = "no answers"
            rows.append(
                {
                    "side": name,
                    "window": window,
                    "gap": cell.get("gap") if visible else None,
                    "n_focus": n_focus if visible else None,
                    "n_reference": n_reference if visible else None,
                    "shown": visible,
                    "note": note,
                }
            )
    return pd.DataFrame(rows, columns=["side", "window", "gap", "n_focus", "n_reference", "shown", "note"])


def verdict_shown(gap: dict, rules: Rules = PUBLIC) -> bool:
    """Whether the gap's verdict and change may be shown: every gap it is made from may be."""
    return bool(gap.get("effect")) and bool(shown_gaps(gap, rules)["shown"].all())


# --- the gap over time -------------------------------------------------------------------------


def gap_by_quarter(
    conn: Connection,
    spec: GapSpec,
    construct: str,
    sides: dict[str, tuple[int, ...]],
    min_n: int = DRIFT_GROUP_N,
) -> pd.DataFrame:
    """The gap per quarter for each named set of areas (e.g. {'Partnership area': (1, 2),
    'Comparison areas': (3, 4)}), with its 95% interval and each group's n. Columns: side,
    quarter, gap, ci_low, ci_high, n_focus, n_reference. Quarters where a group has fewer
    than `min_n` answers are left out: their interval would span most of the scale."""
    g = SurveyGroupMonthly
    areas = sorted({a for ids in sides.values() for a in ids})
    side = case((g.group_value == spec.group, literal("focus")), else_=literal("reference"))
    q = (
        select(g.quarter, g.area_id, side, *(func.sum(getattr(g, c)) for c in SUM_COLUMNS))
        .where(g.dimension == spec.dimension, g.construct == construct, g.area_id.in_(areas))
        .group_by(g.quarter, g.area_id, side)
    )
    if spec.reference is not None:
        q = q.where(g.group_value.in_((spec.group, spec.reference)))
    frame = pd.DataFrame(
        [tuple(r) for r in conn.execute(q)], columns=["quarter", "area_id", "group", *SUM_COLUMNS]
    )
    rows = []
    for name, ids in sides.items():
        mine = frame[frame["area_id"].isin(ids)].groupby(["quarter", "group"])[SUM_COLUMNS].sum()
        for quarter in sorted({q for q, _ in mine.index}):
            means = {
                group: weighted_mean(
                    int(mine.loc[(quarter, group), "n"]), *mine.loc[(quarter, group)].iloc[1:]
                )
                for group in ("focus", "reference")
                if (quarter, group) in mine.index
            }
            if len(means) < 2:
                continue
            gap = group_gap(means["reference"], means["focus"])
            if not math.isfinite(gap.se) or min(gap.n_focus, gap.n_reference) < min_n:
                continue
            rows.append(
                (name, pd.Timestamp(quarter).date(), gap.estimate, *gap.ci, gap.n_focus, gap.n_reference)
            )
    columns = ["side", "quarter", "gap", "ci_low", "ci_high", "n_focus", "n_reference"]
    return pd.DataFrame(rows, columns=columns)


def gap_trend(conn: Connection, code: str, design: Design, construct: str = "trust") -> dict | None:
    """What the Partnership page's gap chart draws: the registry's gap, the quarterly gap in
    the partnership's areas and in its comparison areas (`gap_by_quarter`), and the start.
    None when the partnership is unknown or sets no gap."""
    places = load_places(conn, code)
    cache = EquityCache()
    spec = cache.spec(conn, code) if places is not None else None
    if spec is None:
        return None
    coverage = survey_coverage(conn)
    sides = {"Partnership area": places.treated}
    if coverage is not None:
        w = make_windows(places.start, coverage[0], coverage[1], design)
        if w.length:
            comparison, _ = _comparison(conn, places, construct, w, None, coverage, design, cache)
            if comparison:
                sides["Comparison areas"] = comparison
    return {
        **spec.as_dict(),
        "label": spec.noun(construct),
        "start": places.start,
        "quarters": gap_by_quarter(conn, spec, construct, sides),
    }


def _below(gap: float | None) -> str:
    if gap is None:
        return "not shown"
    if round(gap) == 0:
        return "level with"
    return f"{points_text(gap)} {'below' if gap > 0 else 'above'}"


def gap_story(gap: dict, rules: Rules = LEADERSHIP) -> str:
    """'In the partnership's areas, Black residents' trust was 8 points below White
    residents' in the 12 months before the start and 1 point below in the 12 months after;
    in the comparison areas, 20 points below before the start and 14 points below after.'
    from `evaluate_gap`'s record, each gap only where `shown_gaps` shows it."""
    if not gap.get("treated"):
        return gap.get("sentence", "")
    cells = {(r.side, r.window): (r.gap if r.shown else None) for r in shown_gaps(gap, rules).itertuples()}
    what = CONSTRUCT_WORDS.get(gap["outcome"], gap["outcome"])
    focus = f"{gap['group']} residents'"
    reference = "everyone else's" if gap.get("reference") is None else f"{gap['reference']} residents'"
    months = (gap.get("windows") or {}).get("months_each", 12)
    before, after = cells[SIDES[0][1], "before"], cells[SIDES[0][1], "after"]
    text = (
        f"In the partnership's areas, {focus} {what} was {_below(before)} {reference} in "
        f"the {months} months before the start and {_below(after)} in the {months} months after"
    )
    if gap.get("comparison"):
        c0, c1 = cells[SIDES[1][1], "before"], cells[SIDES[1][1], "after"]
        text += f"; in the comparison areas, {_below(c0)} before the start and {_below(c1)} after"
    hidden = [r for r in shown_gaps(gap, rules).itertuples() if not r.shown]
    if hidden and rules.public:
        text += (
            f". A gap from fewer than {rules.group_hide_below} answers in a group is not shown, nor a "
            "change worked out from one"
        )
    return text + "."
