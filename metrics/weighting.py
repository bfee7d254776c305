"""Raking one area's respondents to its population margins: a pure function of numbers.

`rake(respondents, margins)` takes the respondents' design weights and groups (one column
per dimension, e.g. `age_sex` written "16-24|female", `race_ethnicity`) and the census
counts per dimension and group, and returns weights that reproduce the census shares on
every dimension (iterative proportional fitting, by Meta's `balance` library), trimmed to
TRIM_BOUNDS times the mean weight as domain.md asks, with the Kish design effect they
cost. It knows nothing of databases: db.weighting reads the rows and writes the weights.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

TRIM_BOUNDS = (0.2, 5.0)  # the smallest and largest weight, as multiples of the mean (domain.md)
MAX_ITERATIONS = 100  # of one raking; more means the margins cannot be met together
TOLERANCE = 1e-6  # converged: every raked group's weighted share within this of its census share
TRIM_ROUNDS = 10  # trim, then rake again, at most this often


@dataclass(frozen=True)
class RakeResult:
    """What raking one area gave: `weights` in the respondents' order, averaging 1 over all
    of them; whether it converged (when not, the weights are the design weights, scaled to
    average 1); the raking's iterations (every round of trimming's included); how many weights
    were trimmed; the Kish design effect 1 + CV^2 of the weights; the dimensions raked on,
    and notes in words (respondents kept at their design weight, groups dropped, failures)."""

    weights: np.ndarray
    converged: bool
    iterations: int
    trimmed: int
    design_effect: float
    dimensions: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def note(self) -> str:
        return "; ".join(self.notes)


def design_effect(weights: np.ndarray) -> float:
    """Kish's design effect of unequal weights, 1 + CV^2 = n * sum(w^2) / sum(w)^2: how much
    larger the variance of a weighted mean is than with equal weights (n / n_eff)."""
    w = np.asarray(weights, dtype=float)
    if not len(w) or not w.sum():
        return float("nan")
    return float(len(w) * (w * w).sum() / w.sum() ** 2)


def _key(group: object) -> str:
    """A group as matched between the survey and the census: case and spacing ignored."""
    return " ".join(str(group).split()).casefold() if isinstance(group, str) else ""


def _keys(column: pd.Series) -> np.ndarray:
    """`_key` of every cell, worked out once per distinct value."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    keys = np.array([_key(u) for u in uniques] + [""], dtype=object)
    return keys[codes]  # the sentinel -1 (a missing value) picks the last: ''


def _mean_one(weights: np.ndarray) -> np.ndarray:
    return weights * (len(weights) / weights.sum())


def rake(
    respondents: pd.DataFrame,
    margins: dict[str, dict[str, float]],
    weight: str = "weight",
    bounds: tuple[float, float] = TRIM_BOUNDS,
    max_iterations: int = MAX_ITERATIONS,
) -> RakeResult:
    """Rake `respondents` (a design-weight column `weight` and a column per dimension of
    `margins`) to `margins` ({dimension: {group: population}}), and trim.

    Returns a RakeResult whose weights average 1 over all the area's respondents, so their
    sum stays n and the number of answers behind a score does not change: only the shares
    of the groups do. Groups are matched ignoring case and spacing. Respondents whose group
    is blank on a dimension, or is one the census does not count (or counts no one in),
    keep their design weight, and the note says how many. A census group no respondent is in
    cannot be matched: it is left out and the other groups of its dimension are raked to
    their own counts (the note names it). Trimming: weights outside `bounds` times the mean
    are cut to the bound and the respondents raked again from there, up to TRIM_ROUNDS
    times; if some still fall outside, they are cut a last time and the margins are then met
    only approximately (the note says so). When the raking does not converge within
    `max_iterations` (margins the sample cannot meet together), the design weights are kept,
    `converged` is False and the note says so."""
    design = respondents[weight].to_numpy(dtype=float)
    n = len(design)
    if not n:
        return RakeResult(design, False, 0, 0, float("nan"), (), ("no respondents",))
    dimensions = tuple(d for d in margins if d in respondents.columns)
    notes: list[str] = []
    groups = {d: _keys(respondents[d]) for d in dimensions}
    targets: dict[str, dict[str, float]] = {}
    rakeable = np.ones(n, dtype=bool)
    for d in dimensions:
        counted = {_key(g): float(p) for g, p in margins[d].items() if float(p) > 0}
        blank = groups[d] == ""
        uncounted = ~blank & ~np.isin(groups[d], list(counted))
        if blank.any():
            notes.append(f"{int(blank.sum())} with no {d} kept their design weight")
        if uncounted.any():
            names = sorted(set(respondents[d].to_numpy(dtype=object)[uncounted]))
            notes.append(
                f"{int(uncounted.sum())} in {d} groups the census does not count "
                f"({', '.join(map(str, names[:5]))}) kept their design weight"
            )
        rakeable &= ~blank & ~uncounted
        targets[d] = counted
    for d in dimensions:  # census groups nobody raked is in: nothing to match them with
        present = set(groups[d][rakeable])
        empty = [g for g in margins[d] if _key(g) in targets[d] and _key(g) not in present]
        if empty:
            population = sum(float(margins[d][g]) for g in empty)
            notes.append(
                f"no respondent in {d} {', '.join(map(str, empty[:5]))}"
                f"{' and others' if len(empty) > 5 else ''} (population {population:,.0f}): left out"
            )
            targets[d] = {g: p for g, p in targets[d].items() if g in present}
    weights = design.copy()
    if not dimensions or rakeable.sum() < 2:
        why = "no margins for the respondents' groups" if not dimensions else "too few respondents to rake"
        return RakeResult(_mean_one(design), False, 0, 0, design_effect(design), dimensions, (*notes, why))
    sample = {d: groups[d][rakeable] for d in dimensions}
    raked, converged, iterations = _rake(design[rakeable], sample, targets, max_iterations)
    if not converged:
        notes.append(
            f"raking did not converge in {iterations} iterations (the margins cannot all be met "
            "with these respondents): design weights kept"
        )
        return RakeResult(
            _mean_one(design), False, iterations, 0, design_effect(design), dimensions, tuple(notes)
        )
    raked, trimmed, iterations, exact = _trim(raked, sample, targets, bounds, max_iterations, iterations)
    if not exact:
        notes.append(
            f"after {TRIM_ROUNDS} rounds of trimming some weights still fell outside "
            f"{bounds[0]:g}-{bounds[1]:g} x the mean: cut to it, so the margins are met only approximately"
        )
    # the raked respondents keep the total design weight they had, beside those not raked
    weights[rakeable] = raked * (design[rakeable].sum() / raked.sum())
    weights = _mean_one(weights)
    return RakeResult(weights, True, iterations, trimmed, design_effect(weights), dimensions, tuple(notes))


def _trim(
    raked: np.ndarray,
    sample: dict[str, np.ndarray],
    targets: dict[str, dict[str, float]],
    bounds: tuple[float, float],
    max_iterations: int,
    iterations: int,
) -> tuple[np.ndarray, int, int, bool]:
    """(weights, how many respondents' weights were cut at least once, the iterations of every
    raking so far, whether the margins are met exactly): cut to `bounds` x the mean and rake
    again from the cut weights, until none falls outside or TRIM_ROUNDS have passed."""
    cut = np.zeros(len(raked), dtype=bool)
    for _round in range(TRIM_ROUNDS):
        mean = raked.mean()
        outside = (raked < bounds[0] * mean) | (raked > bounds[1] * mean)
        if not outside.any():
            return raked, int(cut.sum()), iterations, True
        cut |= outside
        again, converged, again_iterations = _rake(_clip(raked, bounds), sample, targets, max_iterations)
        if not converged:
            break
        raked, iterations = again, iterations + again_iterations
    mean = raked.mean()
    outside = (raked < bounds[0] * mean) | (raked > bounds[1] * mean)
    cut |= outside
    return _clip(raked, bounds), int(cut.sum()), iterations, not outside.any()


def _clip(weights: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """`weights` cut to `bounds` times their own mean: cutting moves the mean, so cut again
    until it holds (a few rounds)."""
    for _round in range(100):
        mean = weights.mean()
        clipped = np.clip(weights, bounds[0] * mean, bounds[1] * mean)
        if np.allclose(clipped, weights, rtol=1e-12, atol=0):
            break
        weights = clipped
    return weights


def _rake(
    base: np.ndarray, sample: dict[str, np.ndarray], targets: dict[str, dict[str, float]], max_iterations: int
) -> tuple[np.ndarray, bool, int]:
    """(weights, converged, iterations): `base` raked to the shares of `targets` by balance's
    rake. The target is given as the table of every combination of groups with the product of
    their shares, which has exactly the census margins (balance's target_margins= would round
    them to 10,000 made-up rows), and without balance's default transformations, which merge
    rare groups. Converged means every group's weighted share is within TOLERANCE (relative)
    of its census share, checked here: balance's own flag only says the loop stopped."""
    names = sorted(targets)
    shares = {d: {g: p / sum(targets[d].values()) for g, p in targets[d].items()} for d in names}
    combinations = list(itertools.product(*(shares[d].items() for d in names)))
    target = pd.DataFrame([[g for g, _p in combination] for combination in combinations], columns=names)
    target_weights = pd.Series([float(np.prod([p for _g, p in combination])) for combination in combinations])
    result = _balance_rake()(
        pd.DataFrame({d: sample[d] for d in names}),
        pd.Series(base, dtype=float),
        target,
        target_weights,
        variables=names,
        transformations=None,
        max_iteration=max_iterations,
        convergence_rate=TOLERANCE,
        rate_tolerance=0.0,  # never stop because the gap stopped shrinking: that is not converging
    )
    weights = result["weight"].sort_index().to_numpy(dtype=float)
    trace = result["model"].get("iterations")
    iterations = len(trace) if trace is not None else 1  # one variable: balance post-stratifies
    return weights, _gap(weights, sample, shares) <= TOLERANCE, iterations


def _gap(weights: np.ndarray, sample: dict[str, np.ndarray], shares: dict[str, dict[str, float]]) -> float:
    """The largest relative difference between a group's weighted share and its census share."""
    total = weights.sum()
    return max(
        abs(weights[sample[d] == g].sum() / total / share - 1.0)
        for d in shares
        for g, share in shares[d].items()
    )


@cache
def _balance_rake():
    """balance's rake function. Imported on first use (balance takes seconds to import), with
    its import-time banner silenced and the root logger's handlers, which it removes, put back;
    its own warnings (a census group nobody answered in, iterations used up) are said in our
    notes instead, so its logger reports only errors."""
    root = logging.getLogger()
    handlers, disabled = root.handlers[:], logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        from balance.weighting_methods.rake import rake as balance_rake
    finally:
        logging.disable(disabled)
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
    logging.getLogger("balance").setLevel(logging.ERROR)
    return balance_rake
