"""The benchmark commands still run (at a tiny scale), so they cannot rot between full runs."""

from benchmarks.import_bench import run, write


def test_import_benchmark_runs_all_three_ways_and_reports_the_targets(tmp_path):
    result = run(rows=2_000)
    assert result["rows"] == 2_000
    for approach in ("commonground_import", "floor_executemany", "pandas_to_sql"):
        assert result[approach]["seconds"] > 0
        assert result[approach]["peak_mb"] > 0
    text = write(result)
    assert "| `commonground import` (validation, staging, merge, roll-up, log) |" in text
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
        assert result[fmt]["slides"] == 8
        assert result[fmt]["bytes"] > 10_000
    assert "| pdf | 8 |" in write_export(result)
