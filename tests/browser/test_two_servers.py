"""More users, more processes: two app servers on one PostgreSQL serve the same pages with
the same numbers (the app tier keeps no state of its own beyond caches)."""

from __future__ import annotations

import pytest

from db.demo import load_demo
from db.migrate import upgrade
from tests.browser.conftest import serving, wait_until_drawn

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def numbers(page, base: str, path: str, charts: int, tiles: int) -> list[str]:
    """The headline figures a person reads on the page: metric tiles and chart titles,
    read once the page has `tiles` tiles and `charts` charts and reads the same twice."""
    page.goto(f"{base}/{path}")
    wait_until_drawn(page, charts=charts, traces=0)
    page.wait_for_function(f"document.querySelectorAll('[data-testid=\"stMetricValue\"]').length >= {tiles}")

    def read() -> list[str]:
        values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        titles = [title.text_content() for title in page.locator(".js-plotly-plot .gtitle").all()]
        return values + titles

    shown = read()
    for _ in range(20):  # a run still replacing elements reads differently a moment later
        page.wait_for_timeout(300)
        shown, before = read(), shown
        if shown == before:
            return shown
    raise AssertionError(f"{base}/{path} kept changing: {before} then {shown}")


def test_two_app_processes_on_one_postgresql_serve_the_same_numbers(pg_engine, page, tmp_path):
    upgrade(pg_engine)
    load_demo(pg_engine, seed=42)
    url = pg_engine.url.render_as_string(hide_password=False)
    seen = []
    with (
        serving(url, tmp_path / "first.log") as first,
        serving(url, tmp_path / "second.log") as second,
    ):
        assert first != second  # two processes, two ports
        for base in (first, second):
            seen.append(
                {
                    "overview": numbers(page, base, "", charts=4, tiles=4),
                    "partnership": numbers(page, base, "partnership", charts=19, tiles=0),
                }
            )
    assert seen[0]["overview"][0] == "10"  # the demo city's active partnerships
    assert "Trust in police: latest quarter" in seen[0]["overview"]
    assert {"Trust in police", "Recorded crimes"} <= set(seen[0]["partnership"])  # chart titles were read
    assert seen[0] == seen[1]
