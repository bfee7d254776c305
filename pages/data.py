"""Data: what is loaded and how fresh it is, and importing a file (check first, then import)."""

import streamlit as st

from db.importing.areas import AliasRefused
from db.importing.mapping import KINDS, presets_for
from db.importing.report import ImportRefused
from ui import data, weighting
from ui.auth import require
from ui.database import database_url
from ui.frame import inside_frame
from ui.importer import preview_upload, run_upload, save_alias, unknown_areas
from ui.plain import plain
from ui.show import coverage_strips, import_report, table
from ui.tables import freshness_table, history_table, incomplete_table, problems_table

inside_frame()
user = require("admin", "Data")  # before any data is fetched
UPLOAD_MAPPING = "(my own mapping file)"
st.title("Data")
url = database_url()
status = data.freshness(url, user.audience)

st.header("What is loaded")
table(freshness_table(status["loaded"]), "what-is-loaded")
if status["incomplete"].empty:
    st.caption("No recent month of recorded crime looks short of the months before it.")
else:
    st.warning("These recent months look incomplete: late reports may still arrive.")
    st.dataframe(incomplete_table(status["incomplete"]), hide_index=True)

st.header("What the data covers")
coverage_strips(data.coverage(url, user.audience, data.version(url)))

st.header("Survey weights")
weights = weighting.runs(url, user.audience)
if weights.empty:
    st.caption("No resident answers have been weighted yet: import population margins and survey answers.")
else:
    st.dataframe(weighting.status_table(weights), hide_index=True)
    st.caption(weighting.explanation(weights))
    failed = weighting.failures_table(weights)
    if not failed.empty:
        st.warning("Raking did not converge in these areas: their answers keep their design weights.")
        st.dataframe(failed, hide_index=True)

st.header("Import a file")
st.caption(
    "Choose what the file holds and how to read it, upload it, look at the first rows, "
    "check it (nothing is written), then import. A refused file changes nothing."
)
kind = st.selectbox("What the file holds", KINDS, key="import_kind")
presets = presets_for(kind)
preset = st.selectbox(
    "How to read it",
    [*presets, UPLOAD_MAPPING],
    key="import_preset",
    help="A preset, or your own mapping file",
)
mapping_upload = None
if preset == UPLOAD_MAPPING:
    mapping_upload = st.file_uploader("Mapping file (TOML)", type=["toml"], key="import_mapping")
upload = st.file_uploader(
    "Data file", type=["csv", "tsv", "tab", "txt", "gz", "xlsx", "geojson", "json"], key="import_file"
)
chosen = None if preset == UPLOAD_MAPPING else preset
if upload is None:
    st.session_state.pop("import_report", None)  # a report belongs to the file it was about
if upload is not None and (chosen or mapping_upload is not None):
    try:
        st.dataframe(preview_upload(kind, upload, chosen, mapping_upload), hide_index=True)
        st.caption("The first rows as the mapping reads them, before any rule is checked.")
    except ImportRefused as refused:
        st.error("This file cannot be read with this mapping.")
        st.dataframe(problems_table(refused.problems), hide_index=True)
    check, commit = st.columns(2)
    if check.button("Check the file (writes nothing)", key="import_check"):
        st.session_state["import_report"] = run_upload(
            url, kind, upload, chosen, mapping_upload, dry_run=True, actor=user.actor
        )
    if commit.button("Import", type="primary", key="import_commit"):
        st.session_state["import_report"] = run_upload(
            url, kind, upload, chosen, mapping_upload, dry_run=False, actor=user.actor
        )
        st.rerun()  # so that "What is loaded" and the history include this import
report = st.session_state.get("import_report")
if report is not None:
    import_report(report)
    names = data.area_names(url, user.audience)
    unknown = unknown_areas(report, names)
    if unknown:
        st.subheader("Fix unknown areas in one step")
        st.caption(
            "An alias lets a name as this file spells it mean an area already loaded. "
            "Choose the area each name means, add the alias, then check the file again."
        )
        for index, area in enumerate(unknown[:20]):
            left, right, button = st.columns([2, 2, 1], vertical_alignment="bottom")
            left.text_input("Name in the file", area.name, disabled=True, key=f"alias_name_{index}")
            target = right.selectbox(
                "means the area",
                names,
                index=names.index(area.same) if area.same in names else None,
                placeholder="Choose the area it means",
                key=f"alias_to_{index}",
            )
            if area.close:
                asked = " or ".join(plain(repr(n)) for n in area.close)
                right.caption(f"Did you mean {asked}? Check it is the same place first.")
            if button.button("Add alias", key=f"alias_add_{index}", disabled=target is None):
                try:
                    added = save_alias(url, area.name, target, user.actor)
                    st.success(f"{plain(repr(area.name))} now means {plain(added)}. Check the file again.")
                except AliasRefused as refused:
                    st.error(plain(str(refused)))

st.header("Import history")
table(history_table(status["history"]), "import-history")
