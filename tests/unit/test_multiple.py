"""Many verdicts at once: Benjamini-Hochberg q-values by hand, and the sentence a chief reads."""

import math

import pandas as pd
import pytest

from metrics.multiple import chance, chance_sentence, with_q_values


def frame(rows):
    return pd.DataFrame(rows, columns=["verdict", "p_value"])


def test_q_values_match_a_hand_calculation_over_the_judged_rows_only():
    """Four judged p-values 0.001, 0.04, 0.5, 0.9 (m = 4): q = p * m / rank, made monotone:
    0.004, 0.08, 0.667, 0.9. 'Not enough data' and 'Too early to tell' are not judged."""
    f = with_q_values(
        frame(
            [
                ("Improved", 0.001),
                ("Worsened", 0.04),
                ("Inconclusive", 0.5),
                ("Not enough data", math.nan),
                ("Too early to tell", 0.01),
                ("No clear change", 0.9),
            ]
        )
    )
    assert f["q_value"].tolist()[:3] == pytest.approx([0.004, 0.08, 2 / 3])
    assert math.isnan(f["q_value"][3])
    assert math.isnan(f["q_value"][4])
    assert f["q_value"][5] == pytest.approx(0.9)
    assert f["stands"].tolist() == [True, False, False, False, False, False]
    c = chance(f)
    assert (c.judged, c.called, c.standing) == (4, 2, 1)
    assert chance_sentence(c) == (
        "Of 4 outcomes with a complete estimate, 2 are called Improved or Worsened; with so few, chance "
        "alone would rarely call one. Keeping the share of false calls to 5% (Benjamini-Hochberg), 1 of "
        "the 2 still stands; the other 1 is marked 'may be chance'."
    )


def test_the_sentence_gives_the_calls_expected_by_chance():
    rows = [("Improved", 0.0001)] * 3 + [("Inconclusive", 0.5)] * 37
    sentence = chance_sentence(chance(with_q_values(frame(rows))))
    assert sentence.startswith(
        "Of 40 outcomes with a complete estimate, 3 are called Improved or Worsened; if no partnership "
        "had changed anything, about 2 of them would still be called Improved or Worsened by chance."
    )
    assert sentence.endswith("3 of the 3 still stand.")


def test_nothing_judged_says_so():
    sentence = chance_sentence(chance(with_q_values(frame([("Not enough data", math.nan)]))))
    assert sentence.startswith("No outcome has a complete estimate yet")
