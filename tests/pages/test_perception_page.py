"""'What partners and officers say' on the Partnership page: the perception-gap chart for
leadership, a plain sentence where there is no partner survey, and nothing of it for the
public (page, slides, packet)."""

from __future__ import annotations

import io

from pypdf import PdfReader

from db.demo import city
from metrics.filters import Filters
from tests.conftest import words
from tests.pages.test_access import USERS, render, town
from tests.pages.test_pages import figures, values
from ui import data as ui_data

CODE = "RIV-EAST-SCHOOLS"
TITLE = "How partners, officers and residents see it"


def test_leadership_sees_the_perception_gap_chart_with_n_and_a_sentence(demo_url, monkeypatch):
    at = render(demo_url, monkeypatch, USERS["leadership"], "pages/partnership.py")
    at.selectbox(key="filter_partnership").set_value(CODE).run()
    figs = figures(at)
    gap = figs[TITLE]
    assert [t["name"] for t in gap["data"]] == ["Residents", "Partners", "Officers"]
    for trace in gap["data"]:
        assert all("(n=" in label for label in trace["text"])  # every dot carries its n
        assert values(trace["error_x"]["array"])  # and its interval
    assert "Partnership health: partners and officers" in figs
    assert "Trust in police, by year" in figs
    said = words(" ".join(m.value for m in at.markdown))
    assert "Officers rate trust in police" in said
    assert "points higher than residents do (between" in said
    headers = [h.value for h in at.header]
    # the section sits where the design puts it, before the feedback ratings
    assert headers.index("What partners and officers say") > headers.index("Recorded crime")


def test_a_partnership_without_a_partner_survey_says_so_plainly(tmp_path, monkeypatch):
    url, _engine = town(tmp_path)
    at = render(url, monkeypatch, USERS["leadership"], "pages/partnership.py")
    messages = words(" ".join(i.value for i in at.info))
    assert "No partner or officer survey is recorded for this partnership" in messages
    assert TITLE not in figures(at)


def test_the_public_gets_none_of_it_from_the_loader_the_slides_or_the_packet(demo_url):
    for spec in city.PARTNERSHIPS:
        got = ui_data.perception(demo_url, "public", Filters(city.FIRST_MONTH, city.LAST_MONTH, spec.code))
        assert got["asked"], spec.code  # every demo partnership has a partner survey...
        assert got["views"].empty, spec.code  # ...and none passes the public count rule
        assert got["items"].empty, spec.code
    version = ui_data.version(demo_url)
    assert "perception" in [s.key for s in ui_data.deck(demo_url, "leadership", CODE, version).slides]
    assert "perception" not in [s.key for s in ui_data.deck(demo_url, "public", CODE, version).slides]
    packet = PdfReader(io.BytesIO(ui_data.deck_file(demo_url, "public", CODE, "pdf", version)))
    text = "\n".join(p.extract_text() for p in packet.pages)
    assert TITLE not in text
    assert "Officers rate" not in text
