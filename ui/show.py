"""Drawing on the page: a chart with its source line, and a sentence where data is missing."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts.figures import coverage_strip, figure_table
from db.audit import AuditUnavailable
from db.users import may
from metrics.coverage import THIN_SHARE, SourceCoverage, coverage_months
from metrics.formatting import effect_text
from metrics.publish import csv_bytes
from metrics.verdict import method_notes, sustained_text
from ui.auth import User, handed_over, recorder, this_user
from ui.filters import KEY_PARTNERSHIP
from ui.plain import plain
from ui.tables import grid_style, problems_table, rules_table
from web.downloads import file_name, new_copy

PROBLEMS_LISTED = 1_000  # as many as an import keeps (db.importing.report.KEPT_PROBLEMS)
MIMES = {
    "csv": "text/csv",
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def chart(fig: go.Figure, source: str, key: str) -> None:
    """A chart with its source line (period, n, items or offence groups, method) under it,
    and a download of the numbers it draws (CSV whose cells cannot start a formula)."""
    # theme=None: keep our projector template instead of Streamlit's chart theme
    st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, theme=None)
    if source:
        st.caption(plain(source))
    download(
        st,
        "Download chart data (CSV)",
        lambda: csv_bytes(figure_table(fig)),
        key,
        "csv",
        f"chart data: {key}",
    )


def download(where, label: str, make, stem: str, extension: str, what: str, **style) -> None:
    """A download button whose file is made when it is clicked and recorded in the audit
    log as `what`. For leadership and admin sessions the file is bound to their sign-in
    (a copy id in its name; web/downloads.py); a public file is an ordinary download."""
    user = this_user()
    mime = MIMES[extension]
    if may(user.role, "leadership"):
        copy = new_copy()
        data, name = handed_over(user, make, copy, what), file_name(stem, copy, extension)
    else:
        record = recorder(user, "download", what)

        def data() -> bytes:  # made when clicked, after its use is recorded
            record()
            return make()

        name = f"{stem}.{extension}"
    where.download_button(
        label,
        data=data,
        file_name=name,
        mime=mime,
        icon=":material/download:",
        type=style.get("type", "tertiary"),
        on_click="ignore",
        key=f"{stem}_{extension}_download",
    )


def table(frame: pd.DataFrame, name: str) -> None:
    """A table, and a download of it (CSV whose cells cannot start a formula, recorded in
    the audit log like any download). Streamlit's own table toolbar export is turned off
    (client.disableDataExport): it would hand a cell such as =HYPERLINK(...) to a
    spreadsheet as a live formula."""
    st.dataframe(frame, hide_index=True)
    download(st, "Download this table (CSV)", lambda: csv_bytes(frame), name, "csv", f"table: {name}")


def nothing_to_show(sentence: str) -> None:
    """A plain sentence in place of an empty chart."""
    st.info(plain(sentence))


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
    """One outcome's verdict: badge, estimate with interval (or the outcome's own `headline`),
    sentence, method and comparison."""
    with st.container(border=True):
        st.markdown(f"**{plain(outcome['label'])}**")
        st.badge(outcome["verdict"], color=BADGE_COLOURS.get(outcome["verdict"], "gray"))
        if outcome.get("headline"):
            st.markdown(f"**{plain(outcome['headline'])}**")
        elif outcome.get("effect"):
            st.markdown(f"**{effect_text(outcome['effect'])}**")
        st.markdown(plain(outcome["sentence"]))
        if outcome.get("sustained"):
            st.markdown(plain(sustained_text(outcome["sustained"])))
        notes = method_notes(outcome, outcome.get("window", "first months"))
        notes.extend(outcome.get("notes", ()))
        if notes:
            st.caption(plain(" ".join(notes)))


# The verdict grid's column widths and row height (px): names up to about 35 characters
# and seven outcomes fit the 877 px main area of a 1366 x 768 laptop with the sidebar
# open, and ten rows with the legend fit its first screen; a phone scrolls the grid
# inside itself, the names pinned.
GRID_NAME_WIDTH = 248
GRID_CELL_WIDTH = 89
GRID_ROW_HEIGHT = 32


def verdict_grid(grid: pd.DataFrame, labels: dict[str, str], key: str) -> tuple[str, str] | None:
    """`ui.tables.grid_table` as a tinted table in which one cell can be selected, each
    heading's full label (`labels`) in its tooltip; returns the selected cell as
    (partnership code, column heading), or None."""
    config = {
        column: st.column_config.TextColumn(width=GRID_CELL_WIDTH, help=labels.get(column))
        for column in grid.columns
        if column != "Partnership"
    }
    config["Partnership"] = st.column_config.TextColumn(width=GRID_NAME_WIDTH, pinned=True)
    event = st.dataframe(
        grid_style(grid),
        hide_index=True,
        column_config=config,
        key=key,
        on_select="rerun",
        selection_mode="single-cell",
        row_height=GRID_ROW_HEIGHT,
        width="content",  # as wide as its columns: a compact grid on wide screens too
        alt="Verdict per partnership and outcome",
    )
    for row, column in event.selection.cells:
        if 0 <= row < len(grid) and column in grid.columns:
            return grid.index[row], column
    return None


def _choose_partnership(code: str, key: str) -> None:
    # A callback runs before the frame draws the sidebar, so the filter may still be set
    # here. The switch waits for the page body: pages are not registered yet in a callback,
    # and the frame may rerun once (ui/frame.py), which would drop a button's True.
    st.session_state[KEY_PARTNERSHIP] = code
    st.session_state[f"{key}_clicked"] = True


def partnership_link(code: str, name: str, key: str) -> None:
    """A link-like button that opens the Partnership page on `code` (the Partnership page
    follows the sidebar's partnership filter, which the click sets first)."""
    if st.session_state.pop(f"{key}_clicked", False):
        st.switch_page("pages/partnership.py")
    st.button(
        f"Open {plain(name)} on the Partnership page",
        icon=":material/handshake:",
        type="tertiary",
        key=key,
        on_click=_choose_partnership,
        args=(code, key),
    )


def import_report(report) -> None:
    """An import's outcome: accepted with its counts, or refused with every problem in a table."""

    if report.accepted:
        if report.already_imported:
            st.info(plain(report.text()))
        else:
            (st.info if report.dry_run else st.success)(plain(report.text()))
        return
    total = report.problem_count
    st.error(f"Refused: {total:,} problem(s) in {plain(report.file_name)}. Nothing was written.")
    st.dataframe(rules_table(report.summary()), hide_index=True)
    listed = min(len(report.problems), PROBLEMS_LISTED)
    st.dataframe(problems_table(report.problems, limit=listed), hide_index=True)
    if listed < total:
        st.caption(f"The first {listed:,} of {total:,} problems are listed; the counts per rule are exact.")


def coverage_strips(sources: list[SourceCoverage]) -> None:
    """Every source's coverage strip, then each source's first and last month, covered
    span and thin months in a plain sentence."""
    if not sources:
        nothing_to_show("No crime or survey records are loaded yet.")
        return
    chart(
        coverage_strip(coverage_months(sources), "Records per month"),
        "Source: the loaded records, counted per month. Shade: the month's records against the "
        "source's usual (median) month, full at half of it or more; marked in red under a strip: "
        f"thin (under {THIN_SHARE:.0%} of it) or stray, far from the rest. "
        "The default period runs from the first to the last month of usual volume.",
        key="coverage",
    )
    for source in sources:
        st.markdown(plain(source.sentence()))


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
        version = data.version(url)
        files = {fmt: data.deck_file(url, audience, code, fmt, version) for fmt in ("pdf", "pptx")}
    for column, fmt, label in ((left, "pdf", "Board packet (PDF)"), (right, "pptx", "Slides (PowerPoint)")):
        content = files[fmt]
        if audience == "leadership":  # made on the click, for this sign-in only (web/downloads.py)
            what = f"{code}: board packet ({fmt}, leadership)"
            download(column, label, lambda c=content: c, f"{code}-{audience}", fmt, what, type="secondary")
            continue
        column.download_button(
            label,
            data=content,
            file_name=f"{code}-{audience}.{fmt}",
            mime=MIMES[fmt],
            icon=":material/download:",
            on_click="ignore",
            key=f"download_{fmt}_{audience}",
        )
