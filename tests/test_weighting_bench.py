"""The raking benchmark still runs (at a tiny scale), so it cannot rot between full runs."""

from benchmarks.weighting_bench import _write, synthetic_times


def test_weighting_benchmark_rakes_made_up_respondents_and_writes_its_tables(tmp_path):
    synthetic = synthetic_times(3_000, areas=3)
    assert synthetic["3,000 respondents, one area"] > 0
    assert 1.0 < synthetic["one area: design effect"] < 3.0
    demo = {
        "sqlite": {
            "areas": 40,
            "respondents": 33_672,
            "load_demo (raking included)": 50.0,
            "rake every area": 2.0,
            "rake every area, roll-ups refreshed": 9.0,
        }
    }
    out = tmp_path / "weighting.md"
    _write(out, demo, synthetic, ["--postgres", "postgresql+psycopg://u@h/db"], (1.0, 1.0, 1.0))
    text = out.read_text()
    assert "`python -m benchmarks.weighting_bench --postgres URL`" in text  # no server address kept
    assert "| sqlite | 40 | 33,672 | 50.0 s | 2.0 s | 9.0 s |" in text
    assert "| 3,000 respondents over 3 areas |" in text
