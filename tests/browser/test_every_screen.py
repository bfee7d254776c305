"""Every page and every slide, in Debian's Chromium, on a phone, a laptop, a projector and
a 4K screen: nothing lies outside the window sideways, no slide needs scrolling (its title,
chart, caption, source line, number and buttons are all in view), and no page shows an
exception. Screenshots of each land in artifacts/screenshots/screens/ for a look."""

from __future__ import annotations

import pytest

from benchmarks.server import wait_for_page
from tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

SIZES = [(390, 844), (1280, 720), (1366, 768), (1920, 1080), (3840, 2160)]
PAGES = {
    "overview": "/",
    "partnership": "/partnership",
    "initiatives": "/initiatives",
    "data": "/data",
    "audit-log": "/audit",
}
CODE, SLIDES = "RIV-EAST-SCHOOLS", 14

# Boxes of the page's elements that stick out of the window sideways (the sidebar, which
# a phone slides away off-screen, is left out).
OUTSIDE = """() => {
  const width = window.innerWidth, out = [];
  if (document.documentElement.scrollWidth > width + 1)
    out.push(`the page is ${document.documentElement.scrollWidth}px wide`);
  for (const e of document.querySelectorAll('[data-testid="stElementContainer"], h1, h2, h3, img')) {
    if (e.closest('[data-testid="stSidebar"]')) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.left < -1 || r.right > width + 1)
      out.push(`${e.tagName} ${(e.innerText || e.getAttribute('data-testid') || '').slice(0, 40)}`
               + ` spans ${Math.round(r.left)} to ${Math.round(r.right)}`);
  }
  return out;
}"""

SLIDE_IN_VIEW = """() => {
  const height = window.innerHeight, width = window.innerWidth;
  const slide = document.querySelector('.st-key-slide img').getBoundingClientRect();
  const buttons = document.querySelector('.st-key-slide_navigation').getBoundingClientRect();
  return {
    scrolls: document.documentElement.scrollHeight > height + 1
      || document.querySelector('[data-testid="stMain"]').scrollHeight > height + 1,
    slide: [slide.left, slide.top, slide.right, slide.bottom, slide.width / slide.height],
    buttons: [buttons.top, buttons.bottom],
    width, height,
  };
}"""


def shot(page, name: str) -> None:
    folder = SCREENSHOTS / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"))


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_page_and_slide_fits_the_screen(server, browser, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        problems = []
        for name, path in PAGES.items():
            page.goto(f"{server}{path}")
            wait_for_page(page, path)
            shot(page, f"{name}-{width}x{height}")
            assert page.get_by_test_id("stException").count() == 0, f"{name}: an exception is shown"
            problems += [f"{name}: {p}" for p in page.evaluate(OUTSIDE)]

        page.goto(f"{server}/present?p={CODE}&slide=1")
        for number in range(1, SLIDES + 1):
            page.get_by_text(f"Slide {number} of {SLIDES}.").wait_for(timeout=90_000)
            wait_for_page(page, "/present")
            shot(page, f"slide-{number}-{width}x{height}")
            assert page.get_by_test_id("stException").count() == 0, f"slide {number}: an exception"
            problems += [f"slide {number}: {p}" for p in page.evaluate(OUTSIDE)]
            seen = page.evaluate(SLIDE_IN_VIEW)
            left, top, right, bottom, ratio = seen["slide"]
            assert not seen["scrolls"], f"slide {number} at {width}x{height} needs scrolling"
            assert left >= 0, f"slide {number} leaves the window: {seen}"
            assert right <= width, f"slide {number} leaves the window: {seen}"
            assert top >= 0, f"slide {number} leaves the window: {seen}"
            assert bottom <= seen["buttons"][0], f"slide {number} runs under its buttons: {seen}"
            assert seen["buttons"][1] <= height, f"slide {number}: the buttons are cut off: {seen}"
            assert ratio == pytest.approx(16 / 9, rel=0.01)  # a 16:9 slide, not a stretched one
            if width >= 1280:  # on a laptop or larger the slide fills most of the window
                assert right - left >= 0.7 * min(width, (height - 112) * 16 / 9), seen
            if number < SLIDES:  # (the arrow keys are tested in test_browser.py)
                page.get_by_role("button", name="Next").click()
        assert problems == []
    finally:
        context.close()
