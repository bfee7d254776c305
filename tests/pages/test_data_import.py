"""The Data page's import, as an administrator meets a hostile file: the preview and the
check say what is wrong with it, in words, and the server's own process is not the one that
reads it (db.importing.child)."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

from db.audit import Actor, events
from db.engine import make_engine
from db.migrate import upgrade
from tests.conftest import ROOT
from tests.db.conftest import data_sha
from tests.pages.test_pages import run_app, table_with
from ui.importer import run_upload

STRAY = b"code,name,kind\nN,North\x81field,neighbourhood\n"
RULE = "byte 0x81 at byte offset 22 is neither UTF-8 nor cp1252"


def test_a_stray_byte_is_named_in_the_preview_and_the_check(tmp_path, monkeypatch):
    path = tmp_path / "data.sqlite"
    url = f"sqlite:///{path}"
    upgrade(make_engine(url))
    before = data_sha(path)
    at = run_app(url, monkeypatch, "pages/data.py")
    at.selectbox(key="import_kind").set_value("areas").run()
    at.selectbox(key="import_preset").set_value("(my own mapping file)").run()
    at.file_uploader(key="import_mapping").upload("areas.toml", b'kind = "areas"\n').run()
    at.file_uploader(key="import_file").upload("areas.csv", STRAY).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == ["This file cannot be read with this mapping."]
    preview = table_with(at, "How to fix")
    assert list(preview.iloc[0]) == [
        "2",
        "(line)",
        "0x81",
        RULE,
        'set encoding in the mapping to the one the file was saved in, e.g. encoding = "latin-1"',
    ]
    assert data_sha(path) == before


def test_checking_a_file_with_a_stray_byte_refuses_it_by_name(tmp_path):
    """The page's Check button runs `run_upload` (AppTest here does not deliver the click of a
    button that sits below a file uploader, so the action is called as the page calls it)."""
    path = tmp_path / "data.sqlite"
    url = f"sqlite:///{path}"
    upgrade(make_engine(url))
    before = data_sha(path)
    upload = SimpleNamespace(name="areas.csv", getvalue=lambda: STRAY)
    mapping = SimpleNamespace(getvalue=lambda: b'kind = "areas"\n')
    report = run_upload(
        url, "areas", upload, None, mapping, dry_run=True, actor=Actor("it@x.example", "admin")
    )
    assert report.text().splitlines()[:2] == [
        "REFUSED areas.csv: 1 problem(s); nothing was written.",
        f"  1 x {RULE}",
    ]
    assert (report.problems[0].line, report.problems[0].value) == (2, "0x81")
    assert data_sha(path) == before
    with make_engine(url).connect() as conn:
        assert events(conn, limit=1)[0][3:6] == ("import check", "areas: areas.csv", "refused")


def test_the_child_that_reads_a_file_imports_no_streamlit():
    """Everything the child loads to import a file, run as the child runs (a fresh Python)."""
    check = (
        "import sys; from db.importing import child, run; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
