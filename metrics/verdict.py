"""Verdicts in words: domain.md section 5, sharpened by issue 15.

- Improved / Worsened: the 95% interval lies entirely on one side of zero
  (which side is better depends on the outcome: less crime, more trust);
- No clear change: an equivalence test passes: two one-sided tests at 5% rule out a
  change as large as the smallest change that matters (`EQUIVALENCE`: 10% for crime,
  3 points for surveys, set in the design). "No change" is then a finding;
- Inconclusive: the interval includes no change but also changes that would matter;
  the sentence states the smallest fall and rise the design could detect (80% power);
- Too early to tell: only while the after-window is not complete yet; the interim
  estimate is quoted, not judged;
- Not enough data: something the design needs is missing (a comparison area,
  answers before or after, data covering the windows); the sentence names it and no
  interval is made up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from metrics.effects import Effect, equivalence_p
from metrics.formatting import effect_text, months_span, signed_points, size_text

# The smallest change that matters, either way, by scale: inside it, "no clear change".
EQUIVALENCE = {"relative": 0.10, "points": 3.0}

IMPROVED, WORSENED, NO_CLEAR_CHANGE, INCONCLUSIVE, TOO_EARLY, NOT_ENOUGH = (
    "Improved",
    "Worsened",
    "No clear change",
    "Inconclusive",
    "Too early to tell",
    "Not enough data",
)
VERDICTS = (IMPROVED, WORSENED, NO_CLEAR_CHANGE, INCONCLUSIVE, TOO_EARLY, NOT_ENOUGH)
CALLED = (IMPROVED, WORSENED)


@dataclass(frozen=True)
class Verdict:
    label: str
    sentence: str

    def as_dict(self) -> dict:
        return {"verdict": self.label, "sentence": self.sentence}


def _size(effect: Effect, value: float) -> str:
    return size_text(effect.scale, value)


def describe_change(effect: Effect, noun: str, against: str) -> str:
    """'Violent crime fell 24% against comparable areas (95% interval: 12% to 35% fewer).'"""
    up = effect.estimate > 0
    if effect.scale == "relative":
        verb = "rose" if up else "fell"
        lo, hi = sorted((effect.ci_low, effect.ci_high), key=abs)
        if effect.ci_low < 0 < effect.ci_high:
            interval = f"{abs(effect.ci_low) * 100:.0f}% fewer to {effect.ci_high * 100:.0f}% more"
        else:
            interval = f"{abs(lo) * 100:.0f}% to {abs(hi) * 100:.0f}% {'more' if up else 'fewer'}"
    else:
        verb = "rose" if up else "fell"
        interval = f"{signed_points(effect.ci_low)} to {signed_points(effect.ci_high)} points"
    if _size(effect, effect.estimate) in ("0%", "0 points"):
        return f"{noun} did not change {against} (95% interval: {interval})."
    return f"{noun} {verb} {_size(effect, effect.estimate)} {against} (95% interval: {interval})."


def detectable(effect: Effect) -> str:
    """'a fall of 21% or a rise of 27%' (relative) or 'a change of 4.2 points either way'."""
    if effect.scale == "relative":
        return f"a fall of {_size(effect, effect.mde_fall)} or a rise of {_size(effect, effect.mde)}"
    return f"a change of {_size(effect, effect.mde)} either way"


def is_equivalent(effect: Effect, margin: float) -> bool:
    """Whether two one-sided tests at 5% rule out a change of `margin` or more either way
    (a fraction for relative effects, points otherwise)."""
    if effect.scale == "relative":
        estimate = math.log1p(effect.estimate) if effect.estimate > -1 else -math.inf
        low, high = math.log1p(-margin), math.log1p(margin)
    else:
        estimate, low, high = effect.estimate, -margin, margin
    return equivalence_p(estimate, effect.se, low, high) < 0.05


def judge(
    effect: Effect | None,
    lower_is_better: bool,
    noun: str,
    against: str,
    months_after: int,
    missing: list[str] | None = None,
    *,
    after_needed: int = 12,
    margin: float | None = None,
) -> Verdict:
    """The verdict and its sentence for one outcome.

    `noun` names the outcome ("Violent crime", "Trust in police"); `against` says
    what it is compared with ("against comparable areas", "since the start");
    `months_after` is how much of the after-window (`after_needed` months) the data
    covers; `margin` is the smallest change that matters (default `EQUIVALENCE`).
    """
    if missing:
        return Verdict(NOT_ENOUGH, f"Not enough data: {'; '.join(missing)}.")
    if effect is None:
        return Verdict(NOT_ENOUGH, "Not enough data to estimate a change.")
    change = describe_change(effect, noun, against)
    if months_after < after_needed:
        return Verdict(
            TOO_EARLY,
            f"Too early to tell: {months_after} of the {after_needed} months after the start have "
            f"data so far. So far: {change} At this length the design would only detect "
            f"{detectable(effect)}.",
        )
    if effect.ci_high < 0 or effect.ci_low > 0:
        good = (effect.ci_high < 0) == lower_is_better
        return Verdict(IMPROVED if good else WORSENED, change)
    margin = EQUIVALENCE[effect.scale] if margin is None else margin
    if is_equivalent(effect, margin):
        return Verdict(
            NO_CLEAR_CHANGE,
            f"{change} No clear change: the interval rules out a change of "
            f"{_size(effect, margin)} or more either way.",
        )
    return Verdict(
        INCONCLUSIVE,
        f"{change} Inconclusive: the interval includes no change, but also changes of "
        f"{_size(effect, margin)} or more; this design could detect {detectable(effect)}.",
    )


def sustained_text(later: dict) -> str:
    """'Latest 12 months (Oct 2025 to Sep 2026) against the same months before the start:
    Inconclusive, -4% (95%: -25% to +22%).' from an outcome's `sustained` record."""
    after = later["windows"]["after"]
    return (
        f"{later['window'].capitalize()} ({months_span(*after)}) against the same months before the "
        f"start: {later['verdict']}, {effect_text(later.get('effect'))}."
    )


def effect_short(effect: dict | None) -> str:
    """'-29% (-48% to -2%)' or '+6 (+3 to +10)': `effect_text` for table cells."""
    return effect_text(effect, compact=True)


def headline(outcome: dict) -> str:
    """'Violent crime: Improved (may be chance) - -29% (95%: -48% to -2%)': an outcome's
    verdict and estimate on one line. "Not enough data" shows no number, even when one was
    computed before the design found what it lacks: a number under that label reads as a finding."""
    doubtful = " (may be chance)" if outcome.get("stands") is False and outcome["verdict"] in CALLED else ""
    effect = None if outcome["verdict"] == NOT_ENOUGH else outcome.get("effect")
    return f"{outcome['label']}: {outcome['verdict']}{doubtful} - {effect_text(effect)}"


def method_notes(outcome: dict, window: str | None = None) -> list[str]:
    """'Method: ...; 2021-04 to 2022-03 against 2022-04 to 2023-03 (first 12 months).' and
    'Compared with A, B (why).': what an outcome's card says under its verdict. `window`
    names the after-window in brackets when given."""
    notes = []
    w = outcome.get("windows")
    if outcome.get("method") and w:
        named = f" ({window})" if window else ""
        notes.append(
            f"Method: {outcome['method']}; {w['before'][0]} to {w['before'][1]} against "
            f"{w['after'][0]} to {w['after'][1]}{named}."
        )
    if outcome.get("comparison"):
        c = outcome["comparison"]
        notes.append(f"Compared with {', '.join(c['areas'])} ({c['reason']}).")
    return notes
