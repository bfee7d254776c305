"""What `streamlit run serve.py` starts: the dashboard (`app.py`, the frame every page
runs in) behind the server's own guards (`web/guard.py`): security headers, a sign-in
cookie as long as a sign-in, no public metrics, and leadership downloads served only to
the sign-in they were made for. `streamlit run app.py` would run the pages without them."""

import streamlit as st
from starlette.middleware import Middleware

from web.guard import Guard

app = st.App("app.py", middleware=[Middleware(Guard)])
