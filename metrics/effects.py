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

    def as_dict(self) -> dict:
        return {
            "estimate": self.estimate,
            "ci": [self.ci_low, self.ci_high],
            "se": self.se,
            "p_value": self.p_value,
            "mde": self.mde,
            "scale": self.scale,
            "zero_count_correction": self.corrected,
        }


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


def did_counts(t0: float, t1: float, c0: float, c1: float, dispersion: float = 1.0) -> Effect:
    """Relative change in the treated area against the comparison, from four counts.

    `t0`, `t1`: treated before and after; `c0`, `c1`: comparison before and after
    (windows of equal length). Returns `exp(est) - 1` with its 95% interval, so
    -0.2 means 20% fewer than the comparison's change predicts.

    `dispersion` (phi): recorded crime usually varies more from month to month
    than a Poisson count would; with phi > 1 the standard error is multiplied by
    sqrt(phi), as in a quasi-Poisson model. Values below 1 are treated as 1.
    """
    counts = [t0, t1, c0, c1]
    if min(counts) < 0:
        raise ValueError("counts cannot be negative")
    corrected = min(counts) == 0
    if corrected:
        t0, t1, c0, c1 = (x + 0.5 for x in counts)
    est = math.log(t1 / t0) - math.log(c1 / c0)
    se = math.sqrt(1 / t0 + 1 / t1 + 1 / c0 + 1 / c1) * math.sqrt(max(dispersion, 1.0))
    return relative_effect(est, se, corrected)


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
) -> WDD:
    """Wheeler and Ratcliffe's weighted displacement difference test.

    `WDD = (T1-T0) - (C1-C0) + (D1-D0) - (DC1-DC0)`, `Var = sum of all eight counts`,
    `z = WDD / sqrt(Var)`. `D` is a displacement buffer around the treated area and
    `DC` its control; leave them 0 when there is no buffer. With every count 0 the
    variance is 0 and the result is WDD 0, z 0, p 1.
    """
    counts = [t0, t1, c0, c1, d0, d1, dc0, dc1]
    if min(counts) < 0:
        raise ValueError("counts cannot be negative")
    value = (t1 - t0) - (c1 - c0) + (d1 - d0) - (dc1 - dc0)
    variance = float(sum(counts))
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
    import statsmodels.api as sm
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
        return _its_fit(sm, y, x, offset, family, seasonal)


def _its_fit(sm, y: np.ndarray, x: np.ndarray, offset, family: str, seasonal: bool) -> ITS:
    poisson = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit()
    dispersion = float(poisson.pearson_chi2 / poisson.df_resid) if poisson.df_resid > 0 else float("nan")
    mu = poisson.fittedvalues
    alpha = float(np.sum((y - mu) ** 2 - y) / np.sum(mu**2))
    use_nb = (family == "negbin" or (family == "auto" and dispersion > 1.5)) and alpha > 0
    if use_nb:
        fit = sm.GLM(y, x, family=sm.families.NegativeBinomial(alpha=alpha), offset=offset).fit()
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


def survey_change(m0: float, se0: float, m1: float, se1: float) -> Effect:
    """Change in a survey score between two independent samples (points on 0-100)."""
    est = m1 - m0
    se = math.sqrt(se0**2 + se1**2)
    return Effect(
        est, est - Z95 * se, est + Z95 * se, se, p_value(est / se) if se else 1.0, MDE_Z * se, "points"
    )


def survey_did(
    t0: float, t0_se: float, t1: float, t1_se: float, c0: float, c0_se: float, c1: float, c1_se: float
) -> Effect:
    """Points gained in the treated areas relative to the comparison:
    `(T1 - T0) - (C1 - C0)` with `SE = sqrt(sum of the four SE^2)`."""
    est = (t1 - t0) - (c1 - c0)
    se = math.sqrt(t0_se**2 + t1_se**2 + c0_se**2 + c1_se**2)
    return Effect(
        est, est - Z95 * se, est + Z95 * se, se, p_value(est / se) if se else 1.0, MDE_Z * se, "points"
    )
