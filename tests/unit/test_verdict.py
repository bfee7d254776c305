"""Verdict rules (domain.md section 5, sharpened by issue 15), each case, with the
sentences a board reads."""

import math

import pytest

from metrics.effects import Effect, did_counts, survey_did
from metrics.verdict import (
    IMPROVED,
    INCONCLUSIVE,
    NO_CLEAR_CHANGE,
    NOT_ENOUGH,
    TOO_EARLY,
    WORSENED,
    is_equivalent,
    judge,
)


def crime(effect, months_after=12):
    return judge(effect, True, "Violent crime", "against comparable areas", months_after)


def test_crime_falling_with_interval_below_zero_is_improved():
    v = crime(did_counts(400, 280, 800, 800))
    assert v.label == IMPROVED
    assert v.sentence.startswith("Violent crime fell 30% against comparable areas (95% interval:")
    assert "fewer)" in v.sentence


def test_crime_rising_clearly_is_worsened():
    assert crime(did_counts(280, 400, 800, 800)).label == WORSENED


def test_trust_rising_clearly_is_improved_because_higher_is_better():
    e = survey_did(55, 1.0, 63, 1.0, 56, 1.0, 57, 1.0)
    v = judge(e, False, "Trust in police", "against comparable areas", 12)
    assert v.label == IMPROVED
    assert "rose 7 points" in v.sentence


def test_no_clear_change_needs_the_interval_to_rule_out_ten_percent_either_way():
    """Two one-sided tests: the 90% interval must lie inside -10% to +10%."""
    e = did_counts(5000, 5010, 9000, 9000)  # SE about 0.026 on the log scale
    v = crime(e)
    assert v.label == NO_CLEAR_CHANGE
    assert "No clear change: the interval rules out a change of 10% or more either way." in v.sentence
    # The same estimate with an SE that lets the 90% interval reach past +10% is not "no change"
    wider = Effect(0.0, -0.15, 0.18, 0.065, 1.0, math.expm1(2.8 * 0.065), "relative")
    assert 1.645 * 0.065 > math.log(1.1)
    assert crime(wider).label == INCONCLUSIVE


def test_wide_interval_across_zero_is_inconclusive_and_states_both_detectable_changes():
    e = did_counts(40, 35, 80, 80)
    v = crime(e)
    assert v.label == INCONCLUSIVE
    fall, rise = round((1 - math.exp(-2.8 * e.se)) * 100), round(math.expm1(2.8 * e.se) * 100)
    assert fall < rise
    assert f"this design could detect a fall of {fall}% or a rise of {rise}%" in v.sentence


def test_too_early_only_while_the_after_window_is_incomplete():
    clear = did_counts(400, 200, 800, 800)
    v = crime(clear, months_after=4)
    assert v.label == TOO_EARLY
    assert "4 of the 12 months after the start have data so far" in v.sentence
    assert "So far: Violent crime fell 50%" in v.sentence
    assert crime(clear, months_after=12).label == IMPROVED
    six = judge(clear, True, "Violent crime", "x", 6, after_needed=6)
    assert six.label == IMPROVED


def test_missing_inputs_are_named_and_no_interval_is_made_up():
    v = judge(None, True, "Violent crime", "", 0, ["no comparison area"])
    assert v.label == NOT_ENOUGH
    assert v.sentence == "Not enough data: no comparison area."
    assert "interval" not in v.sentence


def test_the_margin_is_set_in_points_for_surveys():
    narrow = Effect(0.5, -1.5, 2.5, 1.0, 0.6, 2.8, "points")
    assert judge(narrow, False, "Trust", "x", 12).label == NO_CLEAR_CHANGE  # 0.5 +- 1.645 inside +-3
    assert judge(narrow, False, "Trust", "x", 12, margin=2.0).label == INCONCLUSIVE
    wide = Effect(1.0, -9.0, 11.0, 5.0, 0.8, 14.0, "points")
    v = judge(wide, False, "Trust", "x", 12)
    assert v.label == INCONCLUSIVE
    assert "a change of 14 points either way" in v.sentence


@pytest.mark.parametrize(("estimate", "se", "expected"), [(0.0, 0.05, True), (0.05, 0.05, False)])
def test_equivalence_is_the_ninety_percent_interval_inside_the_margin(estimate, se, expected):
    """Hand check: log(1.1) = 0.0953; 0 + 1.645 * 0.05 = 0.082 is inside, 0.05 + 0.082 is not."""
    effect = Effect(math.expm1(estimate), 0, 0, se, 1.0, 0, "relative")
    assert is_equivalent(effect, 0.10) is expected


def test_effect_text_never_shows_minus_zero():
    from metrics.formatting import effect_text
    from metrics.verdict import effect_short

    relative = {"estimate": -0.004, "ci": [-0.27, 0.36], "scale": "relative"}
    assert effect_text(relative) == "0% (95%: -27% to +36%)"
    assert effect_short(relative) == "0% (-27% to +36%)"
    points = {"estimate": 6.46, "ci": [2.57, 10.4], "scale": "points"}
    assert effect_text(points) == "+6 points (95%: +3 to +10)"
    # the same estimate reads the same in a table cell, a card and a caption
    assert effect_short(points) == "+6 (+3 to +10)"
    tiny = {"estimate": -0.4, "ci": [-4.6, 3.8], "scale": "points"}
    assert effect_text(tiny) == "0 points (95%: -5 to +4)"
    # a fitted model's interval can run to infinity (seen at city scale): words, not a crash
    exploded = {"estimate": 0.5, "ci": [-0.2, float("inf")], "scale": "relative"}
    assert effect_text(exploded) == "+50% (95%: -20% to no upper bound)"


def test_a_change_that_rounds_to_nothing_is_said_plainly():
    v = crime(did_counts(1000, 1001, 2000, 2000))
    assert v.sentence.startswith("Violent crime did not change against comparable areas (95% interval:")


def test_a_headline_shows_no_number_under_not_enough_data():
    from metrics.verdict import headline

    effect = {"estimate": 6.0, "ci": [-0.64, 134.52], "scale": "relative"}
    lacking = {"label": "Violent crime", "verdict": "Not enough data", "effect": effect}
    assert headline(lacking) == "Violent crime: Not enough data - no estimate"
    called = {"label": "Violent crime", "verdict": "Improved", "stands": False, "effect": effect}
    assert headline(called) == "Violent crime: Improved (may be chance) - +600% (95%: -64% to +13452%)"
