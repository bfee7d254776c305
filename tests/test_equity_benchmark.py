"""The equity placebo benchmark still runs (at a tiny scale), so it cannot rot between full runs."""

from metrics.evaluation import Design


def test_equity_placebos_on_the_demo_are_rarely_called_and_written_down(demo_engine, tmp_path):
    from benchmarks.equity_placebo import DEMO_GAP, demo_placebos, run, write

    design = Design()
    cases = demo_placebos(demo_engine, design, count=60)
    assert len({c.start for c in cases}) > 10  # fake starts spread over the data
    assert all(len(c.treated) == 3 for c in cases)
    rows = run("demo", demo_engine, cases, DEMO_GAP, ("trust",), ("drift",), "Demo city", design)
    (row,) = rows
    assert row["placebos"] == 60
    assert row["estimated"] >= 15  # the rest have fewer than 30 answers from a group
    assert row["called_n"] <= 3  # nothing happened: about 5% at most, with room for chance
    assert 0.5 < row["rms_z"] < 1.3
    text = write(rows, 1.0, tmp_path / "equity_placebo.md")
    assert "| Demo city | trust gap | 12+12 months | drift | 60 |" in text
