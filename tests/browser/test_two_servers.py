"""More users, more processes: two app servers on one PostgreSQL serve the same pages with
the same numbers (the app tier keeps no state of its own beyond caches)."""

from __future__ import annotations

import pytest

from db.demo import load_demo
from db.migrate import upgrade
from tests.browser.conftest import serving, wait_until_drawn

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def numbers(page, base: str, path: str, charts: int) -> list[str]:
    """The headline figures a person reads on the page: metric tiles and chart titles."""
    page.goto(f"{base}/{path}")
    wait_until_drawn(page, charts=charts, traces=0)
    tiles = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    titles = page.locator(".js-plotly-plot .gtitle").all_inner_texts()
    return tiles + titles


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
                    "overview": numbers(page, base, "", charts=2),
                    "partnership": numbers(page, base, "partnership", charts=8),
                }
            )
    assert seen[0]["overview"][0] == "10"  # the demo city's active partnerships
    assert len(seen[0]["partnership"]) >= 8  # tiles or titles of every chart were read
    assert seen[0] == seen[1]
