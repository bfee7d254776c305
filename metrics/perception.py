"""Partners' and officers' view beside residents': scores on shared constructs, the gaps
between them, and the partnership health items, per year and for the whole period.

A construct is *shared* when more than one kind of respondent answered it for the
partnership (in the demo: trust, which residents answer as TRUST_RESPECT/TRUST_LISTEN and
partners and officers as P_TRUST_LISTEN). Residents are those of the partnership's
catchment areas (the `survey_monthly` sums); partners and officers are the
`survey_response` rows whose `partnership_id` is the partnership, scored per respondent in
SQL as `db.rollup` scores residents (mean of the construct's answers rescaled to 0-100,
weight COALESCE(rake_weight, weight)) and summed per construct, kind and year. Partners
answer once a year, so everything is by calendar year; the whole period sums the years in
which partners or officers answered, residents included only for those years, so both
sides cover the same time. Means, effective n and intervals come from `metrics.stats`; a
gap is a difference of two means with SE sqrt(SE1^2 + SE2^2) (domain.md section 3).

Public rule (`publishable`): partners and officers are few, so their view is leadership
only unless every kind of respondent in a comparison has, in every year shown, at least as
many respondents as the survey cell rule asks (30) and so more than the small-count rule
(11). Counted per year, because the same people answer every year: pooling years would
count a person several times. Comments are never public.
"""

from __future__ import annotations

import math

import pandas as pd
from sqlalchemy import Connection, and_, case, func, select

from db.models import Partnership, PartnershipArea, SurveyAnswer, SurveyItem, SurveyMonthly, SurveyResponse
from metrics.filters import Filters
from metrics.formatting import interval_text, name_label, signed_points, size_text
from metrics.publish import Rules
from metrics.registry import BY_KEY
from metrics.stats import Z95, weighted_mean

RESPONDENTS = ("resident", "partner", "officer")
RESPONDENT_LABELS = {"resident": "Residents", "partner": "Partners", "officer": "Officers"}
HEALTH_CONSTRUCT = "collaboration"  # COPS CP-SAT / Wilder-style partnership health items
# who is set against whom: (respondent, versus)
PAIRS = (("partner", "resident"), ("officer", "resident"), ("officer", "partner"))

SUM_COLUMNS = ["n", "sw", "sw2", "swx", "swx2"]
ESTIMATE_COLUMNS = ["mean", "se", "ci_low", "ci_high", "n", "n_eff"]
VIEW_COLUMNS = ["construct", "respondent", "year", "mean", "se", "ci_low", "ci_high", "n", "n_eff"]
GAP_COLUMNS = ["construct", "year", "respondent", "versus", "gap", "se", "ci_low", "ci_high", "n", "n_versus"]
ITEM_COLUMNS = ["item", "wording", "respondent", "year", "mean", "se", "ci_low", "ci_high", "n", "n_eff"]


def construct_label(construct: str) -> str:
    """A construct as the page names it: the metric's label where one is declared."""
    return BY_KEY[construct].label if construct in BY_KEY else name_label(construct)


def _year(column):
    """A date's calendar year: EXTRACT, which SQLAlchemy renders on SQLite and PostgreSQL alike."""
    return func.extract("year", column)


def _staff_per_respondent(code: str, filters: Filters, by_item: bool):
    """One row per partner or officer response of partnership `code` in the period, and per
    construct (or item, with `by_item`): kind, year, weight and the 0-100 score."""
    r, a, i = SurveyResponse, SurveyAnswer, SurveyItem
    span = i.scale_max - i.scale_min
    # distance of the answer from the scale's worst end, as db.rollup scores residents
    from_worst = case((i.reverse_worded, i.scale_max - a.value), else_=a.value - i.scale_min)
    weight = func.coalesce(r.rake_weight, r.weight)
    key = (i.code, i.wording) if by_item else (i.construct,)
    return (
        select(
            *key,
            r.respondent_type.label("respondent"),
            _year(r.responded_on).label("year"),
            weight.label("w"),
            func.avg(100.0 * from_worst / span).label("x"),
        )
        .join(a, a.response_id == r.id)
        .join(i, i.id == a.item_id)
        .join(Partnership, Partnership.id == r.partnership_id)
        .where(
            Partnership.code == code,
            r.respondent_type.in_(("partner", "officer")),
            r.responded_on >= filters.start,
            r.responded_on <= filters.end,
        )
        .group_by(*key, r.id, r.respondent_type, r.responded_on, weight)
    )


def _sums(s, *keys):
    """n, sum w, sum w^2, sum w*x, sum w*x^2 of per-respondent rows `s`, grouped by `keys`."""
    return select(
        *keys,
        func.count(),
        func.sum(s.c.w),
        func.sum(s.c.w * s.c.w),
        func.sum(s.c.w * s.c.x),
        func.sum(s.c.w * s.c.x * s.c.x),
    ).group_by(*keys)


def _staff_sums(conn: Connection, code: str, filters: Filters) -> pd.DataFrame:
    s = _staff_per_respondent(code, filters, by_item=False).subquery()
    rows = conn.execute(_sums(s, s.c.construct, s.c.respondent, s.c.year)).all()
    return pd.DataFrame(rows, columns=["construct", "respondent", "year", *SUM_COLUMNS])


def _resident_sums(conn: Connection, code: str, filters: Filters, constructs: list[str]) -> pd.DataFrame:
    m = SurveyMonthly
    year = _year(m.month)
    q = (
        select(
            m.construct,
            year,
            func.sum(m.n),
            func.sum(m.sw),
            func.sum(m.sw2),
            func.sum(m.swx),
            func.sum(m.swx2),
        )
        .join(
            PartnershipArea, and_(PartnershipArea.area_id == m.area_id, PartnershipArea.role == "catchment")
        )
        .join(Partnership, Partnership.id == PartnershipArea.partnership_id)
        .where(
            Partnership.code == code,
            m.construct.in_(constructs),
            m.month >= filters.start.replace(day=1),
            m.month <= filters.end,
        )
        .group_by(m.construct, year)
    )
    frame = pd.DataFrame(conn.execute(q).all(), columns=["construct", "year", *SUM_COLUMNS])
    frame.insert(1, "respondent", "resident")
    return frame


def _estimates(sums: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per row of summed `sums`: the keys, then mean, se, ci_low, ci_high, n, n_eff."""
    records = []
    for row in sums.itertuples(index=False):
        est = weighted_mean(int(row.n), float(row.sw), float(row.sw2), float(row.swx), float(row.swx2))
        records.append(
            (
                *(getattr(row, k) for k in keys),
                est.estimate,
                est.se,
                est.ci_low,
                est.ci_high,
                est.n,
                est.n_eff,
            )
        )
    return pd.DataFrame.from_records(records, columns=[*keys, *ESTIMATE_COLUMNS])


def _with_whole_period(sums: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """`sums` per year, then the same keys summed over the years (year missing)."""
    sums = sums.astype({"year": "Int64"})
    whole = sums.groupby(keys, as_index=False)[SUM_COLUMNS].sum()
    whole["year"] = pd.array([pd.NA] * len(whole), dtype="Int64")
    return pd.concat([sums, whole[sums.columns]], ignore_index=True)


def views(conn: Connection, filters: Filters) -> pd.DataFrame:
    """Each kind of respondent's score on the shared constructs of partnership
    `filters.partnership`, per year and for the whole period.

    Columns: construct, respondent (resident, partner, officer), year (Int64; missing for the
    whole period), mean (0-100), se, ci_low, ci_high (95%), n (respondents; one a year for
    partners, so summed over years it counts answers), n_eff. Only constructs more than one
    kind answered, those residents answered first, and only years in which partners or
    officers answered; empty when none did.
    """
    code = filters.partnership
    staff = _staff_sums(conn, code, filters)
    if staff.empty:
        return pd.DataFrame(columns=VIEW_COLUMNS)
    staff["year"] = staff["year"].astype(int)
    residents = _resident_sums(conn, code, filters, sorted(staff["construct"].unique()))
    residents["year"] = residents["year"].astype(int)
    asked = staff[["construct", "year"]].drop_duplicates()
    residents = residents.merge(asked, on=["construct", "year"])  # the years partners answered
    sums = pd.concat([staff, residents], ignore_index=True)
    kinds = sums.groupby("construct")["respondent"].nunique()
    sums = sums[sums["construct"].isin(kinds[kinds > 1].index)]
    if sums.empty:
        return pd.DataFrame(columns=VIEW_COLUMNS)
    sums = _with_whole_period(sums, ["construct", "respondent"])
    frame = _estimates(sums, ["construct", "respondent", "year"])
    # constructs residents answered first (the comparison the section is for), then by name
    with_residents = set(frame.loc[frame["respondent"] == "resident", "construct"])
    frame["_first"] = ~frame["construct"].isin(with_residents)
    frame["_order"] = frame["respondent"].map({k: i for i, k in enumerate(RESPONDENTS)})
    frame = frame.sort_values(["_first", "construct", "year", "_order"], na_position="last")
    return frame.reset_index(drop=True)[VIEW_COLUMNS]


def gap(mean: float, se: float, other_mean: float, other_se: float) -> tuple[float, float, float, float]:
    """(difference, SE, 95% low, 95% high) of two independent means."""
    diff = mean - other_mean
    se_diff = math.sqrt(se * se + other_se * other_se)
    return diff, se_diff, diff - Z95 * se_diff, diff + Z95 * se_diff


def gaps(view: pd.DataFrame) -> pd.DataFrame:
    """The perception gaps in a `views` frame: partners minus residents, officers minus
    residents and officers minus partners, per construct and year (missing: whole period),
    where both sides are present. Columns: construct, year, respondent, versus, gap (points),
    se, ci_low, ci_high, n, n_versus."""
    records = []
    for (construct, year), rows in view.groupby(["construct", "year"], dropna=False, sort=False):
        by = {r.respondent: r for r in rows.itertuples(index=False)}
        for who, versus in PAIRS:
            if who in by and versus in by:
                a, b = by[who], by[versus]
                records.append((construct, year, who, versus, *gap(a.mean, a.se, b.mean, b.se), a.n, b.n))
    frame = pd.DataFrame.from_records(records, columns=GAP_COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def health_items(conn: Connection, filters: Filters) -> pd.DataFrame:
    """Partners' and officers' scores (0-100) on each partnership health item (construct
    `collaboration`: shared decisions, communication, resources, results, trust between
    partners), per year and for the whole period (year missing).

    Columns: item (code), wording, respondent (partner, officer), year, mean, se, ci_low,
    ci_high, n, n_eff; empty when nobody answered them.
    """
    s = _staff_per_respondent(filters.partnership, filters, by_item=True)
    s = s.where(SurveyItem.construct == HEALTH_CONSTRUCT).subquery()
    rows = conn.execute(_sums(s, s.c.code, s.c.wording, s.c.respondent, s.c.year)).all()
    sums = pd.DataFrame(rows, columns=["item", "wording", "respondent", "year", *SUM_COLUMNS])
    if sums.empty:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    sums["year"] = sums["year"].astype(int)
    sums = _with_whole_period(sums, ["item", "wording", "respondent"])
    frame = _estimates(sums, ["item", "wording", "respondent", "year"])
    return frame.sort_values(["item", "year", "respondent"], na_position="last").reset_index(drop=True)


def public_minimum(rules: Rules) -> int:
    """The fewest respondents of one kind, in one year, that `rules` let a comparison show:
    the survey cell rule's, and never fewer than the small-count rule's (11); none for
    leadership."""
    if not rules.public:
        return 0
    return max(int(rules.survey_hide_below), rules.small_count + 1)


def publishable(frame: pd.DataFrame, rules: Rules, key: str = "construct") -> pd.DataFrame:
    """The rows of a `views` (key construct) or `health_items` (key item) frame that `rules`
    allow: a comparison (one `key` and year) is kept only when every kind of respondent in
    it has at least `public_minimum` respondents, and the whole period only when every year
    in it is kept. Leadership rules keep everything."""
    minimum = public_minimum(rules)
    if minimum == 0 or frame.empty:
        return frame
    yearly = frame[frame["year"].notna()]
    passes = yearly.groupby([key, "year"])["n"].min() >= minimum
    every_year = passes.groupby(level=0).all()
    keep = []
    for row in frame.itertuples(index=False):
        k = getattr(row, key)
        if pd.isna(row.year):
            keep.append(bool(every_year.get(k, False)) and row.n >= minimum)
        else:
            keep.append(bool(passes.get((k, row.year), False)))
    return frame[keep].reset_index(drop=True)


def gap_sentence(row) -> str:
    """One plain sentence for a row of `gaps`, e.g. 'Officers rate trust in police 20 points
    higher than residents do (between 12 and 28).'"""
    who = RESPONDENT_LABELS[row.respondent]
    versus = RESPONDENT_LABELS[row.versus].lower()
    what = construct_label(row.construct).lower()
    if pd.isna(row.se):
        return f"Too few answers to set {who.lower()}' view of {what} against {versus}'."
    size = abs(row.gap)
    if row.ci_low > 0 or row.ci_high < 0:
        direction = "higher" if row.gap > 0 else "lower"
        low, high = sorted((abs(row.ci_low), abs(row.ci_high)))
        return (
            f"{who} rate {what} {size_text('points', size)} {direction} than {versus} do "
            f"({interval_text(size, low, high)})."
        )
    return (
        f"Can't tell whether {who.lower()} and {versus} differ on {what}: "
        f"{signed_points(row.gap)} points ({interval_text(row.gap, row.ci_low, row.ci_high, signed=True)})."
    )


def perception(conn: Connection, filters: Filters, rules: Rules) -> dict[str, pd.DataFrame]:
    """Everything the perception section and slide show of `filters.partnership`, with
    `rules` applied: 'views' (`views`, publishable rows), 'gaps' (`gaps` of those rows) and
    'items' (`health_items`, publishable rows). 'asked' says whether any partner or officer
    answered at all (so an empty public view is not mistaken for no survey)."""
    everything = views(conn, filters)
    items = health_items(conn, filters)
    shown = publishable(everything, rules)
    return {
        "asked": not (everything.empty and items.empty),
        "views": shown,
        "gaps": gaps(shown),
        "items": publishable(items, rules, key="item"),
    }


def source_line(view: pd.DataFrame, items: pd.DataFrame) -> str:
    """The source under a perception chart: who answered, which years, how many."""
    frame = view if not view.empty else items
    years = frame["year"].dropna().astype(int)
    span = f"{years.min()}" if years.min() == years.max() else f"{years.min()}-{years.max()}"
    whole = frame[frame["year"].isna()]
    counts = whole.groupby("respondent")["n"].max()
    told = ", ".join(
        f"{RESPONDENT_LABELS[k].lower()} {int(counts[k]):,}" for k in RESPONDENTS if k in counts.index
    )
    residents = "resident" in counts.index
    return (
        "Source: partners' and officers' yearly survey of this partnership"
        + (" and the resident survey of its catchment areas" if residents else "")
        + f", {span} (answers: {told}). Scores 0-100 with 95% intervals"
        + ("; residents only in the years partners or officers answered." if residents else ".")
    )
