"""The Data page's import action: save an upload to a temporary file and run the one
import path (`db.importing.run.import_file`), as the CLI does."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from db.audit import Actor, AuditUnavailable, record
from db.importing.areas import add_alias
from db.importing.mapping import Mapping, load_mapping, load_preset
from db.importing.report import ImportRefused, Problem, Report
from db.importing.run import import_file, preview
from ui.database import engine_for


def _mapping(folder: Path, kind: str, preset: str | None, mapping_upload) -> Mapping:
    """The chosen mapping; ImportRefused when it cannot be read or is for another kind."""
    if mapping_upload is not None:
        mapping_path = folder / "mapping.toml"
        mapping_path.write_bytes(mapping_upload.getvalue())
        mapping = load_mapping(mapping_path)
    else:
        mapping = load_preset(preset or "")
    if mapping.kind != kind:
        raise ImportRefused(
            [Problem(0, "kind", mapping.kind, f"the mapping is for {mapping.kind}, not {kind}")]
        )
    return mapping


def _saved(folder: Path, upload) -> Path:
    path = folder / Path(upload.name).name
    path.write_bytes(upload.getvalue())
    return path


def preview_upload(kind: str, upload, preset: str | None, mapping_upload, rows: int = 10) -> pd.DataFrame:
    """The upload's first rows as the mapping reads them, every cell as text.
    Raises ImportRefused when the file or the mapping cannot be read."""
    with tempfile.TemporaryDirectory() as folder:
        mapping = _mapping(Path(folder), kind, preset, mapping_upload)
        header, first = preview(_saved(Path(folder), upload), mapping, rows)
    return pd.DataFrame(
        {"Line": [line for line, _ in first], **{c: [row.get(c, "") for _, row in first] for c in header}}
    )


def run_upload(
    url: str, kind: str, upload, preset: str | None, mapping_upload, dry_run: bool, actor: Actor
) -> Report:
    """Import (or check) an uploaded file as `kind`, with a preset or an uploaded mapping
    file, on behalf of `actor` (recorded in the audit log with the outcome)."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            mapping = _mapping(Path(folder), kind, preset, mapping_upload)
        except ImportRefused as refused:
            report = Report(kind=kind, file_name=upload.name, sha256="")
            report.problems.extend(refused.problems)
            return report
        path = _saved(Path(folder), upload)
        try:
            report = import_file(engine_for(url), path, mapping, dry_run=dry_run, actor=actor)
        except AuditUnavailable as unavailable:
            report = Report(kind=kind, file_name=upload.name, sha256="")
            report.problems.append(Problem(0, "audit log", "", str(unavailable)))
            return report
    if report.accepted and not dry_run and not report.already_imported:
        st.cache_data.clear()  # the data changed: every cached figure may be stale
    return report


def unknown_areas(report: Report) -> list[tuple[str, str]]:
    """(name as the file spells it, the closest known area or '') for each distinct unknown
    area in a refused report, in the order they first appear."""
    out: dict[str, str] = {}
    for problem in report.problems:
        if problem.rule == "unknown area" and problem.value not in out:
            close = problem.suggestion.split("'")[1] if problem.suggestion.startswith("did you mean") else ""
            out[problem.value] = close
    return list(out.items())


def save_alias(url: str, name: str, area: str, actor: Actor) -> str:
    """Add the alias (see db.importing.areas.add_alias) and its audit event in one
    transaction; returns the area's name. Raises AliasRefused with the reason."""
    with engine_for(url).begin() as conn:
        target = add_alias(conn, name, area, source="Data page")
        record(conn, actor, "alias", f"{name} -> {target}")
    st.cache_data.clear()
    return target
