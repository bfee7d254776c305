"""Common Ground: the frame. Page config, database check, shared filters, navigation."""

import streamlit as st

from ui.database import database_url, ensure_ready
from ui.filters import design_settings, sidebar_filters
from ui.frame import inside_frame

inside_frame()  # before anything is drawn: see ui/frame.py
st.set_page_config(page_title="Common Ground", page_icon=":handshake:", layout="wide")

ensure_ready()
st.session_state["filters"] = sidebar_filters(database_url())
st.session_state["design"] = design_settings()

navigation = st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/partnership.py", title="Partnership", icon=":material/handshake:"),
        st.Page("pages/data.py", title="Data", icon=":material/database:"),
    ]
)
navigation.run()
