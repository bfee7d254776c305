"""The shared sidebar filters, drawn by `app.py` on every run so their values
survive page switches (each widget has a fixed key)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from db.models import CRIME_GROUPS
from metrics.evaluation import Design
from metrics.filters import Filters
from metrics.registry import CRIME_GROUP_LABELS
from ui import data

KEY_PARTNERSHIP = "filter_partnership"
KEY_LINKED = "filter_partnership_linked"  # the address's ?p= last followed or written
KEY_PERIOD = "filter_period"
KEY_GROUPS = "filter_crime_groups"
DESIGN_KEYS = ("design_before", "design_after", "design_exclude")
FILTERED_PAGES = ("Overview", "Partnership")  # page titles


def keep_filters() -> None:
    """On a page without the filters: keep their choices for the next page that has them
    (Streamlit forgets a widget's value on a run that does not draw it)."""
    for key in (KEY_PARTNERSHIP, KEY_PERIOD, KEY_GROUPS, *DESIGN_KEYS):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def sidebar_filters(url: str, audience: str) -> Filters | None:
    """Draw the filters; return the chosen Filters, or None when there is no data yet."""
    plist = data.partnerships(url, audience)
    periods = data.period(url, audience, data.version(url))
    if plist.empty or periods is None:
        st.sidebar.info("No partnerships or data yet.")
        return None
    span, widest = periods  # the covered span by default; thin and stray months may be chosen
    names = dict(zip(plist["code"], plist["name"], strict=True))
    _follow_link(names)
    st.sidebar.header("Filters")
    code = st.sidebar.selectbox(
        "Partnership", options=list(names), format_func=names.__getitem__, key=KEY_PARTNERSHIP
    )
    chosen = st.sidebar.date_input(
        "Period",
        value=span,
        min_value=widest[0],
        max_value=widest[1],
        key=KEY_PERIOD,
        format="YYYY-MM-DD",
        help="Starts where every source's records reach their usual volume (see the Data page).",
    )
    start, end = _complete_range(chosen, span)
    groups = st.sidebar.multiselect(
        "Crime groups",
        options=list(CRIME_GROUPS),
        default=list(CRIME_GROUPS),
        format_func=CRIME_GROUP_LABELS.__getitem__,
        key=KEY_GROUPS,
    )
    return Filters(start=start, end=end, partnership=code, crime_groups=tuple(groups))


def _follow_link(names: dict[str, str]) -> None:
    """An address with ?p=CODE (a link someone shared) chooses that partnership, once: the
    sidebar's later choices win until the address names another one."""
    linked = st.query_params.get("p")
    if not linked or linked == st.session_state.get(KEY_LINKED):
        return
    st.session_state[KEY_LINKED] = linked
    if linked in names:
        st.session_state[KEY_PARTNERSHIP] = linked
    else:
        st.warning(  # in the page, not the sidebar: a phone shows the sidebar folded away
            "The link names a partnership that does not exist, or that you may not see; the one chosen "
            "under Filters is shown instead."
        )


def show_in_address(code: str) -> None:
    """Put the partnership on show in the address (?p=CODE), so that it can be bookmarked
    or sent and opens on the same partnership."""
    st.session_state[KEY_LINKED] = code
    if st.query_params.get("p") != code:
        st.query_params["p"] = code


def _complete_range(chosen, span: tuple[date, date]) -> tuple[date, date]:
    """A (start, end) pair even while the user is half-way through picking a range
    (the widget then returns one date)."""
    if isinstance(chosen, tuple | list):
        if len(chosen) == 2:
            return chosen[0], chosen[1]
        if len(chosen) == 1:
            return chosen[0], span[1]
        return span
    return chosen, span[1]


def design_settings() -> Design:
    """The evaluation design, shared by every page so their verdicts agree."""
    with st.sidebar.expander("Evaluation design"):
        before = st.number_input("Months before the start", 1, 60, 12, key="design_before")
        after = st.number_input("Months after the start", 1, 60, 12, key="design_after")
        exclude = st.number_input(
            "Ramp-up months left out",
            0,
            24,
            0,
            key="design_exclude",
            help="Months just after the start that belong to neither window.",
        )
    return Design(before_months=int(before), after_months=int(after), exclude_months=int(exclude))
