"""Who trusts, and who doesn't: resident scores broken down by group (age band, sex,
race/ethnicity, and education or income where a source has them), per partnership and
city-wide, each with its n and 95% interval; and a published series' own breakdowns,
shown as published.

Sampled breakdowns add up `survey_group_monthly` (the per-group sums written when answers
are loaded, see `db.rollup`) over the filter period's months in SQL, and `metrics.stats`
turns the sums into weighted means, effective n and intervals, exactly as
`metrics.survey.survey_scores` does for everyone. Published breakdowns read
`survey_aggregate` rows whose `group_kind` is not 'all' (the Chicago sentiment preset's
race, age, sex, education and income columns): a value per group and period, averaged
over the partnership's catchment areas and the construct's items; no n, so no interval.

`public_groups` applies domain.md's rule for demographic breakdowns (hide a group with
fewer than 50 answers; flag under 60 answers or a relative standard error of 30% or more)
and names what it hid, so a chart can say so instead of drawing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from db.models import (
    GROUP_DIMENSIONS,
    Partnership,
    PartnershipArea,
    SurveyAggregate,
    SurveyGroupMonthly,
    SurveyItem,
)
from metrics.filters import Filters
from metrics.formatting import interval_text, size_text
from metrics.publish import PUBLIC, Rules, group_visible, survey_cell
from metrics.registry import SURVEY_CONSTRUCTS
from metrics.stats import Z95, weighted_mean, weighted_share

DIMENSION_LABELS = {
    "age_band": "Age band",
    "sex": "Sex",
    "race_ethnicity": "Race or ethnicity",
    "education": "Education",
    "income": "Income",
}
# a published series' group kinds (survey_aggregate.group_kind) -> our dimensions
PUBLISHED_KINDS = {
    "race": "race_ethnicity",
    "race_ethnicity": "race_ethnicity",
    "age": "age_band",
    "age_band": "age_band",
    "sex": "sex",
    "education": "education",
    "income": "income",
}
ORDERED_LEVELS = ("low", "medium", "high")  # published education, income and age bands
CITY = "city"  # the scope of a city-wide breakdown

GROUP_COLUMNS = [
    "scope",
    "dimension",
    "group",
    "construct",
    "n",
    "n_eff",
    "mean",
    "se",
    "ci_low",
    "ci_high",
    "share_positive",
    "share_ci_low",
    "share_ci_high",
]


def _month_of(d):
    return d.replace(day=1)


LATEST_MONTHS = 12  # the page's breakdown and the "Trust by group" slide: the latest year


def latest_months(filters: Filters, months: int = LATEST_MONTHS) -> Filters:
    """`filters` narrowed to its latest `months` whole months (from the first of the month,
    never before `filters.start`), the window the "Trust by group" slide uses, so that a
    breakdown on the page and on the slide reads the same."""
    first = filters.end.year * 12 + filters.end.month - months
    start = max(filters.start, date(first // 12, first % 12 + 1, 1))
    return Filters(start, filters.end, filters.partnership, filters.crime_groups)


def group_scores(
    conn: Connection,
    filters: Filters,
    dimension: str | None = None,
    constructs: tuple[str, ...] = SURVEY_CONSTRUCTS,
    city: bool = False,
) -> pd.DataFrame:
    """Resident scores per group over the filter period's months.

    City-wide when `city` (every area), else for `filters.partnership`'s catchment areas
    (every partnership, one scope each, when it is None). Columns: scope (partnership code
    or 'city'), dimension, group, construct, n (respondents), n_eff (Kish), mean (0-100),
    se, ci_low, ci_high (95%), share_positive (0-100), share_ci_low, share_ci_high. A group
    nobody in it answered has no row; so has a dimension the survey did not ask.
    """
    if dimension is not None and dimension not in GROUP_DIMENSIONS:
        raise ValueError(f"dimension must be one of {', '.join(GROUP_DIMENSIONS)}, not {dimension!r}")
    g = SurveyGroupMonthly
    sums = [
        func.sum(g.n).label("n"),
        func.sum(g.sw).label("sw"),
        func.sum(g.sw2).label("sw2"),
        func.sum(g.swx).label("swx"),
        func.sum(g.swx2).label("swx2"),
        func.sum(g.swp).label("swp"),
    ]
    where = [g.construct.in_(constructs), g.month >= _month_of(filters.start), g.month <= filters.end]
    if dimension is not None:
        where.append(g.dimension == dimension)
    if city:
        q = select(*(c.label(n) for c, n in ((g.dimension, "dimension"), (g.group_value, "grp"))))
        q = q.add_columns(g.construct, *sums).where(*where)
        q = q.group_by(g.dimension, g.group_value, g.construct)
        rows = [(CITY, *row) for row in conn.execute(q)]
    else:
        q = (
            select(Partnership.code, g.dimension, g.group_value, g.construct, *sums)
            .select_from(g)
            .join(
                PartnershipArea,
                and_(PartnershipArea.area_id == g.area_id, PartnershipArea.role == "catchment"),
            )
            .join(Partnership, Partnership.id == PartnershipArea.partnership_id)
            .where(*where)
            .group_by(Partnership.code, g.dimension, g.group_value, g.construct)
        )
        if filters.partnership is not None:
            q = q.where(Partnership.code == filters.partnership)
        rows = list(conn.execute(q))
    records = []
    for scope, dim, group, construct, n, sw, sw2, swx, swx2, swp in rows:
        mean = weighted_mean(n, sw, sw2, swx, swx2)
        share = weighted_share(n, sw, sw2, swp)
        records.append(
            (
                scope,
                dim,
                group,
                construct,
                mean.n,
                mean.n_eff,
                mean.estimate,
                mean.se,
                mean.ci_low,
                mean.ci_high,
                100 * share.estimate,
                100 * max(share.ci_low, 0.0),
                100 * min(share.ci_high, 1.0),
            )
        )
    frame = pd.DataFrame.from_records(records, columns=GROUP_COLUMNS)
    return _in_order(frame, ["scope", "dimension", "construct"])


def _order_key(value: str) -> tuple:
    """Levels in their natural order (low, medium, high; age bands by their first age),
    everything else by name."""
    if value in ORDERED_LEVELS:
        return (0, ORDERED_LEVELS.index(value), "")
    digits = value.split("-")[0].rstrip("+")
    if digits.isdigit():
        return (1, int(digits), "")
    return (2, 0, value.lower())


def _in_order(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    if frame.empty:
        return frame
    keys = frame["group"].map(_order_key)
    return (
        frame.assign(_key=keys)
        .sort_values([*by, "_key"], kind="stable")
        .drop(columns="_key")
        .reset_index(drop=True)
    )


@dataclass(frozen=True)
class Shown:
    """A breakdown as an audience may see it: the groups to draw (with a `flag` column:
    '' or 'small sample'), the groups hidden for their size, and the threshold they missed."""

    groups: pd.DataFrame
    hidden: tuple[str, ...]
    below: int = 0

    @property
    def hidden_text(self) -> str:
        """'Asian: fewer than 50 answers, not shown.', or for several 'Asian and Other:
        fewer than 50 answers each, not shown.'; '' when nothing is hidden."""
        if not self.hidden:
            return ""
        if len(self.hidden) == 1:
            return f"{self.hidden[0]}: fewer than {self.below} answers, not shown."
        names = ", ".join(self.hidden[:-1]) + f" and {self.hidden[-1]}"
        return f"{names}: fewer than {self.below} answers each, not shown."


def public_groups(frame: pd.DataFrame, rules: Rules = PUBLIC) -> Shown:
    """The groups of one breakdown (one scope, dimension and construct) that `rules` let
    be shown, flagged, and the hidden ones named: "Asian: fewer than 50 answers, not shown".

    Public rules hide a group with fewer than 50 answers (domain.md, demographic
    breakdowns: stricter than the 30 of an ordinary survey cell) and flag one under 60
    answers or with a relative standard error of 30% or more as a small sample.
    Leadership (`Rules.none()`) sees every group, unflagged, with its n. A group with an
    unknown n (a published breakdown) is shown as published.
    """
    if frame.empty:
        return Shown(frame.assign(flag=pd.Series(dtype=str)), (), rules.group_hide_below)
    keep, flags, hidden = [], [], []
    for group, n, mean, se in zip(frame["group"], frame["n"], frame["mean"], frame["se"], strict=True):
        if pd.isna(n):  # published without a sample size: shown as published
            keep.append(True)
            flags.append("")
        elif not group_visible(n, rules):
            keep.append(False)
            hidden.append(group)
        else:
            _, flag = survey_cell(mean, n, se, rules)
            keep.append(True)
            flags.append("small sample" if flag else "")
    shown = frame[keep].copy()
    shown["flag"] = flags
    return Shown(shown.reset_index(drop=True), tuple(hidden), rules.group_hide_below)


PUBLISHED_GROUP_COLUMNS = [
    "partnership",
    "period",
    "construct",
    "dimension",
    "group",
    "statistic",
    "value",
    "n",
    "areas",
    "items",
]


def published_groups(
    conn: Connection,
    filters: Filters,
    dimension: str | None = None,
    constructs: tuple[str, ...] = SURVEY_CONSTRUCTS,
) -> pd.DataFrame:
    """A published series' own breakdowns, per partnership (its catchment areas), period,
    construct and group, as published.

    Columns: partnership, period (date, first day), construct, dimension (ours: 'race'
    reads race_ethnicity, 'age' age_band), group (the source's own name), statistic ('mean'
    or 'share'), value (0-100, the mean over the catchment areas and the construct's
    items, equal weight each), n (sum of reported sample sizes; missing when any is not
    reported), areas and items (how many were averaged).
    """
    g = SurveyAggregate
    kinds = [k for k, d in PUBLISHED_KINDS.items() if dimension is None or d == dimension]
    q = (
        select(
            Partnership.code,
            g.period_start,
            SurveyItem.construct,
            g.group_kind,
            g.group_value,
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
            g.group_kind.in_(kinds),
            g.period_start >= _month_of(filters.start),
            g.period_start <= filters.end,
        )
        .group_by(
            Partnership.code, g.period_start, SurveyItem.construct, g.group_kind, g.group_value, g.statistic
        )
    )
    if filters.partnership is not None:
        q = q.where(Partnership.code == filters.partnership)
    records = []
    for code, period, construct, kind, group, stat, value, n_sum, known, rows, areas, items in conn.execute(
        q
    ):
        n = int(n_sum) if known == rows else None
        records.append((code, period, construct, PUBLISHED_KINDS[kind], group, stat, value, n, areas, items))
    frame = pd.DataFrame.from_records(records, columns=PUBLISHED_GROUP_COLUMNS)
    frame["period"] = pd.to_datetime(frame["period"])
    return _in_order(frame, ["partnership", "construct", "dimension", "period"])


def latest_published(frame: pd.DataFrame) -> pd.DataFrame:
    """The latest period's rows of `published_groups` output, per partnership, construct,
    dimension and statistic: what a breakdown chart of a published series draws."""
    if frame.empty:
        return frame
    keys = ["partnership", "construct", "dimension", "statistic"]
    last = frame.groupby(keys)["period"].transform("max")
    return frame[frame["period"] == last].reset_index(drop=True)


def dimensions_present(sampled: pd.DataFrame, published: pd.DataFrame) -> list[str]:
    """The dimensions with any group in either breakdown, in GROUP_DIMENSIONS order."""
    have = set(sampled.get("dimension", ())) | set(published.get("dimension", ()))
    return [d for d in GROUP_DIMENSIONS if d in have]


def who(dimension: str, group: str) -> str:
    """Residents of a group, in words: 'Black residents', 'residents aged 16-24',
    'residents with low income'."""
    if dimension == "age_band":
        return f"residents aged {group}" if group[:1].isdigit() else f"residents of {group} age"
    if dimension in ("education", "income"):
        return f"residents with {group} {dimension}"
    return f"{group} residents"


def breakdown_sentence(rows: pd.DataFrame, label: str, dimension: str) -> str:
    """One plain sentence on a breakdown as shown (`public_groups(...).groups`, or latest
    published rows): the highest and lowest group and the gap between them, with its 95%
    interval when there is one ('which may be chance' when it crosses zero); '' with no rows."""
    if rows.empty:
        return ""
    published = "mean" not in rows.columns
    value = rows["value" if published else "mean"].astype(float)
    if len(rows) == 1:
        return f"{label} among {who(dimension, rows['group'].iloc[0])}: {value.iloc[0]:.0f} out of 100."
    top, bottom = rows.loc[value.idxmax()], rows.loc[value.idxmin()]
    gap = value.max() - value.min()
    text = (
        f"{label} is highest among {who(dimension, top['group'])} ({value.max():.0f}) and lowest among "
        f"{who(dimension, bottom['group'])} ({value.min():.0f}): a gap of {size_text('points', gap)}"
    )
    if published:
        return text + ", as published (sample size not reported, so whether it is chance cannot be tested)."
    se = (top["se"] ** 2 + bottom["se"] ** 2) ** 0.5
    if pd.isna(se):
        return text + " (too few answers for an interval)."
    low, high = gap - Z95 * se, gap + Z95 * se
    return text + f" ({interval_text(gap, low, high)})" + (", which may be chance." if low <= 0 else ".")
