"""The voice slides as a room reads them: "You said, we did" says what the demo planted
(a priority whose initiative was never carried out is untested, one nobody answered has no
initiative yet, one answered by patrols that pushed theft next door says so), fits five
priorities in large type, and "Who decides?" recovers the demo's decision styles within
what chance allows for their number of decisions."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

import pandas as pd
import pytest

from board.deck import build_deck
from board.voice_slides import CELL_LINES, CELL_PX, COLUMNS, SHOWN_PRIORITIES, voice_slides, you_said_slide
from charts.board import LEFT, RIGHT, SLIDE_WIDTH, text_width
from db.demo.city import DECISION_STYLE
from metrics.initiatives import evaluate_initiatives
from metrics.priorities import ROW_COLUMNS, you_said_we_did
from metrics.publish import PUBLIC

SENTENCE = re.compile(
    r"Of ([\d,]+) decisions since \w+ \d{4}, ([\d,]+) \((\d+)%\) were proposed by partners or residents; "
    r"([\d,]+) of ([\d,]+) due so far \((\d+)%\) were done on time\."
)


@pytest.fixture(scope="module")
def voice(demo_engine):
    """Each demo partnership's voice slides under public rules, by key."""
    out = {}
    with demo_engine.connect() as conn:
        for code in (*DECISION_STYLE, "RIV-WESTBANK-BOARD", "RIV-SOUTHGATE-MEDIA", "RIV-MARKET-BID"):
            out[code] = {s.key: s for s in voice_slides(conn, code, evaluate_initiatives(conn, code), PUBLIC)}
    return out


def _cells(slide) -> list[list[str]]:
    """The slide table's cells, column by column, as drawn (markup and all)."""
    return [list(column) for column in slide.figure.data[0].cells.values]


def test_the_voice_slides_come_after_the_activity_slide(demo_engine):
    with demo_engine.connect() as conn:
        keys = [s.key for s in build_deck(conn, "RIV-FAITH-TABLE", "public").slides]
    at = keys.index("activity")
    assert keys[at + 1 : at + 3] == ["you_said", "decisions"]
    assert keys[-1] == "about"


def test_a_priority_answered_by_an_initiative_never_carried_out_is_untested(voice):
    slide = voice["RIV-WESTBANK-BOARD"]["you_said"]
    row = slide.data.iloc[0]
    assert row["you said"] == "Young people with nothing to do in the evenings"
    assert row["we did"] == "Parkview youth diversion scheme (not carried out)"
    assert row["what changed"] == "Untested: not carried out"
    assert "Untested: not carried out" in _cells(slide)[2][0]
    assert "never carried out: untested, not failed" in slide.caption


def test_a_priority_nobody_answered_says_no_initiative_yet(voice):
    slide = voice["RIV-SOUTHGATE-MEDIA"]["you_said"]
    row = slide.data[slide.data["you said"] == "Speeding near schools"].iloc[0]
    assert row["we did"] == "No initiative yet"
    assert row["status"] == "no initiative yet"
    assert "No initiative yet" in _cells(slide)[1][0]
    assert "1 priority raised in Mar 2025: none answered by an initiative yet." == slide.caption


def test_patrols_that_pushed_theft_next_door_say_so(voice):
    row = voice["RIV-MARKET-BID"]["you_said"].data.iloc[0]
    assert row["what changed"].startswith("✓ Improved: property crime -")
    assert row["what changed"].endswith("; some moved next door (Old Town)")
    assert "rose 74% next door (Old Town)" in voice["RIV-MARKET-BID"]["you_said"].detail


def test_a_partnership_without_priorities_has_no_you_said_slide(voice):
    assert "you_said" not in voice["RIV-HARBOUR-YOUTH"]
    assert "decisions" in voice["RIV-HARBOUR-YOUTH"]


def _within_chance(shown_percent: int, n: int, planted: float) -> None:
    """The shown share is the planted one within three standard errors for n decisions
    (and half a point of rounding)."""
    tolerance = 3 * math.sqrt(planted * (1 - planted) / n) + 0.005
    assert abs(shown_percent / 100 - planted) <= tolerance, (shown_percent, n, planted, tolerance)


@pytest.mark.parametrize("code", ["RIV-FAITH-TABLE", "RIV-HARBOUR-YOUTH"])
def test_who_decides_recovers_the_planted_decision_styles(voice, code):
    police, _residents, on_time, _late, _dropped = DECISION_STYLE[code]
    slide = voice[code]["decisions"]
    said = SENTENCE.fullmatch(slide.caption)
    assert said, slide.caption
    decisions, non_police, non_police_pct = int(said[1].replace(",", "")), int(said[2]), int(said[3])
    due, done_pct = int(said[5].replace(",", "")), int(said[6])
    _within_chance(non_police_pct, decisions, 1 - police)
    _within_chance(done_pct, due, on_time)
    # the chart's years add up to the sentence, and draw the shares the data carries
    assert slide.data["decisions"].sum() == decisions
    assert slide.data["non_police"].sum() == non_police
    lines = {t.name: list(t.y) for t in slide.figure.data}
    drawn = lines["Proposed by partners or residents"]
    assert drawn == pytest.approx(list(100 * slide.data["non_police_share"]))


def test_the_faith_table_shares_more_and_follows_through_more_than_harbour_youth(voice):
    faith, harbour = (SENTENCE.fullmatch(voice[c]["decisions"].caption) for c in DECISION_STYLE)
    assert int(faith[3]) > 50 > int(harbour[3])  # mostly residents and partners; mostly police
    assert int(faith[6]) > 50 > int(harbour[6])  # mostly on time; mostly not


# --- fitting a room -------------------------------------------------------------------


def _many(n: int) -> pd.DataFrame:
    """n priorities of priority_rows' shape with long titles, a week apart, none answered."""
    first = date(2024, 1, 3)
    return pd.DataFrame(
        [
            {
                "priority_id": i,
                "title": f"Priority number {i}: "
                + "parked cars blocking the pavement outside the school " * 2,
                "source": ("meeting", "survey", "consultation")[i % 3],
                "raised_on": first + timedelta(days=7 * i),
                "theme": "speeding and traffic",
                "outcome": None,
                "raised_by": 40 + i,
                "counted": i % 3 == 1,
                "initiative_ids": (),
                "initiative_names": (),
            }
            for i in range(n)
        ],
        columns=ROW_COLUMNS,
    )


def test_a_long_list_shows_the_five_most_recent_and_says_how_many_more():
    said = you_said_we_did(_many(8), [], PUBLIC)
    slide = you_said_slide(said, [], PUBLIC)
    titles = _cells(slide)[0]
    assert len(titles) == SHOWN_PRIORITIES
    assert [int(re.search(r"number (\d)", t)[1]) for t in titles] == [7, 6, 5, 4, 3]  # newest first
    assert "The 5 most recent are shown; 3 more are in the notes." in slide.caption
    assert len(slide.data) == 8  # every one in the data and the notes
    assert all(f"Priority number {i}" in slide.detail for i in range(8))


def test_every_cell_fits_its_column_in_three_lines():
    slide = you_said_slide(you_said_we_did(_many(5), [], PUBLIC), [], PUBLIC)
    inner = SLIDE_WIDTH - LEFT - RIGHT
    for (_, share), column in zip(COLUMNS, _cells(slide), strict=True):
        for cell in column:
            lines = re.sub(r"</?b>", "", cell).split("<br>")
            assert len(lines) <= CELL_LINES
            assert all(text_width(line, CELL_PX) <= share * inner for line in lines), lines
    # five rows of three lines and the header fit the plot area the caption leaves
    table = slide.figure.data[0]
    assert table.header.height + SHOWN_PRIORITIES * table.cells.height <= 1080 - 110 - 250
