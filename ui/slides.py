"""A 1920x1080 slide picture sized to the window: a style sheet gives the slide the
largest size, in steps, that fits both the window's width and its height above the row
of buttons. Plain CSS media queries, written here once (no script, and nothing from the
data in it): the browser picks the size, on every resize.
"""

from __future__ import annotations

import math

import streamlit as st

from charts.board import SLIDE_HEIGHT, SLIDE_WIDTH

SLIDE_KEY = "slide"  # st.container(key=...) -> the CSS class st-key-slide
NAV_PX = 112  # the buttons' row, the page's top and bottom padding and the gaps between
SIDE_PX = 40  # the page's left and right padding
STEPS = [round(0.16 + 0.02 * i, 2) for i in range(93)]  # 0.16 to 2.0 of the full size
BOX = f".st-key-{SLIDE_KEY}"


def _sized(scale: float) -> str:
    return f"{BOX} {{ width: {SLIDE_WIDTH * scale:.1f}px !important; }}"


def slide_style() -> str:
    """The style sheet: no Streamlit header, little padding, the slide centred, and one
    width per step, each for windows at least as wide and as tall as that step needs."""
    rules = [
        '[data-testid="stHeader"] { display: none; }',
        '[data-testid="stMainBlockContainer"] { padding: 8px 20px 0 20px; max-width: none; }',
        f"{BOX} {{ margin: 0 auto; flex: none; aspect-ratio: {SLIDE_WIDTH} / {SLIDE_HEIGHT}; }}",
        f"{BOX} img {{ width: 100%; height: auto; }}",
        _sized(STEPS[0]),
    ]
    for scale in STEPS[1:]:
        width = math.ceil(SLIDE_WIDTH * scale + SIDE_PX)
        height = math.ceil(SLIDE_HEIGHT * scale + NAV_PX)
        rules.append(f"@media (min-width: {width}px) and (min-height: {height}px) {{ {_sized(scale)} }}")
    return "<style>\n" + "\n".join(rules) + "\n</style>"


def fit_slides_to_the_window() -> None:
    """Add the style sheet to the page (static text: nothing from the data is in it)."""
    st.html(slide_style())
