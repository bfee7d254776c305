"""What the demo's public slides say about the trust gap and what residents write: the
verdicts a room hears, with their n, and nothing a reader of the repository alone knows."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from board.deck import build_deck, groups_slide
from metrics.publish import PUBLIC
from metrics.stats import Z95

CODE = "RIV-EAST-SCHOOLS"  # the demo's partnership with a planted narrowing of the trust gap


@pytest.fixture(scope="module")
def public(demo_engine):
    with demo_engine.connect() as conn:
        return {s.key: s for s in build_deck(conn, CODE, "public").slides}


def test_did_it_work_has_the_trust_gap_row_improved(public):
    verdicts = public["verdicts"]
    row = verdicts.data[verdicts.data["label"] == "Black-White trust gap"].iloc[0]
    assert row["verdict"] == "Improved"
    assert re.fullmatch(r"narrowed \d+ \(\d+ to \d+\)", row["change"])
    table = verdicts.figure.data[0]
    assert "Black-White trust gap" in table.cells.values[0]
    assert "Improved: the gap in trust between Black and White residents narrowed by" in verdicts.caption
    assert verdicts.caption.startswith("In the first 12 months after the start, of 7 outcomes:")


def test_the_gap_slide_says_its_verdict_and_each_groups_n(public, demo_engine):
    from metrics.evaluation import evaluate

    equity = public["equity"]
    assert "Improved: the gap in trust between Black and White residents narrowed by" in equity.caption
    with demo_engine.connect() as conn:
        gap = evaluate(conn, CODE)["equity"]["gaps"][0]
    for side in ("treated", "comparison"):
        for window in ("before", "after"):
            cell = gap[side][window]
            said = f"{cell['focus']['n']:,} and {cell['reference']['n']:,} {window}"
            assert said in equity.source
    assert "answers (Black, White): partnership area" in equity.source


def test_the_comparison_gaps_say_which_is_before_and_after(public):
    caption = public["equity"].caption
    both = r"in the comparison areas, \d+ points? below before the start and \d+ points? below after"
    assert re.search(both, caption)
    assert "below and " not in caption


def test_the_themes_slide_is_largest_first_and_says_the_change(public):
    themes = public["themes"]
    counts = [int(c.replace(",", "")) for c in themes.data["comments"] if c[0].isdigit()]
    assert counts == sorted(counts, reverse=True)
    bars = themes.figure.data[0]
    assert list(bars.y)[::-1] == themes.data["theme"].tolist()  # the largest on top
    change = r"([A-Z][a-z ]+): (\d+) comments in the first year after the start, (\d+) in the latest"
    said = re.search(change, themes.caption)
    assert said, themes.caption
    assert min(int(said[2]), int(said[3])) >= 11  # the public sees counts of 11 or more only


def test_no_public_slide_names_a_repository_file(demo_engine):
    from metrics.partnership import partnership_list

    with demo_engine.connect() as conn:
        for code in partnership_list(conn)["code"]:
            for s in build_deck(conn, code, "public").slides:
                text = " ".join([s.title, s.caption, s.source, s.detail, s.data.to_csv(index=False)])
                for path in ("docs/", ".toml", ".md"):
                    assert path not in text, (code, s.key)


def test_trust_by_group_says_the_registrys_gap_beside_the_widest(public):
    caption = public["groups"].caption
    assert "highest among" in caption
    pair = r"The gap this partnership follows: Black residents' trust is .+ White residents'"
    assert re.search(pair, caption)


def _groups(sizes: dict[str, int]) -> pd.DataFrame:
    rows = []
    for i, (group, n) in enumerate(sizes.items()):
        mean, se = 50.0 + 4 * i, 20.0 / n**0.5
        rows.append(
            {"group": group, "n": n, "n_eff": float(n), "mean": mean, "se": se,
             "ci_low": mean - Z95 * se, "ci_high": mean + Z95 * se}
        )  # fmt: skip
    return pd.DataFrame(rows)


def test_the_registrys_gap_is_not_said_from_a_group_the_public_may_not_see():
    def slide(sizes):
        window = (date(2024, 1, 1), date(2024, 12, 31))
        return groups_slide(_groups(sizes), PUBLIC, "P", "race_ethnicity", window, None, ("B", "W"))

    both = slide({"B": 400, "W": 400})
    assert "B residents' trust is 4 points below W residents'" in both.caption
    hidden = slide({"B": 30, "W": 400})
    assert "gap this partnership follows" not in hidden.caption
    assert "B" in hidden.caption  # named as hidden, as before


def test_the_verdict_notes_carry_the_gaps_sentence(public):
    assert "Black-White trust gap: Improved: the gap in trust" in public["verdicts"].detail
