"""How a number, a change, an interval, a date or a name reads to a person.

One place, so that the same estimate reads the same on a card, in a table, on a chart,
in a caption, on a slide, in the packet, in a CSV and in the JSON text fields:

- counts with thousands separators ("1,234");
- changes and intervals in whole units: percentages for crime ("-29%"), points on the
  0-100 survey scale for surveys ("+13"), never "-0";
- dates as "30 Sep 2026", months as "Sep 2026", quarters as "2026 Q3";
- internal names (snake_case codes, status words) as plain words.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd


def count(n: float) -> str:
    """'1,234'."""
    return f"{int(round(n)):,}"


def _unbounded(value: float) -> str | None:
    """Words for a number that is not one: a fitted model's interval can run to infinity."""
    if math.isnan(value):
        return "not estimated"
    if math.isinf(value):
        return "no upper bound" if value > 0 else "no lower bound"
    return None


def signed_pct(fraction: float) -> str:
    """A relative change as whole per cent: '+3%', '-12%', and '0%' rather than '-0%'."""
    if (words := _unbounded(fraction)) is not None:
        return words
    value = round(fraction * 100)
    return "0%" if value == 0 else f"{value:+d}%"


def signed_points(points: float) -> str:
    """A change in points on 0-100 as a whole number: '+6', '-1', and '0' rather than '-0'."""
    if (words := _unbounded(points)) is not None:
        return words
    value = round(points)
    return "0" if value == 0 else f"{value:+d}"


def size_text(scale: str, value: float) -> str:
    """The size of a change without its sign: '24%' or '3 points' (or '1 point')."""
    if scale == "relative":
        return f"{abs(round(value * 100))}%"
    whole = abs(round(value))
    return f"{whole} point" if whole == 1 else f"{whole} points"


def interval_text(estimate: float, low: float, high: float, signed: bool = False) -> str:
    """'between 3 and 9': a 95% interval's bounds in whole points, or to one decimal when whole
    points would mislead, that is when a rounded bound equals the rounded estimate ('between
    6.4 and 7.3', not 'between 6 and 7' around 7) or rounds to 0 while the interval excludes
    0 ('between 0.3 and 2.1', not 'between 0 and 2'). `signed` writes '+3' and '-3'."""
    whole = round(estimate)
    excludes_zero = low > 0 or high < 0
    close = round(low) == whole or round(high) == whole
    zero = excludes_zero and (round(low) == 0 or round(high) == 0)
    digits = 1 if close or zero else 0

    def one(value: float) -> str:
        value = round(value, digits) or 0.0  # never '-0'
        return f"{value:+.{digits}f}" if signed and value else f"{value:.{digits}f}"

    return f"between {one(low)} and {one(high)}"


def effect_text(effect: dict | None, compact: bool = False) -> str:
    """'-30% (95%: -41% to -18%)' or '+6 points (95%: +3 to +10)' from `Effect.as_dict()`.
    `compact` drops '95%:' and 'points', for table cells whose caption states both."""
    if not effect:
        return "" if compact else "no estimate"
    low, high = effect["ci"]
    fmt = signed_pct if effect["scale"] == "relative" else signed_points
    unit = "" if compact or effect["scale"] == "relative" else " points"
    label = "" if compact else "95%: "
    return f"{fmt(effect['estimate'])}{unit} ({label}{fmt(low)} to {fmt(high)})"


def gap_change_text(effect: dict | None) -> str:
    """A change in an equity gap (`Effect.as_dict()`, points; below 0 the gap narrowed) as a
    card's headline, in one phrasing for every gap: 'Narrowed 11 points (7 to 15)', 'Widened
    1 point (0.4 to 2.3)', or, when the interval crosses zero, 'Narrowed 2 points (from
    widened 3 to narrowed 7)'. Never a signed '-11 points'."""
    if not effect:
        return "no estimate"
    estimate, (low, high) = effect["estimate"], effect["ci"]
    if (words := _unbounded(estimate)) is not None:
        return words
    head = (
        "No change"
        if round(estimate) == 0
        else (f"{'Narrowed' if estimate < 0 else 'Widened'} {size_text('points', estimate)}")
    )
    if high < 0 or low > 0:  # on one side: its size, smaller first
        bounds = interval_text(abs(estimate), *sorted((abs(low), abs(high))))
        return f"{head} ({bounds.removeprefix('between ').replace(' and ', ' to ')})"

    def way(x: float) -> str:
        return f"{'narrowed' if x < 0 else 'widened'} {abs(x):.0f}" if round(x) else "no change"

    return f"{head} (from {way(high)} to {way(low)})"


# A symbol per verdict, so that a verdict reads the same without its colour. The symbols
# say better or worse, not up or down: for crime, Improved means fewer crimes.
VERDICT_SYMBOLS = {
    "Improved": "✓",
    "Worsened": "✗",
    "No clear change": "=",
    "Inconclusive": "?",
    "Too early to tell": "…",
    "Not enough data": "–",
}


def verdict_label(verdict: str) -> str:
    """'✓ Improved': the verdict with its symbol ('' stays '')."""
    symbol = VERDICT_SYMBOLS.get(verdict)
    return f"{symbol} {verdict}" if symbol else verdict


def day_label(d: date | pd.Timestamp | str) -> str:
    """'30 Sep 2026'."""
    return pd.Timestamp(d).strftime("%d %b %Y").lstrip("0")


def month_label(d: date | pd.Timestamp | str) -> str:
    """'Sep 2026' (a 'YYYY-MM' string is read as that month)."""
    return pd.Timestamp(d).strftime("%b %Y")


def quarter_label(d: date | pd.Timestamp | str) -> str:
    """'2026 Q3'."""
    ts = pd.Timestamp(d)
    return f"{ts.year} Q{(ts.month - 1) // 3 + 1}"


def months_span(first: date | pd.Timestamp | str, last: date | pd.Timestamp | str) -> str:
    """'Oct 2025 to Sep 2026'."""
    return f"{month_label(first)} to {month_label(last)}"


def moment_label(t) -> str:
    """A time of day on a date, for logs: '30 Nov 2026 11:11:51'."""
    return pd.Timestamp(t).strftime("%d %b %Y %H:%M:%S").lstrip("0")


# Words that are not simply the code with spaces: hyphens, capitals, abbreviations, and
# the tables and import kinds a person meets on the Data page.
_NAMES = {
    "activity": "Partnership activities",
    "activities": "Partnership activities",
    "area": "Areas",
    "areas": "Areas",
    "area_alias": "Area aliases",
    "area_neighbour": "Neighbouring areas",
    "crime": "Recorded crimes",
    "crime_incident": "Recorded crimes",
    "crime_monthly": "Monthly crime counts (summary)",
    "event": "Dated events",
    "events": "Dated events",
    "feedback": "Partner and officer feedback",
    "initiative": "Initiatives",
    "initiatives": "Initiatives",
    "offence_category": "Offence categories",
    "organisation": "Organisations",
    "partnership": "Partnerships",
    "partnerships": "Partnerships",
    "partnership_area": "Partnership areas",
    "partnership_member": "Partnership members",
    "survey_item": "Survey questions",
    "survey_items": "Survey questions",
    "survey_response": "Survey responses",
    "survey_responses": "Survey responses",
    "survey_answer": "Survey answers",
    "survey_aggregate": "Published survey results",
    "survey_aggregates": "Published survey results",
    "survey_monthly": "Monthly survey sums (summary)",
    "non_profit": "Non-profit",
    "nonprofit": "Non-profit",
    "asb": "Anti-social behaviour",
    "local_government": "Local government",
    "resident_group": "Resident group",
}


def name_label(code: str) -> str:
    """An internal name as a person reads it: 'non_profit' -> 'Non-profit',
    'crime_monthly' -> 'Crime monthly', 'active' -> 'Active'."""
    text = str(code)
    if text.lower() in _NAMES:
        return _NAMES[text.lower()]
    words = text.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() if words else text
