"""The Partnership page's perception section: partners' and officers' view beside
residents' (perception-gap chart, the sentences under it, the same over the years) and the
partnership health items. One call from pages/partnership.py; numbers from
metrics.perception through the audience-checked loader ui.data.perception."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.perception import health_items_chart, perception_gap, perception_over_time
from metrics.filters import Filters
from metrics.perception import construct_label, gap_sentence, public_minimum, source_line
from metrics.publish import PUBLIC
from ui import data
from ui.plain import plain
from ui.show import chart, nothing_to_show, table

NO_SURVEY = (
    "No partner or officer survey is recorded for this partnership in this period, so their view "
    "cannot be set beside residents'."
)


def perception_section(url: str, audience: str, filters: Filters) -> None:
    """Draw the section for `audience`. Leadership sees every number; the public sees only
    what the count rule allows, and nothing at all (not even that it is missing) otherwise."""
    got = data.perception(url, audience, filters)
    view, gaps, items = got["views"], got["gaps"], got["items"]
    if view.empty and items.empty:
        if audience == "leadership":
            nothing_to_show(NO_SURVEY if not got["asked"] else "No shared question in this period.")
        return
    if not view.empty:
        chart(
            perception_gap(view, "How partners, officers and residents see it"),
            source_line(view, items),
            key="perception_gap",
        )
        whole = gaps[gaps["year"].isna()]
        st.markdown("\n".join(f"- {plain(gap_sentence(row))}" for row in whole.itertuples(index=False)))
        _over_time(view, items)
    if not items.empty:
        chart(
            health_items_chart(items, "Partnership health: partners and officers"),
            source_line(pd.DataFrame(), items).replace("Scores", "Agreement")
            + " Items after the COPS Community Policing Self-Assessment and the Wilder inventory.",
            key="perception_health",
        )
        with st.expander("Health items by year"):
            table(_items_table(items), f"{filters.partnership}-health-items")
    if audience == "leadership":
        st.caption(
            "Leadership only: partners and officers are few, and the public sees their view only when "
            f"every kind of respondent has at least {public_minimum(PUBLIC)} answers in every year shown."
        )


def _over_time(view: pd.DataFrame, items: pd.DataFrame) -> None:
    constructs = list(dict.fromkeys(view["construct"]))
    if view["year"].dropna().nunique() < 2:
        return
    construct = constructs[0]
    if len(constructs) > 1:
        construct = st.selectbox(
            "Shared question over the years", constructs, format_func=construct_label, key="perception_year"
        )
    chart(
        perception_over_time(view, construct, f"{construct_label(construct)}, by year"),
        source_line(view[view["construct"] == construct], items),
        key="perception_over_time",
    )


def _items_table(items: pd.DataFrame) -> pd.DataFrame:
    """Each health item's score by year and who answered, with its interval and n."""
    return pd.DataFrame(
        {
            "Item": items["wording"],
            "Year": items["year"].map(lambda y: "All years" if pd.isna(y) else str(int(y))),
            "Who": items["respondent"].map({"partner": "Partners", "officer": "Officers"}),
            "Score (0-100)": items["mean"].map(lambda v: f"{v:.0f}"),
            "95% interval": [
                "" if pd.isna(lo) else f"{max(lo, 0):.0f} to {min(hi, 100):.0f}"
                for lo, hi in zip(items["ci_low"], items["ci_high"], strict=True)
            ],
            "n": items["n"],
        }
    )
