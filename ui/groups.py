"""Who trusts, and who doesn't: the Partnership page's breakdown of a score by group (with
its benchmarks in words) and the Overview's city-wide trust by race or ethnicity.

Each function draws one block of a page from `ui.data` loaders, which have already
applied the audience's rules: a hidden group arrives only as a name, said in the caption.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.groups import group_dots
from metrics.filters import Filters
from metrics.formatting import months_span
from metrics.groups import CITY, DIMENSION_LABELS, breakdown_sentence, latest_months, latest_published
from metrics.registry import SURVEY_CONSTRUCTS, metric
from ui import data
from ui.auth import User
from ui.plain import plain
from ui.show import chart, nothing_to_show


def _sampled_source(
    rows: pd.DataFrame, filters: Filters, hidden: str, where: str, latest: bool = False
) -> str:
    return (
        f"Source: resident survey, {where}, {months_span(filters.start, filters.end)}"
        f"{' (the latest 12 months of the period chosen)' if latest else ''}; "
        f"{int(rows['n'].sum()):,} residents in the groups shown, n per group in its label. "
        "Dot: weighted mean on 0-100; bar: 95% interval."
        + (
            " Small sample: fewer than 60 answers, or a wide interval; read with care."
            if rows["flag"].any()
            else ""
        )
        + (f" {hidden}" if hidden else "")
    )


def partnership_groups(url: str, user: User, filters: Filters, name: str) -> None:
    """The breakdown chart of a chosen score by a chosen dimension over the latest 12 months of
    the period (the "Trust by group" slide's window, so the two agree), a sentence on it, and
    the partnership's latest scores against the city and areas of similar population."""
    version = data.version(url)
    recent = latest_months(filters)  # the latest 12 months, as on the "Trust by group" slide
    found = data.breakdown(url, user.audience, recent, None, False, version)
    sampled, published = found["sampled"], found["published"]
    dimensions = [d for d in DIMENSION_LABELS if any(k[1] == d for k in sampled)]
    dimensions += [
        d for d in DIMENSION_LABELS if d not in dimensions and d in set(published.get("dimension", ()))
    ]
    if not dimensions:
        nothing_to_show("No resident of these areas said their age, sex or race or ethnicity in this period.")
    else:
        left, right = st.columns(2)
        construct = left.selectbox(
            "Score", SURVEY_CONSTRUCTS, format_func=lambda c: metric(c).label, key="groups_construct"
        )
        dimension = right.selectbox(
            "Residents by",
            dimensions,
            index=dimensions.index("race_ethnicity") if "race_ethnicity" in dimensions else 0,
            format_func=DIMENSION_LABELS.__getitem__,
            key="groups_dimension",
        )
        label, by = metric(construct).label, DIMENSION_LABELS[dimension].lower()
        shown = sampled.get((filters.partnership, dimension, construct))
        if shown is not None and (len(shown.groups) or shown.hidden):
            rows = shown.groups
            if rows.empty:
                nothing_to_show(f"No group is large enough to show. {shown.hidden_text}")
            else:
                chart(
                    group_dots(rows, f"{label} by {by}, {months_span(recent.start, recent.end)}", construct),
                    _sampled_source(rows, recent, shown.hidden_text, f"{name}'s areas", latest=True),
                    key="groups_chart",
                )
                st.markdown(plain(breakdown_sentence(rows, label, dimension)))
        else:
            _published_block(published, construct, dimension, label, by)
    _benchmark_block(url, user, filters)


def _published_block(published: pd.DataFrame, construct: str, dimension: str, label: str, by: str) -> None:
    rows = published[
        (published["construct"] == construct)
        & (published["dimension"] == dimension)
        & (published["statistic"] == "mean")
    ]
    latest = latest_published(rows)
    if latest.empty:
        nothing_to_show(f"No {label.lower()} score by {by} for these areas in this period.")
        return
    period = latest["period"].max()
    chart(
        group_dots(latest[["group", "value"]], f"{label} by {by}, {period:%b %Y}", construct),
        f"Source: published survey results, {period:%B %Y}, averaged over {int(latest['areas'].max())} "
        "area(s); sample size not reported, so no interval and no group is hidden for its size.",
        key="groups_chart",
    )
    st.markdown(plain(breakdown_sentence(latest[["group", "value"]], label, dimension)))


def _benchmark_block(url: str, user: User, filters: Filters) -> None:
    frame = data.benchmark(url, user.audience, filters, data.version(url))
    st.markdown("**Against the city, and against areas of similar population** (latest four quarters)")
    if frame.empty:
        nothing_to_show("No scores for these areas in the latest four quarters to compare.")
        return
    st.markdown(
        "\n".join(
            f"- **{word.capitalize()}.** {plain(text)}"
            for word, text in zip(frame["words"], frame["sentence"], strict=True)
        )
    )
    st.caption(
        "City average: every resident outside these areas. Areas of similar population: areas without a "
        "partnership whose population is within 25% of these areas' average (at least 3 needed). Higher or "
        "lower: the 95% interval of the difference lies on one side of zero; similar: it crosses zero. "
        "Not a ranking."
    )


def city_trust_by_race(url: str, user: User, filters: Filters) -> None:
    """City-wide trust by race or ethnicity over the filter period: one chart, one sentence."""
    found = data.breakdown(url, user.audience, filters, "race_ethnicity", True, data.version(url))
    shown = found["sampled"].get((CITY, "race_ethnicity", "trust"))
    label = metric("trust").label
    if shown is None or shown.groups.empty:
        nothing_to_show("No resident said their race or ethnicity in this period.")
        return
    rows = shown.groups
    chart(
        group_dots(rows, f"{label} across the city, by race or ethnicity", "trust"),
        _sampled_source(rows, filters, shown.hidden_text, "every area"),
        key="overview_trust_by_race",
    )
    st.markdown(plain(breakdown_sentence(rows, label, "race_ethnicity")))
