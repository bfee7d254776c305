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
from dataclasses import asdict, dataclass, field, replace
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
)
from metrics.coverage import (
    MIN_TYPICAL,
    THIN_SHARE,
    CrimeSources,
    SourceCoverage,
    common_span,
    crime_sources,
    survey_span,
)
from metrics.effects import (
    Effect,
    did_counts,
    drift_variance,
    drift_weight,
    its,
    log_change,
    prepost_counts,
    published_did,
    relative_excess,
    survey_change,
    survey_did,
    wdd,
)
from metrics.formatting import signed_pct
from metrics.multiple import chance, chance_sentence, with_q_values
from metrics.registry import CRIME_GROUP_LABELS, SURVEY_CONSTRUCTS, metric
from metrics.stats import poisson_z, weighted_mean
from metrics.verdict import TOO_EARLY, Verdict, judge

CRIME_OUTCOMES = ("violent", "property", "asb", "other")
SURVEY_OUTCOMES = ("trust", "satisfaction", "safety")
OUTCOMES = CRIME_OUTCOMES + SURVEY_OUTCOMES
MIN_SURVEY_N = 30  # domain.md section 6: estimates from fewer answers are not shown
INFERENCES = ("drift", "poisson")
MIN_DRIFT_AREAS = 5  # areas without a partnership needed to measure how areas drift apart
# Regression to the mean: a partnership set up after a spike. Crime in the last
# SPIKE_MONTHS months before the start against the year before them (both against the
# comparison areas) more than SPIKE_EXCESS higher, and clearly so (z >= SPIKE_Z), is named.
SPIKE_MONTHS, SPIKE_EXCESS, SPIKE_Z = 6, 0.25, 3.0
SURVEY_METHODS = {
    "drift": "survey difference in differences (weighted means, effective sample sizes, areas' drift)",
    "poisson": "survey difference in differences (weighted means, effective sample sizes)",
}
METHODS = {
    "drift": "difference in differences on counts (counting noise and how areas drift apart)",
    "poisson": "difference in differences on counts (quasi-Poisson standard error)",
}


@dataclass(frozen=True)
class Design:
    """How to evaluate: window lengths, ramp-up exclusion and comparison pool size."""

    before_months: int = 12
    after_months: int = 12
    exclude_months: int = 0
    crime_comparisons: int = 3
    survey_comparisons: int = 8  # survey means are noisy: a wider pool resists regression to the mean
    its_pre_months: int = 36  # the time series may look further back than the windows
    # "drift": intervals count how far areas without a partnership drift apart over the
    # same windows, besides counting noise; "poisson": counting noise alone (before issue
    # 15; far too many false alarms on large real areas, see benchmarks/results/placebo.md)
    inference: str = "drift"
    # The smallest change that matters, either way: inside it, "no clear change".
    crime_margin: float = 0.10  # relative (10%)
    survey_margin: float = 3.0  # points on 0-100

    def __post_init__(self) -> None:
        if self.before_months < 1 or self.after_months < 1 or self.exclude_months < 0:
            raise ValueError("windows need at least one month each side and no negative exclusion")
        if self.inference not in INFERENCES:
            raise ValueError(f"unknown inference {self.inference!r}; known: {', '.join(INFERENCES)}")


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
    # areas that are never a displacement buffer, as they have their own intervention
    # (None: every partnership's catchment; an initiative's own partnership's areas may be)
    buffer_exclude: frozenset[int] | None = None


def load_places(conn: Connection, code: str) -> Places | None:
    """Partnership `code`'s places, or None if the code is unknown."""
    return all_places(conn, code).get(code)


def all_places(conn: Connection, code: str | None = None) -> dict[str, Places]:
    """Every partnership's places by code (or only `code`'s), from four queries however
    many partnerships there are."""
    q = select(Partnership.id, Partnership.code, Partnership.name, Partnership.start_date)
    partnerships = conn.execute(q if code is None else q.where(Partnership.code == code)).all()
    if not partnerships:
        return {}
    r = PartnershipArea
    q = select(r.partnership_id, r.area_id, r.role)
    if code is not None:
        q = q.where(r.partnership_id == partnerships[0].id)
    roles: dict[int, list[tuple[int, str]]] = {}
    for partnership_id, area_id, role in conn.execute(q):
        roles.setdefault(partnership_id, []).append((area_id, role))
    catchments = frozenset(conn.execute(select(r.area_id).where(r.role == "catchment")).scalars())
    neighbours: dict[int, set[int]] = {}
    for a, b in conn.execute(select(AreaNeighbour.area_id, AreaNeighbour.neighbour_id)):
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    areas = conn.execute(select(Area.id, Area.name, Area.kind)).all()
    shared = {
        "all_catchment": catchments,
        "neighbours": {k: frozenset(v) for k, v in neighbours.items()},
        "names": {a.id: a.name for a in areas},
        "kinds": {a.id: a.kind for a in areas},
    }
    return {
        p.code: Places(
            code=p.code,
            name=p.name,
            start=p.start_date,
            treated=tuple(sorted(a for a, role in roles.get(p.id, ()) if role == "catchment")),
            registered_comparison=tuple(sorted(a for a, role in roles.get(p.id, ()) if role == "comparison")),
            **shared,
        )
        for p in partnerships
    }


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


def drift_pool(places: Places) -> list[int]:
    """Areas whose drift apart is measured: same kind as the treated areas and in no
    partnership's catchment. Unlike `candidates`, areas bordering the treated ones stay in:
    they are not proposed as comparison (spill-over), but leaving them out of the drift too
    takes the closest, most alike areas out of the measure of how alike areas stay."""
    kinds = {places.kinds[a] for a in places.treated}
    return sorted(a for a, k in places.kinds.items() if k in kinds and a not in places.all_catchment)


# --- matching -------------------------------------------------------------------------


def trend_per_year(series: np.ndarray) -> float:
    """Relative linear trend of a monthly series, as a fraction of its mean per year."""
    mean = series.mean()
    if len(series) < 2 or mean == 0:
        return 0.0
    slope = np.polyfit(np.arange(len(series)), series, 1)[0]
    return float(slope * 12 / mean)


def trends_per_year(table: np.ndarray) -> np.ndarray:
    """`trend_per_year` of each column of a months x areas array, in one least-squares fit."""
    months, areas = table.shape
    if months < 2 or areas == 0:
        return np.zeros(areas)
    means = table.mean(axis=0)
    slopes = np.polyfit(np.arange(months), table, 1)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(means == 0, 0.0, slopes * 12 / means)


def propose_crime_comparison(
    pre: pd.DataFrame, treated: tuple[int, ...], pool: list[int], k: int, level_from: date
) -> tuple[tuple[int, ...], str]:
    """Pick `k` pool areas whose pre-period monthly level (per area) and trend are
    closest to the treated areas'. `pre`: columns area_id, month, count, covering the
    whole pre-period; the level is taken from `level_from` on (the before window), the
    trend from all of `pre` (several years, so that seasonality does not pass for trend).

    Distance: |log(level ratio)| + |difference in yearly trend|.
    """
    return _propose_crime(_pivot(pre), treated, pool, k, level_from)


def _propose_crime(
    table: pd.DataFrame, treated: tuple[int, ...], pool: list[int], k: int, level_from: date
) -> tuple[tuple[int, ...], str]:
    """`propose_crime_comparison` from the pre-period's months x areas table (`_pivot`);
    every pool area's level and trend are computed together."""
    if table.empty:
        return (), ""
    recent = np.asarray(table.index >= level_from)
    treated_series = table.reindex(columns=list(treated), fill_value=0).sum(axis=1).to_numpy(dtype=float)
    level_t = treated_series[recent].mean() / max(len(treated), 1)
    trend_t = trend_per_year(treated_series)
    series = table.reindex(columns=list(pool), fill_value=0).to_numpy(dtype=float)  # months x pool
    with np.errstate(invalid="ignore"):  # no month in the before window: no level, as before
        levels = series[recent].mean(axis=0) if recent.any() else np.full(len(pool), np.nan)
    trends = trends_per_year(series)
    scored = []
    for area, level, trend in zip(pool, levels, trends, strict=True):
        if not (level > 0 and level_t > 0):  # also false for NaN (no data at all)
            continue
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
    scorecard, `evaluate --all`): area-months per crime group, as rows and as one months x
    areas table, and survey sums per month. Each is fetched on first use."""

    crime: dict[str, pd.DataFrame] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    survey: pd.DataFrame | None = None
    spans: dict[str, tuple[date, date] | None] = field(default_factory=dict)
    survey_windows: dict[Windows, pd.DataFrame] = field(default_factory=dict)  # `window_sums` by windows
    registry: dict[str, Places] | None = None  # every partnership's places (`all_places`)
    sources: CrimeSources | None = None  # crime sources' coverage and areas (`crime_sources`)
    equity: object | None = None  # `metrics.equity.EquityCache`: group sums per registry gap
    initiatives: object | None = (
        None  # `metrics.initiatives.Registry`: every initiative, its target and delivery
    )

    def places(self, conn: Connection, code: str) -> Places | None:
        """`load_places`, from one read of every partnership's places."""
        if self.registry is None:
            self.registry = all_places(conn)
        return self.registry.get(code)

    def span(self, conn: Connection, kind: str) -> tuple[date, date] | None:
        """`crime_span` ('crime') or `survey_coverage` ('survey'), read once."""
        if kind not in self.spans:
            self.spans[kind] = self.crime_sources(conn).span() if kind == "crime" else survey_coverage(conn)
        return self.spans[kind]

    def crime_sources(self, conn: Connection) -> CrimeSources:
        """`metrics.coverage.crime_sources`, read once."""
        if self.sources is None:
            self.sources = crime_sources(conn)
        return self.sources

    def area_months(self, conn: Connection, group: str, coverage: tuple[date, date]) -> pd.DataFrame:
        if group not in self.crime:
            self.crime[group] = area_months(conn, group, *coverage)
        return self.crime[group]

    def crime_table(
        self, conn: Connection, group: str, coverage: tuple[date, date], first: date, last: date
    ) -> pd.DataFrame:
        """The group's months x areas table (`_pivot`) from `first` to `last`: the rows of
        the whole coverage's table, pivoted once, so the same as pivoting those months."""
        if group not in self.tables:
            self.tables[group] = _pivot(self.area_months(conn, group, coverage))
        table = self.tables[group]
        return table[(table.index >= first) & (table.index <= last)]

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


def _rows(table: pd.DataFrame, first: date, last: date) -> np.ndarray:
    """Which of the table's months lie from `first` to `last`."""
    months = table.index.to_numpy()
    return (months >= first) & (months <= last)


def _positions(table: pd.DataFrame, areas) -> np.ndarray:
    """Each of `areas`' column in the table (whose columns are sorted, as `_pivot`'s are),
    or -1 for an area the table does not have."""
    columns = table.columns.to_numpy()
    wanted = np.asarray(list(areas), dtype=columns.dtype if len(columns) else np.int64)
    at = np.searchsorted(columns, wanted).clip(0, max(len(columns) - 1, 0))
    found = (columns[at] == wanted) if len(columns) else np.zeros(len(wanted), dtype=bool)
    return np.where(found, at, -1)


def _columns(table: pd.DataFrame, areas) -> np.ndarray:
    """Positions of those of `areas` that the table has (an area with no row has no count)."""
    positions = _positions(table, areas)
    return positions[positions >= 0]


def _total(table: pd.DataFrame, areas: tuple[int, ...], first: date, last: date) -> int:
    counts = table.to_numpy()
    return int(counts[np.ix_(_rows(table, first, last), _columns(table, areas))].sum())


def _series(table: pd.DataFrame, areas: tuple[int, ...], months: list[date]) -> list[int]:
    summed = table.to_numpy()[:, _columns(table, areas)].sum(axis=1)
    row = {m: i for i, m in enumerate(table.index)}
    return [int(summed[row[m]]) if m in row else 0 for m in months]


def crime_drift(
    table: pd.DataFrame, pool: list[int], before: tuple[date, date], after: tuple[date, date]
) -> tuple[float, int]:
    """How far areas without a partnership drift apart between the two windows: the
    between-area variance of their own log changes (`drift_variance`), and how many
    areas it was measured on. Areas with no count in either window say nothing."""
    counts = table.to_numpy()[:, _columns(table, pool)]
    b = counts[_rows(table, *before)].sum(axis=0).astype(float)
    a = counts[_rows(table, *after)].sum(axis=0).astype(float)
    pairs = [log_change(x, y) for x, y in zip(b, a, strict=True) if x + y > 0]
    if len(pairs) < MIN_DRIFT_AREAS:
        return math.nan, len(pairs)
    return drift_variance([d for d, _ in pairs], [v for _, v in pairs]), len(pairs)


def _area_totals(table: pd.DataFrame, areas: tuple[int, ...], first: date, last: date) -> list[int]:
    totals = table.to_numpy()[_rows(table, first, last)].sum(axis=0)
    return [int(totals[i]) if i >= 0 else 0 for i in _positions(table, areas)]


def window_problem(w: Windows, design: Design, coverage: tuple[date, date], what: str) -> str | None:
    """Why these windows cannot be judged, or None: the start lies after the data ends,
    or the data starts too late for a full before-window. Windows are never reversed.
    Where `coverage` is a `metrics.coverage.Span` whose sources hold thin months before
    its first month, the reason names them: the data there is not missing by chance."""
    first, last = coverage
    if w.start > last:
        return f"no {what} after the start: the data ends in {last:%B %Y}"
    earlier = sorted(m for m in getattr(coverage, "thin", {}) if m < first)
    if earlier and w.available_before < design.before_months:
        label, count, typical = coverage.thin[earlier[-1]]
        return (
            f"too little data before it began: {_subject(label)} near empty until "
            f"{earlier[-1]:%B %Y} ({count:,} that month against a usual month of {typical:,.0f}), so only "
            f"{w.available_before} months before the start can be compared ({design.before_months} needed)"
        )
    if w.available_before == 0:
        return f"{what} starts in {first:%B %Y}, after the start: no month before it to compare with"
    if w.available_before < design.before_months:
        return (
            f"{what} starts in {first:%B %Y}: only {w.available_before} months before the start "
            f"({design.before_months} needed)"
        )
    return None


def _subject(label: str) -> str:
    """A source's label as the subject of a sentence, with its verb: "recorded crime ('city')
    is", 'survey answers from residents are'."""
    return f"{label[0].lower()}{label[1:]} {'is' if label.startswith('Recorded crime') else 'are'}"


def involved_areas(places: Places) -> frozenset[int]:
    """Every area whose crime a crime evaluation reads: the partnership's, its registered
    comparison areas, the pool comparison areas are proposed from and areas' drift is
    measured on, and the areas bordering the partnership (the displacement test)."""
    return frozenset(places.treated).union(
        places.registered_comparison, candidates(places), buffer_of(places, places.treated, set())
    )


def _all(sources: list[SourceCoverage]) -> str:
    return "both" if len(sources) == 2 else f"all {len(sources)}"


def source_limits(sources: list[SourceCoverage], span: tuple[date, date]) -> str:
    """Which sources bound the months they all cover: "recorded crime from 'city' ends in
    December 2023, and from 'demo' starts in January 2018", or "recorded crime from 'city'
    covers only January 2019 to December 2022" when one source sets both ends."""
    first, last = span
    ends = next(c for c in sources if c.covered_last == last)
    starts = next(c for c in sources if c.covered_first == first)
    if ends is starts:
        return f"recorded crime from {ends.source!r} covers only {first:%B %Y} to {last:%B %Y}"
    return (
        f"recorded crime from {ends.source!r} ends in {last:%B %Y}, "
        f"and from {starts.source!r} starts in {first:%B %Y}"
    )


def sources_problem(
    w: Windows | None, design: Design, sources: list[SourceCoverage], span: tuple[date, date]
) -> str | None:
    """Why windows inside the months every one of several `sources` covers (`span`,
    `metrics.coverage.common_span`) cannot be judged because one source ends earlier or
    starts later than another, naming them and the months; None otherwise. A window cut
    short by a source that has ended is never 'too early': the months will not come."""
    first, last = span
    limits, every = source_limits(sources, span), _all(sources)
    if w is None:
        return f"{limits}: no month is covered by {every}"
    ends_early = last < max(c.covered_last for c in sources)
    starts_late = first > min(c.covered_first for c in sources)
    if ends_early and w.start > last:
        return f"{limits}: no month after the start is covered by {every}"
    if starts_late and w.available_before < design.before_months:
        return (
            f"{limits}: too few months covered by {every} before it began "
            f"({w.available_before}; {design.before_months} needed)"
        )
    if ends_early and w.available_after < design.after_months:
        return (
            f"{limits}: too few months covered by {every} after it began "
            f"({w.available_after}; {design.after_months} needed)"
        )
    return None


def thin_inside(w: Windows, coverage: tuple[date, date]) -> str | None:
    """A source's thin month (`metrics.coverage`: under 10% of its usual month) inside the
    windows, named; None when there is none. The same facts as the Data page's strip."""
    thin = getattr(coverage, "thin", {})
    inside = [
        m
        for m in sorted(thin)
        if w.before_start <= m <= w.before_end or (w.length and w.after_start <= m <= w.after_end)
    ]
    if not inside:
        return None
    label, count, typical = thin[inside[0]]
    return (
        f"{_subject(label)} near empty in {inside[0]:%B %Y} ({count:,} against a usual "
        f"month of {typical:,.0f}), inside the windows: the records may start late or have a gap"
    )


def low_months(series: pd.Series) -> list[date]:
    """Months whose count is under `THIN_SHARE` (10%) of the series' median month, the
    rule `metrics.coverage` judges a source by: data that starts late or has a gap. Not
    judged where a typical month has fewer than `MIN_TYPICAL` (10) crimes (small areas
    have empty months by chance)."""
    typical = float(series.median()) if len(series) else 0.0
    if typical < MIN_TYPICAL:
        return []
    return [m for m, v in series.items() if v < THIN_SHARE * typical]


def coverage_gap(table: pd.DataFrame, involved: tuple[int, ...], w: Windows, what: str) -> str | None:
    """A month inside the windows where recorded crime (all areas, or the areas involved)
    is near empty against its usual volume, named; None when both windows are covered.
    A month with no row at all counts as empty."""
    first = min(table.index.min(), w.before_start) if len(table) else w.before_start
    last = max(table.index.max(), w.after_end) if len(table) else w.after_end
    every_month = [add_months(first, i) for i in range(months_between(first, last) + 1)]
    table = table.reindex(every_month, fill_value=0)
    inside = ((table.index >= w.before_start) & (table.index <= w.before_end)) | (
        (table.index >= w.after_start) & (table.index <= w.after_end)
    )
    columns = [a for a in involved if a in table.columns]
    for series in (table.sum(axis=1), table[columns].sum(axis=1)):
        low = [m for m in low_months(series) if inside[table.index.get_loc(m)]]
        if low:
            typical = float(series.median())
            return (
                f"{what} is near empty in {low[0]:%B %Y} ({int(series[low[0]])} against a usual month "
                f"of {typical:,.0f}), inside the windows: the records may start late or have a gap"
            )
    return None


def trimmed_note(
    start: date, design: Design, sources: list[SourceCoverage], span: tuple[date, date]
) -> str | None:
    """A sentence for the verdict when the months every one of several `sources` covers
    (`span`) moved the windows or the latest months from where every source's months
    together would put them; None when they did not."""
    union = (min(c.covered_first for c in sources), max(c.covered_last for c in sources))

    def months(coverage: tuple[date, date]) -> tuple:
        w = make_windows(start, *coverage, design)
        latest = latest_windows(w, coverage, design)
        return w.before_start, w.after_start, w.length, latest and latest.after_start

    if months(union) == months(span):
        return None
    return (
        f"Only months that {_all(sources)} crime sources cover are compared ({source_limits(sources, span)})."
    )


def latest_windows(w: Windows, coverage: tuple[date, date], design: Design) -> Windows | None:
    """The sustained view: the same before-window against the latest `after_months` of
    data, when those differ from the first after-window; None otherwise."""
    latest_start = add_months(coverage[1], -(design.after_months - 1))
    if w.length < design.after_months or latest_start <= w.after_start:
        return None
    return replace(w, after_start=latest_start)


def _did(
    table: pd.DataFrame,
    places: Places,
    comparison: tuple[int, ...],
    w: Windows,
    design: Design,
    dispersion: float,
    noun: str,
) -> tuple[Effect, dict, list[str]]:
    """The difference in differences of `places` against `comparison` over windows `w`:
    the effect, what went into it (counts, drift, WDD) and anything missing."""
    treated = places.treated
    b, a = (w.before_start, w.before_end), (w.after_start, w.after_end)
    t0, t1 = _total(table, treated, *b), _total(table, treated, *a)
    c0, c1 = _total(table, comparison, *b), _total(table, comparison, *a)
    missing: list[str] = []
    parts: dict = {"treated": [t0, t1], "comparison": [c0, c1]}
    drift = 0.0
    if design.inference == "drift":
        tau2, pool_size = crime_drift(table, drift_pool(places), b, a)
        if math.isnan(tau2):
            missing.append(
                f"only {pool_size} areas without a partnership have recorded {noun.lower()} to "
                f"measure how areas drift apart ({MIN_DRIFT_AREAS} needed)"
            )
            tau2 = 0.0
        weight = drift_weight(
            _area_totals(table, treated, b[0], a[1]), _area_totals(table, comparison, b[0], a[1])
        )
        drift = tau2 * weight
        parts["drift"] = {"between_area_variance": tau2, "areas": pool_size, "weight": weight}
        dispersion = 1.0  # the pool's spread already holds noise beyond Poisson
    effect = did_counts(t0, t1, c0, c1, dispersion, drift)
    # The displacement test on the same footing: other partnerships' areas are never a
    # buffer (they have their own intervention); its variance is widened by the same
    # factor as the difference in differences'.
    others = set(places.all_catchment if places.buffer_exclude is None else places.buffer_exclude)
    buffer = buffer_of(places, treated, set(comparison) | others)
    buffer_control = buffer_of(places, comparison, set(treated) | set(buffer) | others) if buffer else ()
    d0, d1 = _total(table, buffer, *b), _total(table, buffer, *a)
    dc0, dc1 = _total(table, buffer_control, *b), _total(table, buffer_control, *a)
    counting = sum(1 / max(x, 0.5) for x in (t0, t1, c0, c1))
    parts["wdd"] = {
        **wdd(
            t0,
            t1,
            c0,
            c1,
            d0,
            d1,
            dc0,
            dc1,
            inflation=max(effect.se**2 / counting, 1.0) if counting else 1.0,
            control_weight=c0 / t0 if c0 and t0 else 1.0,
            ring_control_weight=dc0 / d0 if dc0 and d0 else 1.0,
        ).as_dict(),
        "buffer": [places.names[x] for x in buffer],
        "buffer_control": [places.names[x] for x in buffer_control],
        "buffer_counts": [d0, d1, dc0, dc1],
        "weights": {
            "control": c0 / t0 if c0 and t0 else 1.0,
            "buffer_control": dc0 / d0 if dc0 and d0 else 1.0,
        },
    }
    return effect, parts, missing


def spike_before(
    table: pd.DataFrame, treated: tuple[int, ...], comparison: tuple[int, ...], w: Windows, noun: str
) -> dict | None:
    """A spike just before the start, which would fall back of its own accord (regression to
    the mean): the last `SPIKE_MONTHS` months before the start against the 12 months before
    them, each against the comparison areas (`relative_excess`). None when there is no
    clear spike, or not a year of data before those months."""
    recent = (add_months(w.start, -SPIKE_MONTHS), add_months(w.start, -1))
    earlier = (add_months(recent[0], -12), add_months(recent[0], -1))
    if not len(table) or earlier[0] < table.index.min():
        return None
    counts = [
        _total(table, areas, *period) for period in (recent, earlier) for areas in (treated, comparison)
    ]
    excess, z = relative_excess(*counts)
    if excess < SPIKE_EXCESS or z < SPIKE_Z:
        return None
    return {
        "excess": excess,
        "z": z,
        "months": [f"{recent[0]:%Y-%m}", f"{recent[1]:%Y-%m}"],
        "warning": (
            f"Caution: in the {SPIKE_MONTHS} months before the start, {noun.lower()} here ran "
            f"{excess:.0%} above "
            "its level of the year before (against the comparison areas). Part of any fall since may "
            "be a return to normal (regression to the mean), not the partnership's doing."
        ),
    }


def evaluate_crime(
    conn: Connection,
    places: Places,
    group: str,
    design: Design,
    coverage: tuple[date, date] | None,
    prefetched: Prefetched | None = None,
    sources: CrimeSources | None = None,
) -> dict:
    """One crime group's evaluation; `coverage` is `metrics.coverage.crime_span(conn)`. With
    `prefetched` (the scorecard's), the area-months come from one query shared by every partnership.
    `sources` (`metrics.coverage.crime_sources`, read when not given): where several
    sources record crime of this group in the areas the evaluation reads, the windows lie
    inside the months all of them cover, and the verdict says when that shortened them.

    The first after-window is judged; `sustained` holds the latest `after_months` of data
    against the same before-window, with the same comparison areas and inference."""
    noun = CRIME_GROUP_LABELS[group]
    what = f"recorded {noun.lower()}"
    result: dict = {"outcome": group, "label": noun, "kind": "crime", "lower_is_better": True}
    result["window"] = f"first {design.after_months} months"
    judge_args = {"after_needed": design.after_months, "margin": design.crime_margin}
    if coverage is None or not places.treated:
        missing = ["no recorded crime"] if coverage is None else ["the partnership has no catchment areas"]
        return {**result, **judge(None, True, noun, "", 0, missing).as_dict(), "method": None}
    # Only months every source recording these areas covers are compared; `full` (every
    # source's span) is what a shared prefetch reads, whatever one partnership compares.
    full = coverage
    sources = sources or (prefetched or Prefetched()).crime_sources(conn)
    contributing = sources.contributing(group, involved_areas(places))
    coverage = common_span(contributing) or full  # a lone source: its own span
    note = None
    if len(contributing) > 1:
        result["sources"] = {
            "covered_by_all": [f"{coverage[0]:%Y-%m}", f"{coverage[1]:%Y-%m}"],
            "sources": [
                {"source": c.source, "covered": [f"{c.covered_first:%Y-%m}", f"{c.covered_last:%Y-%m}"]}
                for c in contributing
            ],
        }
        if coverage[0] > coverage[1]:
            missing = [sources_problem(None, design, contributing, coverage)]
            return {**result, **judge(None, True, noun, "", 0, missing).as_dict(), "method": None}
        note = trimmed_note(places.start, design, contributing, coverage)
    w = make_windows(places.start, coverage[0], coverage[1], design)
    result["windows"] = w.as_dict()
    problem = (
        (sources_problem(w, design, contributing, coverage) if len(contributing) > 1 else None)
        or window_problem(w, design, coverage, what)
        or thin_inside(w, coverage)
    )
    if problem:
        return {**result, **judge(None, True, noun, "", 0, [problem]).as_dict(), "method": None}
    if w.length == 0:  # still inside the ramp-up, or no month after the start yet
        too_early = Verdict(TOO_EARLY, "Too early to tell: no month after the start has data yet.")
        return {**result, **too_early.as_dict(), "method": None}
    # The time series looks further back than the windows (up to its_pre_months), so
    # that trend and seasonality are estimated from more than one year.
    pre_length = min(design.its_pre_months, w.available_before)
    its_start = add_months(w.start, -pre_length)
    latest = latest_windows(w, coverage, design)
    end = latest.after_end if latest else w.after_end
    if prefetched is not None:
        table = prefetched.crime_table(conn, group, full, its_start, end)
    else:
        table = _pivot(area_months(conn, group, its_start, end))
    treated = places.treated
    b, a = (w.before_start, w.before_end), (w.after_start, w.after_end)
    t0, t1 = _total(table, treated, *b), _total(table, treated, *a)
    if t0 + t1 == 0:
        missing = [f"no {noun.lower()} is recorded in these areas in either window"]
        return {**result, **judge(None, True, noun, "", 0, missing).as_dict(), "method": None}
    if places.registered_comparison:
        comparison, reason = places.registered_comparison, "set in the partnership registry"
    else:
        pre = table[table.index <= w.before_end]
        comparison, reason = _propose_crime(
            pre, treated, candidates(places), design.crime_comparisons, w.before_start
        )
    gap = coverage_gap(table, treated + comparison, w, what)
    if gap:
        return {**result, **judge(None, True, noun, "", 0, [gap]).as_dict(), "method": None}
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

    if not comparison:
        effect = prepost_counts(t0, t1)
        result["comparison"] = None
        result["method"] = "before and after, no comparison"
        result["effect"] = effect.as_dict()
        missing = ["no comparison area without a partnership to compare with"]
        return {
            **result,
            **judge(effect, True, noun, "since the start", w.available_after, missing).as_dict(),
        }

    effect, parts, missing = _did(table, places, comparison, w, design, dispersion, noun)
    c0, c1 = parts["comparison"]
    result["comparison"] = {
        "areas": [places.names[x] for x in comparison],
        "reason": reason,
        "before": c0,
        "after": c1,
    }
    if "drift" in parts:
        result["drift"] = parts["drift"]
    result["wdd"] = parts["wdd"]
    result["method"] = METHODS[design.inference]
    result["effect"] = effect.as_dict()
    against = "against comparable areas"
    verdict = judge(effect, True, noun, against, w.available_after, missing, **judge_args)
    spike = spike_before(table, treated, comparison, w, noun)
    if spike is not None:
        result["regression_to_the_mean"] = spike
        verdict = Verdict(verdict.label, f"{verdict.sentence} {spike['warning']}")
    if note:
        result["sources"]["note"] = note
        verdict = Verdict(verdict.label, f"{verdict.sentence} {note}")
    if latest is not None:
        late, late_parts, late_missing = _did(table, places, comparison, latest, design, dispersion, noun)
        late_verdict = judge(late, True, noun, against, design.after_months, late_missing, **judge_args)
        result["sustained"] = _sustained(
            latest,
            design,
            {"before": late_parts["treated"][0], "after": late_parts["treated"][1]},
            {"before": late_parts["comparison"][0], "after": late_parts["comparison"][1]},
            {"effect": late.as_dict(), **late_verdict.as_dict()},
        )
    return {**result, **verdict.as_dict()}


# --- surveys --------------------------------------------------------------------------


def survey_coverage(conn: Connection) -> tuple[date, date] | None:
    """The covered months of resident answers and published aggregate scores
    (`metrics.coverage.survey_span`): first and last month, with their thin months."""
    return survey_span(conn)


SUM_COLUMNS = ["n", "sw", "sw2", "swx", "swx2"]


def survey_month_sums(
    conn: Connection, first: date, last: date, constructs: tuple[str, ...] = SURVEY_CONSTRUCTS
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


def survey_sums(
    conn: Connection, w: Windows, constructs: tuple[str, ...] = SURVEY_CONSTRUCTS
) -> pd.DataFrame:
    """Per construct, area and window ('before'/'after'), the sums a weighted mean needs.
    Columns: construct, area_id, window, n, sw, sw2, swx, swx2."""
    return window_sums(survey_month_sums(conn, w.before_start, w.after_end, constructs), w)


def _by_area(sums: pd.DataFrame) -> dict[tuple[int, str], np.ndarray]:
    """{(area, window): [n, sw, sw2, swx, swx2]} from `survey_sums` rows of one construct."""
    keys = zip(sums["area_id"].tolist(), sums["window"].tolist(), strict=True)
    return dict(zip(keys, sums[SUM_COLUMNS].to_numpy(dtype=float), strict=True))


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
    result["window"] = f"first {design.after_months} months"
    judge_args = {"after_needed": design.after_months, "margin": design.survey_margin}
    if coverage is None or not places.treated:
        missing = (
            ["no resident survey answers"] if coverage is None else ["the partnership has no catchment areas"]
        )
        return {**result, **judge(None, False, noun, "", 0, missing).as_dict(), "method": None}
    w = make_windows(places.start, coverage[0], coverage[1], design)
    result["windows"] = w.as_dict()
    problem = window_problem(w, design, coverage, "survey data")
    if problem:
        return {**result, **judge(None, False, noun, "", 0, [problem]).as_dict(), "method": None}
    if w.length == 0:
        too_early = Verdict(TOO_EARLY, "Too early to tell: no month after the start has survey data yet.")
        return {**result, **too_early.as_dict(), "method": None}
    cache = {} if sums_cache is None else sums_cache
    if w not in cache:  # one query serves every construct with the same windows
        if prefetched is not None:
            cache[w] = window_sums(prefetched.survey_months(conn, coverage), w)
        else:
            cache[w] = survey_sums(conn, w)
    sums = _by_area(cache[w][cache[w]["construct"] == construct])
    treated = places.treated
    latest = latest_windows(w, coverage, design)
    t0, t1 = _mean(sums, treated, "before"), _mean(sums, treated, "after")
    if t0.n == 0 and t1.n == 0:
        published = published_area_means(conn, construct, w)
        if not published.empty:
            first = evaluate_published(published, places, noun, w, design)
            if latest is not None and first.get("effect"):
                late = evaluate_published(
                    published_area_means(conn, construct, latest), places, noun, latest, design
                )
                first["sustained"] = _sustained(
                    latest, design, late.get("treated"), late.get("comparison"), late
                )
            return {**result, **first}
    if places.registered_comparison:
        comparison, reason = places.registered_comparison, "set in the partnership registry"
    else:
        comparison, reason = propose_survey_comparison(
            sums, treated, candidates(places), design.survey_comparisons
        )
    result["treated"] = {
        "areas": [places.names[x] for x in treated],
        "before": _summary(t0),
        "after": _summary(t1),
    }
    if not comparison:
        result["comparison"] = None
        result["method"] = "survey change before and after, no comparison"
        missing = ["no comparison area without a partnership to compare with"]
        effect = None
        if t0.n >= MIN_SURVEY_N and t1.n >= MIN_SURVEY_N:
            effect = survey_change(t0.estimate, t0.se, t1.estimate, t1.se)
            result["effect"] = effect.as_dict()
        return {
            **result,
            **judge(effect, False, noun, "since the start", w.available_after, missing).as_dict(),
        }
    effect, parts, missing = _survey_did(sums, places, comparison, design)
    result["comparison"] = {
        "areas": [places.names[x] for x in comparison],
        "reason": reason,
        **parts["comparison"],
    }
    if "drift" in parts:
        result["drift"] = parts["drift"]
    result["method"] = SURVEY_METHODS[design.inference]
    if effect is not None:
        result["effect"] = effect.as_dict()
    against = "against comparable areas"
    verdict = judge(effect, False, noun, against, w.available_after, missing, **judge_args)
    if latest is not None and effect is not None:
        if latest not in cache:
            source = prefetched.survey_months(conn, coverage) if prefetched is not None else None
            cache[latest] = window_sums(source, latest) if source is not None else survey_sums(conn, latest)
        late_sums = _by_area(cache[latest][cache[latest]["construct"] == construct])
        late, late_parts, late_missing = _survey_did(late_sums, places, comparison, design)
        late_verdict = judge(late, False, noun, against, design.after_months, late_missing, **judge_args)
        result["sustained"] = _sustained(
            latest,
            design,
            late_parts["treated"],
            late_parts["comparison"],
            {**late_verdict.as_dict(), **({"effect": late.as_dict()} if late else {})},
        )
    return {**result, **verdict.as_dict()}


def _sustained(latest: Windows, design: Design, treated, comparison, judged: dict) -> dict:
    """The sustained view's record: its window, the counts or means, effect and verdict."""
    return {
        "window": f"latest {design.after_months} months",
        "windows": latest.as_dict(),
        "treated": treated,
        "comparison": comparison,
        **{k: judged[k] for k in ("effect", "verdict", "sentence") if k in judged},
    }


def _survey_did(
    sums: dict[tuple[int, str], np.ndarray], places: Places, comparison: tuple[int, ...], design: Design
) -> tuple[Effect | None, dict, list[str]]:
    """The survey difference in differences of `places` against `comparison` from window
    sums: the effect (None when answers are too few), the means that went into it and the
    drift, and anything missing."""
    treated = places.treated
    t0, t1 = _mean(sums, treated, "before"), _mean(sums, treated, "after")
    c0, c1 = _mean(sums, comparison, "before"), _mean(sums, comparison, "after")
    parts: dict = {
        "treated": {"before": _summary(t0), "after": _summary(t1)},
        "comparison": {"before": _summary(c0), "after": _summary(c1)},
    }
    missing = []
    if t0.n < MIN_SURVEY_N:
        missing.append(f"only {t0.n} residents answered before the start ({MIN_SURVEY_N} needed)")
    if t1.n < MIN_SURVEY_N:
        missing.append(f"only {t1.n} residents answered after the start ({MIN_SURVEY_N} needed)")
    drift = 0.0
    if design.inference == "drift":
        tau2, pool_size = survey_drift(sums, drift_pool(places))
        if math.isnan(tau2):
            missing.append(
                f"only {pool_size} areas without a partnership have {MIN_SURVEY_N} answers in each "
                f"window to measure how areas drift apart ({MIN_DRIFT_AREAS} needed)"
            )
            tau2 = 0.0
        weight = drift_weight(_answers(sums, treated), _answers(sums, comparison))
        drift = tau2 * weight
        parts["drift"] = {"between_area_variance": tau2, "areas": pool_size, "weight": weight}
    if missing:
        return None, parts, missing
    effect = survey_did(t0.estimate, t0.se, t1.estimate, t1.se, c0.estimate, c0.se, c1.estimate, c1.se, drift)
    return effect, parts, missing


def _answers(sums: dict[tuple[int, str], np.ndarray], areas: tuple[int, ...]) -> list[float]:
    """Residents who answered in each area, both windows together."""
    return [sum(float(sums.get((a, w), np.zeros(5))[0]) for w in ("before", "after")) for a in areas]


def survey_drift(sums: dict[tuple[int, str], np.ndarray], pool: list[int]) -> tuple[float, int]:
    """How far pool areas' own scores drift apart between the windows, beyond sampling
    noise (`drift_variance` of their changes in points), and how many areas had at least
    `MIN_SURVEY_N` answers in each window to measure it on."""
    changes, variances = [], []
    for area in pool:
        before, after = _mean(sums, (area,), "before"), _mean(sums, (area,), "after")
        if before.n >= MIN_SURVEY_N and after.n >= MIN_SURVEY_N and before.se > 0 and after.se > 0:
            changes.append(after.estimate - before.estimate)
            variances.append(before.se**2 + after.se**2)
    if len(changes) < MIN_DRIFT_AREAS:
        return math.nan, len(changes)
    return drift_variance(changes, variances), len(changes)


def published_area_means(conn: Connection, construct: str, w: Windows) -> pd.DataFrame:
    """Published scores of a construct (means on 0-100, or shares agreeing in %) averaged
    per area over each window, for sources that publish only aggregates. Columns:
    area_id, window ('before'/'after'), value, periods, n_reported."""
    g, i = SurveyAggregate, SurveyItem
    window = case((g.period_start < w.start, "before"), else_="after")
    q = (
        select(g.area_id, window, func.avg(g.value), func.count(), func.count(g.n))
        .join(i, i.id == g.item_id)
        .where(
            i.construct == construct,
            g.statistic.in_(("mean", "share")),
            g.group_kind == "all",
            g.period_start >= w.before_start,
            g.period_start < add_months(w.after_end, 1),
            (g.period_start < w.start) | (g.period_start >= w.after_start),
        )
        .group_by(g.area_id, window)
    )
    rows = [(r[0], r[1], float(r[2]), r[3], r[3] == r[4]) for r in conn.execute(q)]
    return pd.DataFrame(rows, columns=["area_id", "window", "value", "periods", "n_reported"])


def evaluate_published(
    published: pd.DataFrame, places: Places, noun: str, w: Windows, design: Design
) -> dict:
    """The survey difference in differences from published area scores with no sample
    sizes: the treated areas' change against comparable areas' change, with an interval
    from how much areas without a partnership change between the same windows (their
    spread holds both sampling noise and drift). Areas count equally."""
    wide = published.pivot_table(index="area_id", columns="window", values="value")
    both = wide.reindex(columns=["before", "after"]).dropna()  # areas with a score in both windows
    treated = [a for a in places.treated if a in both.index]
    result: dict = {"published": {"areas_with_scores": len(treated)}}
    pool = [a for a in drift_pool(places) if a in both.index]
    may_compare = set(candidates(places))  # bordering areas measure the spread, never compare
    if places.registered_comparison:
        comparison = [a for a in places.registered_comparison if a in both.index]
        reason = "set in the partnership registry"
    elif treated:
        target = float(both.loc[treated, "before"].mean())
        proposable = [a for a in pool if a in may_compare]
        ranked = sorted(proposable, key=lambda a: abs(float(both.loc[a, "before"]) - target))
        comparison = sorted(ranked[: design.survey_comparisons])
        level = float(both.loc[comparison, "before"].mean()) if comparison else math.nan
        reason = f"proposed: similar pre-period published score ({level:.0f} vs {target:.0f})"
    else:
        comparison, reason = [], ""
    missing = []
    if not treated:
        missing.append("the source published no score for these areas in both windows")
    if not comparison:
        missing.append("no comparison area with published scores in both windows")
    if len(pool) < MIN_DRIFT_AREAS:
        missing.append(
            f"only {len(pool)} areas without a partnership have published scores in both windows to "
            f"measure how much scores change by chance ({MIN_DRIFT_AREAS} needed)"
        )
    result["method"] = (
        "survey difference in differences on published scores (interval from areas' own changes)"
    )
    if missing:
        return {**result, **judge(None, False, noun, "", 0, missing).as_dict()}
    changes = (both.loc[pool, "after"] - both.loc[pool, "before"]).to_numpy(dtype=float)
    spread = float(np.var(changes, ddof=1))
    t0, t1 = (float(both.loc[treated, c].mean()) for c in ("before", "after"))
    c0, c1 = (float(both.loc[comparison, c].mean()) for c in ("before", "after"))
    result["treated"] = {
        "areas": [places.names[x] for x in treated],
        "before": {"mean": t0},
        "after": {"mean": t1},
    }
    result["comparison"] = {
        "areas": [places.names[x] for x in comparison],
        "reason": reason,
        "before": {"mean": c0},
        "after": {"mean": c1},
    }
    result["published"]["change_variance"] = spread
    result["published"]["areas"] = len(pool)
    effect = published_did(t0, t1, c0, c1, spread, len(treated), len(comparison), len(pool))
    result["effect"] = effect.as_dict()
    verdict = judge(
        effect,
        False,
        noun,
        "against comparable areas",
        w.available_after,
        after_needed=design.after_months,
        margin=design.survey_margin,
    )
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
    places = load_places(conn, code) if prefetched is None else prefetched.places(conn, code)
    if places is None:
        return None
    results = []
    shared = prefetched or Prefetched()
    sums_cache = shared.survey_windows  # partnerships with the same windows share their sums
    crime_span = shared.span(conn, "crime") if set(outcomes) & set(CRIME_OUTCOMES) else None
    survey_span = shared.span(conn, "survey") if set(outcomes) & set(SURVEY_OUTCOMES) else None
    for outcome in outcomes:
        if outcome in CRIME_OUTCOMES:
            sources = shared.crime_sources(conn)
            results.append(evaluate_crime(conn, places, outcome, design, crime_span, prefetched, sources))
        else:
            survey = evaluate_survey(conn, places, outcome, design, survey_span, sums_cache, prefetched)
            results.append(survey)
    return {
        "partnership": code,
        "name": places.name,
        "start": places.start.isoformat(),
        "design": asdict(design),
        "outcomes": results,
        "equity": _equity(conn, places, design, outcomes, shared),
        "initiatives": _initiatives(conn, code, design, shared),
    }


def _initiatives(conn: Connection, code: str, design: Design, shared: Prefetched) -> list[dict]:
    """Each of its initiatives, the targeted ones judged on their own target."""
    # imported here: metrics.initiatives builds on this module's engine
    from metrics.initiatives import evaluate_initiatives

    return evaluate_initiatives(conn, code, design, shared)


def _equity(conn: Connection, places: Places, design: Design, outcomes: tuple[str, ...], shared: Prefetched):
    """The registry's equity gap on the requested survey outcomes (`metrics.equity`)."""
    # imported here: metrics.equity builds on this module's windows and comparisons
    from metrics.equity import EquityCache, evaluate_equity

    constructs = tuple(o for o in SURVEY_OUTCOMES if o in outcomes)
    if shared.equity is None:
        shared.equity = EquityCache()
    coverage = shared.span(conn, "survey")
    return evaluate_equity(conn, places, design, coverage, constructs, shared, shared.equity)


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
    "p_value",
    "sustained_verdict",
    "sustained_estimate",
    "sustained_ci_low",
    "sustained_ci_high",
]


def partnership_codes(conn: Connection) -> list[str]:
    """Every partnership's code, ordered by name."""
    return list(conn.execute(select(Partnership.code).order_by(Partnership.name)).scalars())


def mark_chance(results: list[dict], what: str = "partnership") -> dict:
    """Across many partnerships' evaluations (`evaluate` results), mark each outcome with
    its false-discovery q-value and whether its call stands (`metrics.multiple`), in
    place; returns the counts and the sentence a chief reads."""
    outcomes = [o for r in results for o in r["outcomes"]]
    frame = pd.DataFrame(
        {
            "verdict": [o["verdict"] for o in outcomes],
            "p_value": [(o.get("effect") or {}).get("p_value", math.nan) for o in outcomes],
        }
    )
    marked = with_q_values(frame)
    for o, q, stands in zip(outcomes, marked["q_value"], marked["stands"], strict=True):
        o["q_value"] = None if math.isnan(q) else float(q)
        o["stands"] = bool(stands)
    c = chance(marked)
    return {**asdict(c), "sentence": chance_sentence(c, what)}


def scorecard(
    conn: Connection, design: Design = Design(), outcomes: tuple[str, ...] = OUTCOMES
) -> pd.DataFrame:
    """Every partnership's verdict per outcome. Columns: code, name, start_date, outcome,
    label, verdict, estimate, ci_low, ci_high, scale, sentence, p_value (of the first
    after-window's estimate), and the sustained view's sustained_verdict,
    sustained_estimate, sustained_ci_low, sustained_ci_high (missing when the latest months
    are the first ones). Ordered by name."""
    rows = []
    codes = partnership_codes(conn)
    shared = Prefetched()  # one query per crime group and one for surveys, for every partnership
    for code in codes:
        ev = evaluate(conn, code, outcomes, design, shared)
        for o in ev["outcomes"]:
            effect = o.get("effect") or {}
            ci = effect.get("ci", [math.nan, math.nan])
            later = o.get("sustained") or {}
            later_ci = (later.get("effect") or {}).get("ci", [math.nan, math.nan])
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
                    "p_value": effect.get("p_value", math.nan),
                    "sustained_verdict": later.get("verdict"),
                    "sustained_estimate": (later.get("effect") or {}).get("estimate", math.nan),
                    "sustained_ci_low": later_ci[0],
                    "sustained_ci_high": later_ci[1],
                }
            )
    return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)
