"""Chart layer: pure builders (DataFrame -> plotly Figure) sharing one template.

No Streamlit and no database here, so the same figures serve pages and exports.
"""
