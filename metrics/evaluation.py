"""Did this partnership work? Evaluation designs around one partnership.

For each outcome (a crime group, or a resident survey construct):

1. **Windows**: equal-length windows before and after the start (default 12
   months each), after an optional exclusion period for ramp-up; shortened to
   the data available, and the verdict says so when they are too short.
2. **Comparison areas**: the partnership's registered comparison areas, or else
   ones proposed from areas in no partnership's catchment and not bordering the
   partnership's areas, matched on the outcome's pre-period level (and for crime,
   trend); the reason is given in words.
3. **Estimates**: crime uses difference in differences on counts (primary), the
   weighted displacement difference with a buffer of neighbouring areas, an
   interrupted time series of the partnership's own monthly counts and a Poisson
   z; surveys use the survey difference in differences on weighted means.
4. **Verdict** by `metrics.verdict`.

Queries return per-area sums only; the statistics are in `metrics.effects`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, case, func, select

from db.models import (
    Area,
    AreaNeighbour,
    CrimeMonthly,
    OffenceCategory,
    Partnership,
    PartnershipArea,
    SurveyAggregate,
    SurveyItem,
    SurveyMonthly,
    SurveyResponse,
)
from metrics.coverage import span
from metrics.crime import data_months
from metrics.effects import Effect, did_counts, its, prepost_counts, survey_change, survey_did, wdd
from metrics.registry import CRIME_GROUP_LABELS, metric
from metrics.stats import poisson_z, weighted_mean
from metrics.verdict import Verdict, judge, signed_pct

CRIME_OUTCOMES = ("violent", "property", "asb", "other")
SURVEY_OUTCOMES = ("trust", "satisfaction", "safety")
OUTCOMES = CRIME_OUTCOMES + SURVEY_OUTCOMES
MIN_SURVEY_N = 30  # domain.md section 6: estimates from fewer answers are not shown


@dataclass(frozen=True)
class Design:
    """How to evaluate: window lengths, ramp-up exclusion and comparison pool size."""

    before_months: int = 12
    after_months: int = 12
    exclude_months: int = 0
    crime_comparisons: int = 3
    survey_comparisons: int = 8  # survey means are noisy: a wider pool resists regression to the mean
    its_pre_months: int = 36  # the time series may look further back than the windows

    def __post_init__(self) -> None:
        if self.before_months < 1 or self.after_months < 1 or self.exclude_months < 0:
            raise ValueError("windows need at least one month each side and no negative exclusion")


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def months_between(a: date, b: date) -> int:
    """Whole months from the first of `a`'s month to the first of `b`'s month."""
    return (b.year - a.year) * 12 + b.month - a.month


@dataclass(frozen=True)
class Windows:
    before_start: date
    start: date  # first month of the partnership (first month of 'before' is excluded)
    after_start: date  # start + exclusion
    length: int  # months in each window
    available_before: int
    available_after: int

    @property
    def before_end(self) -> date:
        return add_months(self.start, -1)

    @property
    def after_end(self) -> date:
        return add_months(self.after_start, self.length - 1)

    def as_dict(self) -> dict:
        return {
            "before": [f"{self.before_start:%Y-%m}", f"{self.before_end:%Y-%m}"],
            "after": [f"{self.after_start:%Y-%m}", f"{self.after_end:%Y-%m}"],
            "months_each": self.length,
            "excluded_months": months_between(self.start, self.after_start),
            "months_available_before": self.available_before,
            "months_available_after": self.available_after,
        }


def make_windows(start: date, first: date, last: date, design: Design) -> Windows:
    """Equal windows around `start` inside the data's coverage [`first`, `last`] (months)."""
    start_month = start.replace(day=1) if start.day == 1 else add_months(start, 1)
    after_start = add_months(start_month, design.exclude_months)
    available_before = max(0, months_between(first, start_month))
    available_after = max(0, months_between(max(after_start, first), last) + 1)
    length = min(design.before_months, design.after_months, available_before, available_after)
    return Windows(
        add_months(start_month, -length), start_month, after_start, length, available_before, available_after
    )


# --- the partnership and its places ------------------------------------------------


@dataclass(frozen=True)
class Places:
    code: str
    name: str
    start: date
    treated: tuple[int, ...]
    registered_comparison: tuple[int, ...]
    all_catchment: frozenset[int]  # every partnership's catchment areas
    neighbours: dict[int, frozenset[int]]
    names: dict[int, str]
    kinds: dict[int, str]


def load_places(conn: Connection, code: str) -> Places | None:
    p = conn.execute(
        select(Partnership.id, Partnership.name, Partnership.start_date).where(Partnership.code == code)
    ).first()
    if p is None:
        return None
    roles = conn.execute(
        select(PartnershipArea.area_id, PartnershipArea.role).where(PartnershipArea.partnership_id == p.id)
    ).all()
    catchments = conn.execute(
        select(PartnershipArea.area_id).where(PartnershipArea.role == "catchment")
    ).scalars()
    neighbours: dict[int, set[int]] = {}
    for a, b in conn.execute(select(AreaNeighbour.area_id, AreaNeighbour.neighbour_id)):
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    areas = conn.execute(select(Area.id, Area.name, Area.kind)).all()
    return Places(
        code=code,
        name=p.name,
        start=p.start_date,
        treated=tuple(sorted(a for a, r in roles if r == "catchment")),
        registered_comparison=tuple(sorted(a for a, r in roles if r == "comparison")),
        all_catchment=frozenset(catchments),
        neighbours={k: frozenset(v) for k, v in neighbours.items()},
        names={a.id: a.name for a in areas},
        kinds={a.id: a.kind for a in areas},
    )


def buffer_of(places: Places, core: tuple[int, ...], exclude: set[int]) -> tuple[int, ...]:
    """Neighbours of `core` areas that are not themselves excluded."""
    ring = set().union(*(places.neighbours.get(a, frozenset()) for a in core)) if core else set()
    return tuple(sorted(ring - set(core) - exclude))


def candidates(places: Places) -> list[int]:
    """Areas that may serve as comparison: same kind as the treated areas, in no
    partnership's catchment, and not bordering the treated areas (spill-over)."""
    kinds = {places.kinds[a] for a in places.treated}
    border = set(buffer_of(places, places.treated, set()))
    return sorted(
        a for a, k in places.kinds.items() if k in kinds and a not in places.all_catchment and a not in border
    )


# --- matching -------------------------------------------------------------------------


def trend_per_year(series: np.ndarray) -> float:
    """Relative linear trend of a monthly series, as a fraction of its mean per year."""
    mean = series.mean()
    if len(series) < 2 or mean == 0:
        return 0.0
    slope = np.polyfit(np.arange(len(series)), series, 1)[0]
    return float(slope * 12 / mean)


def propose_crime_comparison(
    pre: pd.DataFrame, treated: tuple[int, ...], pool: list[int], k: int, level_from: date
) -> tuple[tuple[int, ...], str]:
    """Pick `k` pool areas whose pre-period monthly level (per area) and trend are
    closest to the treated areas'. `pre`: columns area_id, month, count, covering the
    whole pre-period; the level is taken from `level_from` on (the before window), the
    trend from all of `pre` (several years, so that seasonality does not pass for trend).

    Distance: |log(level ratio)| + |difference in yearly trend|.
    """
    table = pre.pivot_table(index="month", columns="area_id", values="count", aggfunc="sum", fill_value=0)
    if table.empty:
        return (), ""
    recent = np.asarray(table.index >= level_from)
    treated_series = table.reindex(columns=list(treated), fill_value=0).sum(axis=1).to_numpy(dtype=float)
    level_t = treated_series[recent].mean() / max(len(treated), 1)
    trend_t = trend_per_year(treated_series)
    scored = []
    for area in pool:
        series = table[area].to_numpy(dtype=float) if area in table else np.zeros(len(table))
        level = series[recent].mean()
        if not (level > 0 and level_t > 0):  # also false for NaN (no data at all)
            continue
        trend = trend_per_year(series)
        scored.append((abs(math.log(level / level_t)) + abs(trend - trend_t), area, level, trend))
    chosen = sorted(scored)[:k]
    if not chosen:
        return (), ""
    level_c = float(np.mean([c[2] for c in chosen]))
    trend_c = float(np.mean([c[3] for c in chosen]))
    years = len(table) / 12
    reason = (
        f"proposed: similar pre-period level ({level_c:.0f} vs {level_t:.0f} a month per area) "
        f"and trend over {years:.0f} years ({signed_pct(trend_c)} vs {signed_pct(trend_t)} a year)"
    )
    return tuple(sorted(c[1] for c in chosen)), reason


@dataclass
class Prefetched:
    """Data read once over the whole coverage and shared by many evaluations (the
    scorecard): area-months per crime group, and survey sums per month. Each is fetched
    on first use."""

    crime: dict[str, pd.DataFrame] = field(default_factory=dict)
    survey: pd.DataFrame | None = None
    spans: dict[str, tuple[date, date] | None] = field(default_factory=dict)

    def span(self, conn: Connection, kind: str) -> tuple[date, date] | None:
        """`data_months` ('crime') or `survey_coverage` ('survey'), read once."""
        if kind not in self.spans:
            self.spans[kind] = data_months(conn) if kind == "crime" else survey_coverage(conn)
        return self.spans[kind]

    def area_months(self, conn: Connection, group: str, coverage: tuple[date, date]) -> pd.DataFrame:
        if group not in self.crime:
            self.crime[group] = area_months(conn, group, *coverage)
        return self.crime[group]

    def survey_months(self, conn: Connection, coverage: tuple[date, date]) -> pd.DataFrame:
        if self.survey is None:
            self.survey = survey_month_sums(conn, *coverage)
        return self.survey


# --- crime ----------------------------------------------------------------------------


def area_months(conn: Connection, group: str, first: date, last: date) -> pd.DataFrame:
    """Monthly counts of one crime group per area. Columns: area_id, month, count."""
    q = (
        select(CrimeMonthly.area_id, CrimeMonthly.month, func.sum(CrimeMonthly.count))
        .join(OffenceCategory, OffenceCategory.id == CrimeMonthly.category_id)
        .where(OffenceCategory.crime_group == group, CrimeMonthly.month >= first, CrimeMonthly.month <= last)
        .group_by(CrimeMonthly.area_id, CrimeMonthly.month)
    )
    frame = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=["area_id", "month", "count"])
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def _pivot(frame: pd.DataFrame) -> pd.DataFrame:
    """Months x areas table of counts (zeros where nothing was recorded)."""
    return frame.pivot_table(index="month", columns="area_id", values="count", aggfunc="sum", fill_value=0)


def _total(table: pd.DataFrame, areas: tuple[int, ...], first: date, last: date) -> int:
    columns = [a for a in areas if a in table.columns]
    rows = (table.index >= first) & (table.index <= last)
    return int(table.loc[rows, columns].to_numpy().sum())


def _series(table: pd.DataFrame, areas: tuple[int, ...], months: list[date]) -> list[int]:
    columns = [a for a in areas if a in table.columns]
    summed = table[columns].sum(axis=1) if columns else pd.Series(dtype=int)
    return [int(summed.get(m, 0)) for m in months]


def evaluate_crime(
    conn: Connection,
    places: Places,
    group: str,
    design: Design,
    coverage: tuple[date, date] | None,
    prefetched: Prefetched | None = None,
) -> dict:
    """One crime group's evaluation; `coverage` is `data_months(conn)`. With `prefetched`
    (the scorecard's), the area-months come from one query shared by every partnership."""
    noun = CRIME_GROUP_LABELS[group]
    result: dict = {"outcome": group, "label": noun, "kind": "crime", "lower_is_better": True}
    if coverage is None or not places.treated:
        missing = ["no recorded crime"] if coverage is None else ["the partnership has no catchment areas"]
        return {**result, **judge(None, True, noun, "", 0, 0, missing).as_dict(), "method": None}
    w = make_windows(places.start, coverage[0], coverage[1], design)
    result["windows"] = w.as_dict()
    if w.length == 0:
        verdict = judge(
            None,
            True,
            noun,
            "",
            w.available_before,
            w.available_after,
            [f"{w.available_before} months of crime data before the start and {w.available_after} after"],
        )
        return {**result, **verdict.as_dict(), "method": None}
    # The time series looks further back than the windows (up to its_pre_months), so
    # that trend and seasonality are estimated from more than one year.
    pre_length = min(design.its_pre_months, w.available_before)
    its_start = add_months(w.start, -pre_length)
    if prefetched is not None:
        frame = prefetched.area_months(conn, group, coverage)
        frame = frame[(frame["month"] >= its_start) & (frame["month"] <= w.after_end)]
    else:
        frame = area_months(conn, group, its_start, w.after_end)
    table = _pivot(frame)
    treated = places.treated
    b, a = (w.before_start, w.before_end), (w.after_start, w.after_end)
    t0, t1 = _total(table, treated, *b), _total(table, treated, *a)
    if t0 + t1 == 0:
        missing = [f"no {noun.lower()} is recorded in these areas in either window"]
        return {**result, **judge(None, True, noun, "", 0, 0, missing).as_dict(), "method": None}
    if places.registered_comparison:
        comparison, reason = places.registered_comparison, "set in the partnership registry"
    else:
        pre = frame[frame["month"] <= w.before_end]
        comparison, reason = propose_crime_comparison(
            pre, treated, candidates(places), design.crime_comparisons, w.before_start
        )
    result["treated"] = {"areas": [places.names[x] for x in treated], "before": t0, "after": t1}
    result["poisson_z"] = poisson_z(t0, t1)

    months = [add_months(its_start, i) for i in range(pre_length)] + [
        add_months(w.after_start, i) for i in range(w.length)
    ]
    treated_series = _series(table, treated, months)
    fit = None
    if sum(treated_series) > 0 and len(months) >= 8:
        index = [months_between(its_start, m) for m in months]
        fit = its(treated_series, index, months_between(its_start, w.after_start), [m.month for m in months])
        result["its"] = fit.as_dict()
    dispersion = fit.dispersion if fit is not None and not math.isnan(fit.dispersion) else 1.0
    result["dispersion"] = dispersion
    result["series"] = {
        "months": [m.isoformat() for m in months],
        "treated": treated_series,
        "comparison": _series(table, comparison, months) if comparison else None,
        "fitted": fit.fitted if fit else None,
        "counterfactual": fit.counterfactual if fit else None,
    }

    missing: list[str] = []
    if comparison:
        c0, c1 = _total(table, comparison, *b), _total(table, comparison, *a)
        result["comparison"] = {
            "areas": [places.names[x] for x in comparison],
            "reason": reason,
            "before": c0,
            "after": c1,
        }
        effect: Effect = did_counts(t0, t1, c0, c1, dispersion)
        result["method"] = "difference in differences on counts (quasi-Poisson standard error)"
        # other partnerships' areas are never a buffer: they have their own intervention
        others = set(places.all_catchment)
        buffer = buffer_of(places, treated, set(comparison) | others)
        buffer_control = buffer_of(places, comparison, set(treated) | set(buffer) | others)
        d0, d1 = _total(table, buffer, *b), _total(table, buffer, *a)
        dc0, dc1 = _total(table, buffer_control, *b), _total(table, buffer_control, *a)
        result["wdd"] = {
            **wdd(t0, t1, c0, c1, d0, d1, dc0, dc1).as_dict(),
            "buffer": [places.names[x] for x in buffer],
            "buffer_control": [places.names[x] for x in buffer_control],
            "buffer_counts": [d0, d1, dc0, dc1],
        }
        against = "against comparable areas"
    else:
        effect = prepost_counts(t0, t1)
        result["comparison"] = None
        result["method"] = "before and after, no comparison"
        missing.append("no comparison area without a partnership to compare with")
        against = "since the start"
    result["effect"] = effect.as_dict()
    verdict: Verdict = judge(effect, True, noun, against, w.available_before, w.available_after, missing)
    return {**result, **verdict.as_dict()}


# --- surveys --------------------------------------------------------------------------


def survey_coverage(conn: Connection) -> tuple[date, date] | None:
    """First and last month with resident answers or published aggregate scores."""
    r, g = SurveyResponse, SurveyAggregate
    spans = [
        span(conn, r.responded_on, where=(r.respondent_type == "resident",)),
        span(conn, g.period_start),
    ]
    firsts = [a for a, _ in spans if a is not None]
    lasts = [b for _, b in spans if b is not None]
    if not firsts:
        return None
    return min(firsts).replace(day=1), max(lasts).replace(day=1)


SUM_COLUMNS = ["n", "sw", "sw2", "swx", "swx2"]


def survey_month_sums(
    conn: Connection, first: date, last: date, constructs: tuple[str, ...] = SURVEY_OUTCOMES
) -> pd.DataFrame:
    """Per construct, area and month from `first` to `last` (month starts, both included),
    the sums a weighted mean needs, each respondent counted once per construct with the
    mean of their answers on 0-100, read from the roll-up (`survey_monthly`). Sums add up
    across months, so any month-aligned window's sums are the sum of its months'
    (`window_sums`). Columns: construct, area_id, month (date), n, sw, sw2, swx, swx2."""
    m = SurveyMonthly
    q = (
        select(m.construct, m.area_id, m.month, *(func.sum(getattr(m, c)) for c in SUM_COLUMNS))
        .where(m.construct.in_(constructs), m.month >= first, m.month <= last)
        .group_by(m.construct, m.area_id, m.month)
    )
    columns = ["construct", "area_id", "month", *SUM_COLUMNS]
    frame = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=columns)
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    return frame


def window_sums(monthly: pd.DataFrame, w: Windows) -> pd.DataFrame:
    """`survey_month_sums` rows added up into the 'before' and 'after' windows of `w`.
    Columns: construct, area_id, window, n, sw, sw2, swx, swx2."""
    month = monthly["month"]
    before = (month >= w.before_start) & (month < w.start)
    after = (month >= w.after_start) & (month <= w.after_end)
    inside = monthly[before | after].assign(window=np.where(before[before | after], "before", "after"))
    return inside.groupby(["construct", "area_id", "window"], as_index=False)[SUM_COLUMNS].sum()


def survey_sums(conn: Connection, w: Windows, constructs: tuple[str, ...] = SURVEY_OUTCOMES) -> pd.DataFrame:
    """Per construct, area and window ('before'/'after'), the sums a weighted mean needs.
    Columns: construct, area_id, window, n, sw, sw2, swx, swx2."""
    return window_sums(survey_month_sums(conn, w.before_start, w.after_end, constructs), w)


def _by_area(sums: pd.DataFrame) -> dict[tuple[int, str], np.ndarray]:
    """{(area, window): [n, sw, sw2, swx, swx2]} from `survey_sums` rows of one construct."""
    return {
        (r[0], r[1]): np.asarray(r[2:], dtype=float)
        for r in sums[["area_id", "window", *SUM_COLUMNS]].itertuples(index=False)
    }


def _mean(sums: dict[tuple[int, str], np.ndarray], areas: tuple[int, ...], window: str):
    total = np.zeros(5)
    for area in areas:
        total += sums.get((area, window), 0.0)
    return weighted_mean(int(total[0]), *map(float, total[1:]))


def propose_survey_comparison(
    sums: dict[tuple[int, str], np.ndarray], treated: tuple[int, ...], pool: list[int], k: int
) -> tuple[tuple[int, ...], str]:
    """Pick `k` pool areas whose pre-period mean score is closest to the treated areas'."""
    target = _mean(sums, treated, "before").estimate
    scored = []
    for area in pool:
        m = _mean(sums, (area,), "before")
        if m.n >= 10 and not math.isnan(target):
            scored.append((abs(m.estimate - target), area, m.estimate))
    chosen = sorted(scored)[:k]
    if not chosen:
        return (), ""
    level = float(np.mean([c[2] for c in chosen]))
    return tuple(
        sorted(c[1] for c in chosen)
    ), f"proposed: similar pre-period score ({level:.0f} vs {target:.0f})"


def published_means(conn: Connection, construct: str, areas: tuple[int, ...], w: Windows) -> dict | None:
    """Published aggregate means (0-100) of a construct for `areas` in each window, when a
    vendor published only aggregates. Returns {before, after, n_reported} or None."""
    g, i = SurveyAggregate, SurveyItem
    window = case((g.period_start < w.start, "before"), else_="after")
    q = (
        select(window, func.avg(g.value), func.count(), func.count(g.n))
        .join(i, i.id == g.item_id)
        .where(
            i.construct == construct,
            g.statistic == "mean",
            g.group_kind == "all",
            g.area_id.in_(areas),
            g.period_start >= w.before_start,
            g.period_start < add_months(w.after_end, 1),
            (g.period_start < w.start) | (g.period_start >= w.after_start),
        )
        .group_by(window)
    )
    rows = {r[0]: r for r in conn.execute(q)}
    if not rows:
        return None
    return {
        "before": rows["before"][1] if "before" in rows else None,
        "after": rows["after"][1] if "after" in rows else None,
        "n_reported": all(r[2] == r[3] for r in rows.values()),
    }


def _summary(est) -> dict:
    return {"mean": est.estimate, "se": est.se, "n": est.n, "n_eff": est.n_eff}


def evaluate_survey(
    conn: Connection,
    places: Places,
    construct: str,
    design: Design,
    coverage: tuple[date, date] | None,
    sums_cache: dict | None = None,
    prefetched: Prefetched | None = None,
) -> dict:
    """One survey construct's evaluation; `coverage` is `survey_coverage(conn)`. With
    `prefetched` (the scorecard's), monthly sums come from one query shared by every
    partnership."""
    noun = metric(construct).label
    result: dict = {"outcome": construct, "label": noun, "kind": "survey", "lower_is_better": False}
    if coverage is None or not places.treated:
        missing = (
            ["no resident survey answers"] if coverage is None else ["the partnership has no catchment areas"]
        )
        return {**result, **judge(None, False, noun, "", 0, 0, missing).as_dict(), "method": None}
    w = make_windows(places.start, coverage[0], coverage[1], design)
    result["windows"] = w.as_dict()
    if w.length == 0:
        verdict = judge(
            None,
            False,
            noun,
            "",
            w.available_before,
            w.available_after,
            [f"{w.available_before} months of survey data before the start and {w.available_after} after"],
        )
        return {**result, **verdict.as_dict(), "method": None}
    cache = {} if sums_cache is None else sums_cache
    if w not in cache:  # one query serves every construct with the same windows
        if prefetched is not None:
            cache[w] = window_sums(prefetched.survey_months(conn, coverage), w)
        else:
            cache[w] = survey_sums(conn, w)
    sums = _by_area(cache[w][cache[w]["construct"] == construct])
    treated = places.treated
    if places.registered_comparison:
        comparison, reason = places.registered_comparison, "set in the partnership registry"
    else:
        comparison, reason = propose_survey_comparison(
            sums, treated, candidates(places), design.survey_comparisons
        )
    t0, t1 = _mean(sums, treated, "before"), _mean(sums, treated, "after")
    result["treated"] = {
        "areas": [places.names[x] for x in treated],
        "before": _summary(t0),
        "after": _summary(t1),
    }
    missing = []
    if t0.n == 0 and t1.n == 0:
        published = published_means(conn, construct, treated, w) if w.length else None
        if published is not None:
            result["published"] = published
            if not published["n_reported"]:
                result["method"] = None
                reason = ["the source published only aggregate scores, and the sample size was not reported"]
                return {**result, **judge(None, False, noun, "", 0, 0, reason).as_dict()}
    if t0.n < MIN_SURVEY_N:
        missing.append(f"only {t0.n} residents answered before the start ({MIN_SURVEY_N} needed)")
    if t1.n < MIN_SURVEY_N:
        missing.append(f"only {t1.n} residents answered after the start ({MIN_SURVEY_N} needed)")
    effect = None
    if comparison:
        c0, c1 = _mean(sums, comparison, "before"), _mean(sums, comparison, "after")
        result["comparison"] = {
            "areas": [places.names[x] for x in comparison],
            "reason": reason,
            "before": _summary(c0),
            "after": _summary(c1),
        }
        result["method"] = "survey difference in differences (weighted means, effective sample sizes)"
        against = "against comparable areas"
        if not missing:
            effect = survey_did(
                t0.estimate, t0.se, t1.estimate, t1.se, c0.estimate, c0.se, c1.estimate, c1.se
            )
    else:
        result["comparison"] = None
        result["method"] = "survey change before and after, no comparison"
        against = "since the start"
        missing.append("no comparison area without a partnership to compare with")
        if t0.n >= MIN_SURVEY_N and t1.n >= MIN_SURVEY_N:
            effect = survey_change(t0.estimate, t0.se, t1.estimate, t1.se)
    if effect is not None:
        result["effect"] = effect.as_dict()
    verdict = judge(effect, False, noun, against, w.available_before, w.available_after, missing)
    return {**result, **verdict.as_dict()}


# --- the whole evaluation ---------------------------------------------------------------


def evaluate(
    conn: Connection,
    code: str,
    outcomes: tuple[str, ...] = OUTCOMES,
    design: Design = Design(),
    prefetched: Prefetched | None = None,
) -> dict | None:
    """Every requested outcome's evaluation for one partnership, or None if the code is unknown.

    Returns {partnership, name, start, design, outcomes: [ {outcome, label, kind,
    method, windows, treated, comparison, effect, verdict, sentence, ...} ]}.
    """
    unknown = set(outcomes) - set(OUTCOMES)
    if unknown:
        raise ValueError(f"unknown outcome(s): {', '.join(sorted(unknown))}; known: {', '.join(OUTCOMES)}")
    places = load_places(conn, code)
    if places is None:
        return None
    results = []
    sums_cache: dict = {}
    shared = prefetched or Prefetched()
    crime_span = shared.span(conn, "crime") if set(outcomes) & set(CRIME_OUTCOMES) else None
    survey_span = shared.span(conn, "survey") if set(outcomes) & set(SURVEY_OUTCOMES) else None
    for outcome in outcomes:
        if outcome in CRIME_OUTCOMES:
            results.append(evaluate_crime(conn, places, outcome, design, crime_span, prefetched))
        else:
            survey = evaluate_survey(conn, places, outcome, design, survey_span, sums_cache, prefetched)
            results.append(survey)
    return {
        "partnership": code,
        "name": places.name,
        "start": places.start.isoformat(),
        "design": asdict(design),
        "outcomes": results,
    }


SCORECARD_COLUMNS = [
    "code",
    "name",
    "start_date",
    "outcome",
    "label",
    "verdict",
    "estimate",
    "ci_low",
    "ci_high",
    "scale",
    "sentence",
]


def scorecard(
    conn: Connection, design: Design = Design(), outcomes: tuple[str, ...] = OUTCOMES
) -> pd.DataFrame:
    """Every partnership's verdict per outcome. Columns: code, name, start_date, outcome,
    label, verdict, estimate, ci_low, ci_high, scale, sentence. Ordered by name."""
    rows = []
    codes = conn.execute(select(Partnership.code).order_by(Partnership.name)).scalars().all()
    shared = Prefetched()  # one query per crime group and one for surveys, for every partnership
    for code in codes:
        ev = evaluate(conn, code, outcomes, design, shared)
        for o in ev["outcomes"]:
            effect = o.get("effect") or {}
            ci = effect.get("ci", [math.nan, math.nan])
            rows.append(
                {
                    "code": code,
                    "name": ev["name"],
                    "start_date": ev["start"],
                    "outcome": o["outcome"],
                    "label": o["label"],
                    "verdict": o["verdict"],
                    "estimate": effect.get("estimate", math.nan),
                    "ci_low": ci[0],
                    "ci_high": ci[1],
                    "scale": effect.get("scale"),
                    "sentence": o["sentence"],
                }
            )
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
