"""What period the data covers, source by source, and when each table was last loaded.

A source's months are counted in the database (crime from the roll-up, grouped by the
offence categories' source; survey answers by respondent type; published survey results
by period), never row by row in Python. A month far below the source's usual volume
(under `THIN_SHARE` of its median month) is *thin*: the records start late, stop early
or have a gap. A source's *covered span* runs from its first normal month to its last,
leaving out thin months at either end and small clusters of stray months far from the
rest (a few offences dated decades early). The covered span is the default period of
every page, and the evaluation's coverage guard reads the same facts (`crime_span`).
Where several crime sources record the same areas, an evaluation compares only the
months every one of them covers (`CrimeSources`, `common_span`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, Connection, func, select

from db.dialect import month_start
from db.models import Area, CrimeMonthly, LoadLog, OffenceCategory, SurveyAggregate, SurveyResponse

THIN_SHARE = 0.10  # a month under 10% of the source's median month is thin
MIN_TYPICAL = 10.0  # a source whose median month holds fewer records is not judged: small counts vary
STRAY_GAP = 24  # months without normal volume that cut stray months off from the rest
KINDS = ("crime", "survey")
STRAY_SHARE = 0.05  # a cut-off cluster holding under this share of the records is stray


def span(
    conn: Connection, first: ColumnElement, last: ColumnElement | None = None, *, where: tuple = ()
) -> tuple:
    """(min of `first`, max of `last`, which defaults to `first`) over the rows matching
    every condition in `where`. Each is its own subquery: SQLite answers a lone min() or
    max() from an index in a step, but scans the whole index for both at once (0.1 ms
    against 40 ms on the city's roll-up)."""
    last = first if last is None else last
    return conn.execute(
        select(
            select(func.min(first)).where(*where).scalar_subquery(),
            select(func.max(last)).where(*where).scalar_subquery(),
        )
    ).one()


def data_period(conn: Connection) -> tuple[date, date] | None:
    """The default period: from the first to the last day of any source's covered span
    (crime, survey answers or published survey results), or None when there is no data.

    The last day is the end of the last covered month of recorded crime, the last survey
    answer in it, or the end of the last published survey period in it."""
    spans = [(c.covered_first, c.covered_last_day) for c in source_coverage(conn)]
    if not spans:
        return None
    return min(first for first, _ in spans), max(last for _, last in spans)


def data_extent(conn: Connection) -> tuple[date, date] | None:
    """From the first to the last day of any data at all, thin and stray months included
    (the widest period a user may choose), or None when there is none."""
    sources = source_coverage(conn)
    if not sources:
        return None
    return min(c.first for c in sources), max(c.last_day for c in sources)


def last_loaded(conn: Connection) -> pd.DataFrame:
    """Per kind of data: when it was last loaded and from which file, and the rows all of
    its loads inserted. Columns: kind, loaded_at, file_name, rows."""
    per_kind = (
        select(
            LoadLog.kind, func.max(LoadLog.id).label("last_id"), func.sum(LoadLog.rows_inserted).label("rows")
        )
        .group_by(LoadLog.kind)
        .subquery()
    )
    q = (
        select(per_kind.c.kind, LoadLog.loaded_at, LoadLog.file_name, per_kind.c.rows)
        .join(LoadLog, LoadLog.id == per_kind.c.last_id)
        .order_by(per_kind.c.kind)
    )
    return pd.DataFrame(
        [tuple(r) for r in conn.execute(q)], columns=["kind", "loaded_at", "file_name", "rows"]
    )


def incomplete_months(
    conn: Connection, recent: int = 3, baseline: int = 12, threshold: float = 0.85
) -> pd.DataFrame:
    """Recent months whose recorded crime is well below the months before: late reports
    may still arrive (domain.md section 4).

    Compares each of the last `recent` months of recorded crime (all areas) with the
    median month of the `baseline` months before them; a month below `threshold` times
    that median is flagged. Columns: month, count, typical (the median), share.
    """
    q = select(CrimeMonthly.month, func.sum(CrimeMonthly.count)).group_by(CrimeMonthly.month)
    totals = pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=["month", "count"]).sort_values(
        "month"
    )
    columns = ["month", "count", "typical", "share"]
    if len(totals) <= recent:
        return pd.DataFrame(columns=columns)
    typical = float(totals["count"].iloc[-(recent + baseline) : -recent].median())
    tail = totals.iloc[-recent:].assign(typical=typical)
    tail["share"] = tail["count"] / typical if typical else float("nan")
    return tail[tail["share"] < threshold][columns].reset_index(drop=True)


def import_history(conn: Connection, limit: int = 200) -> pd.DataFrame:
    """The newest loads first. Columns: loaded_at, kind, file_name, sha256, inserted,
    updated, skipped, loaded_by."""
    q = (
        select(
            LoadLog.loaded_at,
            LoadLog.kind,
            LoadLog.file_name,
            LoadLog.sha256,
            LoadLog.rows_inserted,
            LoadLog.rows_updated,
            LoadLog.rows_skipped,
            LoadLog.loaded_by,
        )
        .order_by(LoadLog.id.desc())
        .limit(limit)
    )
    columns = ["loaded_at", "kind", "file_name", "sha256", "inserted", "updated", "skipped", "loaded_by"]
    return pd.DataFrame([tuple(r) for r in conn.execute(q)], columns=columns)


def area_names(conn: Connection) -> list[str]:
    """Every area's name, sorted."""
    return sorted(conn.execute(select(Area.name)).scalars())


# --- coverage per source --------------------------------------------------------------


@dataclass(frozen=True)
class ThinRun:
    """Consecutive thin months of one source: `first` to `last` (month starts), the
    records they hold in all, and how many months they are."""

    first: date
    last: date
    volume: int
    months: int

    def text(self) -> str:
        """'January 2015 to February 2016: 32 in 14 months', 'March 1995: 3', 'April 1995 to
        December 2013: none'."""
        when = f"{self.first:%B %Y}" if self.months == 1 else f"{self.first:%B %Y} to {self.last:%B %Y}"
        if not self.volume:
            return f"{when}: none"
        months = "" if self.months == 1 else f" in {self.months} months"
        return f"{when}: {self.volume:,}{months}"


@dataclass(frozen=True)
class SourceCoverage:
    """One source's months: `kind` ('crime' or 'survey'), `source` (the crime source's
    name, 'resident' or another respondent type, or 'published'), `label` (in words),
    first and last month with any record, the covered span (`covered_first` to
    `covered_last`, month starts; `covered_last_day` is its last day with data), the
    median month (`typical`), the thin runs in order, and the monthly volumes
    (month -> records) the facts were read from."""

    kind: str
    source: str
    label: str
    first: date
    last: date
    last_day: date
    covered_first: date
    covered_last: date
    covered_last_day: date
    typical: float
    thin: tuple[ThinRun, ...]
    volumes: tuple[tuple[date, int], ...]

    def thin_months(self) -> dict[date, int]:
        """Every thin month (month start -> records in it), months with none included."""
        volume = dict(self.volumes)
        return {
            m: volume.get(m, 0)
            for run in self.thin
            for m in (_add_months(run.first, i) for i in range(run.months))
        }

    def sentence(self) -> str:
        """The source's coverage in one plain sentence or two, for the Data page and the
        import report."""
        said = f"{self.label}: records from {self.first:%B %Y} to {self.last:%B %Y}"
        if (self.covered_first, self.covered_last) == (self.first, self.last) and not self.thin:
            return said + "; no month is far below its usual volume."
        said += f"; usable from {self.covered_first:%B %Y} to {self.covered_last:%B %Y}"
        if (self.covered_first, self.covered_last) != (self.first, self.last):
            said += " (the default period; months outside it are left out)"
        if self.thin:
            runs = "; ".join(run.text() for run in self.thin[:5])
            more = f"; and {len(self.thin) - 5} more" if len(self.thin) > 5 else ""
            said += (
                f". Thin or stray months (under {THIN_SHARE:.0%} of the usual {self.typical:,.0f} a month, "
                f"or far from the rest): {runs}{more}"
            )
        return said + "."


def _month_end(month: date) -> date:
    return _add_months(month, 1) - timedelta(days=1)


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    return date(y, m + 1, 1)


def _months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def judge_months(volumes: dict[date, int], every_month: bool) -> tuple[float, list[date], tuple[date, date]]:
    """The usual month, the thin months and the covered span of one source's monthly
    volumes (month start -> records; months with none may be absent).

    `every_month`: a month with no record inside the data is thin (crime is recorded
    every month); otherwise only months with records are judged (a survey asked in
    waves is silent between them). The usual month is the median of months with
    records; a thin month holds under `THIN_SHARE` of it, and nothing is thin where the
    usual month is under `MIN_TYPICAL`. The covered span runs from the first normal
    month to the last, leaving out stray clusters: normal months cut off from the rest
    by more than `STRAY_GAP` months that hold under `STRAY_SHARE` of the records."""
    months = sorted(m for m, v in volumes.items() if v > 0)
    typical = float(pd.Series([volumes[m] for m in months]).median())
    judged = typical >= MIN_TYPICAL
    span = [_add_months(months[0], i) for i in range(_months_between(months[0], months[-1]) + 1)]
    candidates = span if every_month else months
    thin = [m for m in candidates if judged and volumes.get(m, 0) < THIN_SHARE * typical]
    left_out = set(thin)
    normal = [m for m in months if m not in left_out]
    clusters: list[list[date]] = [[normal[0]]]
    for previous, month in zip(normal, normal[1:], strict=False):
        if _months_between(previous, month) > STRAY_GAP:
            clusters.append([])
        clusters[-1].append(month)
    total = sum(volumes[m] for m in months)
    kept = [c for c in clusters if sum(volumes[m] for m in c) >= STRAY_SHARE * total] or clusters
    covered = (kept[0][0], kept[-1][-1])
    # normal months cut off as stray are named with the thin ones: they are left out too
    stray = [m for c in clusters if c not in kept for m in c]
    return typical, sorted(set(thin) | set(stray)), covered


def _runs(months: list[date], volumes: dict[date, int]) -> tuple[ThinRun, ...]:
    """Consecutive months as runs; a run of empty months is its own (stray months stand apart)."""
    runs: list[list[date]] = []
    for month in months:
        if (
            runs
            and _months_between(runs[-1][-1], month) == 1
            and (volumes.get(month, 0) > 0) == (volumes.get(runs[-1][-1], 0) > 0)
        ):
            runs[-1].append(month)
        else:
            runs.append([month])
    return tuple(ThinRun(r[0], r[-1], sum(volumes.get(m, 0) for m in r), len(r)) for r in runs)


def monthly_volumes(conn: Connection, kinds: tuple[str, ...] = KINDS) -> pd.DataFrame:
    """Records per source and month, counted in the database. Columns: kind ('crime',
    'survey'), source, month (month start), volume, last_day (the month's last day with
    data: the month's end for crime, the last answer, or the end of the last published
    period starting that month)."""
    cm, oc, r, g = CrimeMonthly, OffenceCategory, SurveyResponse, SurveyAggregate
    crime = (
        select(oc.source, cm.month, func.sum(cm.count))
        .join(oc, oc.id == cm.category_id)
        .group_by(oc.source, cm.month)
    )
    answered = month_start(r.responded_on)
    answers = select(r.respondent_type, answered, func.count(), func.max(r.responded_on)).group_by(
        r.respondent_type, answered
    )
    started = month_start(g.period_start)
    published = select(started, func.count(), func.max(g.period_end)).group_by(started)
    rows = []
    if "crime" in kinds:
        rows += [("crime", s, m, int(v), _month_end(m)) for s, m, v in conn.execute(crime)]
    if "survey" in kinds:
        rows += [("survey", t, m, int(v), last) for t, m, v, last in conn.execute(answers)]
        rows += [("survey", "published", m, int(v), last) for m, v, last in conn.execute(published)]
    frame = pd.DataFrame(rows, columns=["kind", "source", "month", "volume", "last_day"])
    for column in ("month", "last_day"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


def source_label(kind: str, source: str) -> str:
    """A source in words: "Recorded crime ('city')", 'Survey answers from residents',
    'Published survey results'."""
    if kind == "crime":
        return f"Recorded crime ({source!r})"
    if source == "published":
        return "Published survey results"
    return f"Survey answers from {source}s"


def source_coverage(conn: Connection, kinds: tuple[str, ...] = KINDS) -> list[SourceCoverage]:
    """Every source's coverage: crime sources by name, then survey answers from residents,
    partners and officers, then published survey results."""
    frame = monthly_volumes(conn, kinds)
    found = []
    for (kind, source), rows in frame.groupby(["kind", "source"], sort=False):
        volumes = dict(zip(rows["month"], rows["volume"], strict=True))
        ends = dict(zip(rows["month"], rows["last_day"], strict=True))
        typical, thin, (first, last) = judge_months(volumes, every_month=kind == "crime")
        found.append(
            SourceCoverage(
                kind=kind,
                source=source,
                label=source_label(kind, source),
                first=min(volumes),
                last=max(volumes),
                last_day=max(ends.values()),
                covered_first=first,
                covered_last=last,
                covered_last_day=max(d for m, d in ends.items() if first <= m <= last),
                typical=typical,
                thin=_runs(thin, volumes),
                volumes=tuple(sorted(volumes.items())),
            )
        )
    survey = {"resident": 0, "partner": 1, "officer": 2, "published": 3}
    return sorted(found, key=lambda c: (c.kind != "crime", survey.get(c.source, 2), c.source))


def coverage_notes(conn: Connection, kind: str, source: str | None = None) -> list[str]:
    """The import report's notes on coverage after loading a file of `kind` ('crime',
    'survey_responses' or 'survey_aggregates'): one sentence per source it loads into
    (for crime, the mapping's `source`; survey answers by respondent type; published
    survey results)."""
    if kind == "crime":
        return [c.sentence() for c in source_coverage(conn, ("crime",)) if source in (None, c.source)]
    published = kind == "survey_aggregates"
    return [
        c.sentence() for c in source_coverage(conn, ("survey",)) if (c.source == "published") == published
    ]


class Span(tuple):
    """The covered months of one kind of data as a plain (first, last) pair of month
    starts, carrying the thin months of its sources: `thin` maps a month to (source
    label, records that month, the source's usual month). The evaluation's windows are
    made inside the pair, and its guard names the thin months that left data out."""

    thin: dict[date, tuple[str, int, float]]

    def __new__(cls, first: date, last: date, thin: dict | None = None) -> Span:
        span = super().__new__(cls, (first, last))
        span.thin = thin or {}
        return span

    def __getnewargs__(self) -> tuple:  # pickled (cached) as what it is, thin months included
        return (self[0], self[1], self.thin)


def _span_of(sources: list[SourceCoverage]) -> Span | None:
    if not sources:
        return None
    thin = {m: (c.label, n, c.typical) for c in sources for m, n in c.thin_months().items()}
    return Span(min(c.covered_first for c in sources), max(c.covered_last for c in sources), thin)


def common_span(sources: list[SourceCoverage]) -> Span | None:
    """The months every one of `sources` covers: from the latest first covered month to
    the earliest last one, with their thin months; None when there are no sources. The
    first month lies after the last when no month is covered by all. For one source, its
    covered span (as `crime_span` gives it when that source is the only one)."""
    if not sources:
        return None
    thin = {m: (c.label, n, c.typical) for c in sources for m, n in c.thin_months().items()}
    return Span(max(c.covered_first for c in sources), min(c.covered_last for c in sources), thin)


@dataclass(frozen=True)
class CrimeSources:
    """Every crime source's coverage by name (`coverage`, in `source_coverage`'s order)
    and, per crime group and source, the areas it holds records in (`areas`). An
    evaluation compares only months that every source recording its areas covers: a
    window holding two sources against one holding one of them is a change of records,
    not of crime."""

    coverage: dict[str, SourceCoverage]
    areas: dict[tuple[str, str], frozenset[int]]

    def span(self) -> Span | None:
        """`crime_span`: every source's covered span together."""
        return _span_of(list(self.coverage.values()))

    def contributing(self, group: str, areas) -> list[SourceCoverage]:
        """The sources with records of crime `group` in any of `areas`."""
        wanted = frozenset(areas)
        return [c for name, c in self.coverage.items() if self.areas.get((group, name), frozenset()) & wanted]


def crime_sources(conn: Connection) -> CrimeSources:
    """Every crime source's coverage and the areas it records, per crime group: two
    grouped queries, however many partnerships are then evaluated."""
    cm, oc = CrimeMonthly, OffenceCategory
    q = (
        select(oc.crime_group, oc.source, cm.area_id)
        .join(oc, oc.id == cm.category_id)
        .group_by(oc.crime_group, oc.source, cm.area_id)
    )
    areas: dict[tuple[str, str], set[int]] = {}
    for group, source, area in conn.execute(q):
        areas.setdefault((group, source), set()).add(area)
    return CrimeSources(
        {c.source: c for c in source_coverage(conn, ("crime",))},
        {k: frozenset(v) for k, v in areas.items()},
    )


def crime_span(conn: Connection) -> Span | None:
    """The covered months of recorded crime (every crime source's covered span together)
    with the crime sources' thin months, or None when no crime is recorded."""
    return _span_of(source_coverage(conn, ("crime",)))


def survey_span(conn: Connection) -> Span | None:
    """The covered months of resident survey answers and published survey results
    together, with their thin months, or None when there are neither."""
    return _span_of(
        [c for c in source_coverage(conn) if c.kind == "survey" and c.source in ("resident", "published")]
    )


def coverage_months(sources: list[SourceCoverage]) -> pd.DataFrame:
    """Every month from each source's first to its last, for the coverage strip.
    Columns: source (its label), month (month start), volume (records; 0 where none),
    share (of the source's usual month), thin (bool)."""
    rows = []
    for c in sources:
        volume, thin = dict(c.volumes), c.thin_months()
        for i in range(_months_between(c.first, c.last) + 1):
            month = _add_months(c.first, i)
            count = volume.get(month, 0)
            rows.append((c.label, month, count, count / c.typical if c.typical else 0.0, month in thin))
    return pd.DataFrame(rows, columns=["source", "month", "volume", "share", "thin"])
