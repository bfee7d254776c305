"""The benchmark commands still run (at a tiny scale), so they cannot rot between full runs."""

import pytest

from benchmarks.import_bench import run, write


def test_import_benchmark_runs_every_way_and_reports_the_targets(tmp_path):
    """`run` itself refuses a result where the ways wrote different rows."""
    result = run(rows=2_000)
    assert result["rows"] == 2_000
    ways = [result[k] for k in ("commonground_import", "general_path", "floor_executemany", "pandas_to_sql")]
    for way in [*ways, *result["bare_table"].values()]:
        assert way["seconds"] > 0
        assert way["peak_mb"] > 0
    text = write(result)
    assert "| `commonground import`, the quick way (validation, roll-up, log) |" in text
    assert "| `commonground import` forced the general way (row by row) |" in text
    assert "| within 2.5x of the floor |" in text
    assert "| at least 2x faster than to_sql |" in text


def test_export_benchmark_times_a_pdf_and_a_deck(demo_url):
    import os
    import shutil

    from benchmarks.export_bench import run as run_export
    from benchmarks.export_bench import write as write_export
    from tests.conftest import need

    if not (os.path.exists("/usr/bin/chromium") or shutil.which("chromium")):
        need("no Chromium for kaleido (apt-get install chromium)")
    result = run_export(demo_url, "RIV-EAST-SCHOOLS")
    for fmt in ("pdf", "pptx"):
        assert result[fmt]["slides"] == 14  # the demo deck of RIV-EAST-SCHOOLS, public
        assert result[fmt]["bytes"] > 10_000
    assert "| pdf | 14 |" in write_export(result)


@pytest.mark.postgres
@pytest.mark.browser
def test_city_benchmark_measures_every_page_floor_peer_server_and_browser(pg_admin_url, tmp_path):
    """The documented command at a two-thousandth of the volume, in its own process (it
    drives its own browser): every part runs and the report names every target."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    from benchmarks.city_bench import PAGES
    from tests.conftest import ROOT, need

    if not (os.path.exists("/usr/bin/chromium") or shutil.which("chromium")):
        need("no Chromium for the browser part (apt-get install chromium)")
    out = tmp_path / "city.md"
    subprocess.run(
        [sys.executable, "-m", "benchmarks.city_bench", "--fraction", "0.0005", "--runs", "1"]
        + ["--postgres", pg_admin_url, "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=900,
    )
    report = out.read_text()
    result = json.loads(report.split("```json", 1)[1].split("```", 1)[0])
    for database in ("sqlite", "postgresql"):
        assert result[database]["generate_seconds"] > 0
        timings = result[database]["pages"]
        assert set(timings) == {title for title, _charts in PAGES.values()}
        for page in timings.values():
            assert page["cold"] > 0
            assert page["warm"] > 0
            assert page["floor"] > 0
            assert page["statements"] > 0  # the page's own SQL was heard and replayed
        assert timings["Partnership"]["filter_change"] > 0
    assert result["naive"]["peak_mb"] > 0
    assert result["browser"]["server_peak_mb"] > 100
    assert set(result["browser"]["last_chart_seconds"]) == {"Overview", "Partnership"}
    for title, waited in result["browser"]["last_chart_seconds"].items():
        assert 0 < result["browser"]["tab_busy_seconds"][title] <= waited + 0.5, title
    assert "| Overview |" in report
    assert "## Targets missed" in report
    assert "Peak resident memory of the `streamlit run` server" in report


def test_placebo_benchmark_on_real_data_shows_counts_alone_are_too_sure(tmp_path):
    """A small version of `python -m benchmarks.placebo`: Chicago districts, 2 fake starts
    per district. The counts-only interval is too narrow for districts (RMS z well above
    1); the drift-aware one is not, and the published sentiment series gets intervals."""
    from dataclasses import replace

    from benchmarks.placebo import DATASETS, write
    from benchmarks.placebo import run_dataset as run_placebos
    from tests.db.conftest import need_shared

    need_shared()
    chicago = replace(next(d for d in DATASETS if d.key == "chicago"), starts_per_area=2)
    rows = run_placebos(replace(chicago, outcomes=("violent", "trust")), folder=tmp_path)
    by = {(r["outcome"], r["inference"]): r for r in rows}
    assert by[("violent", "poisson")]["estimated"] == 44
    assert by[("violent", "poisson")]["rms_z"] > 1.05
    assert 0.6 < by[("violent", "drift")]["rms_z"] < by[("violent", "poisson")]["rms_z"]
    assert by[("violent", "drift")]["called"] <= 0.12
    assert by[("trust", "drift")]["estimated"] == 44  # published scores, no n: still an interval
    text = write(rows, 1.0, tmp_path / "placebo.md")
    assert "| Chicago districts" in text
    assert "(fewer than 200)" in text


def test_initiative_placebo_benchmark_runs_on_the_demo_and_writes_every_rate(demo_engine, tmp_path):
    """A small version of `python -m benchmarks.initiative_placebo`: made-up initiatives at
    3 demo areas where nothing was done, 8 random starts each, judged by the dashboard's own
    code. A goal met needs a fall beyond chance, so it is never commoner than Improved."""
    from sqlalchemy import select

    from benchmarks.initiative_placebo import DEMO, placebo_cases, run, write
    from db.models import PartnershipArea
    from metrics.initiatives import busy_areas, initiatives

    cases = placebo_cases(demo_engine, DEMO, "property")
    with demo_engine.connect() as conn:
        taken = set(conn.execute(select(PartnershipArea.area_id)).scalars()) | busy_areas(initiatives(conn))
    placed = {c.treated[0] for c in cases}
    assert len(placed) > 3
    assert not placed & taken  # nothing was done at a placebo
    small = [c for c in cases if c.treated[0] in sorted(placed)[:3]]
    assert len(small) == 24
    (row,) = run(demo_engine, DEMO, {"property": small})
    assert (row["placebos"], row["estimated"], row["measured"]) == (24, 24, 24)
    assert row["called_n"] <= 4  # nothing happened: about 5%, with room for chance
    assert row["goal_n"] <= row["improved_n"]
    assert row["displaced_n"] <= 3
    assert sum(row["answers"].values()) == 24
    text = write([row], 1.0, tmp_path / "initiative_placebo.md")
    assert f"| {DEMO.title} | property | down 20% within 12 months | 24 | 24 |" in text
    assert "(fewer than 200)" in text


@pytest.mark.proxy
def test_load_benchmark_serves_sessions_through_the_proxy(demo_url, tmp_path):
    """`python -m benchmarks.load_bench` at two sessions on one app process behind the shipped
    proxy: both sessions get both pages with their charts, and the report says so."""
    import os

    from benchmarks.load_bench import run as run_load
    from benchmarks.load_bench import write as write_load
    from benchmarks.proxy import NGINX
    from tests.conftest import need

    if not os.path.exists(NGINX):
        need(f"no nginx at {NGINX} (apt-get install nginx)")
    result = run_load(demo_url, sessions=2, processes=1, folder=tmp_path)
    assert result["failure_messages"] == []
    assert result["page_loads"] == 4  # the Overview and a partnership, each with its charts
    assert 0 < result["pages"]["Partnership"]["p50"] <= result["max"]
    assert result["requests_per_process"] == [4]  # each session: the page, then its WebSocket
    assert result["server_peak_rss_mb"][0] > 100
    result["load_average_before"] = 1.0
    report = write_load([result], "python -m benchmarks.load_bench")
    assert "| Streamlit protocol client | 1 | 2 | 0 |" in report


def test_evaluate_benchmark_builds_a_city_once_and_times_evaluate_all(tmp_path):
    """`python -m benchmarks.evaluate_bench` at a tiny city: the command is timed with its
    own peak memory, every partnership is evaluated, and a second run reuses the city."""
    from benchmarks.evaluate_bench import run as run_evaluate
    from benchmarks.evaluate_bench import write as write_evaluate

    first = run_evaluate(2_400, 6, 1, tmp_path, None, None)
    assert first["sqlite"]["built"] is True
    assert first["sqlite"]["partnerships"] == 6
    assert first["sqlite"]["outcomes"] == 6 * 7
    assert first["sqlite"]["seconds"] > 0
    assert first["sqlite"]["peak_mb"] > 50
    again = run_evaluate(2_400, 6, 1, tmp_path, None, None)
    assert again["sqlite"]["built"] is False
    report = write_evaluate(again, "python -m benchmarks.evaluate_bench")
    assert "| sqlite | 6 x 7 |" in report
    assert again["sqlite"]["cpu_seconds"] > 0
    assert "| not run | not checked |" in report
