"""Every value from the data or from the address is shown as text, never as markup.

A payload corpus (Markdown links and images, HTML, `javascript:` links, bare addresses,
LaTeX, colour directives, a right-to-left override, 100,000 characters) is written into
every text field a page shows: partnership names, descriptions and goals, organisation
and area names, event labels, comments, survey wording, initiative names. Chromium then
opens every page and slide, and the address's own `?p=`, and the test asserts that the
browser asked no outside host for anything, that no link or image points outside, and
that the payloads are on the page as the words they are."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from sqlalchemy import select, update

from db.engine import make_engine
from db.models import (
    Area,
    Event,
    Feedback,
    Initiative,
    Organisation,
    Partnership,
    PartnershipArea,
    PartnershipMember,
    SurveyItem,
)
from metrics.publish import FORMULA_STARTS
from tests.browser.conftest import serving

pytestmark = pytest.mark.browser

OUTSIDE = "evil.example"
LINK = f"[Official results: click here](https://{OUTSIDE}/phish)"
IMAGE = f"![x](http://{OUTSIDE}/pixel.png)"
HTML = f'<img src="http://{OUTSIDE}/html.png"><a href="https://{OUTSIDE}/a">html link</a>'
SCRIPT_LINK = "[run me](javascript:alert(1))"
BARE = f"www.{OUTSIDE}/auto and https://{OUTSIDE}/bare"
LATEX = rf"$\href{{https://{OUTSIDE}/tex}}{{tex}}$ and $$\int_0^1 x$$"
COLOUR = ":red[Warning] :material/warning: **bold** <span style='color:red'>red</span>"
RTL = "Report\u202egnp.exe"
FORMULA = f'=HYPERLINK("https://{OUTSIDE}/f","Results")'
PAYLOADS = [
    LINK,
    IMAGE,
    HTML,
    SCRIPT_LINK,
    BARE,
    LATEX,
    COLOUR,
    RTL,
    FORMULA,
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
]
MEMBER = FORMULA + " (a member)"
LONG = "Long " * 20_000  # 100,000 characters


@pytest.fixture(scope="module")
def hostile_server(demo_url, tmp_path_factory):
    """The app (local mode: everything is visible) on a copy of the demo database whose
    text fields hold the payloads."""
    folder = tmp_path_factory.mktemp("payloads")
    database = folder / "payloads.sqlite"
    shutil.copy(demo_url.removeprefix("sqlite:///"), database)
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        ids = conn.execute(select(Partnership.id).order_by(Partnership.id)).scalars().all()
        for i, pid in enumerate(ids):
            conn.execute(
                update(Partnership)
                .where(Partnership.id == pid)
                .values(
                    name=f"{PAYLOADS[i % len(PAYLOADS)]} #{i}",
                    description=" ".join(PAYLOADS) + " " + LONG,
                    goals=" ".join(reversed(PAYLOADS)),
                )
            )
        for model, column in (
            (Organisation, Organisation.name),
            (Event, Event.label),
            (Initiative, Initiative.name),
            (SurveyItem, SurveyItem.wording),
        ):
            rows = conn.execute(select(model.id).order_by(model.id)).scalars().all()
            for i, row in enumerate(rows):
                conn.execute(
                    update(model)
                    .where(model.id == row)
                    .values(
                        {column.key: PAYLOADS[i % len(PAYLOADS)] + (f" {i}" if i >= len(PAYLOADS) else "")}
                    )
                )
        conn.execute(update(Feedback).values(comment=f"{LINK} {HTML} {IMAGE}"))
        member = select(PartnershipMember.organisation_id).where(PartnershipMember.partnership_id == ids[0])
        first_member = conn.execute(member.limit(1)).scalar_one()
        conn.execute(update(Organisation).where(Organisation.id == first_member).values(name=MEMBER))
        first_areas = select(PartnershipArea.area_id).where(PartnershipArea.partnership_id == ids[0])
        conn.execute(update(Area).where(Area.id.in_(first_areas)).values(name=f"{HTML} {IMAGE}"))
    engine.dispose()
    with serving(f"sqlite:///{database}", folder / "streamlit.log") as base:
        yield base


def _outside(url: str, base: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about", ""):
        return False
    return parsed.netloc != urlparse(base).netloc


def _look(browser, base: str, address: str, ready: str) -> tuple[list[str], list[str], str]:
    """Open `address`, wait for `ready`; the outside requests, the outside links and
    images in the page, and the page's visible text."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(base + address)
        page.locator(ready).first.wait_for(timeout=90_000)
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=90_000)
        page.wait_for_timeout(1_500)  # images and fonts a payload might ask for
        pointers = page.evaluate(
            """() => [...document.querySelectorAll('a[href], img[src], [src], link[href], [style*="url("]')]
                 .map(e => [e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('style') || '',
                            e.outerHTML.slice(0, 300)])"""
        )
        text = page.inner_text("body").replace("\u2060", "")  # word joiners are invisible
    finally:
        context.close()
    outside_requests = [url for url in requests if _outside(url, base)]
    outside_pointers = [tag for p, tag in pointers if OUTSIDE in p or p.lower().startswith("javascript:")]
    return outside_requests, outside_pointers, text


PAGES = [
    ("/", '[data-testid="stDataFrame"]'),
    ("/partnership", ".js-plotly-plot"),
    ("/data", '[data-testid="stDataFrame"]'),
    ("/audit", '[data-testid="stDataFrame"]'),
    *[(f"/present?p=RIV-EAST-SCHOOLS&slide={n}", ".st-key-slide img") for n in range(1, 13)],
    *[(f"/present?p={quote(payload)}", ".st-key-slide img") for payload in PAYLOADS],
]


@pytest.mark.parametrize(("address", "ready"), PAGES, ids=[address[:40] for address, _ in PAGES])
def test_no_payload_becomes_a_link_an_image_or_a_request(hostile_server, browser, address, ready):
    requests, pointers, _text = _look(browser, hostile_server, address, ready)
    assert requests == []
    assert pointers == []


def test_the_payloads_are_shown_as_the_words_they_are(hostile_server, browser):
    """Not vacuous: the Partnership page shows the first partnership's name, description
    and goals, and they read exactly as written, brackets, dollars and all."""
    _requests, _pointers, text = _look(browser, hostile_server, "/partnership", ".js-plotly-plot")
    assert LINK in text  # the title: the name as written, not a link called "Official results"
    assert BARE in text
    assert ":red[Warning]" in text
    assert r"$\href{" in text


def test_tables_leave_only_as_formula_safe_csv(hostile_server, browser):
    """Streamlit's own table toolbar would export =HYPERLINK(...) live: it offers no
    export, and the table's own download writes every formula as text."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(hostile_server + "/partnership")
        page.locator(".js-plotly-plot").first.wait_for(timeout=90_000)
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=90_000)
        members = page.locator('[data-testid="stDataFrame"]').first
        members.scroll_into_view_if_needed()
        members.hover()
        page.locator('[data-testid="stElementToolbar"]').first.wait_for(state="attached", timeout=10_000)
        assert page.get_by_role("button", name="Download as CSV").count() == 0
        with page.expect_download() as download:
            page.get_by_role("button", name="Download this table (CSV)").first.click()
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    finally:
        context.close()
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if cell.startswith(FORMULA_STARTS)] == []
    assert f"'{MEMBER}" in cells  # the payload is there, as text
