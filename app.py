"""Common Ground: the frame. Page config, database check, shared filters, navigation."""

from urllib.parse import urlparse

import streamlit as st

from ui.database import database_url, ensure_ready
from ui.filters import design_settings, sidebar_filters
from ui.frame import inside_frame

inside_frame()  # before anything is drawn: see ui/frame.py
# Presentation mode is a room's view: no sidebar, no navigation, nothing but the slide.
presenting = urlparse(st.context.url or "").path.rstrip("/").endswith("/present")
st.set_page_config(
    page_title="Common Ground",
    page_icon=":handshake:",
    layout="wide",
    initial_sidebar_state="collapsed" if presenting else "auto",
)

ensure_ready()
if not presenting:
    st.session_state["filters"] = sidebar_filters(database_url())
    st.session_state["design"] = design_settings()

navigation = st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/partnership.py", title="Partnership", icon=":material/handshake:"),
        st.Page("pages/data.py", title="Data", icon=":material/database:"),
        st.Page("pages/present.py", title="Present", icon=":material/slideshow:", url_path="present"),
    ],
    position="hidden" if presenting else "sidebar",
)
navigation.run()
