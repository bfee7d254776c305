"""Benchmarks in words: a partnership's latest scores against the city average and against
areas of similar population, said as "similar", "higher" or "lower", never a rank.

The latest period is the last four quarters of the filter period. The partnership's score
is the weighted mean over residents of its catchment areas (as `metrics.survey`); the
city average is every resident outside the catchment; areas of similar population are
the areas no partnership serves whose population is within 25% of the catchment's mean
area population (at least three of them, else the comparison is not made and the
sentence says why). The difference has an independent-samples standard error
sqrt(se1^2 + se2^2) and a 95% interval; an interval that crosses zero reads "similar".

A source that publishes scores without sample sizes is compared with its own average over
its other areas (or its areas of similar population) as a plain difference: with no n it
cannot be tested, and the sentence says so and gives the two numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Connection, func, select

from db.models import Area, Partnership, PartnershipArea, SurveyAggregate, SurveyItem, SurveyMonthly
from metrics.filters import Filters
from metrics.formatting import count, interval_text
from metrics.publish import PUBLIC, Rules, survey_cell
from metrics.registry import SURVEY_CONSTRUCTS, metric
from metrics.stats import Z95, weighted_mean

LATEST_QUARTERS = 4
SIMILAR_WITHIN = 0.25  # population within +/-25% of the catchment's mean area population
SIMILAR_AT_LEAST = 3
AGAINST = {"city": "the city average", "similar": "areas of similar population"}

BENCHMARK_COLUMNS = [
    "construct",
    "against",
    "here",
    "here_n",
    "other",
    "other_n",
    "difference",
    "ci_low",
    "ci_high",
    "words",
    "sentence",
    "areas",
    "published",
]


@dataclass(frozen=True)
class Score:
    mean: float
    se: float
    n: int | None  # None: published without a sample size


def compare(here: Score, other: Score) -> tuple[float, float | None, float | None, str]:
    """(difference, 95% interval low and high, words). Words: 'higher' or 'lower' when the
    interval lies on one side of zero, 'similar' when it crosses it, 'not tested' when
    either side has no sample size (published), so there is no interval."""
    difference = here.mean - other.mean
    if here.n is None or other.n is None or math.isnan(here.se) or math.isnan(other.se):
        return difference, None, None, "not tested"
    se = math.sqrt(here.se**2 + other.se**2)
    low, high = difference - Z95 * se, difference + Z95 * se
    words = "higher" if low > 0 else "lower" if high < 0 else "similar"
    return difference, low, high, words


def _points(value: float) -> str:
    rounded = round(value)
    return f"{rounded} point" + ("" if abs(rounded) == 1 else "s")


def sentence(construct: str, against: str, here: Score, other: Score) -> str:
    """'Trust here (61, n=480) is higher than the city average (55, n=9,800): 6 points
    (between 3 and 9).'"""
    label = metric(construct).label
    where = AGAINST[against]
    difference, low, high, words = compare(here, other)
    if words == "not tested" and here.n is not None and other.n is not None:
        return (
            f"{label} here is {here.mean:.0f} (n={count(here.n)}); {where} is {other.mean:.0f} "
            f"(n={count(other.n)}). Too few answers to put an interval on the difference."
        )
    if words == "not tested":
        return (
            f"{label} here is {here.mean:.0f}; {where} is {other.mean:.0f}, a difference of "
            f"{difference:+.0f} points. The sample size is not reported, so whether that is more "
            "than chance cannot be tested."
        )
    mine = f"{label} here ({here.mean:.0f}, n={count(here.n)})"
    theirs = f"{where} ({other.mean:.0f}, n={count(other.n)})"
    between = f"({interval_text(difference, low, high)})"
    if words == "similar":
        return f"{mine} is similar to {theirs}: a difference of {_points(difference)} {between}."
    if words == "lower":  # said as a size: 'lower ... 5 points (between 2 and 7)'
        between = f"({interval_text(-difference, -high, -low)})"
    return f"{mine} is {words} than {theirs}: {_points(abs(difference))} {between}."


def latest_window(filters: Filters) -> tuple[date, date]:
    """The last LATEST_QUARTERS quarters of the filter period (first month, last day)."""
    end = filters.end
    quarter = end.replace(month=3 * ((end.month - 1) // 3) + 1, day=1)
    months = quarter.year * 12 + quarter.month - 1 - 3 * (LATEST_QUARTERS - 1)
    first = date(months // 12, months % 12 + 1, 1)
    return max(first, filters.start.replace(day=1)), end


def _catchment(conn: Connection, code: str) -> list[int]:
    q = (
        select(PartnershipArea.area_id)
        .join(Partnership, Partnership.id == PartnershipArea.partnership_id)
        .where(Partnership.code == code, PartnershipArea.role == "catchment")
    )
    return list(conn.execute(q).scalars())


def similar_areas(conn: Connection, catchment: list[int]) -> list[int]:
    """Areas no partnership serves whose population is within SIMILAR_WITHIN of the
    catchment's mean area population (none when that population is unknown)."""
    mean = conn.execute(select(func.avg(Area.population)).where(Area.id.in_(catchment))).scalar()
    if mean is None:
        return []
    mean = float(mean)  # PostgreSQL's avg of integers is a Decimal
    served = select(PartnershipArea.area_id).where(PartnershipArea.role == "catchment")
    q = select(Area.id).where(
        Area.id.not_in(served),
        Area.population >= (1 - SIMILAR_WITHIN) * mean,
        Area.population <= (1 + SIMILAR_WITHIN) * mean,
    )
    return list(conn.execute(q).scalars())


def _sampled(conn: Connection, window, constructs, areas=None, outside=None) -> dict[str, Score]:
    m = SurveyMonthly
    q = (
        select(m.construct, func.sum(m.n), func.sum(m.sw), func.sum(m.sw2), func.sum(m.swx), func.sum(m.swx2))
        .where(m.construct.in_(constructs), m.month >= window[0], m.month <= window[1])
        .group_by(m.construct)
    )
    if areas is not None:
        q = q.where(m.area_id.in_(areas))
    if outside is not None:
        q = q.where(m.area_id.not_in(outside))
    scores = {}
    for construct, n, sw, sw2, swx, swx2 in conn.execute(q):
        est = weighted_mean(n, sw, sw2, swx, swx2)
        if est.n:
            scores[construct] = Score(est.estimate, est.se, est.n)
    return scores


def _published(conn: Connection, window, constructs, areas=None, outside=None) -> dict[str, Score]:
    """Published means, averaged per area first and then over areas (equal weight each)."""
    g = SurveyAggregate
    per_area = (
        select(SurveyItem.construct, g.area_id, func.avg(g.value).label("value"))
        .join(SurveyItem, SurveyItem.id == g.item_id)
        .where(
            SurveyItem.construct.in_(constructs),
            g.group_kind == "all",
            g.statistic == "mean",
            g.period_start >= window[0],
            g.period_start <= window[1],
        )
        .group_by(SurveyItem.construct, g.area_id)
    )
    if areas is not None:
        per_area = per_area.where(g.area_id.in_(areas))
    if outside is not None:
        per_area = per_area.where(g.area_id.not_in(outside))
    sub = per_area.subquery()
    q = select(sub.c.construct, func.avg(sub.c.value), func.count()).group_by(sub.c.construct)
    return {c: Score(v, math.nan, None) for c, v, k in conn.execute(q) if k}


def benchmarks(
    conn: Connection,
    filters: Filters,
    rules: Rules = PUBLIC,
    constructs: tuple[str, ...] = SURVEY_CONSTRUCTS,
) -> pd.DataFrame:
    """`filters.partnership`'s latest scores against the city average and areas of similar
    population, one row per construct and comparison.

    Columns: construct, against ('city' or 'similar'), here, here_n, other, other_n (n is
    missing for published scores), difference (points on 0-100), ci_low, ci_high (95%;
    missing when not tested), words ('higher', 'lower', 'similar', 'not tested', or
    'not compared' with the reason in the sentence), sentence, areas (comparison areas),
    published (whether the numbers are a source's published scores). Constructs with no
    score here have no row. Under public `rules`, a score from fewer than 30 answers is
    not compared.
    """
    if filters.partnership is None:
        raise ValueError("benchmarks are for one partnership: choose one in the filters")
    window = latest_window(filters)
    catchment = _catchment(conn, filters.partnership)
    similar = similar_areas(conn, catchment)
    here = _sampled(conn, window, constructs, areas=catchment)
    published = False
    if not here:
        here = _published(conn, window, constructs, areas=catchment)
        published = bool(here)
    fetch = _published if published else _sampled
    others = {
        "city": (fetch(conn, window, constructs, outside=catchment), None),
        "similar": (fetch(conn, window, constructs, areas=similar) if similar else {}, len(similar)),
    }
    rows = []
    for construct in constructs:
        mine = here.get(construct)
        if mine is None:
            continue
        label = metric(construct).label
        if mine.n is not None and survey_cell(mine.mean, mine.n, mine.se, rules)[0] is None:
            rows.append(
                _row(construct, "city", mine, None, "not compared",
                     f"{label} here rests on fewer than {rules.survey_hide_below} answers: not compared.",
                     0, published)
            )  # fmt: skip
            continue
        for against, (scores, areas) in others.items():
            other = scores.get(construct)
            if against == "similar" and len(similar) < SIMILAR_AT_LEAST:
                rows.append(
                    _row(construct, against, mine, None, "not compared",
                         f"Only {len(similar)} area{'s' if len(similar) != 1 else ''} without a partnership "
                         f"{'have' if len(similar) != 1 else 'has'} a population within "
                         f"{SIMILAR_WITHIN:.0%} of these areas' (at least {SIMILAR_AT_LEAST} are needed), "
                         "so there is no comparison with areas of similar population.",
                         len(similar), published)
                )  # fmt: skip
                continue
            if other is None:
                rows.append(
                    _row(construct, against, mine, None, "not compared",
                         f"No {label.lower()} score for {AGAINST[against]} in this period.",
                         areas or 0, published)
                )  # fmt: skip
                continue
            difference, low, high, words = compare(mine, other)
            rows.append(
                {
                    "construct": construct,
                    "against": against,
                    "here": mine.mean,
                    "here_n": mine.n,
                    "other": other.mean,
                    "other_n": other.n,
                    "difference": difference,
                    "ci_low": low,
                    "ci_high": high,
                    "words": words,
                    "sentence": sentence(construct, against, mine, other),
                    "areas": areas,
                    "published": published,
                }
            )
    return pd.DataFrame(rows, columns=BENCHMARK_COLUMNS)


def _row(construct, against, mine, other, words, text, areas, published) -> dict:
    return {
        "construct": construct,
        "against": against,
        "here": mine.mean,
        "here_n": mine.n,
        "other": None if other is None else other.mean,
        "other_n": None if other is None else other.n,
        "difference": None,
        "ci_low": None,
        "ci_high": None,
        "words": words,
        "sentence": text,
        "areas": areas,
        "published": published,
    }
