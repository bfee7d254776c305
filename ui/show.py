"""Drawing on the page: a chart with its source line, and a sentence where data is missing."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from metrics.verdict import effect_text

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def chart(fig: go.Figure, source: str, key: str) -> None:
    """A chart with its source line (period, n, items or offence groups, method) under it."""
    # theme=None: keep our projector template instead of Streamlit's chart theme
    st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, theme=None)
    if source:
        st.caption(source)


def nothing_to_show(sentence: str) -> None:
    """A plain sentence in place of an empty chart."""
    st.info(sentence)


# st.badge accepts theme colour names only
BADGE_COLOURS = {
    "Improved": "green",
    "Worsened": "red",
    "No clear change": "blue",
    "Too early to tell": "orange",
    "Not enough data": "gray",
}


def verdict_card(outcome: dict) -> None:
    """One outcome's verdict: badge, estimate with interval, sentence, method and comparison."""
    with st.container(border=True):
        st.markdown(f"**{outcome['label']}**")
        st.badge(outcome["verdict"], color=BADGE_COLOURS.get(outcome["verdict"], "gray"))
        if outcome.get("effect"):
            st.markdown(f"**{effect_text(outcome['effect'])}**")
        st.write(outcome["sentence"])
        notes = []
        if outcome.get("method"):
            w = outcome["windows"]
            notes.append(
                f"Method: {outcome['method']}; {w['before'][0]} to {w['before'][1]} against "
                f"{w['after'][0]} to {w['after'][1]}."
            )
        if outcome.get("comparison"):
            c = outcome["comparison"]
            notes.append(f"Compared with {', '.join(c['areas'])} ({c['reason']}).")
        if notes:
            st.caption(" ".join(notes))
