"""Load benchmark: many people opening the dashboard at once, through the shipped proxy.

    .venv/bin/python -m benchmarks.load_bench [--sessions 50] [--processes 1 2] [--database-url URL]

N sessions start together, each a Playwright browser context (its own cookies, so its own
Streamlit session and its own sticky route) in one Debian Chromium. Each opens the
Overview, waits until it has drawn (benchmarks.server.PAGE_READY, then SETTLED), then
opens the Partnership page the same way. That is a real page load: HTML and scripts
through nginx, the WebSocket, the script run on the server and Plotly drawing. It is
run against one app process, then two, both behind deploy/nginx/commonground.conf
(benchmarks/proxy.py), on the demo city (seed 42) in a temporary SQLite file unless a URL
is given. Each process is visited once directly first, so the times are a warm server's.

Reported per set-up: failures (a page not drawn within the timeout, or any error),
p50/p95/max page-ready time over every page load, and each app process's peak resident
memory (VmHWM). Results go to benchmarks/results/load.md. The browser and the servers
share the machine: on 2 cores the times include Chromium drawing N pages at once.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import ssl
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.proxy import proxying
from benchmarks.server import CHROMIUM, CHROMIUM_ARGS, PAGE_READY, SETTLED, peak_rss_mb, serving

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "load.md"
PAGES = {"Overview": "/", "Partnership": "/partnership"}
TARGET_SESSIONS = 50
TIMEOUT_MS = 300_000


async def _open(page, base: str, path: str) -> float:
    """Seconds from navigation until the page at `path` has drawn and Streamlit is idle."""
    started = time.perf_counter()
    await page.goto(f"{base}{path}", timeout=TIMEOUT_MS)
    await page.wait_for_function(PAGE_READY[path], polling=250, timeout=TIMEOUT_MS)
    await page.wait_for_function(SETTLED, polling=250, timeout=TIMEOUT_MS)
    return time.perf_counter() - started


async def _session(browser, base: str) -> dict:
    """One person: the Overview, then a partnership. Returns each page's seconds, or the error."""
    # bypass_csp: PAGE_READY is checked by Playwright's in-page polling, which needs eval()
    # (the proxy's policy forbids it); tests/browser/test_proxy.py checks the policy itself.
    context = await browser.new_context(
        ignore_https_errors=True, bypass_csp=True, viewport={"width": 1366, "height": 768}
    )
    try:
        page = await context.new_page()
        return {title: await _open(page, base, path) for title, path in PAGES.items()}
    except Exception as error:  # noqa: BLE001 - any error is a failed session, and is reported
        return {"error": f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"}
    finally:
        await context.close()


def _get_page(base: str, path: str, tls: ssl.SSLContext) -> str:
    """GET the page's HTML as a browser does first; returns the cookies it was given."""
    split = urlsplit(base)
    connection = (
        http.client.HTTPSConnection(split.netloc, context=tls, timeout=TIMEOUT_MS / 1000)
        if split.scheme == "https"
        else http.client.HTTPConnection(split.netloc, timeout=TIMEOUT_MS / 1000)
    )
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        if response.status != 200 or b'<div id="root">' not in response.read():
            raise RuntimeError(f"GET {path}: {response.status}")
        return "; ".join(c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or [])
    finally:
        connection.close()


async def _run_page(socket, page_name: str, page_hash: str, charts: int) -> dict:
    """Ask for a run of the page, as the browser does on arrival or on a sidebar link, and
    read every message until the run has finished; refuse a page with fewer charts."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    request = BackMsg()
    request.rerun_script.page_name = page_name
    request.rerun_script.page_script_hash = page_hash
    started = time.perf_counter()
    await socket.send(request.SerializeToString())
    drawn, pages = 0, {}
    while True:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(socket.recv(), TIMEOUT_MS / 1000))
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.new_element.WhichOneof("type") == "plotly_chart":
            drawn += 1
        elif kind == "navigation":
            pages = {p.url_pathname: p.page_script_hash for p in message.navigation.app_pages}
        elif kind == "script_finished" and message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
            break
        elif kind == "script_finished" and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            raise RuntimeError(f"{page_name or 'overview'}: run ended {message.script_finished}")
    if drawn < charts:
        raise RuntimeError(f"{page_name or 'overview'}: {drawn} charts, expected at least {charts}")
    return {"seconds": time.perf_counter() - started, "pages": pages}


async def _ws_session(base: str, tls: ssl.SSLContext) -> dict:
    """One person, spoken in Streamlit's own protocol: the page's HTML over HTTPS (which
    gives the route and XSRF cookies), the WebSocket through the proxy, a run of the
    Overview, then of the Partnership page from its sidebar link. Every element is received
    and parsed; nothing is drawn."""
    from websockets.asyncio.client import connect

    try:
        started = time.perf_counter()
        cookies = await asyncio.to_thread(_get_page, base, "/", tls)
        stream = base.replace("https://", "wss://").replace("http://", "ws://") + "/_stcore/stream"
        async with connect(
            stream,
            ssl=tls if stream.startswith("wss") else None,
            subprotocols=["streamlit"],
            origin=base,
            additional_headers={"Cookie": cookies},
            max_size=None,
            open_timeout=TIMEOUT_MS / 1000,
        ) as socket:
            overview = await _run_page(socket, "", "", charts=2)
            overview_seconds = time.perf_counter() - started
            partnership = await _run_page(socket, "partnership", overview["pages"]["partnership"], charts=4)
        return {"Overview": overview_seconds, "Partnership": partnership["seconds"]}
    except Exception as error:  # noqa: BLE001 - any error is a failed session, and is reported
        return {"error": f"{type(error).__name__}: {(str(error).splitlines() or [''])[0][:200]}"}


async def _load_browsers(bases: list[str], proxy: str, sessions: int) -> tuple[list[dict], float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for base in bases:  # warm each process: its first run imports and caches
            warm = await _session(browser, base)
            if "error" in warm:
                raise RuntimeError(f"warming {base} failed: {warm['error']}")
        started = time.perf_counter()
        results = await asyncio.gather(*(_session(browser, proxy) for _ in range(sessions)))
        wall = time.perf_counter() - started
        await browser.close()
    return list(results), wall


async def _load_protocol(
    bases: list[str], proxy: str, sessions: int, tls: ssl.SSLContext
) -> tuple[list[dict], float]:
    for base in bases:  # warm each process: its first run imports and caches
        warm = await _ws_session(base, tls)
        if "error" in warm:
            raise RuntimeError(f"warming {base} failed: {warm['error']}")
    started = time.perf_counter()
    results = await asyncio.gather(*(_ws_session(proxy, tls) for _ in range(sessions)))
    return list(results), time.perf_counter() - started


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def run(url: str, sessions: int, processes: int, folder: Path, client: str = "protocol") -> dict:
    """`sessions` sessions at once through the proxy in front of `processes` app processes,
    each a Streamlit protocol client (`client="protocol"`) or a Chromium context ("browser")."""
    # no identity provider: local mode, allowed on purpose (behind a proxy it is refused otherwise)
    os.environ.setdefault("COMMONGROUND_ALLOW_LOCAL_MODE", "1")
    with ExitStack() as stack:
        apps = [
            stack.enter_context(serving(url, folder / f"app{n}-{processes}.log")) for n in range(processes)
        ]
        ports = [urlsplit(base).port for base, _process in apps]
        proxy, _plain, certificate = stack.enter_context(proxying(ports, folder / f"nginx-{processes}"))
        cpu_before = [_cpu_seconds(process.pid) for _base, process in apps]
        bases = [base for base, _ in apps]
        tls = ssl.create_default_context(cafile=str(certificate))
        load = (
            _load_browsers(bases, proxy, sessions)
            if client == "browser"
            else _load_protocol(bases, proxy, sessions, tls)
        )
        # in a thread of its own: the caller may already run an event loop (Playwright's sync API)
        with ThreadPoolExecutor(max_workers=1) as thread:
            results, wall = thread.submit(asyncio.run, load).result()
        rss = [peak_rss_mb(process.pid) for _base, process in apps]
        cpu = [round(_cpu_seconds(p.pid) - t0, 1) for (_b, p), t0 in zip(apps, cpu_before, strict=True)]
        access_log = folder / f"nginx-{processes}" / "commonground.access.log"
        for _ in range(50):  # nginx logs a WebSocket once it has seen it close
            log = access_log.read_text()
            if client == "browser" or log.count(" upstream=") >= 2 * sessions:
                break
            time.sleep(0.1)
    failures = [r["error"] for r in results if "error" in r]
    times = [r[title] for r in results if "error" not in r for title in PAGES]
    by_page = {title: [r[title] for r in results if "error" not in r] for title in PAGES}
    upstreams = {f"127.0.0.1:{port}": log.count(f"upstream=127.0.0.1:{port} ") for port in ports}
    summary = {
        "sessions": sessions,
        "processes": processes,
        "client": client,
        "failures": len(failures),
        "failure_messages": sorted(set(failures)),
        "wall_seconds": round(wall, 1),
        "page_loads": len(times),
        "requests_per_process": list(upstreams.values()),
        "server_peak_rss_mb": rss,
        "server_cpu_seconds": cpu,
        "load_average_before": None,
    }
    if times:
        summary |= {
            "p50": round(statistics.median(times), 2),
            "p95": round(_percentile(times, 0.95), 2),
            "max": round(max(times), 2),
            "pages": {
                title: {"p50": round(statistics.median(v), 2), "p95": round(_percentile(v, 0.95), 2)}
                for title, v in by_page.items()
                if v
            },
        }
    return summary


CLIENTS = {
    "protocol": "Streamlit protocol client",
    "browser": "Chromium context",
}


def write(results: list[dict], command: str) -> str:
    lines = [
        "# Load benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}: `{command}` (demo city, seed 42, SQLite), through"
        " `deploy/nginx/commonground.conf` over HTTPS.",
        "",
        "All sessions start together; each opens the Overview, then the Partnership page. A"
        " **Streamlit protocol client** GETs the page, opens the WebSocket through nginx and asks for"
        " each page's run as a browser does, receiving and parsing every element (a page counts when"
        " its run has finished and its charts arrived); a **Chromium context** is a real browser tab"
        " in one Debian Chromium on the same machine, and a page counts when it has drawn"
        " (`PAGE_READY`, then `SETTLED`). Servers warm (each process visited once first)."
        f" Target: {TARGET_SESSIONS} sessions, 0 failures.",
        "",
        "| client | app processes | sessions | failures | p50 | p95 | max | wall time "
        "| sessions per process | server CPU | peak memory per process | load average before |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        per_process = " / ".join(str(n // 2) for n in r["requests_per_process"])  # page + WebSocket
        if r["client"] == "browser":
            per_process = "-"  # a tab fetches dozens of files
        cpu = " / ".join(f"{seconds} s" for seconds in r["server_cpu_seconds"])
        lines.append(
            f"| {CLIENTS[r['client']]} | {r['processes']} | {r['sessions']} | {r['failures']} "
            f"| {r.get('p50', '-')} s | {r.get('p95', '-')} s | {r.get('max', '-')} s "
            f"| {r['wall_seconds']} s | {per_process} | {cpu} "
            f"| {' / '.join(f'{mb:.0f} MB' for mb in r['server_peak_rss_mb'])} | {r['load_average_before']} |"
        )
    lines += ["", "| client | app processes | page | p50 | p95 |", "|---|---|---|---|---|"]
    for r in results:
        for title, page in r.get("pages", {}).items():
            lines.append(
                f"| {CLIENTS[r['client']]} | {r['processes']} | {title} | {page['p50']} s | {page['p95']} s |"
            )
    failed = [m for r in results for m in r["failure_messages"]]
    if failed:
        lines += ["", "Failures:", "", *(f"- {m}" for m in failed)]
    lines += ["", "```json", json.dumps(results, indent=2), "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=TARGET_SESSIONS, help="protocol clients at once")
    parser.add_argument("--browser-sessions", type=int, default=0, help="then Chromium contexts at once")
    parser.add_argument("--processes", type=int, nargs="+", choices=(1, 2, 3, 4), default=[1, 2])
    parser.add_argument("--database-url", help="default: the demo city in a temporary SQLite file")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    runs = [("protocol", args.sessions)] * bool(args.sessions) + [("browser", args.browser_sessions)] * bool(
        args.browser_sessions
    )
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or _demo(Path(folder))
        results = []
        for client, sessions in runs:
            for processes in args.processes:
                load = os.getloadavg()[0]
                result = run(url, sessions, processes, Path(folder), client)
                result["load_average_before"] = round(load, 1)
                results.append(result)
                print(json.dumps(result), flush=True)
    command = f"python -m benchmarks.load_bench --sessions {args.sessions}"
    if args.browser_sessions:
        command += f" --browser-sessions {args.browser_sessions}"
    if args.processes != [1, 2]:
        command += f" --processes {' '.join(map(str, args.processes))}"
    text = write(results, command)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)


def _demo(folder: Path) -> str:
    from db.demo import load_demo
    from db.engine import make_engine
    from db.migrate import upgrade

    url = f"sqlite:///{folder / 'demo.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    load_demo(engine, 42)
    engine.dispose()
    return url


if __name__ == "__main__":
    main()
