"""The Data page's weighting status: how the raking of resident answers to each area's
population margins went (db.weighting), for leadership. A cached loader and two pure
table builders."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db.weighting import NO_MARGINS, weighting_runs
from ui.database import engine_for


@st.cache_data(ttl=60, max_entries=8, show_spinner=False)
def runs(url: str, audience: str) -> pd.DataFrame:
    """Every area's latest raking (db.weighting.weighting_runs); leadership only."""
    if audience != "leadership":
        raise PermissionError(f"this data is not for the {audience!r} audience")
    with engine_for(url).connect() as conn:
        return weighting_runs(conn)


def status_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row: areas raked, areas where raking did not converge (design weights kept),
    areas without population margins, and the median design effect of the raked areas."""
    bare = runs["note"].fillna("").eq(NO_MARGINS)
    raked = runs["converged"].astype(bool)
    deff = runs.loc[raked, "design_effect"].dropna()
    return pd.DataFrame(
        {
            "Areas raked": [int(raked.sum())],
            "Not converged (design weights kept)": [int((~raked & ~bare).sum())],
            "No population margins": [int(bare.sum())],
            "Median design effect": [f"{deff.median():.2f}" if len(deff) else "-"],
        }
    )


def failures_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The areas whose raking did not converge, with the note that says why."""
    failed = runs[~runs["converged"].astype(bool) & runs["note"].fillna("").ne(NO_MARGINS)]
    return pd.DataFrame(
        {
            "Area": failed["name"],
            "Respondents": failed["respondents"],
            "Iterations": failed["iterations"],
            "Why": failed["note"].fillna(""),
        }
    )
