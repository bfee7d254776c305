"""The equity gap on the Partnership page: its verdict cards and its chart over time, each
one short call for the page. Numbers come from `metrics.equity` through `ui.data`."""

from __future__ import annotations

import streamlit as st

from charts.equity import gap_chart
from metrics.equity import DRIFT_GROUP_N, gap_story
from metrics.formatting import gap_change_text
from ui.plain import plain
from ui.show import chart, nothing_to_show, verdict_card


def _n_note(gap: dict) -> str:
    """'Black and White residents answering, partnership areas: 70 and 105 before, 90 and 85 after.'"""
    t = gap.get("treated") or {}
    if not t.get("before") or "focus" not in t["before"]:
        return ""
    reference = gap.get("reference") or "other"
    cells = [f"{t[w]['focus']['n']:,} and {t[w]['reference']['n']:,} {w}" for w in ("before", "after")]
    return (
        f"Change in the gap, in points, with its 95% interval. {gap['group']} and {reference} residents "
        f"answering in the partnership's areas: {', '.join(cells)}."
    )


def equity_cards(equity: dict) -> None:
    """The registry's gap per survey outcome as verdict cards ("Not enough data" names the
    group and its n), or the sentence saying the registry sets none."""
    st.subheader("Equity gap")
    if not equity.get("set"):
        nothing_to_show(equity.get("sentence", ""))
        return
    cards = st.columns(max(len(equity["gaps"]), 1))
    for column, gap in zip(cards, equity["gaps"], strict=False):
        with column:
            note = _n_note(gap)
            headline = gap_change_text(gap["effect"]) if gap.get("effect") else ""
            verdict_card({**gap, "headline": headline, "notes": [note] if note else []})


def equity_chart(trend: dict | None, equity: dict) -> None:
    """The trust gap over time in the partnership's and the comparison areas (`trend`), with
    a plain sentence under it from the evaluation's `equity` record; nothing when the
    registry sets no gap."""
    if trend is None:
        return
    gap = next((g for g in equity.get("gaps", ()) if g["outcome"] == "trust"), None)
    quarters = trend["quarters"]
    if (quarters["side"] == "Partnership area").sum() < 2:
        nothing_to_show(
            f"{trend['label']}: too few answers from each group in the partnership's areas to draw it by "
            f"quarter (fewer than {DRIFT_GROUP_N} from a group in most quarters)."
        )
        if gap is not None:
            st.markdown(plain(gap_story(gap)))
        return
    chart(
        gap_chart(quarters, f"{trend['label']}, by quarter", trend["start"]),
        "Source: resident survey; gap = the reference group's score minus the focus group's, on 0-100 "
        "(above 0: the focus group trusts less). Band: 95% interval; quarters with at least "
        f"{DRIFT_GROUP_N} answers from each group.",
        key="equity_gap_chart",
    )
    if gap is not None:
        st.markdown(plain(gap_story(gap)))
