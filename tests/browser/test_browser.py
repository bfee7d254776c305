"""In Debian's Chromium: the pages a person opens draw their charts."""

import pytest

from tests.browser.conftest import screenshot, wait_until_drawn

pytestmark = pytest.mark.browser


def test_partnership_page_draws_its_charts_from_a_deep_link(server, page):
    page.goto(f"{server}/partnership")
    # evaluation (4 lines), partners, four survey trends (band, line, events), crime, activity
    wait_until_drawn(page, charts=8, traces=20)
    assert page.get_by_role("heading", name="Central Transit Partnership").is_visible()
    assert page.get_by_role("heading", name="Did it work?").is_visible()
    assert page.locator(".js-plotly-plot").count() == 8
    assert page.get_by_text("Partnership began").first.is_visible()
    screenshot(page, "partnership")


def test_overview_draws_the_portfolio(server, page):
    page.goto(server)
    wait_until_drawn(page, charts=2, traces=2)
    assert page.get_by_role("heading", name="Partnerships overview").is_visible()
    assert page.get_by_text("Eastside Schools Safety Partnership").first.is_visible()
    screenshot(page, "overview")
