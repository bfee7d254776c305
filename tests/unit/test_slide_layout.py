"""A slide's text stays on the slide: captions and source lines are wrapped by their
drawn width and start at the slide's margin, however much room the chart's labels take."""

from __future__ import annotations

import html
import re

import pandas as pd

from charts.board import LEFT, RIGHT, SLIDE_WIDTH, projected, slide_figure, text_width, wrap_to_width
from charts.figures import partners_by_sector


def _drawn_lines(annotation) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", line)) for line in annotation.text.split("<br>")]


def test_wrapping_keeps_every_line_within_the_width_and_loses_no_word():
    text = "Trust in police rose from 50 to 60 out of 100 since the partnership began " * 6
    lines = wrap_to_width(text, 700, 30)
    assert all(text_width(line, 30) <= 700 for line in lines)
    assert " ".join(lines).split() == text.split()


def test_every_line_of_text_on_a_slide_lies_inside_the_slide_at_its_margins():
    # long sector names widen the chart's left margin; the caption must not move with it
    members = pd.DataFrame({"sector": ["local_government", "resident_group", "non_profit", "school"]})
    chart = projected(partners_by_sector(members, "Eastside"))
    caption = "Eastside Schools Safety Partnership: 5 organisations from 4 sectors, working together " * 4
    fig = slide_figure(chart, "Eastside", caption, "Source: partnership registry. " * 3, 1, 8)
    left, right = fig.layout.margin.l, fig.layout.margin.r
    assert left > LEFT  # the labels took more room than the default margin
    plot_width = SLIDE_WIDTH - left - right
    texts = [a for a in fig.layout.annotations if a.xref == "paper" and a.x is not None]
    assert len(texts) == 3  # caption, source line, slide number
    for annotation in texts:
        widest = max(text_width(line, annotation.font.size) for line in _drawn_lines(annotation))
        at = left + annotation.x * plot_width
        start = at if annotation.xanchor == "left" else at - widest
        assert start >= LEFT - 1, annotation.text[:40]
        assert start + widest <= SLIDE_WIDTH - RIGHT + 1, annotation.text[:40]
    caption_box = next(a for a in texts if a.text.startswith("Eastside Schools"))
    assert round(left + caption_box.x * plot_width) == LEFT  # the caption starts at the slide's margin
