"""Did it change? Effect estimators as plain functions of numbers (no database).

Formulas are those of `shared/reference/domain.md` section 5:

- difference in differences on counts: `log(T1/T0) - log(C1/C0)` with
  `SE = sqrt(1/T0 + 1/T1 + 1/C0 + 1/C1)` (the log of a ratio of rate ratios);
- weighted displacement difference (Wheeler and Ratcliffe 2018, "A simple
  weighted displacement difference test to evaluate place based crime
  interventions", Crime Science 7:11);
- interrupted time series: Poisson or negative-binomial regression on monthly
  counts with level change, slope change, month-of-year terms and an optional
  population offset (Bernal, Cummins and Gasparrini 2017, "Interrupted time
  series regression for the evaluation of public health interventions", IJE 46);
- survey change and survey difference in differences, `SE = sqrt(sum SE^2)`;
- minimum detectable effect at 80% power and 5% two-sided significance:
  `(1.96 + 0.84) * SE` (Bloom 1995), i.e. `exp(2.8 SE) - 1` on the log scale.

Zero counts: a log ratio is undefined when a count is 0, so when any of the
counts in a difference in differences is 0, 0.5 is added to every count (the
Haldane-Anscombe correction) and the result says so (`corrected=True`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from metrics.stats import Z95

MDE_Z = 2.8  # 1.96 (5% two-sided) + 0.84 (80% power)
Z90 = 1.6448536269514722  # one-sided 5%: two one-sided tests at 5% use the 90% interval


def p_value(z: float) -> float:
    """Two-sided normal p-value of a z statistic."""
    return math.erfc(abs(z) / math.sqrt(2))


@dataclass(frozen=True)
class Effect:
    """An estimated change with its uncertainty, on a stated scale.

    `scale` is "relative" (a fraction: -0.25 is 25% fewer), "points" (0-100 score
    points) or "crimes" (a count). `mde` is the smallest effect of this kind that
    the design would detect 80% of the time, on the same scale.
    """

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    p_value: float
    mde: float
    scale: str
    corrected: bool = False

    @property
    def mde_fall(self) -> float:
        """The smallest fall the design would detect 80% of the time, as a positive size:
        `1 - exp(-2.8 SE)` on the relative scale (smaller than the rise, `mde`), the same
        as `mde` in points."""
        return -math.expm1(-MDE_Z * self.se) if self.scale == "relative" else self.mde

    @classmethod
    def from_dict(cls, d: dict) -> Effect:
        """The Effect `as_dict` wrote."""
        low, high = d["ci"]
        corrected = d.get("zero_count_correction", False)
        return cls(d["estimate"], low, high, d["se"], d["p_value"], d["mde"], d["scale"], corrected)

    def as_dict(self) -> dict:
        return {
            "estimate": self.estimate,
            "ci": [self.ci_low, self.ci_high],
            "se": self.se,
            "p_value": self.p_value,
            "mde": self.mde,
            "mde_fall": self.mde_fall,
            "mde_rise": self.mde,
            "scale": self.scale,
            "zero_count_correction": self.corrected,
        }


def equivalence_p(estimate: float, se: float, low: float, high: float) -> float:
    """Two one-sided tests (Schuirmann 1987): the p-value for "the true change lies
    between `low` and `high`" (both on the scale of `estimate`, `low` < 0 < `high`). Below
    0.05, a change as large as either bound is ruled out at the 5% level; that is the same
    as the 90% interval lying inside (`low`, `high`)."""
    if not (se > 0 and math.isfinite(se)):
        return 1.0
    below = 0.5 * math.erfc((estimate - low) / se / math.sqrt(2))  # P(Z > (est - low) / se)
    above = 0.5 * math.erfc((high - estimate) / se / math.sqrt(2))
    return max(below, above)


def _relative(log_ratio: float) -> float:
    """`exp(x) - 1`, and infinity where that overflows (a fit on almost no data can give
    standard errors in the hundreds on the log scale)."""
    try:
        return math.exp(log_ratio) - 1
    except OverflowError:
        return math.inf


def mde_relative(se_log: float) -> float:
    """Minimum detectable relative change at 80% power from the SE of a log ratio."""
    return _relative(MDE_Z * se_log)


def relative_effect(est_log: float, se_log: float, corrected: bool = False) -> Effect:
    """A change estimated on the log scale, reported as a relative change `exp(est) - 1`
    with its 95% interval, p-value and minimum detectable effect."""
    return Effect(
        estimate=_relative(est_log),
        ci_low=_relative(est_log - Z95 * se_log),
        ci_high=_relative(est_log + Z95 * se_log),
        se=se_log,
        p_value=p_value(est_log / se_log),
        mde=mde_relative(se_log),
        scale="relative",
        corrected=corrected,
    )


def did_counts(
    t0: float, t1: float, c0: float, c1: float, dispersion: float = 1.0, drift: float = 0.0
) -> Effect:
    """Relative change in the treated area against the comparison, from four counts.

    `t0`, `t1`: treated before and after; `c0`, `c1`: comparison before and after
    (windows of equal length). Returns `exp(est) - 1` with its 95% interval, so
    -0.2 means 20% fewer than the comparison's change predicts.

    `dispersion` (phi): recorded crime usually varies more from month to month
    than a Poisson count would; with phi > 1 the standard error is multiplied by
    sqrt(phi), as in a quasi-Poisson model. Values below 1 are treated as 1.

    `drift`: the variance that areas' own before/after changes add on the log scale,
    beyond counting noise (`drift_variance`, times the sum of squared area shares of
    both sides, `drift_weight`). Large areas drift apart from year to year; an interval
    from counts alone is far too narrow for them.
    """
    if drift < 0:
        raise ValueError("a variance cannot be negative")
    counts = [t0, t1, c0, c1]
    if min(counts) < 0:
        raise ValueError("counts cannot be negative")
    corrected = min(counts) == 0
    if corrected:
        t0, t1, c0, c1 = (x + 0.5 for x in counts)
    est = math.log(t1 / t0) - math.log(c1 / c0)
    se = math.sqrt((1 / t0 + 1 / t1 + 1 / c0 + 1 / c1) * max(dispersion, 1.0) + drift)
    return relative_effect(est, se, corrected)


def relative_excess(
    t_recent: float, c_recent: float, t_earlier: float, c_earlier: float
) -> tuple[float, float]:
    """How far a treated area ran above its comparison recently, against the same ratio
    earlier: `(T_recent / C_recent) / (T_earlier / C_earlier) - 1`, and its z on the log
    scale with the Poisson variance of the four counts (0.5 added to each when any is 0).
    Season and city-wide moves cancel in the ratio."""
    counts = [t_recent, c_recent, t_earlier, c_earlier]
    if min(counts) < 0:
        raise ValueError("counts cannot be negative")
    if min(counts) == 0:
        counts = [x + 0.5 for x in counts]
    tr, cr, te, ce = counts
    log_ratio = math.log(tr / cr) - math.log(te / ce)
    return math.expm1(log_ratio), log_ratio / math.sqrt(sum(1 / x for x in counts))


def log_change(before: float, after: float) -> tuple[float, float]:
    """`log(after / before)` and its Poisson variance `1/before + 1/after`, with 0.5
    added to both counts when either is 0 (as in `did_counts`)."""
    if min(before, after) < 0:
        raise ValueError("counts cannot be negative")
    if min(before, after) == 0:
        before, after = before + 0.5, after + 0.5
    return math.log(after / before), 1 / before + 1 / after


def drift_variance(changes: Sequence[float], variances: Sequence[float]) -> float:
    """Between-area variance of before/after changes beyond their sampling noise: the
    DerSimonian-Laird moment estimator of tau^2 in `change_i = mu + u_i + e_i`,
    `u_i ~ (0, tau^2)`, `e_i ~ (0, variances_i)` (DerSimonian and Laird 1986,
    "Meta-analysis in clinical trials", Controlled Clinical Trials 7).

    `changes`: each area's own change (a log ratio for counts, points for a score);
    `variances`: its sampling variance. Returns 0 when the spread is no larger than
    the noise explains; needs at least two areas with a positive variance."""
    d = np.asarray(changes, dtype=float)
    v = np.asarray(variances, dtype=float)
    keep = np.isfinite(d) & np.isfinite(v) & (v > 0)
    d, v = d[keep], v[keep]
    if len(d) < 2:
        raise ValueError("the between-area variance needs at least two areas")
    w = 1 / v
    mean = float(np.sum(w * d) / np.sum(w))
    q = float(np.sum(w * (d - mean) ** 2))
    scale = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    return max(0.0, (q - (len(d) - 1)) / scale)


def drift_weight(*sides: Sequence[float]) -> float:
    """How much of one area's drift a difference of sums carries: for each side (the
    treated areas, the comparison areas), the sum of the squared shares of its areas'
    counts; one area is 1, k equal areas are 1/k. Sides with no counts add nothing."""
    total = 0.0
    for side in sides:
        x = np.asarray(side, dtype=float)
        if x.sum() > 0:
            total += float(np.sum((x / x.sum()) ** 2))
    return total


def prepost_counts(t0: float, t1: float) -> Effect:
    """Relative change in one area between two equal windows, without a comparison.

    Uses the same log-ratio interval as `did_counts`; its p-value agrees closely
    with Wheeler's Poisson z `2 (sqrt(t1) - sqrt(t0))`.
    """
    if min(t0, t1) < 0:
        raise ValueError("counts cannot be negative")
    corrected = min(t0, t1) == 0
    if corrected:
        t0, t1 = t0 + 0.5, t1 + 0.5
    est = math.log(t1 / t0)
    se = math.sqrt(1 / t0 + 1 / t1)
    return relative_effect(est, se, corrected)


@dataclass(frozen=True)
class WDD:
    """Weighted displacement difference: `wdd` < 0 means crimes prevented."""

    wdd: float
    variance: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float

    def as_dict(self) -> dict:
        return {
            "wdd": self.wdd,
            "crimes_prevented": -self.wdd,
            "variance": self.variance,
            "z": self.z,
            "p_value": self.p_value,
            "ci": [self.ci_low, self.ci_high],
        }


def wdd(
    t0: float,
    t1: float,
    c0: float,
    c1: float,
    d0: float = 0,
    d1: float = 0,
    dc0: float = 0,
    dc1: float = 0,
    inflation: float = 1.0,
    control_weight: float = 1.0,
    ring_control_weight: float = 1.0,
) -> WDD:
    """Wheeler and Ratcliffe's weighted displacement difference test, with the area
    weights of Wheeler's `ptools::wdd`.

    `WDD = (T1-T0) - (C1-C0)/wc + (D1-D0) - (DC1-DC0)/wdc`, `Var = T0 + T1 + (C0 + C1)/wc^2
    + D0 + D1 + (DC0 + DC1)/wdc^2`, `z = WDD / sqrt(Var)`. `D` is a displacement buffer
    around the treated area and `DC` its control; leave them 0 when there is no buffer.
    `control_weight` (wc) and `ring_control_weight` (wdc) are each control's size relative
    to what it controls for (1: the same size), so that a control twice as large counts
    half. `inflation` multiplies the variance (the same widening as the difference in
    differences'). With every count 0 the result is WDD 0, z 0, p 1.
    """
    counts = [t0, t1, c0, c1, d0, d1, dc0, dc1]
    if min(counts) < 0:
        raise ValueError("counts cannot be negative")
    if control_weight <= 0 or ring_control_weight <= 0 or inflation <= 0:
        raise ValueError("weights and the inflation must be positive")
    wc, wdc = control_weight, ring_control_weight
    value = (t1 - t0) - (c1 - c0) / wc + (d1 - d0) - (dc1 - dc0) / wdc
    variance = (t0 + t1 + (c0 + c1) / wc**2 + d0 + d1 + (dc0 + dc1) / wdc**2) * inflation
    if variance == 0:
        return WDD(0.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    sd = math.sqrt(variance)
    z = value / sd
    return WDD(value, variance, z, p_value(z), value - Z95 * sd, value + Z95 * sd)


@dataclass(frozen=True)
class ITS:
    """Interrupted time series fit: level and slope change as relative effects."""

    level: Effect
    slope: Effect
    family: str
    dispersion: float
    seasonal: bool
    fitted: list[float]
    counterfactual: list[float]

    def as_dict(self) -> dict:
        return {
            "family": self.family,
            "dispersion": self.dispersion,
            "month_of_year_terms": self.seasonal,
            "level_change": self.level.as_dict(),
            "slope_change_per_month": self.slope.as_dict(),
        }


def its_design(months: Sequence[int], start_index: int, month_of_year: Sequence[int] | None) -> np.ndarray:
    """Design matrix: intercept, time, post, time since start (post only), and 11
    month-of-year indicators when `month_of_year` is given."""
    t = np.asarray(months, dtype=float)
    post = (t >= start_index).astype(float)
    columns = [np.ones_like(t), t, post, (t - start_index) * post]
    if month_of_year is not None:
        moy = np.asarray(month_of_year)
        columns += [(moy == m).astype(float) for m in range(2, 13)]
    return np.column_stack(columns)


def its(
    counts: Sequence[float],
    months: Sequence[int],
    start_index: int,
    month_of_year: Sequence[int] | None = None,
    population: Sequence[float] | None = None,
    family: str = "auto",
) -> ITS:
    """Segmented regression of monthly counts with statsmodels.

    `months`: time index of each count (gaps allowed, e.g. an excluded ramp-up);
    `start_index`: the first month of the post period; `month_of_year` (1-12) adds
    seasonal terms when the series can carry them (full-rank design, at least five
    spare degrees of freedom), otherwise they are left out and `seasonal` is False;
    `population` adds `log(population)` as an offset (rates).
    `family`: "poisson", "negbin" or "auto" (Poisson unless its Pearson dispersion
    exceeds 1.5, then negative binomial). The negative binomial is NB2 with its
    dispersion alpha estimated from the Poisson fit by Cameron and Trivedi's
    auxiliary regression (1990), then fitted as a GLM: unlike full maximum
    likelihood over alpha, this always converges on short monthly series.
    """
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    y = np.asarray(counts, dtype=float)
    x = its_design(months, start_index, month_of_year)
    seasonal = (
        month_of_year is not None and np.linalg.matrix_rank(x) == x.shape[1] and len(y) > x.shape[1] + 4
    )
    if not seasonal:
        # With one year either side, month-of-year terms, trend and the level change
        # are collinear (or leave too few degrees of freedom): model no seasonality.
        x = its_design(months, start_index, None)
    offset = None if population is None else np.log(np.asarray(population, dtype=float))
    with warnings.catch_warnings():
        # A stretch of zero counts (a small area, a rare crime) separates perfectly; the
        # fit's standard errors then say there is no information, which is the answer.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        return _its_fit(y, x, offset, family, seasonal)


def _its_fit(y: np.ndarray, x: np.ndarray, offset, family: str, seasonal: bool) -> ITS:
    # The GLM alone, not statsmodels.api: the whole API costs a second of start-up
    # (scipy.stats and more), which `evaluate --all` pays before its first partnership.
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    poisson = GLM(y, x, family=families.Poisson(), offset=offset).fit()
    dispersion = float(poisson.pearson_chi2 / poisson.df_resid) if poisson.df_resid > 0 else float("nan")
    mu = poisson.fittedvalues
    alpha = float(np.sum((y - mu) ** 2 - y) / np.sum(mu**2))
    use_nb = (family == "negbin" or (family == "auto" and dispersion > 1.5)) and alpha > 0
    if use_nb:
        fit = GLM(y, x, family=families.NegativeBinomial(alpha=alpha), offset=offset).fit()
        name = f"negative binomial (alpha {alpha:.3f})"
    else:
        fit = poisson
        name = "Poisson"
    params, cov = fit.params, fit.cov_params()
    params = np.asarray(params)
    cov = np.asarray(cov)

    def relative(index: int) -> Effect:
        return relative_effect(float(params[index]), float(math.sqrt(cov[index, index])))

    linear = x @ params + (0 if offset is None else offset)
    no_change = x.copy()
    no_change[:, 2:4] = 0  # the same model without the level and slope change
    baseline = no_change @ params + (0 if offset is None else offset)
    return ITS(
        relative(2),
        relative(3),
        name,
        dispersion,
        seasonal,
        np.exp(linear).tolist(),
        np.exp(baseline).tolist(),
    )


def points_effect(est: float, se: float) -> Effect:
    """A change in score points with its normal 95% interval, p-value and MDE."""
    return Effect(
        est, est - Z95 * se, est + Z95 * se, se, p_value(est / se) if se else 1.0, MDE_Z * se, "points"
    )


def survey_change(m0: float, se0: float, m1: float, se1: float) -> Effect:
    """Change in a survey score between two independent samples (points on 0-100)."""
    est = m1 - m0
    se = math.sqrt(se0**2 + se1**2)
    return points_effect(est, se)


def survey_did(
    t0: float,
    t0_se: float,
    t1: float,
    t1_se: float,
    c0: float,
    c0_se: float,
    c1: float,
    c1_se: float,
    drift: float = 0.0,
) -> Effect:
    """Points gained in the treated areas relative to the comparison:
    `(T1 - T0) - (C1 - C0)` with `SE = sqrt(sum of the four SE^2 + drift)`, where `drift`
    is the variance areas' own changes add beyond sampling (see `did_counts`)."""
    if drift < 0:
        raise ValueError("a variance cannot be negative")
    est = (t1 - t0) - (c1 - c0)
    se = math.sqrt(t0_se**2 + t1_se**2 + c0_se**2 + c1_se**2 + drift)
    return points_effect(est, se)


def published_did(
    t0: float,
    t1: float,
    c0: float,
    c1: float,
    change_variance: float,
    treated_areas: int,
    comparison_areas: int,
    pool_areas: int | None = None,
) -> Effect:
    """Survey difference in differences from published area scores without sample sizes:
    `(T1 - T0) - (C1 - C0)` where T and C are plain means over `treated_areas` and
    `comparison_areas` areas, and `change_variance` is the variance of one area's
    before/after change among areas without a partnership (sampling noise and drift
    together). `SE = sqrt(change_variance * (1/treated_areas + 1/comparison_areas))`.

    The variance is estimated from `pool_areas` areas' changes, so the interval and
    p-value use Student's t with `pool_areas - 1` degrees of freedom (about 30 London
    boroughs: 2.05 rather than 1.96 standard errors); without it, the normal."""
    if treated_areas < 1 or comparison_areas < 1 or change_variance < 0:
        raise ValueError("needs at least one area each side and a non-negative variance")
    est = (t1 - t0) - (c1 - c0)
    se = math.sqrt(change_variance * (1 / treated_areas + 1 / comparison_areas))
    if pool_areas is None:
        return points_effect(est, se)
    if pool_areas < 2:
        raise ValueError("a variance needs at least two areas' changes")
    return t_points_effect(est, se, pool_areas - 1)


def t_points_effect(est: float, se: float, df: int) -> Effect:
    """`points_effect` when `se` was estimated with `df` degrees of freedom: Student's t
    quantiles for the interval, p-value and MDE."""
    from scipy.special import stdtr, stdtrit  # scipy.special alone: scipy.stats costs a second

    q95, q80 = float(stdtrit(df, 0.975)), float(stdtrit(df, 0.8))
    p = 2 * float(stdtr(df, -abs(est / se))) if se else 1.0
    return Effect(est, est - q95 * se, est + q95 * se, se, p, (q95 + q80) * se, "points")
