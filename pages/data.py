"""Data: what is loaded and how fresh it is, and importing a file (check first, then import)."""

import streamlit as st

from db.importing.mapping import KINDS, preset_names
from ui import data
from ui.database import database_url
from ui.frame import inside_frame
from ui.importer import run_upload
from ui.tables import freshness_table, history_table, incomplete_table

inside_frame()
st.title("Data")
url = database_url()
st.caption(
    "Until sign-in and roles arrive, anyone who can open this dashboard can import here: "
    "keep the server on loopback (the default) or behind a proxy that only administrators reach."
)
status = data.freshness(url)

st.header("What is loaded")
st.dataframe(freshness_table(status["loaded"]), hide_index=True)
if status["incomplete"].empty:
    st.caption("No recent month of recorded crime looks short of the months before it.")
else:
    st.warning("These recent months look incomplete: late reports may still arrive.")
    st.dataframe(incomplete_table(status["incomplete"]), hide_index=True)

st.header("Import a file")
kind = st.selectbox("What the file holds", KINDS, key="import_kind")
presets = preset_names()
preset = st.selectbox("Preset mapping", ["(upload a mapping file instead)", *presets], key="import_preset")
mapping_upload = None
if preset.startswith("("):
    mapping_upload = st.file_uploader("Mapping file (TOML)", type=["toml"], key="import_mapping")
upload = st.file_uploader(
    "Data file", type=["csv", "tsv", "tab", "txt", "gz", "xlsx", "geojson", "json"], key="import_file"
)
check, commit = st.columns(2)
if upload is not None and check.button("Check the file (writes nothing)", key="import_check"):
    report = run_upload(url, kind, upload, None if mapping_upload else preset, mapping_upload, dry_run=True)
    (st.success if report.accepted else st.error)("Accepted" if report.accepted else "Refused")
    st.code(report.text(), language=None)
if upload is not None and commit.button("Import", type="primary", key="import_commit"):
    report = run_upload(url, kind, upload, None if mapping_upload else preset, mapping_upload, dry_run=False)
    (st.success if report.accepted else st.error)(
        "Imported" if report.accepted else "Refused: nothing was written"
    )
    st.code(report.text(), language=None)

st.header("Import history")
st.dataframe(history_table(status["history"]), hide_index=True)
