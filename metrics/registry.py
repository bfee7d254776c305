"""Every metric the dashboard shows, declared once as data.

Titles, axis labels, captions and the metrics table in docs/methods.md all read from
`METRICS`, so a metric's name and meaning cannot drift between places.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    description: str
    direction: str  # "higher is better" or "lower is better"
    source: str  # "survey" or "crime"


METRICS: tuple[Metric, ...] = (
    Metric(
        "trust",
        "Trust in police",
        "score 0-100",
        "Mean of 'treat residents with respect' and 'listen to concerns', each rescaled to "
        "0-100; residents of the partnership's catchment areas, weighted, per quarter.",
        "higher is better",
        "survey",
    ),
    Metric(
        "satisfaction",
        "Satisfaction with police",
        "score 0-100",
        "Mean of 'how good a job are the police doing' (reverse-coded) and 'satisfied with "
        "police services', rescaled to 0-100; weighted, per quarter.",
        "higher is better",
        "survey",
    ),
    Metric(
        "safety",
        "Feeling safe",
        "score 0-100",
        "'How safe do you feel in your neighborhood', rescaled to 0-100; weighted, per quarter.",
        "higher is better",
        "survey",
    ),
    Metric(
        "procedural_justice",
        "Procedural justice",
        "score 0-100",
        "Mean of 'treat everyone fairly' and 'can be relied on to be there', rescaled to "
        "0-100; weighted, per quarter.",
        "higher is better",
        "survey",
    ),
    Metric(
        "share_positive",
        "Share positive",
        "% of residents",
        "Weighted share of answers in the upper part of the item's scale, more than 60% of the "
        "way from the worst answer to the best (4 or 5 of 1-5, 3 or 4 of 1-4, 7 to 10 of 0-10), "
        "averaged over the construct's items for each resident.",
        "higher is better",
        "survey",
    ),
    Metric(
        "crime_count",
        "Recorded crimes",
        "crimes per month",
        "Recorded offences in the catchment areas by month of occurrence, by standard group "
        "(violent, property, anti-social behaviour, other).",
        "lower is better",
        "crime",
    ),
    Metric(
        "crime_rate",
        "Crime rate",
        "crimes per 1,000 residents per month",
        "Recorded crimes divided by the catchment areas' resident population, times 1,000.",
        "lower is better",
        "crime",
    ),
)

BY_KEY = {m.key: m for m in METRICS}
SURVEY_CONSTRUCTS = ("trust", "satisfaction", "safety", "procedural_justice")
CRIME_GROUP_LABELS = {
    "violent": "Violent crime",
    "property": "Property crime",
    "asb": "Anti-social behaviour",
    "other": "Other crime",
}


def metric(key: str) -> Metric:
    """The metric declared under `key` (KeyError names the known keys)."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown metric {key!r}; known: {', '.join(BY_KEY)}") from None
