"""What the demo's public slides say about the trust gap and what residents write: the
verdicts a room hears, with their n, and nothing a reader of the repository alone knows."""

from __future__ import annotations

import re

import pytest

from board.deck import build_deck

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
