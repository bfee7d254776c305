"""In Debian's Chromium: each map draws one shape (a filled path) per area of the mapped
kind, on the Overview and on the Partnership page."""

import pytest

from tests.browser.conftest import choose, screenshot, wait_until_drawn

pytestmark = pytest.mark.browser

NEIGHBOURHOODS = 40  # the demo city's


def shapes(page, title: str) -> int:
    """Filled paths in the chart titled `title`: Plotly draws each area as one `path.js-fill`
    in its plot (the legend's swatches are others, outside the scatter layer)."""
    chart = page.locator(".js-plotly-plot").filter(has=page.locator(".gtitle", has_text=title))
    chart.first.wait_for(timeout=60_000)
    assert chart.count() == 1
    return chart.locator(".scatterlayer path.js-fill").count()


def test_overview_map_draws_every_neighbourhood_by_trust_and_by_crime_rate(server, page):
    page.goto(server)
    wait_until_drawn(page, charts=4, traces=NEIGHBOURHOODS)
    assert shapes(page, "Latest trust score") == NEIGHBOURHOODS
    assert page.get_by_text("Not on the map").count() == 0  # every demo neighbourhood has its shape
    assert page.get_by_text("On the map: 1 Central Transit Partnership").count() == 1  # the numbers' key
    chart = page.locator(".js-plotly-plot").filter(has=page.locator(".gtitle", has_text="Latest trust score"))
    assert chart.locator(".textpoint").count() == 10  # each partnership numbered once
    # the chosen partnership's edge and its comparison areas' dashes: drawn after every fill
    assert chart.locator(".legendtext", has_text="black edge").count() == 1
    choose(page, "Colour by", "Crime rate per 1,000 residents a year")
    assert shapes(page, "Crime rate by area") == NEIGHBOURHOODS
    screenshot(page, "overview-map")


def test_partnership_maps_draw_every_neighbourhood(server, page):
    page.goto(f"{server}/partnership")
    wait_until_drawn(page, charts=19, traces=NEIGHBOURHOODS)
    assert shapes(page, "Its places") == NEIGHBOURHOODS
    assert shapes(page, "Crime rate by area") == NEIGHBOURHOODS
    assert page.locator(".js-plotly-plot").get_by_text("Cathedral", exact=True).first.is_visible()  # named
