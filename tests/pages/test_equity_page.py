"""The Partnership page's equity gap: its cards after the verdicts, and its chart over time."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import insert

from db.engine import make_engine
from db.migrate import upgrade
from db.models import Partnership
from tests.conftest import words
from tests.pages.test_pages import figures, run_app
from tests.tiny_city import fill_tiny

TITLE = "The gap in trust between Black and White residents, by quarter"


def test_the_equity_gap_has_cards_a_chart_and_a_sentence(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/partnership.py")
    at.selectbox(key="filter_partnership").set_value("RIV-EAST-SCHOOLS").run()
    assert "Equity gap" in [s.value for s in at.subheader]
    text = words(" ".join(m.value for m in at.markdown))
    assert "**The gap in trust between Black and White residents**" in text
    assert "**The gap in feeling safe between Black and White residents**" in text
    trust = "The gap in trust between Black and White residents narrowed by 11 points (between 7 and 15)"
    assert trust in text
    bold = [words(m.value) for m in at.markdown if m.value.startswith("**")]
    headlines = [b for b in bold if b.startswith(("**Narrowed ", "**Widened ", "**No change"))]
    assert len(headlines) == 3  # trust, satisfaction, feeling safe
    assert "**Narrowed 11 points (7 to 15)**" in headlines
    assert not any(re.search(r"[+-]\d|\b1 points|95%", h) for h in headlines)
    captions = words(" ".join(c.value for c in at.caption))
    answering = r"Black and White residents answering in the partnership's areas: [\d,]+ and [\d,]+ before"
    assert re.search(answering, captions)
    fig = figures(at)[TITLE]
    names = [t["name"] for t in fig["data"]]
    assert "Partnership area" in names
    assert "Comparison areas" in names
    story = r"In the partnership's areas, Black residents' trust was \d+ points? below White residents'"
    assert re.search(story, text)
    headers = [h.value for h in at.header]
    assert headers.index("Who trusts, and who doesn't") == headers.index("What residents say") + 1


def test_a_partnership_without_an_equity_gap_says_so_and_draws_no_gap(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'sparse.sqlite'}"
    eng = make_engine(url)
    upgrade(eng)
    fill_tiny(eng)
    with eng.begin() as conn:
        conn.execute(
            insert(Partnership),
            {"code": "EMPTY", "name": "A New One", "start_date": date(2024, 1, 1), "status": "planned"},
        )
    at = run_app(url, monkeypatch, "pages/partnership.py")
    at.selectbox(key="filter_partnership").set_value("EMPTY").run()
    messages = words(" ".join(i.value for i in at.info))
    assert "No equity gap is set in the registry for this partnership" in messages
    assert TITLE not in figures(at)
