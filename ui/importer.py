"""The Data page's import action: save an upload to a temporary file and run the one
import path (`db.importing.run.import_file`), as the CLI does."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from db.importing.mapping import Mapping, load_mapping, load_preset
from db.importing.report import ImportRefused, Problem, Report
from db.importing.run import import_file
from ui.database import engine_for


def run_upload(url: str, kind: str, upload, preset: str | None, mapping_upload, dry_run: bool) -> Report:
    """Import (or check) an uploaded file as `kind`, with a preset or an uploaded mapping file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        try:
            mapping: Mapping
            if mapping_upload is not None:
                mapping_path = Path(folder) / "mapping.toml"
                mapping_path.write_bytes(mapping_upload.getvalue())
                mapping = load_mapping(mapping_path)
            else:
                mapping = load_preset(preset or "")
        except ImportRefused as refused:
            report = Report(kind=kind, file_name=upload.name, sha256="")
            report.problems.extend(refused.problems)
            return report
        if mapping.kind != kind:
            report = Report(kind=kind, file_name=upload.name, sha256="")
            report.problems.append(
                Problem(0, "kind", mapping.kind, f"the mapping is for {mapping.kind}, not {kind}")
            )
            return report
        report = import_file(engine_for(url), path, mapping, dry_run=dry_run, loaded_by="Data page")
    if report.accepted and not dry_run and not report.already_imported:
        st.cache_data.clear()  # the data changed: every cached figure may be stale
    return report
