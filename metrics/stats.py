"""Survey and count statistics as plain functions of numbers: no database, no pandas.

References: Kish (1965) for the effective sample size; the formulas and
thresholds are those of `shared/reference/domain.md` sections 3 and 5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # two-sided 95% normal quantile


@dataclass(frozen=True)
class WeightedEstimate:
    """A weighted mean (or share) with its uncertainty."""

    estimate: float
    se: float
    n: int
    n_eff: float

    @property
    def ci_low(self) -> float:
        return self.estimate - Z95 * self.se

    @property
    def ci_high(self) -> float:
        return self.estimate + Z95 * self.se

    @property
    def margin(self) -> float:
        """Half-width of the 95% interval ("give or take")."""
        return Z95 * self.se


def kish_n_eff(sum_w: float, sum_w2: float) -> float:
    """Kish effective sample size `(sum w)^2 / sum w^2`; equals n for equal weights."""
    if sum_w2 <= 0:
        return 0.0
    return sum_w * sum_w / sum_w2


def weighted_mean(n: int, sum_w: float, sum_w2: float, sum_wx: float, sum_wx2: float) -> WeightedEstimate:
    """Weighted mean from the sums a GROUP BY returns, with SE = sd_w / sqrt(n_eff).

    `sd_w` is the weighted standard deviation with the small-sample factor
    n_eff / (n_eff - 1), so that with equal weights the SE is the textbook s / sqrt(n).
    With one respondent (or n_eff <= 1) the SE is undefined and returned as NaN.
    """
    if n <= 0 or sum_w <= 0:
        return WeightedEstimate(math.nan, math.nan, 0, 0.0)
    mean = sum_wx / sum_w
    n_eff = kish_n_eff(sum_w, sum_w2)
    variance = max(sum_wx2 / sum_w - mean * mean, 0.0)  # clamp float round-off
    if n_eff <= 1:
        return WeightedEstimate(mean, math.nan, n, n_eff)
    variance *= n_eff / (n_eff - 1)
    return WeightedEstimate(mean, math.sqrt(variance / n_eff), n, n_eff)


def weighted_share(n: int, sum_w: float, sum_w2: float, sum_wp: float) -> WeightedEstimate:
    """Weighted share positive `p = sum w*p / sum w` with SE `sqrt(p(1-p)/n_eff)`."""
    if n <= 0 or sum_w <= 0:
        return WeightedEstimate(math.nan, math.nan, 0, 0.0)
    p = sum_wp / sum_w
    n_eff = kish_n_eff(sum_w, sum_w2)
    return WeightedEstimate(p, math.sqrt(max(p * (1 - p), 0.0) / n_eff), n, n_eff)


def poisson_z(before: float, after: float) -> float:
    """Wheeler's short-run change statistic for two counts: `2 (sqrt(after) - sqrt(before))`.

    |z| > 1.96 is a change significant at 5%. Defined for zero counts (0 and 0 give 0).
    """
    if before < 0 or after < 0:
        raise ValueError("counts cannot be negative")
    return 2.0 * (math.sqrt(after) - math.sqrt(before))


def change_direction(before: float, after: float, z_threshold: float = Z95) -> str:
    """'down', 'up' or 'no clear change' for two counts, by the Poisson z test."""
    z = poisson_z(before, after)
    if z <= -z_threshold:
        return "down"
    if z >= z_threshold:
        return "up"
    return "no clear change"
