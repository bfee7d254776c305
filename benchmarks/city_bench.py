"""City-scale benchmark: every page on ten years of a large city, against its floor and a
naive peer, on SQLite and PostgreSQL, server-side and in a browser, from one run.

    .venv/bin/python -m benchmarks.city_bench [--fraction 1] [--runs 5] [--postgres URL]

1. Generates the city-scale demo (`commonground demo --scale city`) into a new SQLite
   file (and, with --postgres, a new database on that server), timed, including the
   scorecard the demo command evaluates and stores once after loading.
2. Renders each page server-side through `app.py` (AppTest): cold (caches cleared) and
   warm, the median of --runs runs each, and once after a filter change (another
   partnership, one crime group fewer).
3. The floor: the SQL statements the page's cold run sent, captured at the driver and
   replayed directly through SQLAlchemy, with no Streamlit and no pandas.
4. The naive peer: the same numbers by reading the incident and survey tables whole with
   `pandas.read_sql` and grouping in pandas, once, in its own process (time and memory).
5. A `streamlit run` server's peak resident memory after Chromium has visited every page,
   and the time from navigation to the last chart drawn for Overview and Partnership on
   the warm server.
6. The Overview's map of every beat (300 at full scale) on the warm server:
   the time from its chart reaching the page to its last shape drawn (issue 20's target:
   under 1 s), and from navigation to the map drawn.

`--maps-only` runs steps 1 and 6 alone and writes `benchmarks/results/maps.md`.

Results go to `benchmarks/results/city.md`; the targets are issue 7's.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text

from benchmarks.server import CHROMIUM, CHROMIUM_ARGS, peak_rss_mb, serving, wait_until_settled
from db.demo.scale import load_city
from db.engine import make_engine
from db.migrate import upgrade
from metrics.evaluation import Design
from metrics.stored import stored_scorecard

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "city.md"
MAPS_RESULTS = ROOT / "benchmarks" / "results" / "maps.md"
APP = str(ROOT / "app.py")
# page file -> (title in the results, how many charts it draws on the demo city; 0: none;
# the Present page draws its slide as a picture, not a chart)
PAGES = {
    "pages/overview.py": ("Overview", 3),
    "pages/partnership.py": ("Partnership", 10),
    "pages/present.py": ("Present", 0),
    "pages/data.py": ("Data", 0),
    "pages/audit.py": ("Audit log", 0),
}
BROWSER_PAGES = {"Overview": "", "Partnership": "partnership"}
TARGETS = {
    "cold": 1.5,
    "warm": 0.3,
    "floor_ratio": 3.0,
    "naive_ratio": 20.0,
    "server_mb": 600,
    "browser": 3.0,
    "map": 1.0,
}
MAP_TITLE = "Latest trust score"  # the Overview's map of every area of the mapped kind, as it opens
# In the tab from its first moment: when each chart element reaches the page.
CHART_ARRIVALS = """
new MutationObserver(() => {
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!chart.dataset.arrived) chart.dataset.arrived = String(performance.now());
  }
}).observe(document, {childList: true, subtree: true});
"""
# [ms from the map's chart arriving to its shapes drawn, ms from navigation], once drawn.
MAP_DRAWN = """
([title, areas]) => {
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    const heading = chart.querySelector('.gtitle');
    if (!heading || heading.textContent !== title) continue;
    if (chart.querySelectorAll('.scatterlayer path.js-fill').length < areas) return false;
    const now = performance.now();
    return [now - Number(chart.dataset.arrived), now];
  }
  return false;
}
"""
GENERATION_TARGET = 300.0

NAIVE = """
import pandas as pd
from sqlalchemy import create_engine
engine = create_engine(URL)
incidents = pd.read_sql("SELECT * FROM crime_incident", engine)
categories = pd.read_sql("SELECT * FROM offence_category", engine)
monthly = (
    incidents.merge(categories, left_on="category_id", right_on="id")
    .groupby(["area_id", "occurred_month", "crime_group"])["count"].sum()
)
responses = pd.read_sql("SELECT * FROM survey_response", engine)
answers = pd.read_sql("SELECT * FROM survey_answer", engine)
items = pd.read_sql("SELECT * FROM survey_item", engine)
a = answers.merge(items, left_on="item_id", right_on="id")
a = a.merge(responses, left_on="response_id", right_on="id")
a = a[a["respondent_type"] == "resident"]
a["x"] = 100 * (a["value"] - a["scale_min"]) / (a["scale_max"] - a["scale_min"])
per = a.groupby(["construct", "response_id", "area_id", "quarter_start", "weight"])["x"].mean().reset_index()
per["wx"] = per["weight"] * per["x"]
means = per.groupby(["construct", "area_id", "quarter_start"])[["wx", "weight"]].sum()
print(len(monthly), len(means))
import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


class Statements:
    """The SELECT statements sent to the database while it is listening."""

    def __init__(self) -> None:
        self.listening = False
        self.seen: list[tuple[str, object]] = []
        event.listen(Engine, "before_cursor_execute", self._heard)

    def _heard(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.listening and not executemany and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.seen.append((statement, parameters))

    def replay(self, url: str) -> float:
        """Seconds to run the statements heard, fetching every row, on a new engine."""
        engine = create_engine(url)
        started = time.perf_counter()
        with engine.connect() as conn:
            for statement, parameters in self.seen:
                conn.exec_driver_sql(statement, parameters).fetchall()
        seconds = time.perf_counter() - started
        engine.dispose()
        return seconds


@functools.cache
def _components():
    """Streamlit's registry of custom components, found once per process.

    A server scans every installed package for components once, when it starts; each
    new AppTest scans again on its first run (0.13 s here), which no user ever waits for.
    Every render below shares this one, so page timings hold only the page's own run."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    components = BidiComponentManager()
    components.discover_and_register_components(start_file_watching=False)
    return components


def _render(page: str, change_filters: bool = False) -> float:
    """Seconds for one run of `page` through app.py; with `change_filters`, the seconds
    of the rerun after choosing another partnership and one crime group fewer."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=900)
    at._bidi_component_manager = _components()  # see _components
    at.switch_page(page)
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page}: {[e.value for e in at.exception]}")
    if not change_filters:
        return seconds
    partnership = at.sidebar.selectbox(key="filter_partnership")
    partnership.select(partnership.options[1])
    groups = at.sidebar.multiselect(key="filter_crime_groups")
    groups.unselect(groups.value[-1])
    started = time.perf_counter()
    at.run()
    return time.perf_counter() - started


def _clear_caches(url: str) -> None:
    """Cold caches: the app's data caches emptied and its engine's connections closed."""
    import streamlit as st

    from ui.database import engine_for

    engine_for(url).dispose()
    st.cache_data.clear()
    st.cache_resource.clear()


def pages(url: str, runs: int, statements: Statements) -> dict:
    """Cold, warm, filter-change and floor seconds per page on the database at `url`."""
    os.environ["DATABASE_URL"] = url
    out = {}
    for page, (title, _charts) in PAGES.items():
        cold, warm, floors = [], [], []
        for _ in range(runs):
            _clear_caches(url)
            statements.seen.clear()
            statements.listening = True
            cold.append(_render(page))
            statements.listening = False
            floors.append(statements.replay(url))
            warm.append(_render(page))
        _clear_caches(url)
        _render(page)  # warm the page's caches, then change the filters: what a user waits for
        changed = (
            _render(page, change_filters=True)
            if page in ("pages/overview.py", "pages/partnership.py")
            else None
        )
        out[title] = {
            "cold": round(statistics.median(cold), 3),
            "warm": round(statistics.median(warm), 3),
            "filter_change": None if changed is None else round(changed, 3),
            "floor": round(statistics.median(floors), 3),
            "statements": len(statements.seen),
        }
    _clear_caches(url)  # leave no connection open behind the measurements
    return out


def naive(url: str) -> dict:
    """The naive peer, once, in its own process: seconds and peak memory."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", f"URL = {url!r}\n" + NAIVE],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 1), "peak_mb": round(int(done.stdout.split()[-1]) / 1024, 1)}


def browser(url: str, work: Path, navigations: int = 5) -> dict:
    """Peak server memory after every page is visited; and for Overview and Partnership on
    a warm server, the median of `navigations` from a blank tab to the last chart drawn,
    with the seconds the tab's main thread was busy meanwhile (Chromium's TaskDuration):
    when busy is most of the wait, the browser's own drawing is what the user waits for."""
    from playwright.sync_api import sync_playwright

    with serving(url, work / "streamlit.log") as (base, process), sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = chromium.new_page(viewport={"width": 1920, "height": 1080})
        for page, (title, charts) in PAGES.items():  # every page once: the server is now warm
            tab.goto(f"{base}/{page.removeprefix('pages/').removesuffix('.py').replace('overview', '')}")
            if charts:
                wait_until_settled(tab, timeout_ms=600_000)  # cold: the first visit fills the caches
            elif page == "pages/present.py":
                tab.locator(".st-key-slide img").wait_for(timeout=600_000)
            else:
                tab.get_by_role("heading", name=title, exact=True).wait_for(timeout=120_000)
        devtools = tab.context.new_cdp_session(tab)
        devtools.send("Performance.enable")

        def busy() -> float:
            metrics = devtools.send("Performance.getMetrics")["metrics"]
            return next(m["value"] for m in metrics if m["name"] == "TaskDuration")

        timings, busy_seconds = {}, {}
        for title, path in BROWSER_PAGES.items():
            seconds, busied = [], []
            for _ in range(navigations):
                tab.goto("about:blank")
                started, busy_before = time.perf_counter(), busy()
                tab.goto(f"{base}/{path}")
                wait_until_settled(tab)
                seconds.append(time.perf_counter() - started)
                busied.append(busy() - busy_before)
            timings[title] = round(statistics.median(seconds), 2)
            busy_seconds[title] = round(statistics.median(busied), 2)
        memory = peak_rss_mb(process.pid)
        chromium.close()
    return {
        "server_peak_mb": memory,
        "last_chart_seconds": timings,
        "tab_busy_seconds": busy_seconds,
        "map": maps(url, work / "maps.log", navigations),
    }


def mapped_areas(url: str) -> int:
    """How many shapes the Overview's map draws: the areas with a stored shape of the
    kind most partnership areas are (metrics.maps.mapped_kind)."""
    from metrics.maps import area_shapes, catchments, mapped_kind

    engine = make_engine(url)
    with engine.connect() as conn:
        kind = mapped_kind(conn, catchments(conn)["area_id"].tolist())
        count = len(area_shapes(conn, kinds=(kind,))) if kind else 0
    engine.dispose()
    return count


def maps(url: str, log: Path, navigations: int = 5) -> dict:
    """The Overview's map (coloured by trust, as it opens) on a warm server (visited once first), median of
    `navigations` from a blank tab: seconds from the map's chart reaching the page to its
    last shape drawn (Plotly's own work in the tab), and from navigation to that moment."""
    from playwright.sync_api import sync_playwright

    areas = mapped_areas(url)
    with serving(url, log) as (base, _process), sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        tab = chromium.new_page(viewport={"width": 1920, "height": 1080})
        tab.add_init_script(CHART_ARRIVALS)
        draws, waits = [], []
        for visit in range(navigations + 1):  # the first visit warms the server's caches
            tab.goto("about:blank")
            tab.goto(base)
            drawn = tab.wait_for_function(MAP_DRAWN, arg=[MAP_TITLE, areas], polling="raf", timeout=600_000)
            draw_ms, since_navigation_ms = drawn.json_value()
            if visit:
                draws.append(draw_ms / 1000)
                waits.append(since_navigation_ms / 1000)
        chromium.close()
    return {
        "areas": areas,
        "draw_seconds": round(statistics.median(draws), 3),
        "navigation_seconds": round(statistics.median(waits), 2),
    }


def generate(url: str, fraction: float) -> dict:
    """Seconds to write the city (as `commonground demo --scale city` does) and, after it,
    to evaluate and store the scorecard the Overview reads (once per load)."""
    engine = make_engine(url)
    upgrade(engine)
    written = load_city(engine, seed=42, fraction=fraction)
    started = time.perf_counter()
    stored_scorecard(engine, Design())
    scored = time.perf_counter() - started
    engine.dispose()
    return {"generate_seconds": written["seconds"], "scorecard_seconds": round(scored, 1)}


def _fresh_postgres(admin_url: str, name: str) -> str:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))  # noqa: S608 - fixed name
        conn.execute(text(f'CREATE DATABASE "{name}"'))  # noqa: S608 - fixed name
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def run(fraction: float = 1.0, runs: int = 5, postgres: str | None = None, with_browser: bool = True) -> dict:
    statements = Statements()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        sqlite_url = f"sqlite:///{work / 'city.sqlite'}"
        result = {
            "fraction": fraction,
            "runs": runs,
            "sqlite": generate(sqlite_url, fraction),
        }
        result["sqlite"]["pages"] = pages(sqlite_url, runs, statements)
        result["naive"] = naive(sqlite_url)
        if with_browser:
            result["browser"] = browser(sqlite_url, work)
        if postgres:
            pg_url = _fresh_postgres(postgres, "commonground_city_bench")
            result["postgresql"] = generate(pg_url, fraction)
            result["postgresql"]["pages"] = pages(pg_url, runs, statements)
    return result


def _verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def write(result: dict) -> str:
    naive_seconds = result["naive"]["seconds"]
    lines = [
        "# City-scale benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, "
        f"Python {platform.python_version()}: "
        f"`python -m benchmarks.city_bench --fraction {result['fraction']:g} --runs {result['runs']}"
        + (" --postgres URL`." if "postgresql" in result else "`."),
        "",
        "The city-scale demo (`commonground demo --scale city`): 300 beats, 60 partnerships, ten years, "
        f"{result['fraction']:g} x (5,000,000 incidents and 200,000 resident responses).",
        "",
    ]
    misses = []
    for database in ("sqlite", "postgresql"):
        if database not in result:
            continue
        part = result[database]
        scored = part.get("scorecard_seconds", 0.0)
        generated = round(part["generate_seconds"] + scored, 1)
        lines += [
            f"## {'SQLite' if database == 'sqlite' else 'PostgreSQL'}",
            "",
            f"Generating the data set: {generated} s, of which {scored} s evaluating every partnership"
            " once and storing the scorecard for the pages to read"
            f" (target at most {GENERATION_TARGET:.0f} s: {_verdict(generated <= GENERATION_TARGET)}).",
            "",
            "| page | cold | warm | after a filter change | floor (its SQL alone) "
            "| cold / floor | naive / cold |",
            "|---|---|---|---|---|---|---|",
        ]
        if generated > GENERATION_TARGET:
            misses.append(f"{database}: generation {generated} s")
        for title, t in part["pages"].items():
            floor_ratio = t["cold"] / t["floor"] if t["floor"] else float("inf")
            naive_ratio = naive_seconds / t["cold"]
            change = "" if t["filter_change"] is None else f"{t['filter_change']:.2f} s"
            lines.append(
                f"| {title} | {t['cold']:.2f} s | {t['warm']:.3f} s | {change} | {t['floor']:.3f} s "
                f"({t['statements']} statements) | {floor_ratio:.1f}x | {naive_ratio:.0f}x |"
            )
            for name, ok in (
                (f"cold {t['cold']:.2f} s > {TARGETS['cold']} s", t["cold"] <= TARGETS["cold"]),
                (f"warm {t['warm']:.3f} s > {TARGETS['warm']} s", t["warm"] <= TARGETS["warm"]),
                (f"cold is {floor_ratio:.1f}x its floor (at most 3x)", floor_ratio <= TARGETS["floor_ratio"]),
                (
                    f"only {naive_ratio:.0f}x faster than the naive peer (at least 20x)",
                    naive_ratio >= TARGETS["naive_ratio"],
                ),
            ):
                if not ok:
                    misses.append(f"{database}, {title}: {name}")
        lines.append("")
    lines += [
        f"Naive peer (whole tables through `pandas.read_sql`, grouped in pandas, on SQLite): "
        f"{naive_seconds} s, {result['naive']['peak_mb']} MB peak.",
        "",
    ]
    if "browser" in result:
        b = result["browser"]
        lines += [
            "## Server and browser (SQLite)",
            "",
            f"Peak resident memory of the `streamlit run` server after Chromium visited every page: "
            f"{b['server_peak_mb']} MB (target at most {TARGETS['server_mb']} MB: "
            f"{_verdict(b['server_peak_mb'] <= TARGETS['server_mb'])}).",
            "",
            "| page | navigation to last chart drawn, warm server (median of 5) | the tab busy meanwhile |",
            "|---|---|---|",
            *[
                f"| {title} | {s:.2f} s | {b.get('tab_busy_seconds', {}).get(title, float('nan')):.2f} s |"
                for title, s in b["last_chart_seconds"].items()
            ],
            "",
        ]
        if b["server_peak_mb"] > TARGETS["server_mb"]:
            misses.append(f"server peak {b['server_peak_mb']} MB")
        misses += [
            f"browser, {title}: {s:.2f} s to the last chart"
            for title, s in b["last_chart_seconds"].items()
            if s > TARGETS["browser"]
        ]
        lines += map_lines(b["map"])
        if b["map"]["draw_seconds"] > TARGETS["map"]:
            misses.append(f"map of {b['map']['areas']} areas: {b['map']['draw_seconds']:.2f} s to draw")
    lines += ["## Targets missed", ""]
    lines += [f"- {m}" for m in misses] or ["None."]
    lines += ["", "```json", json.dumps(result, indent=2), "```", ""]
    return "\n".join(lines)


def map_lines(m: dict) -> list[str]:
    return [
        f"Overview's map of {m['areas']} areas, warm server (median of 5): "
        f"{m['draw_seconds']:.2f} s from its chart reaching the page to its last shape drawn "
        f"(target under {TARGETS['map']:.0f} s: {_verdict(m['draw_seconds'] < TARGETS['map'])}); "
        f"{m['navigation_seconds']:.2f} s from navigation to the map drawn.",
        "",
    ]


def maps_only(fraction: float) -> str:
    """Steps 1 and 6 alone: the city generated on SQLite, then its Overview map timed."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'city.sqlite'}"
        generated = generate(url, fraction)
        m = maps(url, Path(folder) / "maps.log")
    lines = [
        "# Map drawing at city scale",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `python -m benchmarks.city_bench --maps-only` "
        f"(fraction {fraction}), {platform.machine()} with {os.cpu_count()} cores, Debian's Chromium, "
        "server and browser on the same machine.",
        "",
        *map_lines(m),
        "```json",
        json.dumps({"fraction": fraction, "sqlite": generated, "map": m}, indent=2),
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=1.0, help="share of the city's volume (1 = full)")
    parser.add_argument("--runs", type=int, default=5, help="runs per page for the medians")
    parser.add_argument("--postgres", help="a PostgreSQL server URL whose user may create databases")
    parser.add_argument("--no-browser", action="store_true", help="skip the server and browser part")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--maps-only", action="store_true", help="only the city and its map (maps.md)")
    args = parser.parse_args()
    if args.maps_only:
        report = maps_only(args.fraction)
        kept = MAPS_RESULTS.read_text() if MAPS_RESULTS.exists() else ""
        notes = "\n## Notes" + kept.split("\n## Notes", 1)[1] if "\n## Notes" in kept else ""
        MAPS_RESULTS.write_text(report + notes)  # the notes on why are kept across runs
        print(report)
        return
    result = run(args.fraction, args.runs, args.postgres, not args.no_browser)
    report = write(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    notes = ""
    if args.out.exists() and "\n## Why, and what would close it" in args.out.read_text():
        notes = args.out.read_text().split("\n## Why, and what would close it", 1)[1]
        notes = "\n## Why, and what would close it" + notes
    args.out.write_text(report + notes)
    print(report)


if __name__ == "__main__":
    main()
