"""Resident survey scores per partnership and quarter, on 0-100, with their uncertainty.

Scoring (domain.md section 3): every answer is rescaled to 0-100 with
`100 * (x - min) / (max - min)` (reversed for reverse-worded items); a
respondent's construct score is the mean of their rescaled answers on that
construct's items; the quarter's score is the weighted mean over respondents
living in the partnership's catchment areas. "Positive" is an answer more than 60%
of the way from the scale's worst answer to its best (`POSITIVE`): the top two boxes
of a 1-5 scale (domain.md), and 7 to 10 of a 0-10 one, where "top two boxes" (9-10)
would call a resident who answers 8 of 10 not positive and contradict the score. A
respondent's share positive is the fraction of their construct items answered
positively.

The per-respondent scores are summed per construct, area and month when data is
loaded (`survey_monthly`, see `db.rollup`); SQL adds those sums up per partnership,
quarter and construct (n, sum w, sum w^2, sum w*x, sum w*x^2, sum w*p), and
`metrics.stats` turns them into means, effective n and intervals.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from db.models import Partnership, PartnershipArea, SurveyAggregate, SurveyItem, SurveyMonthly
from metrics.filters import Filters
from metrics.registry import SURVEY_CONSTRUCTS
from metrics.stats import weighted_mean, weighted_share

POSITIVE = "4-5 of 1-5, 3-4 of 1-4, 7-10 of 0-10"  # what "positive" means, in a scale's own numbers

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
    m = SurveyMonthly
    sums = (
        select(
            Partnership.code.label("partnership"),
            m.quarter,
            m.construct,
            func.sum(m.n).label("n"),
            func.sum(m.sw).label("sw"),
            func.sum(m.sw2).label("sw2"),
            func.sum(m.swx).label("swx"),
            func.sum(m.swx2).label("swx2"),
            func.sum(m.swp).label("swp"),
        )
        .select_from(m)
        .join(
            PartnershipArea, and_(PartnershipArea.area_id == m.area_id, PartnershipArea.role == "catchment")
        )
        .join(Partnership, Partnership.id == PartnershipArea.partnership_id)
        .where(
            m.construct.in_(constructs),
            m.quarter >= _quarter_of(filters.start),
            m.quarter <= filters.end,
        )
        .group_by(Partnership.code, m.quarter, m.construct)
        .order_by(Partnership.code, m.construct, m.quarter)
    )
    if filters.partnership is not None:
        sums = sums.where(Partnership.code == filters.partnership)
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
