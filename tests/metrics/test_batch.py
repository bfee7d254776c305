"""`commonground evaluate --all`: every partnership evaluated in one batch, reading the data
once, gives exactly what each partnership evaluated on its own gives."""

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import event

from benchmarks.evaluate_bench import differences
from cli import main
from db.demo.city import PARTNERSHIPS
from db.demo.scale import load_city
from metrics.evaluation import OUTCOMES, Design, Prefetched, evaluate, partnership_codes

RAMP = Design(exclude_months=3)


def test_evaluate_all_prints_for_every_demo_partnership_what_evaluating_it_alone_prints(
    demo_url, monkeypatch
):
    """Verdicts, estimates, intervals, p-values, comparison areas, windows and the
    sustained view, number for number (to 1e-9), through the command an analyst runs."""
    monkeypatch.setenv("DATABASE_URL", demo_url)
    batch = CliRunner().invoke(main, ["evaluate", "--all", "--exclude-months", "3", "--json"])
    assert batch.exit_code == 0, batch.output
    together = {p["partnership"]: p for p in json.loads(batch.stdout)["partnerships"]}
    assert sorted(together) == sorted(p.code for p in PARTNERSHIPS)
    for code, in_batch in together.items():
        alone = CliRunner().invoke(main, ["evaluate", code, "--exclude-months", "3", "--json"])
        assert alone.exit_code == 0, alone.output
        for outcome in in_batch["outcomes"]:  # across partnerships only: whether a call may be chance
            del outcome["q_value"], outcome["stands"]
        for initiative in in_batch["initiatives"]:  # and across every partnership's initiatives
            initiative.pop("stands", None)
            for outcome in initiative["outcomes"]:
                outcome.pop("q_value", None)
                outcome.pop("stands", None)
        assert differences(json.loads(alone.stdout), in_batch) == [], code
    estimated = [o for p in together.values() for o in p["outcomes"] if o.get("effect")]
    assert len(estimated) > len(together)  # the comparison covered real estimates, not only refusals


@pytest.fixture
def proposing_city(engine):
    """A small city-scale demo whose partnerships register no comparison areas, so that
    every comparison is proposed (the costly path the batch shares)."""
    load_city(engine, seed=5, fraction=0.01, partnerships=12, comparisons=False)
    return engine


def test_a_batch_with_proposed_comparisons_matches_each_partnership_alone(proposing_city):
    with proposing_city.connect() as conn:
        codes = partnership_codes(conn)
        shared = Prefetched()
        batch = [evaluate(conn, code, OUTCOMES, RAMP, shared) for code in codes]
        alone = [evaluate(conn, code, OUTCOMES, RAMP) for code in codes]
    assert len(codes) == 12
    assert differences(alone, batch) == []
    proposed = [o for r in batch for o in r["outcomes"] if (o.get("comparison") or {}).get("reason")]
    assert all(o["comparison"]["reason"].startswith("proposed") for o in proposed)
    assert len({o["outcome"] for o in proposed}) == 4  # every crime group


def test_a_batch_reads_the_database_the_same_number_of_times_for_2_or_12_partnerships(proposing_city):
    """The registry, each crime group's area-months and the survey sums are read once for
    the whole batch: more partnerships cost no more queries."""
    statements = []

    def heard(*_args):
        statements.append(1)

    event.listen(proposing_city, "before_cursor_execute", heard)
    try:
        counts = []
        with proposing_city.connect() as conn:
            codes = partnership_codes(conn)
            for chosen in (codes[:2], codes):
                statements.clear()
                shared = Prefetched()
                for code in chosen:
                    evaluate(conn, code, OUTCOMES, RAMP, shared)
                counts.append(len(statements))
    finally:
        event.remove(proposing_city, "before_cursor_execute", heard)
    # 15, and 3 for the equity gaps: the registry's gaps, their group sums, published kinds
    assert counts[0] == counts[1] <= 22  # 18, and 4 for every initiative's target and delivery
