"""The Data page's import action: save an upload to a temporary file and run the one
import path (`db.importing.run.import_file`), as the CLI does, in a child process with a
memory limit (`db.importing.child`), so that a hostile file cannot take down the server
every session shares."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from db.audit import Actor, AuditUnavailable, record
from db.importing import child
from db.importing.area_names import NameIndex
from db.importing.areas import add_alias
from db.importing.mapping import Mapping, load_mapping, load_preset
from db.importing.report import ImportRefused, Problem, Report
from ui.database import engine_for


def _mapping(folder: Path, kind: str, preset: str | None, mapping_bytes: bytes | None) -> Mapping:
    """The chosen mapping; ImportRefused when it cannot be read or is for another kind. An
    uploaded mapping without `kind` imports the kind chosen on the page."""
    if mapping_bytes is not None:
        mapping_path = folder / "mapping.toml"
        mapping_path.write_bytes(mapping_bytes)
        mapping = load_mapping(mapping_path, kind)
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
    Raises ImportRefused when the file or the mapping cannot be read (or reading it failed)."""
    mapping_bytes = None if mapping_upload is None else mapping_upload.getvalue()
    outcome, value = _preview(kind, upload.name, upload.getvalue(), preset, mapping_bytes, rows)
    if outcome == "refused":
        raise ImportRefused(value)
    return value


@st.cache_data(max_entries=8, show_spinner=False)
def _preview(
    kind: str, name: str, data: bytes, preset: str | None, mapping_bytes: bytes | None, rows: int
) -> tuple[str, object]:
    """("ok", the preview's table) or ("refused", problems): read once per file and mapping
    (in a child process), not on every rerun of the page."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            mapping = _mapping(Path(folder), kind, preset, mapping_bytes)
            path = Path(folder) / Path(name).name
            path.write_bytes(data)
            header, first = child.run(child.Task("preview", "", path, mapping, rows=rows))
        except ImportRefused as refused:
            return "refused", list(refused.problems)
        except child.ChildFailed as failed:
            return "refused", [Problem(0, "(file)", name, f"the file could not be read: {failed}")]
    table = pd.DataFrame(
        {"Line": [line for line, _ in first], **{c: [row.get(c, "") for _, row in first] for c in header}}
    )
    return "ok", table


def run_upload(
    url: str, kind: str, upload, preset: str | None, mapping_upload, dry_run: bool, actor: Actor
) -> Report:
    """Import (or check) an uploaded file as `kind`, with a preset or an uploaded mapping
    file, on behalf of `actor` (recorded in the audit log with the outcome)."""
    with tempfile.TemporaryDirectory() as folder:
        try:
            mapping_bytes = None if mapping_upload is None else mapping_upload.getvalue()
            mapping = _mapping(Path(folder), kind, preset, mapping_bytes)
        except ImportRefused as refused:
            report = Report(kind=kind, file_name=upload.name, sha256="")
            report.problems.extend(refused.problems)
            return report
        path = _saved(Path(folder), upload)
        try:
            report = child.run(child.Task("import", url, path, mapping, dry_run, actor))
        except AuditUnavailable as unavailable:
            report = Report(kind=kind, file_name=upload.name, sha256="")
            report.problems.append(Problem(0, "audit log", "", str(unavailable)))
            return report
        except child.ChildFailed as failed:
            report = Report(kind=kind, file_name=upload.name, sha256="", dry_run=dry_run)
            report.problems.append(Problem(0, "(import)", upload.name, str(failed)))
            return report
    if report.accepted and not dry_run and not report.already_imported:
        st.cache_data.clear()  # the data changed: every cached figure may be stale
    return report


@dataclass(frozen=True)
class UnknownArea:
    """An area name a refused file uses that no known area has, and what it may mean."""

    name: str  # as the file spells it
    same: str  # the one known area with the same name written differently, or ''
    close: tuple[str, ...]  # known areas close enough to ask about: maybe a different place


def unknown_areas(report: Report, known: list[str]) -> list[UnknownArea]:
    """Each distinct unknown area in a refused report, in the order they first appear,
    judged against the `known` area names as the import judged it (db.importing.area_names):
    only the same name written differently may be chosen for the person; a close name is
    a question, and anything else gets no suggestion."""
    index = NameIndex(known)
    out: dict[str, UnknownArea] = {}
    for problem in report.problems:
        if problem.rule == "unknown area" and problem.value not in out:
            same, close = index.match(problem.value)
            sure = same[0] if len(same) == 1 else ""
            out[problem.value] = UnknownArea(problem.value, sure, tuple(n for n in same + close if n != sure))
    return list(out.values())


def save_alias(url: str, name: str, area: str, actor: Actor) -> str:
    """Add the alias (see db.importing.areas.add_alias) and its audit event in one
    transaction; returns the area's name. Raises AliasRefused with the reason."""
    with engine_for(url).begin() as conn:
        target = add_alias(conn, name, area, source="Data page")
        record(conn, actor, "alias", f"{name} -> {target}")
    st.cache_data.clear()
    return target
