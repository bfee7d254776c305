"""Verdicts in words, by the rules of domain.md section 5.

- Improved / Worsened: the 95% interval lies entirely on one side of zero
  (which side is better depends on the outcome: less crime, more trust);
- No clear change: the interval crosses zero and is narrow, i.e. the minimum
  detectable effect (80% power) is at most `NARROW_MDE` for its scale;
- Too early to tell: the interval crosses zero and is wide, or there are fewer
  than `MIN_MONTHS_AFTER` months after the start or `MIN_MONTHS_BEFORE` before;
  the sentence states the minimum detectable effect;
- Not enough data: something the design needs is missing (a comparison area,
  answers before or after); the sentence names it and no interval is made up.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.effects import Effect

MIN_MONTHS_BEFORE = 12
MIN_MONTHS_AFTER = 6
# An interval this tight or tighter is "narrow": the design could have seen an
# effect of this size, so "no clear change" is informative.
NARROW_MDE = {"relative": 0.25, "points": 6.0}

IMPROVED, WORSENED, NO_CLEAR_CHANGE, TOO_EARLY, NOT_ENOUGH = (
    "Improved",
    "Worsened",
    "No clear change",
    "Too early to tell",
    "Not enough data",
)
VERDICTS = (IMPROVED, WORSENED, NO_CLEAR_CHANGE, TOO_EARLY, NOT_ENOUGH)


@dataclass(frozen=True)
class Verdict:
    label: str
    sentence: str

    def as_dict(self) -> dict:
        return {"verdict": self.label, "sentence": self.sentence}


def _size(effect: Effect, value: float) -> str:
    if effect.scale == "relative":
        return f"{abs(value) * 100:.0f}%"
    return f"{abs(value):.1f} points"


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
        interval = f"{effect.ci_low:+.1f} to {effect.ci_high:+.1f} points"
    if _size(effect, effect.estimate) in ("0%", "0.0 points"):
        return f"{noun} did not change {against} (95% interval: {interval})."
    return f"{noun} {verb} {_size(effect, effect.estimate)} {against} (95% interval: {interval})."


def judge(
    effect: Effect | None,
    lower_is_better: bool,
    noun: str,
    against: str,
    months_before: int,
    months_after: int,
    missing: list[str] | None = None,
) -> Verdict:
    """The verdict and its sentence for one outcome.

    `noun` names the outcome ("Violent crime", "Trust in police"); `against` says
    what it is compared with ("against comparable areas", "since the start").
    """
    if missing:
        return Verdict(NOT_ENOUGH, f"Not enough data: {'; '.join(missing)}.")
    if effect is None:
        return Verdict(NOT_ENOUGH, "Not enough data to estimate a change.")
    change = describe_change(effect, noun, against)
    mde = f"this design would only detect a change of {_size(effect, effect.mde)} or more"
    short = []
    if months_before < MIN_MONTHS_BEFORE:
        short.append(f"only {months_before} months before the start ({MIN_MONTHS_BEFORE} needed)")
    if months_after < MIN_MONTHS_AFTER:
        short.append(f"only {months_after} months after the start ({MIN_MONTHS_AFTER} needed)")
    if short:
        return Verdict(TOO_EARLY, f"Too early to tell: {'; '.join(short)}. {change} At this length {mde}.")
    if effect.ci_high < 0 or effect.ci_low > 0:
        good = (effect.ci_high < 0) == lower_is_better
        return Verdict(IMPROVED if good else WORSENED, change)
    if effect.mde <= NARROW_MDE[effect.scale]:
        return Verdict(
            NO_CLEAR_CHANGE,
            f"{change} The interval includes no change, and the design could have seen a change "
            f"of {_size(effect, effect.mde)}: no clear change.",
        )
    return Verdict(TOO_EARLY, f"{change} The interval is wide: {mde}. Too early to tell.")


def signed_pct(fraction: float) -> str:
    """'+3%', '-12%', and '0%' rather than '-0%'."""
    value = round(fraction * 100)
    return "0%" if value == 0 else f"{value:+d}%"


def signed_points(points: float) -> str:
    """'+6.5', '-1.2', and '0.0' rather than '-0.0'."""
    value = round(points, 1)
    return "0.0" if value == 0 else f"{value:+.1f}"


def effect_text(effect: dict | None, compact: bool = False) -> str:
    """'-30% (95%: -41% to -18%)' or '+6.5 points (95%: +2.6 to +10.4)' from `Effect.as_dict()`.
    `compact` drops '95%:' and 'points', for table cells whose caption states both."""
    if not effect:
        return "" if compact else "no estimate"
    low, high = effect["ci"]
    fmt = signed_pct if effect["scale"] == "relative" else signed_points
    unit = "" if compact or effect["scale"] == "relative" else " points"
    label = "" if compact else "95%: "
    return f"{fmt(effect['estimate'])}{unit} ({label}{fmt(low)} to {fmt(high)})"


def effect_short(effect: dict | None) -> str:
    """'-29% (-48% to -2%)' or '+6.5 (+2.6 to +10.4)': `effect_text` for table cells."""
    return effect_text(effect, compact=True)
