"""Equity gaps on the demo city: the planted effect is recovered, partnerships without one
show none, and missing groups say so instead of crashing."""

from __future__ import annotations

import numpy as np
import pytest

from db.demo import city
from db.demo.generate import _answer, effect_fraction, quarter_start
from metrics.equity import NO_GAP_SET, GapSpec, evaluate_gap
from metrics.evaluation import (
    Design,
    add_months,
    evaluate,
    load_places,
    partnership_codes,
    survey_coverage,
)
from metrics.verdict import NOT_ENOUGH

PLANTED = city.PARTNERSHIPS[0]
assert PLANTED.code == "RIV-EAST-SCHOOLS"


@pytest.fixture(scope="module")
def demo_equity(demo_engine):
    with demo_engine.connect() as conn:
        return {code: evaluate(conn, code)["equity"] for code in partnership_codes(conn)}


def _trust(equity: dict) -> dict:
    return next(g for g in equity["gaps"] if g["outcome"] == "trust")


def observed_share(points: float) -> float:
    """How much of a latent gain of `points` the 0-10 trust answers show on 0-100, measured by
    answering the same latent scores with and without it (the generator's own rounding and
    clipping, on scores spread like Black residents' trust)."""
    rng = np.random.default_rng(0)
    latent = rng.normal(56 - 12, 15, size=200_000)
    before = _answer(latent, 0, 10, False, np.random.default_rng(1)).mean() * 10
    after = _answer(latent + points, 0, 10, False, np.random.default_rng(1)).mean() * 10
    return (after - before) / points


def planted_in_window(windows: dict) -> float:
    """The planted narrowing in force over the first after-window on average (it ramps in)."""
    first = add_months(PLANTED.start, 0)
    months = [add_months(first, i) for i in range(windows["months_each"])]
    ramp = np.mean([effect_fraction(PLANTED.start, quarter_start(m)) for m in months])
    points = PLANTED.equity["trust"][1]
    return points * ramp * observed_share(points)


def test_the_planted_trust_gap_narrowing_is_inside_the_interval(demo_equity):
    equity = demo_equity[PLANTED.code]
    assert (equity["dimension"], equity["group"], equity["reference"]) == ("race_ethnicity", "Black", "White")
    gap = _trust(equity)
    expected = -planted_in_window(gap["windows"])  # the gap falls: a negative change
    assert 0.95 < observed_share(12.0) <= 1.0  # 0-10 answers lose little to rounding and clipping
    assert -11 < expected < -9
    low, high = gap["effect"]["ci"]
    assert low <= expected <= high, (expected, gap["effect"])
    # the partnership's own areas' gap fell by about the planted amount, before any comparison
    change = gap["treated"]["after"]["gap"] - gap["treated"]["before"]["gap"]
    assert change < 0
    assert gap["comparison"]["reason"] == "set in the partnership registry"
    assert gap["sentence"].startswith("The gap in trust between Black and White residents")


def test_partnerships_without_an_equity_effect_mostly_cover_no_change(demo_equity):
    others = [_trust(e) for code, e in demo_equity.items() if code != PLANTED.code]
    estimated = [g for g in others if g.get("effect")]
    covering = [g for g in estimated if g["effect"]["ci"][0] <= 0 <= g["effect"]["ci"][1]]
    assert len(covering) >= len(estimated) - 1
    # the rest have too few Black or White residents answering, and say who and how many
    for g in others:
        if not g.get("effect"):
            assert g["verdict"] == NOT_ENOUGH
            assert "residents answered in" in g["sentence"] or "drift" in g["sentence"]


def test_a_group_with_no_answers_is_not_enough_data_naming_it(demo_engine):
    with demo_engine.connect() as conn:
        places = load_places(conn, PLANTED.code)
        coverage = survey_coverage(conn)
        gap = evaluate_gap(
            conn, places, GapSpec("race_ethnicity", "Martian", "White"), "trust", Design(), coverage
        )
        absent = evaluate_gap(
            conn, places, GapSpec("race_ethnicity", "Black", "Nobody"), "trust", Design(), coverage
        )
        everyone = evaluate_gap(
            conn, places, GapSpec("race_ethnicity", "Black", None), "trust", Design(), coverage
        )
    assert gap["verdict"] == NOT_ENOUGH
    assert "only 0 Martian residents answered in the partnership's areas before the start" in gap["sentence"]
    assert "effect" not in gap
    assert absent["verdict"] == NOT_ENOUGH
    assert "only 0 Nobody residents answered" in absent["sentence"]
    # no reference: everyone else whose race/ethnicity is known, so more answers than White alone
    assert everyone["treated"]["before"]["reference"]["n"] > gap["treated"]["before"]["reference"]["n"]
    assert "between Black residents and everyone else" in everyone["sentence"]


def test_a_partnership_without_an_equity_gap_says_the_registry_sets_none(tiny):
    with tiny.connect() as conn:
        code = partnership_codes(conn)[0]
        equity = evaluate(conn, code)["equity"]
    assert equity == {"set": False, "sentence": NO_GAP_SET, "gaps": []}
