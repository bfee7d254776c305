"""Public suppression of the equity gap, property-tested: whatever the answers, a gap from
fewer than 50 answers in a group never reaches the public slide, its data or its sentence."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from board.deck import equity_slide
from metrics.equity import shown_gaps, verdict_shown
from metrics.publish import GROUP_HIDE_BELOW, LEADERSHIP, PUBLIC

SIDE_KEYS = ("treated", "comparison")
WINDOWS = ("before", "after")

counts = st.tuples(st.integers(0, 200), st.integers(0, 200))
# four different gaps, each with digits that cannot appear in the slide by chance
gaps = st.lists(st.integers(-40_000, 40_000), min_size=4, max_size=4, unique=True)


@st.composite
def cells(draw) -> dict:
    values = [v / 1000 + 0.0001 for v in draw(gaps)]
    keys = [(s, w) for s in SIDE_KEYS for w in WINDOWS]
    return {
        k: {"gap": v, "n_focus": n[0], "n_reference": n[1]}
        for k, v, n in zip(keys, values, [draw(counts) for _ in keys], strict=True)
    }


def _gap(cells: dict) -> dict:
    record = {
        "outcome": "trust",
        "label": "The gap in trust between Black and White residents",
        "group": "Black",
        "reference": "White",
        "windows": {"before": ["2018-09", "2019-08"], "after": ["2019-09", "2020-08"], "months_each": 12},
        "method": "difference in differences of the gap",
        "verdict": "Improved",
        "sentence": "The gap in trust between Black and White residents narrowed by 6.123 points.",
        "effect": {"estimate": -6.123, "ci": [-11.0, -1.0], "se": 2.5, "scale": "points"},
    }
    for side in SIDE_KEYS:
        record[side] = {"areas": ["A"]}
        for window in WINDOWS:
            c = cells[side, window]
            record[side][window] = {
                "gap": c["gap"],
                "focus": {"mean": 50.0, "n": c["n_focus"]},
                "reference": {"mean": 50.0 + c["gap"], "n": c["n_reference"]},
            }
    return record


@settings(max_examples=25, deadline=None)
@given(cells())
def test_no_gap_from_a_small_group_is_public(cells):
    gap = _gap(cells)
    shown = shown_gaps(gap, PUBLIC)
    small = {k for k, c in cells.items() if min(c["n_focus"], c["n_reference"]) < GROUP_HIDE_BELOW}
    for row in shown.itertuples():
        if row.shown:
            assert row.n_focus >= GROUP_HIDE_BELOW
            assert row.n_reference >= GROUP_HIDE_BELOW
        else:
            assert pd.isna(row.gap)
    assert shown["shown"].sum() == 4 - len(small)
    assert verdict_shown(gap, PUBLIC) == (not small)
    slide = equity_slide({"set": True, "gaps": [gap]}, PUBLIC)
    sides = {"treated": "Partnership area", "comparison": "Comparison areas"}
    for key in small:  # the slide's data (its CSV) carries neither the gap nor its n
        row = slide.data[(slide.data["side"] == sides[key[0]]) & (slide.data["window"] == key[1])].iloc[0]
        assert pd.isna(row["gap"])
        assert pd.isna(row["n_focus"])
        assert pd.isna(row["n_reference"])
    if slide.figure is not None:  # a hidden gap draws no bar and says so
        for trace, window in zip(slide.figure.data, WINDOWS, strict=True):
            for side, y, text in zip(trace.x, trace.y, trace.text, strict=True):
                key = next(k for k, v in sides.items() if v == side), window
                if key in small:
                    assert y == 0
                    assert text == "not shown"
                else:
                    assert y == cells[key]["gap"]
        assert slide.caption.count("not shown") >= len(small)
    if small:
        assert "narrowed by 6.123" not in slide.caption
    else:
        assert "narrowed by 6.123" in slide.caption


@settings(max_examples=15, deadline=None)
@given(cells())
def test_leadership_sees_every_gap_with_its_n(cells):
    gap = _gap(cells)
    shown = shown_gaps(gap, LEADERSHIP)
    assert shown["shown"].all()
    assert sorted(shown["n_focus"]) == sorted(c["n_focus"] for c in cells.values())
