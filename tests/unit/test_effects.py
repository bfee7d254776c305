"""Effect estimators against hand calculations, an independent statsmodels fit, and properties."""

import math

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given
from hypothesis import strategies as st

from metrics.effects import (
    did_counts,
    its,
    mde_relative,
    prepost_counts,
    relative_effect,
    survey_change,
    survey_did,
    wdd,
)
from metrics.stats import Z95


def test_did_counts_matches_hand_calculation():
    # log(64/100) - log(200/200) = -0.44629; SE = sqrt(1/100 + 1/64 + 1/200 + 1/200) = 0.188746
    e = did_counts(100, 64, 200, 200)
    assert e.estimate == pytest.approx(0.64 - 1)
    assert e.se == pytest.approx(math.sqrt(0.035625))
    assert e.ci_low == pytest.approx(math.exp(math.log(0.64) - Z95 * math.sqrt(0.035625)) - 1)
    assert e.ci_high == pytest.approx(math.exp(math.log(0.64) + Z95 * math.sqrt(0.035625)) - 1)
    assert e.p_value == pytest.approx(math.erfc(abs(math.log(0.64) / math.sqrt(0.035625)) / math.sqrt(2)))
    assert e.scale == "relative"
    assert not e.corrected


def test_did_dispersion_widens_the_interval_by_its_square_root():
    plain, over = did_counts(100, 64, 200, 200), did_counts(100, 64, 200, 200, dispersion=4.0)
    assert over.estimate == pytest.approx(plain.estimate)
    assert over.se == pytest.approx(2 * plain.se)
    assert did_counts(100, 64, 200, 200, dispersion=0.5).se == pytest.approx(plain.se)  # never narrower


def test_mde_at_80_percent_power():
    assert mde_relative(0.1) == pytest.approx(math.exp(0.28) - 1)
    assert did_counts(100, 64, 200, 200).mde == pytest.approx(math.exp(2.8 * math.sqrt(0.035625)) - 1)


def test_wdd_matches_hand_calculation():
    # WDD = (70-100) - (95-100) + (55-50) - (50-50) = -20; Var = 570; z = -20/sqrt(570)
    r = wdd(100, 70, 100, 95, 50, 55, 50, 50)
    assert r.wdd == -20
    assert r.variance == 570
    assert r.z == pytest.approx(-20 / math.sqrt(570))
    assert r.as_dict()["crimes_prevented"] == 20


def test_wdd_without_buffer_and_all_zero():
    assert wdd(10, 5, 10, 10).wdd == -5
    zero = wdd(0, 0, 0, 0)
    assert (zero.wdd, zero.z, zero.p_value) == (0.0, 0.0, 1.0)


def test_survey_change_and_did_match_hand_calculation():
    change = survey_change(58.0, 2.0, 64.0, 1.5)
    assert change.estimate == pytest.approx(6.0)
    assert change.se == pytest.approx(2.5)  # sqrt(4 + 2.25)
    did = survey_did(58.0, 2.0, 64.0, 1.5, 60.0, 1.0, 61.0, 1.0)
    assert did.estimate == pytest.approx(5.0)  # (64-58) - (61-60)
    assert did.se == pytest.approx(math.sqrt(4 + 2.25 + 1 + 1))
    assert did.mde == pytest.approx(2.8 * math.sqrt(8.25))
    assert did.scale == "points"


def test_interrupted_time_series_matches_a_direct_statsmodels_fit():
    rng = np.random.default_rng(7)
    t = np.arange(48)
    moy = (t % 12) + 1
    post = (t >= 36).astype(float)
    mu = np.exp(3.0 + 0.004 * t + np.log(0.7) * post + 0.1 * np.sin(2 * np.pi * t / 12))
    y = rng.poisson(mu)
    fit = its(y, t, 36, moy, family="poisson")
    # independent design: intercept, t, post, t-36 after, month dummies Feb..Dec
    x = np.column_stack(
        [np.ones(48), t, post, (t - 36) * post] + [(moy == m).astype(float) for m in range(2, 13)]
    )
    direct = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    assert fit.seasonal
    assert fit.level.estimate == pytest.approx(math.exp(direct.params[2]) - 1)
    assert fit.level.se == pytest.approx(direct.bse[2])
    assert fit.slope.estimate == pytest.approx(math.exp(direct.params[3]) - 1)
    assert fit.fitted == pytest.approx(direct.fittedvalues.tolist())
    assert fit.level.ci_low < -0.3 < fit.level.ci_high  # the planted 30% drop is inside


def test_its_drops_seasonality_it_cannot_identify():
    t = np.arange(24)  # one year either side: month terms, trend and level are collinear
    y = np.random.default_rng(1).poisson(30, size=24)
    fit = its(y, t, 12, (t % 12) + 1)
    assert not fit.seasonal
    assert fit.level.ci_low < 0 < fit.level.ci_high  # no change planted, none found


def test_its_negative_binomial_for_overdispersed_counts():
    rng = np.random.default_rng(3)
    t = np.arange(48)
    y = rng.negative_binomial(5, 5 / (5 + 40), size=48)  # mean 40, variance 360
    fit = its(y, t, 24)
    assert fit.family.startswith("negative binomial")
    assert fit.dispersion > 1.5
    poisson = its(y, t, 24, family="poisson")
    assert fit.level.se > poisson.level.se  # honest about the extra noise


counts = st.integers(min_value=1, max_value=100_000)


@given(counts, counts, counts, counts)
def test_swapping_treated_and_comparison_negates_the_estimate(t0, t1, c0, c1):
    a, b = did_counts(t0, t1, c0, c1), did_counts(c0, c1, t0, t1)
    # relative as well as absolute: exp(17) - 1 then log1p keeps about 16 significant digits
    assert math.log1p(a.estimate) == pytest.approx(-math.log1p(b.estimate), rel=1e-9, abs=1e-9)
    assert a.se == pytest.approx(b.se)


@given(counts, counts, counts, counts, st.integers(min_value=2, max_value=50))
def test_scaling_counts_keeps_the_estimate_and_narrows_the_interval(t0, t1, c0, c1, k):
    a, b = did_counts(t0, t1, c0, c1), did_counts(k * t0, k * t1, k * c0, k * c1)
    assert math.log1p(b.estimate) == pytest.approx(math.log1p(a.estimate), abs=1e-9)
    assert b.se == pytest.approx(a.se / math.sqrt(k))
    assert b.ci_high - b.ci_low < a.ci_high - a.ci_low


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
def test_zero_counts_give_a_defined_documented_result(t0, t1, c0, c1):
    e = did_counts(t0, t1, c0, c1)
    assert all(math.isfinite(v) for v in (e.estimate, e.ci_low, e.ci_high, e.se, e.p_value, e.mde))
    assert e.corrected == (0 in (t0, t1, c0, c1))
    p = prepost_counts(t0, t1)
    assert math.isfinite(p.estimate)
    assert math.isfinite(wdd(t0, t1, c0, c1).z)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        did_counts(-1, 2, 3, 4)


def test_a_fit_on_almost_no_data_gives_an_unbounded_interval_not_an_overflow():
    effect = relative_effect(0.1, 400.0)  # a log-scale SE in the hundreds
    assert effect.estimate == pytest.approx(math.exp(0.1) - 1)
    assert effect.ci_low == pytest.approx(-1.0)
    assert effect.ci_high == math.inf
    assert effect.mde == math.inf


def test_its_on_a_series_of_zeros_then_counts_reports_no_information_instead_of_failing():
    # nothing at all before the start: the level change is not identified (perfect separation)
    fit = its([0] * 12 + [3, 1, 2, 4, 2, 3], list(range(18)), 12)
    assert fit.level.ci_low == pytest.approx(-1.0)
    assert fit.level.ci_high == math.inf  # any change at all is compatible with the data
    assert fit.level.mde == math.inf


def test_drift_variance_agrees_with_statsmodels_dersimonian_laird():
    """An independent implementation: statsmodels' random-effects meta-analysis."""
    from statsmodels.stats.meta_analysis import combine_effects

    from metrics.effects import drift_variance

    rng = np.random.default_rng(7)
    changes = rng.normal(0.0, 0.08, 30)
    variances = rng.uniform(0.001, 0.01, 30)
    expected = combine_effects(changes, variances, method_re="dl").tau2
    assert drift_variance(changes, variances) == pytest.approx(expected, rel=1e-12)


def test_drift_variance_is_zero_when_areas_move_no_more_than_noise_explains():
    from metrics.effects import drift_variance

    assert drift_variance([0.01, -0.01, 0.0, 0.005], [0.01, 0.01, 0.01, 0.01]) == 0.0
    # hand case: two areas, equal variance v = 0.01, changes +-0.2: Q = 2 * 0.04 / 0.01 = 8,
    # tau^2 = (Q - 1) / (sum w - sum w^2 / sum w) = 7 / (200 - 100) = 0.07
    assert drift_variance([0.2, -0.2], [0.01, 0.01]) == pytest.approx(0.07)
    with pytest.raises(ValueError, match="at least two areas"):
        drift_variance([0.1], [0.01])


def test_drift_weight_is_one_for_one_area_and_a_kth_for_k_equal_areas():
    from metrics.effects import drift_weight

    assert drift_weight([120]) == 1.0
    assert drift_weight([50, 50, 50]) == pytest.approx(1 / 3)
    assert drift_weight([120], [50, 50, 50]) == pytest.approx(4 / 3)
    assert drift_weight([0, 0]) == 0.0


def test_did_drift_adds_to_the_variance_on_the_log_scale():
    plain = did_counts(1000, 900, 4000, 4000)
    drifting = did_counts(1000, 900, 4000, 4000, drift=0.004)
    assert drifting.estimate == plain.estimate
    assert drifting.se == pytest.approx(math.sqrt(plain.se**2 + 0.004))
    with pytest.raises(ValueError, match="negative"):
        did_counts(1, 1, 1, 1, drift=-0.1)


def test_equivalence_p_is_the_larger_one_sided_p():
    from metrics.effects import equivalence_p

    # estimate 0.02, se 0.05, bounds +-0.0953: z's (0.02 + 0.0953) / 0.05 = 2.306 and
    # (0.0953 - 0.02) / 0.05 = 1.506: p's 0.0106 and 0.0660, the larger is 0.066
    assert equivalence_p(0.02, 0.05, math.log(0.9), math.log(1.1)) == pytest.approx(0.0660, abs=5e-4)
    assert equivalence_p(0.0, float("nan"), -1, 1) == 1.0


def test_published_did_interval_comes_from_the_spread_of_areas_changes():
    from metrics.effects import published_did

    e = published_did(60.0, 65.0, 61.0, 62.0, change_variance=4.0, treated_areas=1, comparison_areas=4)
    assert e.estimate == pytest.approx(4.0)
    assert e.se == pytest.approx(math.sqrt(4.0 * 1.25))
    assert e.ci_low == pytest.approx(4.0 - 1.959964 * math.sqrt(5.0), abs=1e-5)
    assert e.scale == "points"


def test_mde_fall_is_smaller_than_the_rise_on_the_relative_scale():
    e = did_counts(100, 100, 400, 400)
    assert e.mde_fall == pytest.approx(1 - math.exp(-2.8 * e.se))
    assert e.mde == pytest.approx(math.exp(2.8 * e.se) - 1)
    assert e.mde_fall < e.mde


def test_wdd_area_weights_match_a_hand_calculation():
    """A control twice the treated area's size counts half: (70-100) - (190-200)/2 = -25,
    variance (100 + 70) + (200 + 190)/4 = 267.5; the ring's control likewise."""
    r = wdd(100, 70, 200, 190, control_weight=2.0)
    assert r.wdd == pytest.approx(-25.0)
    assert r.variance == pytest.approx(267.5)
    ring = wdd(100, 70, 100, 100, 50, 60, 150, 150, ring_control_weight=3.0)
    assert ring.wdd == pytest.approx(-30 + 10)
    assert ring.variance == pytest.approx(370 + 110 + 300 / 9)
    assert wdd(100, 70, 100, 100, inflation=2.0).variance == pytest.approx(740)


def test_relative_excess_matches_a_hand_calculation():
    """Treated 150 against comparison 300 recently, 100 against 300 the year before:
    (150/300) / (100/300) - 1 = +50%; z = log(1.5) / sqrt(1/150 + 1/300 + 1/100 + 1/300) = 2.04."""
    from metrics.effects import relative_excess

    excess, z = relative_excess(150, 300, 100, 300)
    assert excess == pytest.approx(0.5)
    assert z == pytest.approx(math.log(1.5) / math.sqrt(1 / 150 + 1 / 300 + 1 / 100 + 1 / 300))
    assert relative_excess(0, 10, 0, 10) == (0.0, 0.0)


def test_published_did_with_an_estimated_spread_uses_students_t():
    """The spread of areas' changes is estimated from the pool (here 12 areas, 11 degrees
    of freedom), so the interval is wider than the normal one: the t quantile 2.201 from
    scipy.stats, an implementation independent of the one used."""
    from scipy import stats

    from metrics.effects import published_did

    e = published_did(
        60.0, 65.0, 61.0, 62.0, change_variance=4.0, treated_areas=1, comparison_areas=4, pool_areas=12
    )
    se = math.sqrt(5.0)
    assert e.estimate == pytest.approx(4.0)
    assert e.ci_low == pytest.approx(4.0 - stats.t.ppf(0.975, 11) * se)
    assert e.ci_high == pytest.approx(4.0 + 2.200985 * se, abs=1e-5)
    assert e.p_value == pytest.approx(2 * stats.t.sf(4.0 / se, 11))
    assert e.p_value > 2 * stats.norm.sf(4.0 / se)  # t is the more careful of the two
    normal = published_did(60.0, 65.0, 61.0, 62.0, change_variance=4.0, treated_areas=1, comparison_areas=4)
    assert e.ci_high - e.ci_low > normal.ci_high - normal.ci_low
    with pytest.raises(ValueError, match="at least two areas"):
        published_did(60.0, 65.0, 61.0, 62.0, 4.0, 1, 4, pool_areas=1)
