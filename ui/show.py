"""Drawing on the page: a chart with its source line, and a sentence where data is missing."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from charts.figures import figure_table
from db.audit import AuditUnavailable
from db.users import may
from metrics.publish import csv_bytes
from metrics.verdict import effect_text, sustained_text
from ui.auth import User, recorder, this_user
from ui.tables import problems_table, rules_table

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def chart(fig: go.Figure, source: str, key: str) -> None:
    """A chart with its source line (period, n, items or offence groups, method) under it,
    and a download of the numbers it draws (CSV whose cells cannot start a formula)."""
    # theme=None: keep our projector template instead of Streamlit's chart theme
    st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, theme=None)
    if source:
        st.caption(source)
    record = recorder(this_user(), "download", f"chart data: {key}")

    def table() -> bytes:  # made when clicked, after its use is recorded
        record()
        return csv_bytes(figure_table(fig))

    st.download_button(
        "Download chart data (CSV)",
        data=table,
        file_name=f"{key}.csv",
        mime="text/csv",
        icon=":material/download:",
        type="tertiary",
        on_click="ignore",
        key=f"{key}_csv",
    )


def nothing_to_show(sentence: str) -> None:
    """A plain sentence in place of an empty chart."""
    st.info(sentence)


# st.badge accepts theme colour names only
BADGE_COLOURS = {
    "Improved": "green",
    "Worsened": "red",
    "No clear change": "blue",
    "Inconclusive": "orange",
    "Too early to tell": "violet",
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
        if outcome.get("sustained"):
            st.write(sustained_text(outcome["sustained"]))
        notes = []
        if outcome.get("method"):
            w = outcome["windows"]
            notes.append(
                f"Method: {outcome['method']}; {w['before'][0]} to {w['before'][1]} against "
                f"{w['after'][0]} to {w['after'][1]} ({outcome.get('window', 'first months')})."
            )
        if outcome.get("comparison"):
            c = outcome["comparison"]
            notes.append(f"Compared with {', '.join(c['areas'])} ({c['reason']}).")
        if notes:
            st.caption(" ".join(notes))


def import_report(report) -> None:
    """An import's outcome: accepted with its counts, or refused with every problem in a table."""

    if report.accepted:
        if report.already_imported:
            st.info(report.text())
        else:
            (st.info if report.dry_run else st.success)(report.text())
        return
    st.error(f"Refused: {len(report.problems):,} problem(s) in {report.file_name}. Nothing was written.")
    st.dataframe(rules_table(report.summary()), hide_index=True)
    st.dataframe(problems_table(report.problems), hide_index=True)
    if len(report.problems) > 500:
        st.caption(f"The first 500 of {len(report.problems):,} problems are listed.")


def _prepare(user: User, code: str, audience: str) -> None:
    """Record the export, then mark the packet as wanted (a button's callback)."""
    try:
        recorder(user, "export", f"{code}: board packet and slides ({audience})")()
    except AuditUnavailable:
        st.session_state["export_refused"] = True
        return
    st.session_state["prepared_downloads"].add((code, audience))


def board_downloads(url: str, code: str, user: User, audience: str) -> None:
    """The board packet (PDF) and deck (PowerPoint) for `audience`, which the user's role
    must allow. They are made on request (a few seconds; then cached), recorded in the
    audit log, and offered as ordinary downloads once ready."""
    from ui import data

    if not may(user.role, audience):
        st.error(f"A {audience} packet is not available to this session.")
        return
    prepared = st.session_state.setdefault("prepared_downloads", set())
    if (code, audience) not in prepared:
        st.button(
            "Prepare the board packet and slides to download",
            icon=":material/description:",
            key=f"prepare_{audience}",
            on_click=_prepare,
            args=(user, code, audience),
        )
        if st.session_state.pop("export_refused", False):
            st.error("The export could not be recorded in the audit log, so it is refused. Try again.")
        return
    left, right, _ = st.columns([1, 1, 2])
    with st.spinner("Drawing the charts for the packet..."):
        files = {fmt: data.deck_file(url, audience, code, fmt) for fmt in ("pdf", "pptx")}
    for column, fmt, label, mime in (
        (left, "pdf", "Board packet (PDF)", "application/pdf"),
        (right, "pptx", "Slides (PowerPoint)", PPTX_MIME),
    ):
        column.download_button(
            label,
            data=files[fmt],
            file_name=f"{code}-{audience}.{fmt}",
            mime=mime,
            icon=":material/download:",
            on_click="ignore",
            key=f"download_{fmt}_{audience}",
        )
