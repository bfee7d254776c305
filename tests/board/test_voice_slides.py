"""The voice slides as a room reads them: "You said, we did" says what the demo planted
(a priority whose initiative was never carried out is untested, one nobody answered has no
initiative yet, one answered by patrols that pushed theft next door says so), fits five
priorities in large type (larger when they are few), and "Who proposes the decisions?" and
"Are decisions done on time?" recover the demo's decision styles within what chance allows,
on periods of enough decisions, flagging shares on 20 or fewer, in colours that are not a
verdict's."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

import pandas as pd
import pytest

from board.deck import build_deck
from board.voice_slides import (
    CELL_LINES,
    CELL_PX,
    COLUMNS,
    SHOWN_PRIORITIES,
    change_words,
    voice_slides,
    you_said_slide,
)
from charts.board import LEFT, RIGHT, SLIDE_WIDTH, text_width
from charts.theme import VERDICT_COLOURS, verdict_fill
from db.demo.city import DECISION_STYLE
from metrics.decisions import MIN_DECISIONS
from metrics.initiatives import evaluate_initiatives
from metrics.priorities import ROW_COLUMNS, you_said_we_did
from metrics.publish import PUBLIC

SENTENCE = re.compile(
    r"Of ([\d,]+) decisions since \w+ \d{4}, ([\d,]+) \((\d+)%\) were proposed by partners or residents: "
    r"([\d,]+) \(\d+%\) by partner organisations and ([\d,]+) \(\d+%\) by residents themselves\."
)
ON_TIME = re.compile(
    r"Of ([\d,]+) decisions due by \w+ \d{4}, ([\d,]+) \((\d+)%\) were done by the date agreed "
    r"\(likely between (\d+)% and (\d+)%\)\."
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
    assert keys[at + 1 : at + 4] == ["you_said", "decisions", "follow_through"]
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


def test_patrols_that_pushed_theft_next_door_read_as_moved_not_as_a_success(voice):
    slide = voice["RIV-MARKET-BID"]["you_said"]
    row = slide.data.iloc[0]
    said = row["what changed"]
    assert said.startswith("Moved next door: property crime fell 30% (between ")
    assert "Improved" not in said
    assert "✓" not in said
    assert re.search(r"; next door \(Old Town\) it rose 74% \(between \d+% and \d+% more\)", said)
    assert re.search(
        r"; both places together: about 21 fewer crimes \(between \d+ more and \d+ fewer\)$", said
    )
    drawn = re.sub(r"<br>", " ", _cells(slide)[2][0])
    assert "both places together" in drawn
    assert "…" not in drawn
    fill = slide.figure.data[0].cells.fill.color[2][0]
    assert fill != verdict_fill("Improved")  # not painted as a success
    assert "rose 74% next door (Old Town)" in slide.detail


def test_the_table_speaks_in_words_not_interval_notation(voice):
    for code in ("RIV-MARKET-BID", "RIV-FAITH-TABLE", "RIV-WESTBANK-BOARD"):
        slide = voice[code]["you_said"]
        drawn = " ".join(" ".join(column) for column in _cells(slide))
        assert "95%:" not in drawn, drawn
        assert "(-" not in drawn, drawn
    faith = voice["RIV-FAITH-TABLE"]["you_said"].data
    changed = faith[faith["you said"] == "Drug dealing on Hillcrest Parade"].iloc[0]["what changed"]
    assert re.search(r"other crime fell \d+% \(between \d+% fewer and \d+% more\)", changed), changed


@pytest.mark.parametrize(
    ("effect", "noun", "said"),
    [
        (
            {"estimate": -0.3, "ci": [-0.47, -0.07], "scale": "relative"},
            "theft",
            "theft fell 30% (between 7% and 47% fewer)",
        ),
        (
            {"estimate": 0.1, "ci": [-0.05, 0.3], "scale": "relative"},
            "theft",
            "theft rose 10% (between 5% fewer and 30% more)",
        ),
        (
            {"estimate": 5.2, "ci": [2.1, 8.4], "scale": "points"},
            "trust",
            "trust rose 5 points (between 2 and 8 points higher)",
        ),
    ],
)
def test_a_change_reads_as_words_a_resident_can_follow(effect, noun, said):
    assert change_words(effect, noun) == said


def test_few_priorities_are_set_larger_and_fill_more_of_the_slide(voice):
    one = voice["RIV-MARKET-BID"]["you_said"].figure.data[0]
    five = you_said_slide(you_said_we_did(_many(5), [], PUBLIC), [], PUBLIC).figure.data[0]
    assert one.cells.font.size > CELL_PX == five.cells.font.size
    assert one.cells.height > five.cells.height


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
    police, residents, on_time, _late, _dropped = DECISION_STYLE[code]
    slide = voice[code]["decisions"]
    said = SENTENCE.fullmatch(slide.caption)
    assert said, slide.caption
    decisions, non_police, non_police_pct = int(said[1].replace(",", "")), int(said[2]), int(said[3])
    _within_chance(non_police_pct, decisions, 1 - police)
    _within_chance(round(100 * int(said[5]) / decisions), decisions, residents)  # residents' own share
    # the chart's periods add up to the sentence, and draw the shares the data carries
    assert slide.data["decisions"].sum() == decisions
    assert (slide.data["partners"] + slide.data["residents"]).sum() == non_police
    assert slide.data["residents"].sum() == int(said[5])
    stacks = {t.name: list(t.y) for t in slide.figure.data}
    assert list(stacks) == ["Residents", "Partner organisations", "Police"]  # residents read from zero
    assert stacks["Residents"] == pytest.approx(list(100 * slide.data["residents_share"]))
    for period in range(len(slide.data)):
        assert sum(v[period] for v in stacks.values()) == pytest.approx(100)
    done = ON_TIME.fullmatch(voice[code]["follow_through"].caption)
    assert done, voice[code]["follow_through"].caption
    _within_chance(int(done[3]), int(done[1].replace(",", "")), on_time)
    assert int(done[4]) <= int(done[3]) <= int(done[5])


def test_the_faith_table_shares_more_and_follows_through_more_than_harbour_youth(voice):
    faith, harbour = (SENTENCE.fullmatch(voice[c]["decisions"].caption) for c in DECISION_STYLE)
    assert int(faith[3]) > 50 > int(harbour[3])  # mostly residents and partners; mostly police
    faith, harbour = (ON_TIME.fullmatch(voice[c]["follow_through"].caption) for c in DECISION_STYLE)
    assert int(faith[3]) > 50 > int(harbour[3])  # mostly on time; mostly not


def test_no_share_rests_on_a_handful_of_decisions(voice):
    """Every period drawn has at least MIN_DECISIONS decisions (thin years pooled, and the
    source says so); a share on 20 or fewer decisions carries the flag, and no other does."""
    for code, slides in voice.items():
        for key, share, count in (
            ("decisions", "residents_share", "residents"),
            ("follow_through", "follow_through", "on_time"),
        ):
            slide = slides[key]
            assert (slide.data["decisions"] >= MIN_DECISIONS).all() or len(slide.data) == 1, (
                code,
                slide.data,
            )
            assert f"fewer than {MIN_DECISIONS} decisions are pooled" in slide.source
            assert list(slide.data[f"{share}_unstable"]) == list(slide.data[count] <= 20)
            trace = slide.figure.data[0]
            flagged = [t.endswith("*") for t in trace.text]
            assert flagged == list(slide.data[f"{share}_unstable"]), (code, key, list(trace.text))
            assert ("* rests on 20 or fewer decisions" in slide.source) == any(flagged)
        assert "decisions due" in slides["follow_through"].figure.layout.yaxis.title.text


def test_decision_charts_use_no_verdict_colour(voice):
    verdicts = {c.lower() for c in VERDICT_COLOURS.values()}
    for slides in voice.values():
        for key in ("decisions", "follow_through"):
            for trace in slides[key].figure.data:
                colours = trace.marker.color
                colours = [colours] if isinstance(colours, str) else list(colours)
                assert not {c.lower() for c in colours} & verdicts, (key, trace.name, colours)


def test_the_proposers_slide_says_what_counts_as_an_organisation_and_a_resident(voice):
    source = voice["RIV-FAITH-TABLE"]["decisions"].source
    assert "resident groups)" in source
    assert "residents: people at the meeting proposing for themselves" in source


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
