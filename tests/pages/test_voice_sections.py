"""The Partnership page's "You said, we did" and "Who decides?" sections on the demo city, as a
user reads them: the planted priorities and decision styles come through, leadership may open
the decision list, and the public gets words where partners' answers are too few to show,
never a small count of people or a decision's summary."""

from __future__ import annotations

import math
import re

import pytest
from streamlit.testing.v1 import AppTest

from db.demo.city import DECISION_STYLE, DECISION_SUMMARIES
from tests.conftest import words
from tests.pages.test_pages import figures, run_app, table_with, values

SHARES = re.compile(
    r"Of ([\d,]+) decisions since \w+ \d{4}, ([\d,]+) \((\d+)%\) were proposed by partners or residents: "
    r"([\d,]+) \(\d+%\) by partner organisations and ([\d,]+) \(\d+%\) by residents themselves\. "
    r"Of ([\d,]+) decisions due by \w+ \d{4}, ([\d,]+) \((\d+)%\) were done by the date agreed "
    r"\(likely between (\d+)% and (\d+)%\)\."
)


def _page(url: str, monkeypatch, code: str) -> AppTest:
    at = run_app(url, monkeypatch, "pages/partnership.py")
    at.selectbox(key="filter_partnership").set_value(code).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _markdown(at: AppTest) -> list[str]:
    return [words(m.value) for m in at.markdown]


def _card(at: AppTest, title: str) -> list[str]:
    """The markdown of the priority card that starts with `title`, up to the next card."""
    texts = _markdown(at)
    start = texts.index(f"**You said: {title}**")
    end = next((i for i in range(start + 1, len(texts)) if texts[i].startswith("**You said:")), len(texts))
    return texts[start:end]


@pytest.mark.parametrize("code", list(DECISION_STYLE))
def test_who_decides_shows_the_planted_styles_with_their_intervals(demo_url, monkeypatch, code):
    police, _residents, on_time, _late, _dropped = DECISION_STYLE[code]
    at = _page(demo_url, monkeypatch, code)
    said = next(SHARES.fullmatch(t) for t in _markdown(at) if SHARES.fullmatch(t))
    decisions, share, due, done = int(said[1].replace(",", "")), int(said[3]), int(said[6]), int(said[8])
    for shown, n, planted in ((share, decisions, 1 - police), (done, due, on_time)):
        tolerance = 3 * math.sqrt(planted * (1 - planted) / n) + 0.005  # three standard errors for n
        assert abs(shown / 100 - planted) <= tolerance, (code, shown, n, planted)
    assert int(said[9]) <= done <= int(said[10])
    figs = figures(at)
    bars = figs["Who proposed the decisions"]
    stacks = {t["name"]: values(t["y"]) for t in bars["data"]}
    assert list(stacks) == [
        "Residents",
        "Partner organisations",
        "Police",
    ]  # residents' own share at the base
    for period in zip(*stacks.values(), strict=True):
        assert sum(period) == pytest.approx(100)
    ticks = bars["layout"]["xaxis"]["ticktext"]
    assert sum(int(re.search(r"<br>n=([\d,]+)$", t)[1].replace(",", "")) for t in ticks) == decisions
    on_time_bars = figs["Done by the date agreed"]
    assert on_time_bars["layout"]["yaxis"]["title"]["text"] == "Share of the decisions due (%)"
    assert all(0 <= v <= 100 for t in on_time_bars["data"] for v in values(t["y"]))
    survey = figs["Do partners share decisions?"]  # leadership sees partners' few answers with n
    assert all(re.fullmatch(r"\d{4}<br>(\d+|-)/(\d+|-)", t) for t in survey["layout"]["xaxis"]["ticktext"])
    assert all(t.get("text") is None for t in survey["data"])  # no n labels over the dots


def test_faith_table_is_led_by_members_and_harbour_youth_by_the_police(demo_url, monkeypatch):
    police = {}
    for code in DECISION_STYLE:
        bars = figures(_page(demo_url, monkeypatch, code))["Who proposed the decisions"]
        police[code] = {t["name"]: values(t["y"]) for t in bars["data"]}["Police"]
    assert max(police["RIV-FAITH-TABLE"]) < 50 < min(police["RIV-HARBOUR-YOUTH"])


def test_patrols_whose_theft_moved_next_door_are_not_shown_as_a_success(demo_url, monkeypatch):
    at = _page(demo_url, monkeypatch, "RIV-MARKET-BID")
    card = _card(at, "Shop theft on Market Street")
    assert ":orange-badge[:material/move_down: Moved next door]" in card
    assert not any("green-badge" in t for t in card)
    assert any(
        re.search(r"next door \(Old Town\) it rose 74%.*both places together: about 21 fewer crimes", t)
        for t in card
    ), card


def test_leadership_may_read_the_decisions_one_by_one(demo_url, monkeypatch):
    at = _page(demo_url, monkeypatch, "RIV-HARBOUR-YOUTH")
    expander = next(e for e in at.expander if "decisions one by one" in e.label)
    assert "leadership only" in expander.label
    listed = table_with(at, "Decision")
    assert set(listed["Decision"]) <= set(DECISION_SUMMARIES)
    assert len(listed) == int(re.search(r"The ([\d,]+) decisions", expander.label)[1].replace(",", ""))
    assert set(listed["On time"]) <= {"yes", "no", ""}


def test_a_priority_whose_initiative_was_never_carried_out_is_untested(demo_url, monkeypatch):
    at = _page(demo_url, monkeypatch, "RIV-WESTBANK-BOARD")
    card = _card(at, "Young people with nothing to do in the evenings")
    assert "We did: **Parkview youth diversion scheme** (not carried out)" in card
    assert ":gray-badge[:material/block: Untested: not carried out]" in card
    assert any("It was not carried out, so it is untested: not a failure." in t for t in card)


def test_a_priority_nobody_answered_says_no_initiative_yet(demo_url, monkeypatch):
    at = _page(demo_url, monkeypatch, "RIV-SOUTHGATE-MEDIA")
    card = _card(at, "Speeding near schools")
    assert ":gray-badge[:material/hourglass_empty: No initiative yet]" in card
    assert not any(t.startswith("We did:") for t in card)
    assert "Survey, Mar 2025: 13 residents wrote about speeding and traffic" in [
        words(c.value) for c in at.caption
    ]


def test_a_partnership_without_priorities_says_so(demo_url, monkeypatch):
    at = _page(demo_url, monkeypatch, "RIV-HARBOUR-YOUTH")
    assert any("No community priorities are recorded for this partnership yet" in i.value for i in at.info)


def _public_sections(code: str) -> None:
    """Both sections as a public session draws them."""
    from metrics.evaluation import Design
    from ui.auth import User
    from ui.database import database_url
    from ui.voice import who_decides_section, you_said_section

    public = User(None, "public", "anonymous")
    you_said_section(database_url(), public, code, Design())
    who_decides_section(database_url(), public, code)


def test_the_public_gets_words_not_small_counts_or_summaries(demo_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    at = AppTest.from_function(_public_sections, args=("RIV-FAITH-TABLE",), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [words(c.value) for c in at.caption]
    assert "Meeting, Nov 2024, by fewer than 11 people" in captions
    assert "Survey, May 2025: fewer than 11 residents wrote about speeding and traffic" in captions
    shown = " ".join([*_markdown(at), *captions, *(words(i.value) for i in at.info)])
    assert not re.search(r"(?<!1 to )\b(10|[1-9]) (people|person|residents)\b", shown)  # not the rule
    assert "is not shown in public: fewer than 30 of them answered in a year" in shown
    assert "Do partners share decisions?" not in figures(at)
    assert not any("decisions one by one" in e.label for e in at.expander)
    assert not any(summary in shown for summary in DECISION_SUMMARIES)
    assert not any("Decision" in d.value.columns for d in at.dataframe)


def test_who_decides_follows_the_sidebar_period(demo_url, monkeypatch):
    """Narrowed to 2024, the section counts only the decisions made that year (fewer than the
    whole record's, and as many as the list leadership may open) and says which months."""
    from datetime import date

    at = _page(demo_url, monkeypatch, "RIV-HARBOUR-YOUTH")
    whole = int(
        re.search(r"The ([\d,]+) decisions", next(e.label for e in at.expander if "one by one" in e.label))[1]
    )
    at.date_input(key="filter_period").set_value((date(2024, 1, 1), date(2024, 12, 31))).run()
    assert not at.exception
    said = next(m.value for m in at.markdown if "proposed by partners or residents" in m.value)
    made = re.search(r"Of ([\d,]+) decisions made from Jan 2024 to Dec 2024", words(said))
    assert made, said
    listed = table_with(at, "Decision")
    assert len(listed) == int(made[1].replace(",", "")) < whole
