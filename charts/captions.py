"""Source lines under charts: where the numbers come from, the period, the n, the method.

Plain functions of values, so every chart's caption is written the same way.
"""

from __future__ import annotations

from datetime import date

import pandas as pd


def quarter_label(d: date | pd.Timestamp) -> str:
    ts = pd.Timestamp(d)
    return f"{ts.year} Q{(ts.month - 1) // 3 + 1}"


def month_label(d: date | pd.Timestamp) -> str:
    return pd.Timestamp(d).strftime("%b %Y")


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
        f"{latest['share_positive']:.0f}% positive (top two boxes), n = {int(latest['n'])}. "
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
            f" Time-series fit: {its['family']} regression {seasonal} month-of-year terms; "
            f"level change {level['estimate'] * 100:+.0f}% "
            f"(95%: {level['ci'][0] * 100:+.0f}% to {level['ci'][1] * 100:+.0f}%)."
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
