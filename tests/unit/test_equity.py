"""Equity gaps as numbers: the gap, its difference in differences and the drift term,
checked by hand."""

import math

import numpy as np
import pytest

from metrics.effects import drift_variance, points_effect
from metrics.equity import (
    Gap,
    GapSpec,
    area_gap,
    change_text,
    gap_changes,
    gap_did,
    gap_verdict,
    group_gap,
)
from metrics.evaluation import Design
from metrics.stats import WeightedEstimate
from metrics.verdict import IMPROVED, NOT_ENOUGH, WORSENED


def test_gap_is_reference_minus_focus_with_independent_se():
    gap = group_gap(WeightedEstimate(60.0, 3.0, 100, 100.0), WeightedEstimate(48.0, 4.0, 80, 80.0))
    assert gap.estimate == 12.0
    assert gap.se == 5.0  # sqrt(3^2 + 4^2)
    assert gap.ci == pytest.approx((12 - 1.959964 * 5, 12 + 1.959964 * 5), abs=1e-4)
    assert (gap.n_focus, gap.n_reference) == (80, 100)


def test_gap_did_by_hand_with_drift():
    # treated gap 12 -> 4 (narrowed 8), comparison gap 10 -> 9 (narrowed 1): the gap narrowed 7 more
    t0, t1, c0, c1 = Gap(12, 3, 50, 50), Gap(4, 3, 50, 50), Gap(10, 2, 50, 50), Gap(9, 2, 50, 50)
    effect = gap_did(t0, t1, c0, c1)
    assert effect.estimate == -7
    assert effect.se == pytest.approx(math.sqrt(9 + 9 + 4 + 4))
    widened = gap_did(t0, t1, c0, c1, drift=10.0)
    assert widened.se == pytest.approx(6.0)  # sqrt(26 + 10)
    assert widened.ci_low == pytest.approx(-7 - 1.959964 * 6, abs=1e-4)


def test_drift_of_gap_changes_by_hand():
    # four pool areas, each with one answer of value x per group and window: build their sums
    def cell(mean: float, n: int = 20, sd: float = 10.0) -> np.ndarray:
        # n answers with this mean and (population) spread: sums n, sw, sw2, swx, swx2
        return np.array([n, n, n, n * mean, n * (mean**2 + sd**2)], dtype=float)

    sums = {}
    gap_moves = {1: -6.0, 2: 4.0, 3: -2.0, 4: 8.0}
    for area, move in gap_moves.items():
        sums[(area, "before", "reference")] = cell(60)
        sums[(area, "before", "focus")] = cell(50)
        sums[(area, "after", "reference")] = cell(60)
        sums[(area, "after", "focus")] = cell(50 - move)
    changes, variances = gap_changes(sums, [1, 2, 3, 4])
    assert changes == pytest.approx([-6, 4, -2, 8])
    one = area_gap(sums, (1,), "before")
    assert one.estimate == 10
    assert one.se == pytest.approx(math.sqrt(2 * (100 * 20 / 19) / 20))
    assert variances == pytest.approx([2 * one.se**2] * 4)
    # equal variances: DerSimonian-Laird is the sample variance of the changes less the noise
    assert drift_variance(changes, variances) == pytest.approx(np.var(changes, ddof=1) - variances[0])


def test_an_area_with_too_few_answers_is_left_out_of_the_drift():
    sums = {
        (1, w, s): np.array([5, 5, 5, 250, 12600.0])
        for w in ("before", "after")
        for s in ("focus", "reference")
    }
    assert gap_changes(sums, [1]) == ([], [])


def test_a_narrowing_gap_is_improved_and_said_in_words():
    spec = GapSpec("race_ethnicity", "Black", "White")
    noun = spec.noun("trust")
    verdict = gap_verdict(points_effect(-6.0, 2.5), noun, "against comparable areas", 12, [], Design())
    assert verdict.label == IMPROVED
    assert verdict.sentence == (
        "The gap in trust between Black and White residents narrowed by 6 points (between 1 and 11) "
        "against comparable areas."
    )
    wider = gap_verdict(points_effect(6.0, 2.5), noun, "against comparable areas", 12, [], Design())
    assert wider.label == WORSENED
    assert "widened by 6 points (between 1 and 11)" in wider.sentence


def test_everyone_else_when_no_reference_group():
    spec = GapSpec("race_ethnicity", "Black", None)
    text = change_text(points_effect(-1.0, 4.0), spec.noun("safety"), "against comparable areas")
    assert text.startswith(
        "The gap in feeling safe between Black residents and everyone else narrowed by 1 point"
    )
    assert "from widening by 7 to narrowing by 9" in text


def test_missing_answers_give_not_enough_data_without_a_number():
    verdict = gap_verdict(None, "The gap", "", 12, ["only 0 Black residents answered"], Design())
    assert verdict.label == NOT_ENOUGH
    assert "only 0 Black residents" in verdict.sentence


def test_published_gap_did_by_hand():
    """Published group values without n: the gap's change against the comparison's, with an
    interval from how much the gap changes among areas without a partnership."""
    from datetime import date

    import pandas as pd

    from metrics.equity import evaluate_published_gap
    from metrics.evaluation import Places, make_windows

    names = {a: f"District {a}" for a in range(1, 9)}
    places = Places(
        "NPI",
        "NPI",
        date(2020, 1, 1),
        (1,),
        (2,),
        frozenset({1}),
        {},
        names,
        dict.fromkeys(names, "district"),
    )
    # gap before and after: treated 20 -> 10 (narrowed 10), comparison 18 -> 17; pool changes
    gaps = {
        1: (20, 10),
        2: (18, 17),
        3: (15, 16),
        4: (12, 10),
        5: (14, 17),
        6: (16, 15),
        7: (10, 12),
        8: (11, 9),
    }
    rows = [(a, w, v) for a, (b, f) in gaps.items() for w, v in (("before", b), ("after", f))]
    published = pd.DataFrame(rows, columns=["area_id", "window", "value"])
    w = make_windows(date(2020, 1, 1), date(2018, 1, 1), date(2021, 12, 1), Design())
    out = evaluate_published_gap(published, places, "The gap in trust", w, Design())
    changes = [-1, 1, -2, 3, -1, 2, -2]  # areas 2 to 8, every area without a partnership
    variance = float(np.var(changes, ddof=1))
    assert out["effect"]["estimate"] == pytest.approx(-10 - (-1))
    assert out["effect"]["se"] == pytest.approx(math.sqrt(variance * 2))
    assert out["verdict"] == IMPROVED
    assert out["sentence"].startswith("The gap in trust narrowed by 9 points")
    assert out["treated"]["before"]["gap"] == 20
