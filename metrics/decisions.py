"""Shared decision-making made visible: who proposed a partnership's decisions, what became
of them, and whether they were done in the time agreed, beside what partners say about it.

Decisions are the `decision` rows recorded per meeting. They are counted per calendar
quarter of the meeting in SQL (`decision_quarters`); the whole period and the years are
sums of those few rows. Two shares are reported, each with its n and a 95% Wilson interval
(a share of a few dozen decisions near 0% or 100% needs one that stays inside 0-100%):

- *non-police share*: decisions proposed by partner organisations (any sector of PROPOSERS
  other than police and residents) or by residents, out of all decisions;
- *follow-through*: out of the decisions that were due (a due date on or before the data's
  last date, `as_of`) or already done, those done on or before their due date. A decision
  done late, still open after its due date, or dropped is not followed through; one not
  yet due, or without a due date, is left out; so is one marked done without the day it
  was done, which cannot be judged.

The data's last date defaults to the latest day recorded in the partnership's decisions (a
meeting or a completion): the decisions are known up to then, not after.

Public rules: decisions are records of meetings, not people, so their counts are shown as
they are, small ones included. A decision's `summary` is public meeting text but stays out
of every output here unless asked for (`decision_records(..., with_summary=True)`). The
partner and officer survey beside them (`beside_partner_survey`) follows the survey-cell
rules of metrics.perception: a year with fewer than 30 of a kind of respondent is hidden.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, and_, case, func, not_, or_, select
from statsmodels.stats.proportion import proportion_confint

from db.dialect import quarter_start
from db.models import Decision, Partnership
from metrics.filters import Filters
from metrics.formatting import month_label
from metrics.perception import HEALTH_CONSTRUCT, health_items, publishable, views
from metrics.publish import PUBLIC, UNSTABLE_NUMERATOR, Rules

NON_PARTNERS = ("police", "residents")  # every other proposer is a partner organisation's sector
DECISIONS_ITEM = "COLLAB_DECISIONS"  # "Partners share decisions about the partnership's priorities."
COUNT_COLUMNS = [
    "decisions",
    "police",
    "partners",
    "residents",
    "agreed",
    "done",
    "dropped",
    "due",
    "on_time",
]
SHARE_COLUMNS = ["non_police", "non_police_share", "follow_through"]
QUARTER_COLUMNS = ["quarter", *COUNT_COLUMNS, *SHARE_COLUMNS]
RECORD_COLUMNS = ["decided_on", "proposed_by", "status", "due_on", "done_on", "counted", "on_time"]
SURVEY_COLUMNS = ["measure", "label", "respondent", "year", "mean", "ci_low", "ci_high", "n"]
EVER = (date(1900, 1, 1), date(9999, 12, 31))
MIN_DECISIONS = 30  # a share is shown for a period of at least this many decisions; thinner years are pooled
PERIOD_SHARES = (  # share, its numerator, its denominator
    ("residents_share", "residents", "decisions"),
    ("partners_share", "partners", "decisions"),
    ("police_share", "police", "decisions"),
    ("non_police_share", "non_police", "decisions"),
    ("follow_through", "on_time", "due"),
)


def _is(column, value):
    return case((column == value, 1), else_=0)


def _counted(d, as_of: date):
    """Whether decision `d` counts for follow-through by `as_of`: a due date, and done
    (with its day) or due by then."""
    done = d.status == "done"
    return and_(
        d.due_on.is_not(None),
        not_(and_(done, d.done_on.is_(None))),
        or_(done, d.due_on <= as_of),
    )


def _on_time(d):
    return and_(d.status == "done", d.done_on <= d.due_on)


def last_date(conn: Connection, code: str) -> date | None:
    """The latest day recorded in partnership `code`'s decisions (decided or done), or None."""
    d = Decision
    q = (
        select(func.max(d.decided_on), func.max(d.done_on))
        .join(Partnership, Partnership.id == d.partnership_id)
        .where(Partnership.code == code)
    )
    days = [day for day in conn.execute(q).one() if day is not None]
    return max(days) if days else None


def _with_shares(frame: pd.DataFrame) -> pd.DataFrame:
    frame["non_police"] = frame["partners"] + frame["residents"]
    frame["non_police_share"] = (frame["non_police"] / frame["decisions"]).where(frame["decisions"] > 0)
    frame["follow_through"] = (frame["on_time"] / frame["due"]).where(frame["due"] > 0)
    return frame


def decision_quarters(
    conn: Connection, code: str, as_of: date | None = None, period: tuple[date, date] = EVER
) -> pd.DataFrame:
    """Partnership `code`'s decisions made in `period` (first and last day; default all),
    per calendar quarter of the meeting that made them. What became of them is as of the
    data's last date, whatever the period: of the decisions made in 2024, how many were
    done on time.

    Columns: quarter (first day), decisions, police, partners, residents (who proposed
    them), agreed, done, dropped (status now), due (decisions of the quarter counted for
    follow-through by `as_of`, default `last_date`), on_time (of those, done by their due
    date), non_police (partners + residents), non_police_share (of decisions) and
    follow_through (on_time / due; NaN when none was due). A quarter without decisions has
    no row. Oldest first; empty when the partnership has no decisions.
    """
    as_of = as_of or last_date(conn, code)
    if as_of is None:
        return pd.DataFrame(columns=QUARTER_COLUMNS)
    d = Decision
    quarter = quarter_start(d.decided_on)
    counted = _counted(d, as_of)
    q = (
        select(
            quarter.label("quarter"),
            func.count(),
            func.sum(_is(d.proposed_by, "police")),
            func.sum(case((d.proposed_by.not_in(NON_PARTNERS), 1), else_=0)),
            func.sum(_is(d.proposed_by, "residents")),
            func.sum(_is(d.status, "agreed")),
            func.sum(_is(d.status, "done")),
            func.sum(_is(d.status, "dropped")),
            func.sum(case((counted, 1), else_=0)),
            func.sum(case((and_(counted, _on_time(d)), 1), else_=0)),
        )
        .join(Partnership, Partnership.id == d.partnership_id)
        .where(Partnership.code == code, d.decided_on.between(*period))
        .group_by(quarter)
        .order_by(quarter)
    )
    frame = pd.DataFrame(conn.execute(q).all(), columns=["quarter", *COUNT_COLUMNS])
    frame[COUNT_COLUMNS] = frame[COUNT_COLUMNS].astype(int)
    frame["quarter"] = pd.to_datetime(frame["quarter"])
    return _with_shares(frame)[QUARTER_COLUMNS]


def decision_years(quarters: pd.DataFrame) -> pd.DataFrame:
    """`decision_quarters` summed per calendar year, to set beside the yearly partner
    survey. Columns: year, then the quarters' counts and shares."""
    if quarters.empty:
        return pd.DataFrame(columns=["year", *COUNT_COLUMNS, *SHARE_COLUMNS])
    years = quarters.groupby(quarters["quarter"].dt.year.rename("year"))[COUNT_COLUMNS].sum()
    return _with_shares(years.reset_index())


def _period(first: int, last: int) -> str:
    """'2023' or '2020-21'."""
    return str(first) if first == last else f"{first}-{str(last)[-2:]}"


def decision_periods(
    years: pd.DataFrame, least: int = MIN_DECISIONS, unstable: int = UNSTABLE_NUMERATOR
) -> pd.DataFrame:
    """`decision_years` pooled into periods of consecutive years with at least `least`
    decisions each, so that no share rests on a handful: a year joins the years after it
    until the period reaches `least`; a last period still short of it joins the one before
    (the whole record is one period when it has fewer than `least`).

    Columns: period ('2023', '2020-21'), first_year, last_year, the counts, and for each
    share of PERIOD_SHARES (residents', partners', police and non-police share of the
    decisions; follow_through of those due) the share (NaN when its denominator is 0), its
    95% Wilson interval (<share>_ci_low, <share>_ci_high) and <share>_unstable (its numerator
    is `unstable` or fewer: a rate to read with care, domain rule). Oldest first."""
    columns = ["period", "first_year", "last_year", *COUNT_COLUMNS, "non_police"]
    for share, _, _ in PERIOD_SHARES:
        columns += [share, f"{share}_ci_low", f"{share}_ci_high", f"{share}_unstable"]
    if years.empty:
        return pd.DataFrame(columns=columns)
    groups: list[list[int]] = [[]]
    totals = [0]
    for year, n in zip(years["year"].astype(int), years["decisions"].astype(int), strict=True):
        if totals[-1] >= least:
            groups.append([])
            totals.append(0)
        groups[-1].append(year)
        totals[-1] += n
    if len(groups) > 1 and totals[-1] < least:
        short = groups.pop()
        groups[-1] += short
    rows = []
    for group in groups:
        part = years[years["year"].astype(int).isin(group)]
        row = {"period": _period(group[0], group[-1]), "first_year": group[0], "last_year": group[-1]}
        row |= {c: int(part[c].sum()) for c in [*COUNT_COLUMNS, "non_police"]}
        for share, count, n in PERIOD_SHARES:
            bounds = wilson(row[count], row[n])
            row[share] = row[count] / row[n] if row[n] else float("nan")
            row[f"{share}_ci_low"], row[f"{share}_ci_high"] = bounds or (float("nan"), float("nan"))
            row[f"{share}_unstable"] = bool(row[n]) and row[count] <= unstable
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def wilson(count: int, n: int) -> tuple[float, float] | None:
    """The 95% Wilson interval of the share count / n, or None when n is 0."""
    if n <= 0:
        return None
    low, high = proportion_confint(count, n, alpha=0.05, method="wilson")
    return float(low), float(high)


def decision_summary(
    conn: Connection, code: str, as_of: date | None = None, period: tuple[date, date] = EVER
) -> dict:
    """The whole of `decision_quarters` over `period`: the counts (decisions, police,
    partners, residents, agreed, done, dropped, due, on_time, non_police), first (the
    earliest meeting's date in it, or None), as_of, period (None when it leaves no
    decision out, and the sentence then says 'since' the first), non_police_share
    and follow_through (None when there is nothing to share) with their 95% Wilson
    intervals (non_police_ci, follow_through_ci: (low, high) or None), and one plain
    sentence."""
    as_of = as_of or last_date(conn, code)
    quarters = decision_quarters(conn, code, as_of, period)
    totals = {c: int(quarters[c].sum()) for c in [*COUNT_COLUMNS, "non_police"]}
    d = Decision
    earliest, latest, first = conn.execute(
        select(
            func.min(d.decided_on),
            func.max(d.decided_on),
            func.min(case((d.decided_on.between(*period), d.decided_on))),
        )
        .join(Partnership, Partnership.id == d.partnership_id)
        .where(Partnership.code == code)
    ).one()
    whole = earliest is None or (period[0] <= earliest and latest <= period[1])
    out = totals | {
        "first": first,
        "as_of": as_of,
        "period": None if whole else period,  # None: the period leaves no decision out
        "non_police_share": totals["non_police"] / totals["decisions"] if totals["decisions"] else None,
        "non_police_ci": wilson(totals["non_police"], totals["decisions"]),
        "follow_through": totals["on_time"] / totals["due"] if totals["due"] else None,
        "follow_through_ci": wilson(totals["on_time"], totals["due"]),
    }
    out["sentence"] = summary_sentence(out)
    return out


def _pct(share: float) -> str:
    return f"{round(100 * share)}%"


def summary_sentence(summary: dict) -> str:
    """'Of 48 decisions since Mar 2022, 31 (65%) were proposed by partners or residents; 20
    of 26 due so far (77%) were done on time.' Over a chosen period: 'Of 12 decisions made
    from Jan 2024 to Dec 2024, ...'."""
    n = summary["decisions"]
    period = summary.get("period")
    span = f"from {month_label(period[0])} to {month_label(period[1])}" if period else None
    if not n:
        return f"No decisions were recorded {span}." if span else "No decisions have been recorded yet."
    noun = "decision" if n == 1 else "decisions"
    verb = "was" if summary["non_police"] == 1 else "were"
    when = f"made {span}" if span else f"since {month_label(summary['first'])}"
    head = (
        f"Of {n:,} {noun} {when}, {summary['non_police']:,} "
        f"({_pct(summary['non_police_share'])}) {verb} proposed by partners or residents"
    )
    if not summary["due"]:
        return head + "; none was due yet."
    done = "was" if summary["on_time"] == 1 else "were"
    return (
        f"{head}; {summary['on_time']:,} of {summary['due']:,} due so far "
        f"({_pct(summary['follow_through'])}) {done} done on time."
    )


def decision_records(
    conn: Connection,
    code: str,
    as_of: date | None = None,
    with_summary: bool = False,
    period: tuple[date, date] = EVER,
) -> pd.DataFrame:
    """Partnership `code`'s decisions made in `period` one by one, oldest first. Columns: decided_on,
    proposed_by, status, due_on, done_on, counted (due by `as_of` or done: counted for
    follow-through), on_time (done by its due date; None when not counted), and summary
    only `with_summary` (public meeting text, kept out unless a page asks for it)."""
    as_of = as_of or last_date(conn, code) or EVER[1]
    d = Decision
    counted = _counted(d, as_of)
    columns = [d.decided_on, d.proposed_by, d.status, d.due_on, d.done_on]
    q = (
        select(
            *columns,
            case((counted, True), else_=False),
            case((counted, case((_on_time(d), True), else_=False))),
            *([d.summary] if with_summary else []),
        )
        .join(Partnership, Partnership.id == d.partnership_id)
        .where(Partnership.code == code, d.decided_on.between(*period))
        .order_by(d.decided_on, d.id)
    )
    frame = pd.DataFrame(
        conn.execute(q).all(), columns=[*RECORD_COLUMNS, *(["summary"] if with_summary else [])]
    )
    frame["counted"] = frame["counted"].astype(bool)
    frame["on_time"] = [None if pd.isna(v) else bool(v) for v in frame["on_time"]]
    return frame


def beside_partner_survey(
    conn: Connection,
    code: str,
    rules: Rules = PUBLIC,
    start: date = EVER[0],
    end: date = EVER[1],
) -> pd.DataFrame:
    """What partners and officers say about the partnership's collaboration, per year and
    for the whole period (year missing), from their yearly survey (metrics.perception):
    the item closest to shared decisions (measure 'COLLAB_DECISIONS') and the whole
    collaboration construct (measure 'collaboration'; it is there when more than one kind
    of respondent answered it, as perception's views require). Scores 0-100.

    Columns: measure, label (the item's wording or the construct's name), respondent
    (partner, officer), year (Int64), mean, ci_low, ci_high (95%), n; the item first, then
    by year (the whole period last), partners before officers. Only what `rules`
    let be published: under public rules a year with fewer than 30 of a kind is hidden.
    Empty when nobody answered.
    """
    filters = Filters(start, end, code)
    construct = views(conn, filters)
    construct = publishable(construct[construct["construct"] == HEALTH_CONSTRUCT], rules)
    construct = construct.assign(measure=HEALTH_CONSTRUCT, label="Partnership health (all items)")
    items = health_items(conn, filters)
    items = publishable(items[items["item"] == DECISIONS_ITEM], rules, key="item")
    items = items.assign(measure=DECISIONS_ITEM, label=items["wording"])
    parts = [part[SURVEY_COLUMNS] for part in (items, construct) if not part.empty]
    if not parts:
        return pd.DataFrame(columns=SURVEY_COLUMNS).astype({"year": "Int64"})
    frame = pd.concat(parts, ignore_index=True)
    frame["year"] = frame["year"].astype("Int64")
    order = {DECISIONS_ITEM: 0, HEALTH_CONSTRUCT: 1, "partner": 0, "officer": 1}
    frame = frame.sort_values(
        ["measure", "year", "respondent"],
        key=lambda c: c.map(order) if c.name != "year" else c,
        na_position="last",
    )
    return frame.reset_index(drop=True)
