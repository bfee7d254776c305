"""The Data page hands its chosen kind to an uploaded mapping, as the command line does:
a mapping without `kind` imports the kind chosen, one for another kind is refused naming
both (issue 18)."""

from __future__ import annotations

from types import SimpleNamespace

from db.audit import Actor
from db.engine import make_engine
from db.migrate import upgrade
from ui.importer import run_upload

AREAS = b"code,name,kind\nN,Northfield,neighbourhood\n"
ADMIN = Actor("it@x.example", "admin")


def _check(tmp_path, mapping: bytes):
    url = f"sqlite:///{tmp_path / 'data.sqlite'}"
    upgrade(make_engine(url))
    upload = SimpleNamespace(name="areas.csv", getvalue=lambda: AREAS)
    return run_upload(url, "areas", upload, None, SimpleNamespace(getvalue=lambda: mapping), True, ADMIN)


def test_an_uploaded_mapping_without_kind_imports_the_kind_chosen(tmp_path):
    report = _check(tmp_path, b'description = "our areas"\n')
    assert report.accepted, report.text()
    assert report.text().startswith("would write areas.csv (areas): 1 rows read, 1 inserted")


def test_an_uploaded_mapping_for_another_kind_is_refused_naming_both(tmp_path):
    report = _check(tmp_path, b'kind = "crime"\n')
    assert [str(p) for p in report.problems] == [
        "mapping, key 'kind', value 'crime': the mapping is for 'crime', but the file is imported as "
        "'areas' (import it as crime, or set kind = \"areas\" in the mapping)"
    ]
