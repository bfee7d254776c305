"""Streamlit-facing helpers shared by `app.py` and the pages: the database
resource, the sidebar filters, cached loaders and chart rendering.

This is the only layer besides `app.py` and `pages/` that imports Streamlit.
"""
