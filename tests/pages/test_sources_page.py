"""The Partnership page says why two crime sources leave too few months to compare
(`tests/two_sources.py`): the sentence naming the sources and months reaches the reader."""

from __future__ import annotations

from db.engine import make_engine
from db.migrate import upgrade
from tests.conftest import words
from tests.pages.test_pages import run_app
from tests.two_sources import build


def test_the_partnership_page_names_the_source_that_ended_before_the_start(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'two_sources.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    build(engine)
    engine.dispose()
    at = run_app(url, monkeypatch, "pages/partnership.py")
    at.selectbox(key="filter_partnership").set_value("P").run()
    assert not at.exception
    shown = [words(m.value) for m in at.markdown]
    assert (
        "Not enough data: recorded crime from 'city' ends in December 2023, and from 'demo' starts in "
        "January 2018: no month after the start is covered by both."
    ) in shown
