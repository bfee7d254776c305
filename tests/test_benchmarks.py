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
