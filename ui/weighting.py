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
    areas without population margins, the median design effect of the raked areas, and the
    number of weights trimmed."""
    bare = runs["note"].fillna("").eq(NO_MARGINS)
    raked = runs["converged"].astype(bool)
    deff = runs.loc[raked, "design_effect"].dropna()
    return pd.DataFrame(
        {
            "Areas raked": [int(raked.sum())],
            "Not converged (design weights kept)": [int((~raked & ~bare).sum())],
            "No population margins": [int(bare.sum())],
            "Median design effect": [f"{deff.median():.2f}" if len(deff) else "-"],
            "Weights trimmed": [int(runs["trimmed"].fillna(0).sum())],
        }
    )


def explanation(runs: pd.DataFrame) -> str:
    """What the status table means, with its own numbers: the median design effect in words
    (the share of answers the weights cost in precision) and how many weights were trimmed."""
    raked = runs["converged"].astype(bool)
    deff = runs.loc[raked, "design_effect"].dropna()
    text = (
        "Resident answers are raked to each area's census counts (population margins), so that "
        "every group counts as much as it does in the area."
    )
    if len(deff):
        median = deff.median()
        lost = max(0.0, 1 - 1 / median) if median > 0 else 0.0
        text += (
            f" The median design effect, {median:.2f}, means the weights cost as much precision as "
            f"losing {lost:.0%} of the answers."
        )
    trimmed = int(runs["trimmed"].fillna(0).sum())
    areas = int((runs["trimmed"].fillna(0) > 0).sum())
    text += (
        f" {trimmed:,} weight{'' if trimmed == 1 else 's'} trimmed (capped, so that no answer counts "
        f"too much) in {areas:,} area{'' if areas == 1 else 's'}."
        if trimmed
        else " No weight needed trimming."
    )
    return text


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
