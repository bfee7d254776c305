"""The Partnership page's "What people write" section: theme counts for everyone the page
is for; sentiment, topics found in the data and example comments for leadership only.

Data comes through ui.data.themes, which hands a public audience nothing but counts the
public rules allow (metrics.themes.summary), so nothing confidential reaches this code
for a public session."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from charts.themes import sentiment_bars, theme_bars
from metrics.filters import Filters
from metrics.formatting import day_label
from metrics.themes import BLANK, ENGLISH, OTHER_LANGUAGE
from ui import data
from ui.auth import User
from ui.show import chart, nothing_to_show, table

SOURCE_LABELS = {"resident": "Resident", "partner": "Partner", "officer": "Officer"}
# what the section counts, said on its chart and sentence: the board's slide counts residents'
# written answers only, so the two are not the same number
COUNTED = "residents' written survey answers and partners' and officers' feedback comments"
COUNTS_TITLE = "Residents' written answers and partners' and officers' comments, per theme"


def themes_section(url: str, user: User, filters: Filters, code: str, begun: date) -> None:
    """Draw the section for partnership `code` (begun on `begun`) over the period."""
    found = data.themes(url, user.audience, filters, code, begun)
    if found["latest"] is None:
        nothing_to_show("No one wrote a comment or a written survey answer here in this period.")
        return
    first, latest = found["windows"]
    chart(
        theme_bars(
            found["shown"],
            f"First 4 quarters from the start ({first})" if first else None,
            f"Latest 4 quarters ({latest})",
            COUNTS_TITLE,
        ),
        _counts_source(found),
        key="themes_counts",
    )
    st.markdown(
        f"**Counted here: {COUNTED}** (the board slide counts residents' answers only). {found['sentence']}"
    )
    small = found["shown"].loc[found["shown"]["all_small"], "theme"].tolist()
    if small:
        st.caption(f"Written about fewer than 11 times in each window: {', '.join(small)}.")
    if user.audience == "public":
        return
    tallies = found["tallies"]
    st.caption(
        f"Read: {tallies[ENGLISH]:,} comments in English ({tallies['with a theme']:,} on a listed theme), "
        f"{tallies[OTHER_LANGUAGE]:,} in another language (counted, not read for themes or tone) and "
        f"{tallies[BLANK]:,} blank. Themes from the dashboard's list of themes (docs/methods.md tells an "
        "administrator how to edit it)."
    )
    left, right = st.columns(2)
    with left:
        scores = found["sentiment"]
        if scores[["negative", "positive"]].notna().any(axis=None):
            chart(
                sentiment_bars(scores, "Tone of the comments, by theme"),
                "Share of each theme's comments by tone, from VADER, a word-list method (compound score "
                "below -0.05 negative, above 0.05 "
                "positive), English comments over the whole period; n in brackets.",
                key="themes_sentiment",
            )
    with right:
        st.markdown("**Themes the comments suggest by themselves**")
        if found["topics"].empty:
            st.caption("Too few comments (fewer than 20 in English) to look for themes in the data.")
        else:
            table(_topics_table(found["topics"]), f"{code}-comment-topics")
            st.caption(
                "Groups of words that often come together (TF-IDF and NMF). Suggestions only: a group "
                "that the list of themes misses is worth adding to it."
            )
    st.markdown("**Example comments per theme** (newest first). Confidential: leadership only.")
    table(_examples_table(found["examples"]), f"{code}-comment-examples")


def _counts_source(found: dict) -> str:
    change = found.get("change")
    test = ""
    if change is not None and "p_value" in change and change["p_value"].notna().any():
        moved = change[change["p_value"] < 0.05]
        if not moved.empty:
            words = [
                f"{t} ({'more' if r > 1 else 'less'} often, share x{r:.1f})"
                for t, r in zip(moved["theme"], moved["share_ratio"], strict=True)
            ]
            test = " Changed more than chance would (p < 0.05, share of comments): " + "; ".join(words) + "."
    return (
        "Source: partners' and officers' feedback comments and residents' written survey answers in the "
        "partnership's areas; a comment may speak to several themes. Counts of 1 to 10 are shown as "
        "'fewer than 11' in public." + test
    )


def _topics_table(topics: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Words that come together": topics["words"], "Comments": topics["comments"]})


def _examples_table(examples: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Theme": examples["theme"],
            "Written": examples["written_on"].map(day_label),
            "From": examples["who"].map(SOURCE_LABELS),
            "Comment": examples["text"],
        }
    )
