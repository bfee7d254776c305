"""A real `streamlit run serve.py` server and Debian's Chromium, for the browser tests and
the city-scale benchmark alike."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


class ServerDidNotStart(RuntimeError):
    """The server exited or did not answer its health check in time; the message ends
    with its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(
    url: str, log: Path, secrets: Path | None = None, port: int | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A `streamlit run serve.py` server (the app behind web/guard.py) on the database at
    `url`, reading its secrets (an identity provider's [auth] section) from `secrets` if
    given; yields its base URL and its process. Stopped when the block ends."""
    port = port or free_port()
    env = {**os.environ, "DATABASE_URL": url}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "serve.py"),
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
                raise ServerDidNotStart(f"Streamlit did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmHWM for process {pid}")


def wait_until_settled(page, timeout_ms: int = 120_000) -> None:
    """Wait until Streamlit has finished running and every chart on the page is drawn
    (there is at least one, and each has its SVG), however many the data gives."""
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot').length > 0"
        " && [...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))",
        timeout=timeout_ms,
    )
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)


# What each page has drawn when it is finished: Streamlit shows grey placeholders until then.
PAGE_READY = {
    "/": "document.querySelectorAll('.js-plotly-plot').length >= 2"
    " && document.querySelector('[data-testid=\"stDataFrame\"] canvas')",
    "/partnership": "document.querySelectorAll('.js-plotly-plot').length >= 4",
    "/data": "document.querySelector('[data-testid=\"stDataFrame\"] canvas')",
    "/audit": "document.querySelector('[data-testid=\"stDataFrame\"] canvas')",
    "/initiatives": "document.querySelector('[data-testid=\"stDataFrame\"] canvas')",
    "/present": "document.querySelector('.st-key-slide img')",
}
SETTLED = (
    "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
    " && !document.querySelector('[data-testid=\"stSpinner\"]')"
    " && [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
    ".every(chart => chart.querySelector('.main-svg'))"
)


def wait_for_page(page, path: str, timeout_ms: int = 120_000) -> None:
    """Wait until the page at `path` (as in PAGE_READY; a query string is ignored) has drawn
    what it shows and Streamlit has finished running, then let tables paint."""
    page.wait_for_function(PAGE_READY[path.split("?")[0]], timeout=timeout_ms)
    page.wait_for_function(SETTLED, timeout=timeout_ms)
    page.wait_for_timeout(1000)
