"""Statistics against hand calculations and an independent implementation."""

import math
import statistics

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from metrics.stats import Z95, change_direction, kish_n_eff, poisson_z, weighted_mean, weighted_share


def sums(values, weights):
    return (
        len(values),
        sum(weights),
        sum(w * w for w in weights),
        sum(w * x for w, x in zip(weights, values, strict=True)),
        sum(w * x * x for w, x in zip(weights, values, strict=True)),
    )


def test_weighted_mean_matches_hand_calculation():
    # x = 80, 100, 50 with weights 1, 2, 1 (worked in the test's comments):
    # mean = 330 / 4 = 82.5; n_eff = 4^2 / 6 = 2.6667
    # weighted variance = (6.25 + 612.5 + 1056.25) / 4 = 418.75, times n_eff/(n_eff-1) = 1.6 -> 670
    # SE = sqrt(670 / 2.6667) = sqrt(251.25) = 15.8509
    est = weighted_mean(*sums([80, 100, 50], [1, 2, 1]))
    assert est.estimate == pytest.approx(82.5)
    assert est.n_eff == pytest.approx(8 / 3)
    assert est.se == pytest.approx(math.sqrt(251.25))
    assert est.ci_low == pytest.approx(82.5 - Z95 * math.sqrt(251.25))
    assert est.n == 3


@given(st.lists(st.floats(min_value=0, max_value=100), min_size=2, max_size=50))
@example([97.56032984762871] * 3)  # found by hypothesis: identical values, variance ~ round-off
def test_equal_weights_give_the_textbook_standard_error(values):
    est = weighted_mean(*sums(values, [1.0] * len(values)))
    assert est.estimate == pytest.approx(statistics.fmean(values), abs=1e-9)
    assert est.n_eff == pytest.approx(len(values))
    # The variance comes from sums (sum w x^2 / sum w - mean^2), as SQL returns them; on a
    # 0-100 scale that one-pass formula carries round-off of about 1e-6 in the SE.
    assert est.se == pytest.approx(statistics.stdev(values) / math.sqrt(len(values)), abs=1e-5)


def test_kish_effective_n_is_smaller_with_unequal_weights():
    assert kish_n_eff(4, 4) == 4  # four weights of 1
    assert kish_n_eff(1 + 2 + 1, 1 + 4 + 1) == pytest.approx(16 / 6)


def test_one_respondent_has_a_mean_but_no_interval():
    est = weighted_mean(*sums([70], [1]))
    assert est.estimate == 70
    assert math.isnan(est.se)


def test_no_respondents_gives_nan_not_an_error():
    est = weighted_mean(0, 0, 0, 0, 0)
    assert math.isnan(est.estimate)
    assert est.n == 0


def test_weighted_share_matches_hand_calculation():
    # positives 0, 1, 0 with weights 1, 2, 1: p = 0.5, n_eff = 8/3, SE = sqrt(0.25 / (8/3)) = 0.30619
    est = weighted_share(3, 4, 6, 2)
    assert est.estimate == pytest.approx(0.5)
    assert est.se == pytest.approx(math.sqrt(0.25 * 3 / 8))


def test_poisson_z_matches_wheeler_formula():
    # 2 * (sqrt(64) - sqrt(100)) = 2 * (8 - 10) = -4
    assert poisson_z(100, 64) == pytest.approx(-4.0)
    assert poisson_z(0, 0) == 0
    with pytest.raises(ValueError, match="negative"):
        poisson_z(-1, 3)


@pytest.mark.parametrize(
    ("before", "after", "direction"),
    [(100, 64, "down"), (64, 100, "up"), (100, 95, "no clear change"), (0, 0, "no clear change")],
)
def test_change_direction_uses_the_5_percent_threshold(before, after, direction):
    assert change_direction(before, after) == direction
