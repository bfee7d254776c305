"""Make sure a page runs inside the frame (`app.py`), never on its own.

Streamlit decides once per server process, when the first session starts, whether
the app uses the legacy `pages/` auto-discovery (because a `pages/` folder sits
next to `app.py`, as this project's layout requires). It switches that off as
soon as `app.py` calls `st.navigation`, but if the very first request of a fresh
server is a deep link such as `/partnership`, the page file runs alone, with no
frame, filters or database check; and even through `app.py`, widgets drawn on
that first legacy run get other ids than on later runs, so the first change a
user makes is lost. `inside_frame()`, called first by `app.py` and by every page,
detects the legacy mode, switches it off and reruns, so every run, the first
included, goes through `app.py` and `st.navigation`.
"""

from __future__ import annotations

from urllib.parse import urlparse

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager  # no public switch for this mode


def presenting() -> bool:
    """Whether this run is the Present page's own URL (/present): a room's view, with no
    sidebar, navigation or first-start message."""
    return urlparse(st.context.url or "").path.rstrip("/").endswith("/present")


def inside_frame() -> None:
    """Call first on every page: reruns through `app.py` when Streamlit ran the page alone."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
