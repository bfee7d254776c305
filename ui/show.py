"""Drawing on the page: a chart with its source line, and a sentence where data is missing."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

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
