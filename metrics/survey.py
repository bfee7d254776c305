"""Resident survey scores per partnership and quarter, on 0-100, with their uncertainty.

Scoring (domain.md section 3): every answer is rescaled to 0-100 with
`100 * (x - min) / (max - min)` (reversed for reverse-worded items); a
respondent's construct score is the mean of their rescaled answers on that
construct's items; the quarter's score is the weighted mean over respondents
living in the partnership's catchment areas. "Positive" is an answer in the top
two boxes of its item's scale; a respondent's share positive is the fraction of
their construct items answered positively.

SQL returns, per partnership, quarter and construct, only the sums the statistics
need (n, sum w, sum w^2, sum w*x, sum w*x^2, sum w*p); `metrics.stats` turns
them into means, effective n and intervals.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, and_, case, func, select

from db.models import Partnership, PartnershipArea, SurveyAggregate, SurveyAnswer, SurveyItem, SurveyResponse
from metrics.filters import Filters
from metrics.registry import SURVEY_CONSTRUCTS
from metrics.stats import weighted_mean, weighted_share

SCORE_COLUMNS = [
    "partnership",
    "quarter",
    "construct",
    "mean",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "n_eff",
    "share_positive",
    "share_ci_low",
    "share_ci_high",
]


def _quarter_of(d):
    return d.replace(month=3 * ((d.month - 1) // 3) + 1, day=1)


def survey_scores(
    conn: Connection, filters: Filters, constructs: tuple[str, ...] = SURVEY_CONSTRUCTS
) -> pd.DataFrame:
    """Resident scores per partnership, quarter and construct.

    Columns: partnership (code), quarter (date, first day), construct, mean (0-100),
    se, ci_low, ci_high (95%), n (respondents), n_eff (Kish), share_positive (0-100),
    share_ci_low, share_ci_high. Quarters that overlap the filter period;
    one partnership when `filters.partnership` is set. Quarters without respondents
    have no row.
    """
    r, a, i = SurveyResponse, SurveyAnswer, SurveyItem
    span = i.scale_max - i.scale_min
    # distance of the answer from the scale's worst end, in scale steps
    from_worst = case((i.reverse_worded, i.scale_max - a.value), else_=a.value - i.scale_min)
    rescaled = 100.0 * from_worst / span
    positive = case((from_worst >= span - 1, 1.0), else_=0.0)

    per_respondent = (
        select(
            Partnership.code.label("partnership"),
            r.quarter_start.label("quarter"),
            i.construct.label("construct"),
            r.weight.label("w"),
            func.avg(rescaled).label("x"),
            func.avg(positive).label("p"),
        )
        .join(a, a.response_id == r.id)
        .join(i, i.id == a.item_id)
        .join(
            PartnershipArea, and_(PartnershipArea.area_id == r.area_id, PartnershipArea.role == "catchment")
        )
        .join(Partnership, Partnership.id == PartnershipArea.partnership_id)
        .where(
            r.respondent_type == "resident",
            i.construct.in_(constructs),
            r.quarter_start >= _quarter_of(filters.start),
            r.quarter_start <= filters.end,
        )
        .group_by(Partnership.code, r.id, r.quarter_start, i.construct, r.weight)
    )
    if filters.partnership is not None:
        per_respondent = per_respondent.where(Partnership.code == filters.partnership)
    s = per_respondent.subquery()
    sums = (
        select(
            s.c.partnership,
            s.c.quarter,
            s.c.construct,
            func.count().label("n"),
            func.sum(s.c.w).label("sw"),
            func.sum(s.c.w * s.c.w).label("sw2"),
            func.sum(s.c.w * s.c.x).label("swx"),
            func.sum(s.c.w * s.c.x * s.c.x).label("swx2"),
            func.sum(s.c.w * s.c.p).label("swp"),
        )
        .group_by(s.c.partnership, s.c.quarter, s.c.construct)
        .order_by(s.c.partnership, s.c.construct, s.c.quarter)
    )
    records = []
    for row in conn.execute(sums):
        mean = weighted_mean(row.n, row.sw, row.sw2, row.swx, row.swx2)
        share = weighted_share(row.n, row.sw, row.sw2, row.swp)
        records.append(
            (
                row.partnership,
                row.quarter,
                row.construct,
                mean.estimate,
                mean.se,
                mean.ci_low,
                mean.ci_high,
                mean.n,
                mean.n_eff,
                100 * share.estimate,
                # a Wald interval can pass 0% or 100% near the ends; a share cannot
                100 * max(share.ci_low, 0.0),
                100 * min(share.ci_high, 1.0),
            )
        )
    frame = pd.DataFrame.from_records(records, columns=SCORE_COLUMNS)
    frame["quarter"] = pd.to_datetime(frame["quarter"])
    return frame


def latest_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """The latest quarter's row per partnership and construct from `survey_scores` output."""
    if scores.empty:
        return scores
    last = scores.groupby(["partnership", "construct"])["quarter"].transform("max")
    return scores[scores["quarter"] == last].reset_index(drop=True)


def item_wording(conn: Connection) -> dict[str, list[str]]:
    """Resident item wordings per construct (for source lines), in item-code order."""
    q = select(SurveyItem.construct, SurveyItem.wording).order_by(SurveyItem.code)
    wording: dict[str, list[str]] = {}
    for construct, text in conn.execute(q):
        wording.setdefault(construct, []).append(text)
    return wording


PUBLISHED_COLUMNS = ["partnership", "period", "construct", "statistic", "value", "n", "areas", "items"]


def published_scores(
    conn: Connection, filters: Filters, constructs: tuple[str, ...] = SURVEY_CONSTRUCTS
) -> pd.DataFrame:
    """Scores a vendor published per area and period (no item-level answers), averaged over
    each partnership's catchment areas and the construct's items.

    Columns: partnership, period (date, first day), construct, statistic ('mean' score or
    'share' positive, both 0-100), value, n (sum of reported sample sizes; missing when any
    is not reported), areas and items (how many were averaged). Equal weight per area and
    item, because without sample sizes nothing better is known.
    """
    g = SurveyAggregate
    q = (
        select(
            Partnership.code,
            g.period_start,
            SurveyItem.construct,
            g.statistic,
            func.avg(g.value),
            func.sum(g.n),
            func.count(g.n),
            func.count(),
            func.count(func.distinct(g.area_id)),
            func.count(func.distinct(g.item_id)),
        )
        .join(SurveyItem, SurveyItem.id == g.item_id)
        .join(
            PartnershipArea, and_(PartnershipArea.area_id == g.area_id, PartnershipArea.role == "catchment")
        )
        .join(Partnership, Partnership.id == PartnershipArea.partnership_id)
        .where(
            SurveyItem.construct.in_(constructs),
            g.group_kind == "all",
            g.period_start >= _quarter_of(filters.start),
            g.period_start <= filters.end,
        )
        .group_by(Partnership.code, g.period_start, SurveyItem.construct, g.statistic)
        .order_by(Partnership.code, SurveyItem.construct, g.period_start)
    )
    if filters.partnership is not None:
        q = q.where(Partnership.code == filters.partnership)
    records = [
        (code, period, construct, stat, value, int(n_sum) if known == rows else None, areas, items)
        for code, period, construct, stat, value, n_sum, known, rows, areas, items in conn.execute(q)
    ]
    frame = pd.DataFrame.from_records(records, columns=PUBLISHED_COLUMNS)
    frame["period"] = pd.to_datetime(frame["period"])
    return frame
