"""Browser layer: a real `streamlit run` server on the demo database, and Debian's
Chromium driven by Playwright. Screenshots land in artifacts/screenshots/ (git-ignored)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, need

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(url: str, log: Path, secrets: Path | None = None, port: int | None = None) -> Iterator[str]:
    """A `streamlit run app.py` server on the database at `url`, reading its secrets (an
    identity provider's [auth] section) from `secrets` if given; yields its base URL."""
    port = port or free_port()
    env = {**os.environ, "DATABASE_URL": url}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        *(["--secrets.files", str(secrets)] if secrets else []),
    ]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:  # noqa: S310 - loopback
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Streamlit did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


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
