"""Raking one area's respondents (metrics.weighting.rake): against a case worked by hand,
trimming, the design effect, and what happens to respondents and census groups that
cannot be matched, and to margins the sample cannot meet."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from metrics.weighting import TRIM_BOUNDS, _balance_rake, design_effect, rake

MARGINS = {"age": {"young": 60, "old": 40}, "sex": {"f": 50, "m": 50}}


def _sample(*people: tuple[str, str], weight: float = 1.0) -> pd.DataFrame:
    return pd.DataFrame({"age": [a for a, _s in people], "sex": [s for _a, s in people], "weight": weight})


def _shares(frame: pd.DataFrame, weights: np.ndarray, column: str) -> dict[str, float]:
    return (pd.Series(weights).groupby(frame[column].to_numpy()).sum() / weights.sum()).to_dict()


def test_raking_matches_a_case_worked_by_hand():
    """Six respondents: young women 1, young men 2, old women 2, old men 1; the census says
    60% young, 40% old, and 50% women. Raking keeps the sample's odds ratio between age and
    sex (1 x 1 / (2 x 2) = 1/4) while meeting both margins, so with a = the young women's
    total (of 100), the cells are young men 60 - a, old women 50 - a, old men a - 10, and

        a (a - 10) / ((60 - a)(50 - a)) = 1/4
        4a^2 - 40a = 3000 - 110a + a^2
        3a^2 + 70a - 3000 = 0,   a = (-70 + sqrt(40900)) / 6 = 22.0395

    Each respondent's weight is their cell's total over its respondents, then scaled so the
    six average 1 (times 6/100)."""
    people = _sample(("young", "f"), ("young", "m"), ("young", "m"), ("old", "f"), ("old", "f"), ("old", "m"))
    a = (-70 + math.sqrt(40900)) / 6
    by_hand = np.array([a, (60 - a) / 2, (60 - a) / 2, (50 - a) / 2, (50 - a) / 2, a - 10]) * 6 / 100
    result = rake(people, MARGINS)
    assert result.converged
    assert result.weights == pytest.approx(by_hand, abs=1e-6)
    assert result.weights.mean() == pytest.approx(1.0)
    assert result.trimmed == 0
    assert result.dimensions == ("age", "sex")
    assert result.design_effect == pytest.approx(6 * (by_hand**2).sum() / by_hand.sum() ** 2)


def test_balance_s_own_documented_example():
    """The example in balance's `rake` docstring: four respondents (a woman 18-24, a man
    18-24, a man 25-34, a woman 45+) raked to gender 60 women / 40 men and age 50 / 25 / 25;
    the documented result sums to 100.0. The margins pin the answer down: the only 25-34
    stands for 25, the only 45+ for 25, so the other woman 60 - 25 = 35 and the other man 15.
    Ours (mean 1: x 4/100) is that answer; balance, at its default tolerance, is within 0.01."""
    sample = pd.DataFrame(
        {"gender": ["Female", "Male", "Male", "Female"], "age_group": ["18-24", "18-24", "25-34", "45+"]}
    )
    margins = {
        "gender": {"Female": 60.0, "Male": 40.0},
        "age_group": {"18-24": 50.0, "25-34": 25.0, "45+": 25.0},
    }
    documented = _balance_rake()(
        sample, pd.Series([1.0, 1.0, 1.0, 1.0]), target_df=None, target_weights=None, target_margins=margins
    )["weight"]
    assert round(float(documented.sum()), 6) == 100.0
    ours = rake(sample.assign(weight=1.0), margins)
    assert ours.converged
    assert ours.weights * 25 == pytest.approx([35.0, 15.0, 25.0, 25.0], abs=1e-4)
    assert ours.weights * 25 == pytest.approx(documented.sort_index().to_numpy(), abs=0.01)


def test_the_design_effect_is_one_plus_the_squared_coefficient_of_variation():
    # weights 1 and 3: mean 2, (population) variance 1, CV^2 = 1/4
    assert design_effect(np.array([1.0, 3.0])) == pytest.approx(1.25)
    assert design_effect(np.ones(7)) == pytest.approx(1.0)


def test_design_weights_are_where_raking_starts():
    """With design weights, the young woman counted twice: the cell totals meet the same
    margins but the odds ratio raking keeps is now 2 x 1 / (2 x 2) = 1/2."""
    people = _sample(("young", "f"), ("young", "m"), ("young", "m"), ("old", "f"), ("old", "f"), ("old", "m"))
    people.loc[0, "weight"] = 2.0
    result = rake(people, MARGINS)
    # 2a(a - 10) = (60 - a)(50 - a)  ->  a^2 + 90a - 3000 = 0
    a = (-90 + math.sqrt(90**2 + 4 * 3000)) / 2
    by_hand = np.array([a, (60 - a) / 2, (60 - a) / 2, (50 - a) / 2, (50 - a) / 2, a - 10]) * 6 / 100
    assert result.weights == pytest.approx(by_hand, abs=1e-6)


def test_extreme_weights_are_trimmed_to_five_times_the_mean():
    """One young respondent among 40 old, when the census says half are young: raking alone
    would give them 40 times an old respondent's weight, 20 times the mean."""
    people = _sample(("young", "f"), *[("old", "f")] * 20, *[("old", "m")] * 20)
    margins = {"age": {"young": 50, "old": 50}, "sex": {"f": 60, "m": 40}}
    result = rake(people, margins)
    assert result.converged
    assert result.trimmed >= 1
    assert result.weights.max() == pytest.approx(TRIM_BOUNDS[1] * result.weights.mean(), rel=1e-6)
    assert result.weights.min() >= TRIM_BOUNDS[0] * result.weights.mean() - 1e-9
    assert "met only approximately" in result.note  # cut weights cannot meet the age margin


def test_margins_the_sample_cannot_meet_keep_the_design_weights_and_say_so():
    """Every young respondent is a woman and every old one a man, so the age margin (60/40)
    and the sex margin (50/50) cannot both be met: raking swings between them for ever."""
    people = _sample(("young", "f"), ("young", "f"), ("old", "m"), ("old", "m"), ("old", "m"))
    people["weight"] = [1.0, 2.0, 1.0, 1.0, 1.0]
    result = rake(people, MARGINS)
    assert not result.converged
    assert result.weights == pytest.approx(np.array([1.0, 2.0, 1.0, 1.0, 1.0]) * 5 / 6)
    assert "did not converge" in result.note
    assert "design weights kept" in result.note


def test_respondents_who_cannot_be_matched_keep_their_design_weight():
    people = _sample(
        ("young", "f"),
        ("young", "m"),
        ("old", "f"),
        ("old", "m"),
        ("old", "m"),
        ("", "f"),
        ("old", "another"),
    )
    result = rake(people, MARGINS)
    assert result.converged
    # the blank age and the sex the census does not count keep weight 1 before scaling, the
    # five raked keep their total of 5: all seven then average 1
    assert result.weights[5] == pytest.approx(result.weights[6])
    assert result.weights[:5].sum() == pytest.approx(5 * result.weights[5])
    assert "1 with no age kept their design weight" in result.note
    assert "1 in sex groups the census does not count (another) kept their design weight" in result.note
    assert _shares(people.iloc[:5], result.weights[:5], "age") == pytest.approx({"young": 0.6, "old": 0.4})


def test_a_census_group_nobody_answered_in_is_left_out_and_named():
    """No respondent is 'middle': it cannot be matched, so young and old are raked to their
    own counts (60 and 40 of the 100 who can be matched) and the note names it."""
    margins = {"age": {"young": 60, "middle": 30, "old": 40}, "sex": {"f": 65, "m": 65}}
    people = _sample(("young", "f"), ("young", "m"), ("old", "f"), ("old", "m"), ("old", "m"))
    result = rake(people, margins)
    assert result.converged
    assert "no respondent in age middle (population 30): left out" in result.note
    assert _shares(people, result.weights, "age") == pytest.approx({"young": 0.6, "old": 0.4})
    assert _shares(people, result.weights, "sex") == pytest.approx({"f": 0.5, "m": 0.5})


def test_groups_match_whatever_their_case_and_spacing():
    people = _sample(("Young", "F"), ("young ", "m"), ("OLD", "f"), ("old", "M"), ("old", "m"))
    result = rake(people, MARGINS)
    assert _shares(people.assign(age=people["age"].str.strip().str.lower()), result.weights, "age") == (
        pytest.approx({"young": 0.6, "old": 0.4})
    )


def test_an_area_without_margins_for_its_respondents_keeps_design_weights():
    people = _sample(("young", "f"), ("old", "m"))
    result = rake(people, {"income": {"low": 10, "high": 10}})
    assert not result.converged
    assert result.weights == pytest.approx([1.0, 1.0])
    assert "no margins for the respondents' groups" in result.note
