"""Many verdicts at once: how many of the scorecard's Improved and Worsened calls could
be chance.

The scorecard judges every partnership x outcome at the 5% level. With 40 estimates and
no real change anywhere, about 2 would still be called. The Benjamini-Hochberg procedure
(1995) keeps the expected share of false calls among the calls at 5%: each estimate's
q-value is the smallest false discovery rate at which it would still be called. A call
whose q-value is above 5% is shown as "may be chance". The computation is statsmodels'
`multipletests(method="fdr_bh")`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.verdict import CALLED, NOT_ENOUGH, TOO_EARLY

RATE = 0.05


def with_q_values(frame: pd.DataFrame, rate: float = RATE) -> pd.DataFrame:
    """`frame` (scorecard rows with `verdict` and `p_value`) with two more columns:
    `q_value` (Benjamini-Hochberg, over the rows that were judged: an estimate, a complete
    after-window; missing elsewhere) and `stands` (a call whose q-value is at most `rate`;
    False for every row that is not a call)."""
    from statsmodels.stats.multitest import multipletests

    judged = frame["verdict"].isin(set(frame["verdict"]) - {NOT_ENOUGH, TOO_EARLY}) & frame["p_value"].notna()
    q = pd.Series(np.nan, index=frame.index)
    if judged.any():
        q[judged] = multipletests(frame.loc[judged, "p_value"].to_numpy(dtype=float), method="fdr_bh")[1]
    called = frame["verdict"].isin(CALLED)
    return frame.assign(q_value=q, stands=called & (q <= rate))


@dataclass(frozen=True)
class Chance:
    judged: int  # estimates with a verdict from their interval
    called: int  # Improved or Worsened
    standing: int  # calls that hold with the false discovery rate at 5%
    expected_by_chance: float  # calls expected if nothing had changed anywhere: 5% of judged


def chance(frame: pd.DataFrame) -> Chance:
    """The counts behind `chance_sentence`, from `with_q_values` rows."""
    judged = int(frame["q_value"].notna().sum())
    return Chance(judged, int(frame["verdict"].isin(CALLED).sum()), int(frame["stands"].sum()), RATE * judged)


def chance_sentence(c: Chance, what: str = "partnership") -> str:
    """What a chief reads under the scorecard: how many calls could be chance. `what`
    names what was evaluated ("partnership", "initiative")."""
    if c.judged == 0:
        return "No outcome has a complete estimate yet, so nothing is called Improved or Worsened."
    expected = max(1, math.floor(c.expected_by_chance + 0.5)) if c.expected_by_chance >= 0.5 else 0
    by_chance = (
        f"if no {what} had changed anything, about {expected} of them would still be called "
        "Improved or Worsened by chance"
        if expected
        else "with so few, chance alone would rarely call one"
    )
    calls = (
        "1 is called Improved or Worsened" if c.called == 1 else f"{c.called} are called Improved or Worsened"
    )
    text = f"Of {c.judged} outcomes with a complete estimate, {calls}; {by_chance}."
    if c.called:
        doubtful = c.called - c.standing
        stand = "still stands" if c.standing == 1 else "still stand"
        marked = "is" if doubtful == 1 else "are"
        text += (
            f" Keeping the share of false calls to 5% (Benjamini-Hochberg), {c.standing} of the "
            f"{c.called} {stand}"
            + (f"; the other {doubtful} {marked} marked 'may be chance'." if doubtful else ".")
        )
    return text
