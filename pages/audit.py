"""Audit log: who signed in, viewed, exported, imported or changed what, and when (admins)."""

from datetime import timedelta

import streamlit as st

from db.audit import ACTIONS
from db.models import AUDIT_OUTCOMES
from metrics.publish import csv_bytes
from ui import data
from ui.auth import require
from ui.database import database_url
from ui.frame import inside_frame
from ui.show import download, table
from ui.tables import audit_table, users_table

SHOWN = 1000  # rows drawn on the page; the CSV has every matching row
EVERYONE = "(everyone)"
ANY = "(any)"

inside_frame()
user = require("admin", "Audit log")  # before any data is fetched
url = database_url()
st.title("Audit log")
st.caption(
    "Every sign-in, page view by a signed-in user, export, import and user or registry change, "
    "with its time in UTC. The log is append-only: the database refuses to change or delete it, "
    "and each event carries the hash of the one before, so `commonground audit verify` shows any "
    "tampering."
)
people, users = data.audit_choices(url, user.audience)
today = data.audit(url, user.audience, limit=1)
latest = today[0][0].date() if today else None
left, middle, right, last = st.columns([1.4, 1, 1, 1])  # the date range needs the most room
since_until = left.date_input(
    "Days (UTC)",
    value=(latest - timedelta(days=29), latest) if latest else (),
    key="audit_days",
    format="YYYY-MM-DD",
)
who = middle.selectbox("Who", [EVERYONE, *people], key="audit_who")
action = right.selectbox("Action", [ANY, *ACTIONS], key="audit_action")
outcome = last.selectbox("Outcome", [ANY, *AUDIT_OUTCOMES], key="audit_outcome")
filters = {
    "since": since_until[0] if len(since_until) > 0 else None,
    "until": since_until[1] if len(since_until) > 1 else None,
    "actor": None if who == EVERYONE else who,
    "action": None if action == ANY else action,
    "outcome": None if outcome == ANY else outcome,
}
rows = data.audit(url, user.audience, **filters)
if not rows:
    st.info("No events match these filters.")
else:
    st.markdown(
        f"**{len(rows):,} events** match"
        + (f"; the newest {SHOWN:,} are shown." if len(rows) > SHOWN else ".")
    )
    shown = audit_table(rows)
    st.dataframe(shown.head(SHOWN), hide_index=True)
    download(
        st,
        "Download these events (CSV)",
        lambda: csv_bytes(shown),
        "audit-log",
        "csv",
        "audit log (CSV)",
        type="secondary",
    )

st.header("Who has access")
HOW = "Change with `commonground users add EMAIL --role leadership|admin` or `users remove EMAIL`."
st.caption(HOW)
if users:
    table(users_table(users), "users")
else:
    st.info("No users yet: with sign-in configured, everyone sees the public view.")
