"""Presentation mode, rendered server-side: one public slide at a time, as the picture
the packet carries, moved by its buttons (the arrow keys press them), and no small
number in what the page draws."""

from __future__ import annotations

import base64
import re
from html import unescape

from board.deck import build_deck
from db.engine import make_engine
from db.migrate import upgrade
from tests.pages.test_pages import run_app, values
from tests.town import VIOLENT, fill_town


def slide_of(at) -> str:
    """The slide picture's SVG, as the browser receives it."""
    (picture,) = at.get("image")
    url = picture.proto.imgs[0].url
    assert url.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(url.split(",", 1)[1]).decode()


def annotations(svg: str) -> list[str]:
    """Every line of text drawn on the slide."""
    lines = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    return [unescape(re.sub(r"<[^>]+>", " ", line)).strip() for line in lines]


def title_of(svg: str) -> str:
    (title,) = re.findall(r'class="gtitle"[^>]*>(.*?)</text>', svg, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", "", title))


def test_present_steps_through_the_slides_with_its_buttons(demo_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    from streamlit.testing.v1 import AppTest

    from tests.pages.test_pages import APP

    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["p"] = "RIV-EAST-SCHOOLS"
    at.switch_page("pages/present.py")
    at.run()
    assert not at.exception
    with make_engine(demo_url).connect() as conn:
        total = len(build_deck(conn, "RIV-EAST-SCHOOLS", "public").slides)
    first = slide_of(at)
    assert title_of(first) == "Eastside Schools Safety Partnership"
    assert f"1 / {total}" in annotations(first)
    at.button(key="slide_next").click().run()
    second = slide_of(at)
    assert title_of(second) == "Where Eastside Schools Safety Partnership works"  # the map
    assert f"2 / {total}" in annotations(second)
    assert at.query_params["slide"] == "2"  # the URL a presenter can bookmark
    assert any("crime rate" in a and "per 1,000 residents a year" in a for a in annotations(second))
    assert any(a.startswith("Source: recorded crime") for a in annotations(second))
    at.button(key="slide_previous").click().run()
    assert f"1 / {total}" in annotations(slide_of(at))
    assert at.button(key="slide_previous").disabled


def test_present_draws_no_small_count_on_any_slide(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'town.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    fill_town(engine)
    at = run_app(url, monkeypatch, "pages/present.py")
    with engine.connect() as conn:  # the bars the pictures draw: the public deck's charts
        deck = build_deck(conn, "ASH", "public")
    seen_text = []
    for number in range(1, len(deck.slides) + 1):
        seen_text += annotations(slide_of(at))
        if number < len(deck.slides):
            at.button(key="slide_next").click().run()
    text = " ".join(seen_text)
    bar_heights = [
        h
        for slide in deck.slides
        if slide.figure is not None
        for trace in slide.figure.data
        if trace.type == "bar"
        for h in values(list(trace.y))
    ]
    assert "fewer than 11" in text
    assert f"from {VIOLENT[0]} to {VIOLENT[1]}" not in text
    assert len(bar_heights) == 2 * 2 + 3  # crime (2 groups, before and after) and meetings (3 quarters)
    assert all(h == 0 or h > 10 for h in bar_heights)
