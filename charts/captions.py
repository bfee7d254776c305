"""Source lines under charts: where the numbers come from, the period, the n, the method.

Plain functions of values, so every chart's caption is written the same way.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from metrics.formatting import month_label, quarter_label, signed_pct, signed_points
from metrics.survey import POSITIVE


def survey_source(scores: pd.DataFrame, wording: list[str]) -> str:
    """Source line for a survey chart: period, respondents, items and method."""
    if scores.empty:
        return ""
    first, last = scores["quarter"].min(), scores["quarter"].max()
    total = int(scores["n"].sum())
    smallest = int(scores["n"].min())
    items = "; ".join(f"“{w}”" for w in wording)
    latest = scores.loc[scores["quarter"].idxmax()]
    margin = latest["ci_high"] - latest["mean"]
    return (
        f"Latest quarter ({quarter_label(last)}): {latest['mean']:.0f} out of 100 ± {margin:.0f}, "
        f"{latest['share_positive']:.0f}% positive ({POSITIVE}), n = {int(latest['n'])}. "
        f"Source: resident survey, {quarter_label(first)} to {quarter_label(last)}; "
        f"{total:,} answers from residents of the catchment areas (smallest quarter n = {smallest}). "
        f"Items: {items}. Weighted mean on 0-100; band is the 95% interval from the effective sample size."
    )


def crime_source(monthly: pd.DataFrame, groups: list[str], measure: str) -> str:
    """Source line for a crime chart: period, total recorded, groups and measure."""
    if monthly.empty:
        return ""
    first, last = monthly["month"].min(), monthly["month"].max()
    total = int(monthly["count"].sum())
    what = "counts" if measure == "count" else "rates per 1,000 residents of the catchment areas"
    return (
        f"Source: recorded crime by month of occurrence, {month_label(first)} to {month_label(last)}; "
        f"{total:,} offences in {', '.join(groups)}. Monthly {what}. "
        "The most recent months may still grow as late reports arrive."
    )


def evaluation_source(outcome: dict) -> str:
    """Source line for the evaluation chart: counts used, method and time-series model."""
    t, c = outcome["treated"], outcome.get("comparison")
    text = (
        f"Source: recorded crime, monthly. Partnership area ({', '.join(t['areas'])}): "
        f"{t['before']:,} before, {t['after']:,} after."
    )
    if c:
        text += (
            f" Comparison ({', '.join(c['areas'])}): {c['before']:,} before, {c['after']:,} after; "
            f"{c['reason']}."
        )
    its = outcome.get("its")
    if its:
        seasonal = "with" if its["month_of_year_terms"] else "without"
        level = its["level_change"]
        text += (
            " A second check, not the verdict's estimate: a time-series fit of the partnership area "
            f"alone ({its['family']} regression {seasonal} month-of-year terms) gives a "
            f"level change of {signed_pct(level['estimate'])} "
            f"(95%: {signed_pct(level['ci'][0])} to {signed_pct(level['ci'][1])})."
        )
    return text


def published_source(rows: pd.DataFrame, wording: list[str]) -> str:
    """Source line for published aggregates: what was averaged, and that no n was reported."""
    first, last = rows["period"].min(), rows["period"].max()
    what = "share agreeing" if (rows["statistic"] == "share").all() else "mean score"
    items = "; ".join(f"“{w}”" for w in wording)
    n_text = (
        "sample size not reported by the source, so no margin of error can be shown"
        if rows["n"].isna().any()
        else f"{int(rows['n'].sum()):,} answers"
    )
    return (
        f"Source: published survey results ({what}), {quarter_label(first)} to {quarter_label(last)}, "
        f"averaged over {int(rows['areas'].max())} area(s) and {int(rows['items'].max())} item(s); {n_text}. "
        f"Items: {items}."
    )


# --- captions for a board meeting: one or two plain sentences from the numbers ---------

VERDICT_WORDS = {
    "Improved": "a clear improvement",
    "Worsened": "a clear worsening",
    "No clear change": "no clear change: the interval rules out a change that would matter",
    "Inconclusive": (
        "inconclusive: chance alone could give a difference this size, and so could a real change"
    ),
    "Too early to tell": "too early to tell",
}


def _months(n: int) -> str:
    return "the month" if n == 1 else f"the {n} months"


def _moved(before: float, after: float, unit: str) -> str:
    """'rose from 58 to 64 out of 100', 'fell from 64 to 58 ...', 'stayed at 58 ...'."""
    b, a = round(before), round(after)
    if b == a:
        return f"stayed at {a}{unit}"
    return f"{'rose' if a > b else 'fell'} from {b} to {a}{unit}"


def _points(value: float) -> str:
    rounded = round(abs(value))
    return f"{rounded} point" if rounded == 1 else f"{rounded} points"


def _compared(outcome: dict) -> str:
    """The second sentence: how the change compares with comparable areas, in words."""
    verdict, effect = outcome["verdict"], outcome.get("effect") or {}
    if verdict == "Not enough data":
        return outcome["sentence"]
    if not effect:
        return ""
    low, high = effect["ci"]
    if effect["scale"] == "relative":
        pct = round(abs(effect["estimate"]) * 100)
        size = f"{pct}% {'more' if effect['estimate'] > 0 else 'fewer'}" if pct else "no different"
        span = f"between {signed_pct(low)} and {signed_pct(high)}"
    else:
        size = f"{'+' if effect['estimate'] > 0 else '-'}{_points(effect['estimate'])}"
        size = size if round(abs(effect["estimate"])) else "no different"
        span = f"between {signed_points(low)} and {signed_points(high)}"
    words = VERDICT_WORDS[verdict]
    if verdict in ("Too early to tell", "Inconclusive"):
        unseen = (
            f"a change smaller than {_mde(effect)} could not be seen {'yet' if verdict[0] == 'T' else ''}"
        )
        return f"Against comparable areas that is {size} ({span}): {words}; {unseen.strip()}."
    return f"Against comparable areas that is {size} ({span}): {words}."


def _mde(effect: dict) -> str:
    if effect["scale"] == "relative":
        return f"{effect['mde'] * 100:.0f}%"
    return f"{effect['mde']:.0f} points"


def board_caption(outcome: dict, start: date, count_text=None) -> str:
    """What one outcome's chart shows, in one or two plain sentences with the uncertainty
    in words, from an evaluation outcome (`metrics.evaluation.evaluate`). `count_text`
    writes a count for the audience (public: 'fewer than 11' for 1 to 10)."""
    count_text = count_text or (lambda n: f"{n:,}")
    start = pd.Timestamp(start).date()
    began = f"since the partnership began in {start:%B %Y}"
    treated, comparison = outcome.get("treated"), outcome.get("comparison")
    months = (outcome.get("windows") or {}).get("months_each", 0)
    label = outcome["label"]
    if not treated or not months:
        return outcome["sentence"]
    if outcome["kind"] == "survey":
        before, after = treated["before"], treated["after"]
        means = (before.get("mean"), after.get("mean"))
        if outcome["verdict"] == "Not enough data" or any(m is None or math.isnan(m) for m in means):
            return outcome["sentence"]  # e.g. fewer than 30 answers: no mean is quoted
        first = f"{label} {_moved(before['mean'], after['mean'], ' out of 100')} {began}"
        n = (before.get("n") or 0) + (after.get("n") or 0)
        if before.get("se") is not None and after.get("se") is not None and n:
            margin = 1.96 * (before["se"] ** 2 + after["se"] ** 2) ** 0.5
            first += f" (give or take {_points(margin)}, {n:,} residents asked"
            first += f" in {_months(months)} before and after)"
        else:
            first += " (sample size not reported)"
        if comparison and comparison.get("before", {}).get("mean") is not None:
            shift = comparison["after"]["mean"] - comparison["before"]["mean"]
            moved = (
                "did not change"
                if round(shift) == 0
                else f"{'rose' if shift > 0 else 'fell'} {_points(shift)}"
            )
            first += f"; in comparable areas it {moved}"
        return f"{first}. {_compared(outcome)}".strip()
    before, after = treated["before"], treated["after"]
    first = (
        f"{label} in the partnership area went from {count_text(before)} in {_months(months)} "
        f"before it began in {start:%B %Y} to {count_text(after)} in {_months(months)} after"
    )
    if comparison:
        was, now = count_text(comparison["before"]), count_text(comparison["after"])
        first += f"; in comparable areas, from {was} to {now}"
    return f"{first}. {_compared(outcome)}".strip()
