"""Verdict rules of domain.md section 5, each case, with the sentences a board reads."""

from metrics.effects import Effect, did_counts, survey_did
from metrics.verdict import IMPROVED, NO_CLEAR_CHANGE, NOT_ENOUGH, TOO_EARLY, WORSENED, judge


def crime(effect):
    return judge(effect, True, "Violent crime", "against comparable areas", 24, 12)


def test_crime_falling_with_interval_below_zero_is_improved():
    v = crime(did_counts(400, 280, 800, 800))
    assert v.label == IMPROVED
    assert v.sentence.startswith("Violent crime fell 30% against comparable areas (95% interval:")
    assert "fewer)" in v.sentence


def test_crime_rising_clearly_is_worsened():
    assert crime(did_counts(280, 400, 800, 800)).label == WORSENED


def test_trust_rising_clearly_is_improved_because_higher_is_better():
    e = survey_did(55, 1.0, 63, 1.0, 56, 1.0, 57, 1.0)
    v = judge(e, False, "Trust in police", "against comparable areas", 24, 12)
    assert v.label == IMPROVED
    assert "rose 7.0 points" in v.sentence


def test_narrow_interval_across_zero_is_no_clear_change():
    v = crime(did_counts(5000, 5010, 9000, 9000))
    assert v.label == NO_CLEAR_CHANGE
    assert "no clear change" in v.sentence


def test_wide_interval_across_zero_is_too_early_and_states_the_mde():
    e = did_counts(40, 35, 80, 80)
    v = crime(e)
    assert v.label == TOO_EARLY
    assert f"only detect a change of {e.mde * 100:.0f}% or more" in v.sentence


def test_short_windows_are_too_early_whatever_the_interval():
    v = judge(did_counts(400, 200, 800, 800), True, "Violent crime", "against comparable areas", 24, 4)
    assert v.label == TOO_EARLY
    assert "only 4 months after the start (6 needed)" in v.sentence
    v = judge(did_counts(400, 200, 800, 800), True, "Violent crime", "x", 8, 12)
    assert "only 8 months before the start (12 needed)" in v.sentence


def test_missing_inputs_are_named_and_no_interval_is_made_up():
    v = judge(None, True, "Violent crime", "", 0, 0, ["no comparison area"])
    assert v.label == NOT_ENOUGH
    assert v.sentence == "Not enough data: no comparison area."
    assert "interval" not in v.sentence


def test_effect_scale_sets_the_narrowness_threshold():
    narrow_points = Effect(1.0, -1.0, 3.0, 1.0, 0.3, 2.8, "points")
    assert judge(narrow_points, False, "Trust", "x", 24, 12).label == NO_CLEAR_CHANGE
    wide_points = Effect(1.0, -9.0, 11.0, 5.0, 0.8, 14.0, "points")
    assert judge(wide_points, False, "Trust", "x", 24, 12).label == TOO_EARLY


def test_effect_text_never_shows_minus_zero():
    from metrics.verdict import effect_short, effect_text

    relative = {"estimate": -0.004, "ci": [-0.27, 0.36], "scale": "relative"}
    assert effect_text(relative) == "0% (95%: -27% to +36%)"
    assert effect_short(relative) == "0% (-27% to +36%)"
    points = {"estimate": 6.46, "ci": [2.57, 10.4], "scale": "points"}
    assert effect_text(points) == "+6.5 points (95%: +2.6 to +10.4)"


def test_a_change_that_rounds_to_nothing_is_said_plainly():
    v = crime(did_counts(1000, 1001, 2000, 2000))
    assert v.sentence.startswith("Violent crime did not change against comparable areas (95% interval:")
