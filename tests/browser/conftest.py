"""Browser layer: a real `streamlit run` server on the demo database, and Debian's
Chromium driven by Playwright. Screenshots land in artifacts/screenshots/ (git-ignored)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from benchmarks.server import CHROMIUM, CHROMIUM_ARGS, ServerDidNotStart, free_port  # noqa: F401
from benchmarks.server import serving as start_server
from tests.conftest import ROOT, need

SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@contextmanager
def serving(url: str, log: Path, secrets: Path | None = None, port: int | None = None) -> Iterator[str]:
    """A `streamlit run serve.py` server (benchmarks.server.serving); yields its base URL.
    A server that does not start fails the test with its log."""
    try:
        with start_server(url, log, secrets, port) as (base, _process):
            yield base
    except ServerDidNotStart as failed:
        pytest.fail(str(failed))


@pytest.fixture(scope="session")
def server(demo_url, tmp_path_factory) -> Iterator[str]:
    """Base URL of a Streamlit server running app.py on the demo database."""
    with serving(demo_url, tmp_path_factory.mktemp("server") / "streamlit.log") as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        need(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    yield context.new_page()
    context.close()


def wait_until_drawn(page, charts: int = 1, traces: int = 1) -> None:
    """Wait until Streamlit has finished running and Plotly has drawn at least `charts`
    charts holding at least `traces` scatter traces between them."""
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)
    page.wait_for_function(
        f"document.querySelectorAll('.js-plotly-plot .main-svg').length > 0"
        f" && document.querySelectorAll('.js-plotly-plot').length >= {charts}"
        f" && document.querySelectorAll('.js-plotly-plot .scatterlayer .trace').length >= {traces}",
        timeout=60_000,
    )


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def idle(page) -> None:
    """Wait until Streamlit has finished running the script (its status widget is gone)."""
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)


def choose(page, box: str, option: str) -> None:
    """Pick `option` in the select box labelled `box` once Streamlit has finished running,
    and make sure it is still chosen when the run it starts is over. A rerun that replaces the
    open list detaches its options, and a rerun already on its way (the status widget shows a
    moment after a click) can replace the box with a fresh one at its default, both seen on a
    loaded machine: then the list is opened, and the option chosen, again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(4):
        idle(page)
        page.get_by_role("combobox", name=box).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
        except PlaywrightTimeout:
            if attempt == 3:
                raise
            page.keyboard.press("Escape")
            continue
        page.wait_for_timeout(750)  # let the run this choice starts begin, then wait it out
        idle(page)
        if page.get_by_role("combobox", name=box).input_value() == option:  # the box shows it
            return
    raise AssertionError(f"{box!r} would not keep {option!r}")
