"""Initiatives: every partnership's initiatives in one table, each judged on its own target
where one is recorded, and which kinds of response work here."""

import streamlit as st

from metrics.evaluation import Design
from ui import data
from ui.auth import require
from ui.database import database_url
from ui.frame import inside_frame
from ui.initiatives import CHANCE_SOURCE, chance_text, portfolio_filters, portfolio_table, response_kinds
from ui.show import nothing_to_show, table

inside_frame()
user = require("leadership", "Initiatives")  # before any data is fetched
st.title("Initiatives")
design = st.session_state.get("design") or Design()
rows, counts = data.initiative_portfolio(database_url(), user.audience, design)
if not rows:
    nothing_to_show("No initiatives are recorded yet. Load a registry with initiatives to see them here.")
    st.stop()
st.caption(
    "Did each initiative work? One with a target (areas and outcomes) is judged on its own: was it "
    "carried out, did its problem change against comparable areas, and did it move next door. One that was "
    "never carried out is untested, not failed. 'Claim' is what its lead recorded, not a measurement."
)
shown = portfolio_filters(rows)
table(portfolio_table(shown), "initiatives")
st.caption(f"{len(shown)} of {len(rows)} initiatives shown.")
st.markdown(chance_text(counts) + " (Every targeted initiative that was carried out, whatever the filters.)")
st.caption(CHANCE_SOURCE)

st.subheader("Which kinds of response work here?")
response_kinds(shown)
