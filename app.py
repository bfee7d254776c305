"""Common Ground: the frame. Page config, who is using it, database check, shared filters,
and the navigation that person may see."""

import streamlit as st

from db.users import may
from ui.auth import account_controls, current_user, local_mode_allowed, remember
from ui.database import database_url, ensure_ready
from ui.filters import FILTERED_PAGES, design_settings, keep_filters, sidebar_filters
from ui.frame import inside_frame, presenting

inside_frame()  # before anything is drawn: see ui/frame.py
# Presentation mode is a room's view: no sidebar, no navigation, nothing but the slide.
presenting = presenting()
ensure_ready(quiet=presenting)  # the user table lives in the database
user = current_user()
remember(user)  # pages and downloads use this run's answer
leadership = may(user.role, "leadership")
st.set_page_config(
    page_title="Common Ground",
    page_icon=":handshake:",
    layout="wide",
    # the public sees one page, the slides, at full width; leadership gets its filters
    initial_sidebar_state="auto" if leadership and not presenting else "collapsed",
)
if user.mode == "local" and not local_mode_allowed():
    st.error(
        "No sign-in is configured, and this server can be reached from beyond this machine (it listens "
        "there, or a reverse proxy forwards to it). Local mode gives "
        "full access to anyone who can reach it, so it is refused. Configure sign-in (see docs/access.md), "
        "or run with --server.address 127.0.0.1, or set COMMONGROUND_ALLOW_LOCAL_MODE=1 if you mean it."
    )
    st.stop()

slides = st.Page("pages/present.py", title="Present", icon=":material/slideshow:", url_path="present")


def to_the_slides() -> None:
    """The public's start page: the slides, at their own address. Present itself is never
    the default page, because Streamlit moves a default page to "/" and then answers the
    address the public is given, /present, with "Page not found"."""
    st.switch_page(slides, query_params=st.query_params.to_dict())


pages = [
    (
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=leadership),
        "leadership",
    ),
    (st.Page("pages/partnership.py", title="Partnership", icon=":material/handshake:"), "leadership"),
    (st.Page("pages/initiatives.py", title="Initiatives", icon=":material/flag:"), "leadership"),
    (st.Page("pages/data.py", title="Data", icon=":material/database:"), "admin"),
    (st.Page("pages/audit.py", title="Audit log", icon=":material/history:"), "admin"),
    (slides, "public"),
]
allowed = [page for page, needed in pages if may(user.role, needed)]
listed = list(allowed)  # the start page below only moves the public on: it is not listed
if not leadership:
    allowed.append(st.Page(to_the_slides, title="Common Ground", url_path="start", default=True))
# The page list is drawn here, as links, never by Streamlit: its automatic list would
# flash the raw file names while a page loads (showSidebarNavigation is off).
current = st.navigation(allowed, position="hidden")
if not presenting:
    if len(listed) > 1:
        for page in listed:
            st.sidebar.page_link(page)
    if user.mode == "local":
        st.warning(
            "Local mode: no sign-in is configured, so whoever uses this machine sees everything. "
            "Set up sign-in before sharing the dashboard (docs/access.md).",
            icon=":material/lock_open:",
        )
    elif leadership:  # signing in and out: in the sidebar for leadership, by the slides for the public
        account_controls(user, st.sidebar)
# The filters are drawn on the pages that show crime and surveys, and only there.
if leadership and current.title in FILTERED_PAGES:
    st.session_state["filters"] = sidebar_filters(database_url(), user.audience)
    st.session_state["design"] = design_settings()
else:
    keep_filters()  # their choices wait for the next page that uses them
current.run()
