"""Did its initiatives work? The Partnership page's section and the Initiatives page, as
leadership reads them (Streamlit AppTest), on the demo's four planted initiatives; and the
Initiatives page kept from the public."""

from __future__ import annotations

import pytest

from tests.conftest import words
from tests.pages.test_access import USERS, render
from tests.pages.test_pages import figures, run_app, table_with, values

PAGE = "pages/partnership.py"
SECTION = "Did its initiatives work?"


def partnership(url, monkeypatch, code):
    at = run_app(url, monkeypatch, PAGE)
    at.selectbox(key="filter_partnership").set_value(code).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def said(at) -> str:
    """Everything written on the page in Markdown and captions, as a reader sees it."""
    text = words(" ".join(e.value for e in [*at.markdown, *at.caption]))
    return text.replace("**", "").replace(":material/edit_note: *", "").replace("answer.*", "answer.")


def test_riverside_improved_and_its_goal_met(demo_url, monkeypatch):
    at = partnership(demo_url, monkeypatch, "RIV-PARKS-NIGHT")
    headers = [h.value for h in at.header]
    assert SECTION in headers
    assert "What it has done" not in headers
    text = said(at)
    assert "Riverside Park lighting and patrols" in text
    assert "Target: Riverside: anti-social behaviour" in text
    assert "Goal met. The goal: anti-social behaviour down 25% within 12 months." in text
    assert "Recorded as met by its lead: a claim, not the measured answer." in text
    figs = figures(at)
    goals = figs["Did each reach its goal?"]
    dot, goal = goals["data"]
    assert values(goal["x"]) == [pytest.approx(-25)]
    assert values(dot["x"])[0] < -25  # landed beyond its goal
    assert dot["error_x"]["array"]  # with its interval
    delivery = figs["Delivered against plan"]
    planned = next(t for t in delivery["data"] if t["name"] == "Planned (all kinds)")
    delivered = sum(sum(values(t["y"])) for t in delivery["data"] if t["name"].startswith("Delivered"))
    assert (sum(values(planned["y"])), delivered) == (168, 157)
    assert "Meetings held and attendance, by quarter" in figs  # the activity chart stays in the section
    untargeted = table_with(at, "Goal (as recorded)")
    assert len(untargeted) == 3
    assert "met: a claim" in set(untargeted["Recorded as"])


def test_market_street_says_it_moved_to_old_town(demo_url, monkeypatch):
    text = said(partnership(demo_url, monkeypatch, "RIV-MARKET-BID"))
    assert "Moved next door. But property crime rose" in text
    assert "(Old Town)" in text
    assert "Goal possibly met." in text


def test_parkview_is_untested_not_failed(demo_url, monkeypatch):
    at = partnership(demo_url, monkeypatch, "RIV-WESTBANK-BOARD")
    text = said(at)
    assert "Untested: not carried out (0 of 84 planned activities, 0% delivered)" in text
    assert "an initiative that was not carried out is untested, not failed" in text
    start = text.index("Parkview youth diversion scheme")
    card = text[start : text.index("Source: the initiatives")]
    for failure in ("Worsened", "Inconclusive", "not met", "fell", "rose"):
        assert failure not in card  # no verdict or estimate for what was not done
    figs = figures(at)
    assert "Did each reach its goal?" not in figs  # nothing landed
    delivery = figs["Delivered against plan"]
    assert sum(sum(values(t["y"])) for t in delivery["data"] if t["name"].startswith("Delivered")) == 0


def test_hillcrest_goal_not_shown_and_the_claim_marked_as_a_claim(demo_url, monkeypatch):
    text = said(partnership(demo_url, monkeypatch, "RIV-FAITH-TABLE"))
    assert "Goal not shown to be met. The goal: other crime down 20% within 12 months." in text
    assert "which looks like the goal, but comparable areas fell too" in text
    assert "Recorded as met by its lead: a claim, not the measured answer." in text


def test_a_partnership_without_a_targeted_initiative_says_so(demo_url, monkeypatch):
    at = partnership(demo_url, monkeypatch, "RIV-EAST-SCHOOLS")
    assert "No initiative of this partnership names a target" in said(at) + " ".join(i.value for i in at.info)
    assert "Delivered against plan" not in figures(at)
    assert len(table_with(at, "Goal (as recorded)")) > 0


# --- the Initiatives page ---------------------------------------------------------------------


def test_the_portfolio_lists_every_initiative_and_the_filters_narrow_it(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/initiatives.py")
    assert at.title[0].value == "Initiatives"
    every = table_with(at, "Carried out?")
    assert len(every) == 29
    planted = every.set_index("Initiative")
    assert planted.loc["Riverside Park lighting and patrols", "Verdict"].startswith("Improved: anti-social")
    assert planted.loc["Riverside Park lighting and patrols", "Goal"] == "Goal met"
    assert planted.loc["Parkview youth diversion scheme", "Verdict"] == "Untested: not carried out"
    assert planted.loc["Hillcrest Parade drugs awareness campaign", "Claim (as recorded)"] == "met: a claim"
    assert planted.loc["Hillcrest Parade drugs awareness campaign", "Goal"] == "Goal not shown to be met"
    text = said(at)
    assert "2 of the 2 still stand" in text  # the chance sentence, over the targeted initiatives
    assert "1 was never carried out: untested, not failed." in text
    assert "Initiatives by kind of response and verdict" in figures(at)

    at.multiselect(key="initiatives_types").set_value(["youth diversion"]).run()
    kinds = table_with(at, "Carried out?")
    assert 0 < len(kinds) < len(every)
    assert set(kinds["Response type"]) == {"Youth diversion"}
    assert "Parkview youth diversion scheme" in set(kinds["Initiative"])

    at.multiselect(key="initiatives_partnerships").set_value(["RIV-WESTBANK-BOARD"]).run()
    both = table_with(at, "Carried out?")
    assert list(both["Initiative"]) == ["Parkview youth diversion scheme"]
    bars = figures(at)["Initiatives by kind of response and verdict"]
    assert [t["name"] for t in bars["data"]] == ["Untested"]  # counted as untested, not as a failure


def test_the_public_never_sees_the_initiatives_page(demo_url, monkeypatch):
    at = render(demo_url, monkeypatch, USERS["public"], "pages/initiatives.py")
    assert "Initiatives" not in [t.value for t in at.title]
    assert not at.dataframe
    assert "Parkview youth diversion scheme" not in said(at)
    leadership = render(demo_url, monkeypatch, USERS["leadership"], "pages/initiatives.py")
    assert len(table_with(leadership, "Carried out?")) == 29


def test_an_initiative_named_in_markup_is_drawn_as_its_words(demo_engine):
    """A name is data: on the charts it is escaped text, never a link or an image."""
    from charts.initiatives import delivery_chart, goal_chart
    from metrics.initiatives import delivery, portfolio

    hostile = "<a href='https://evil.example'>x</a><img src=x>"
    with demo_engine.connect() as conn:
        rows, _ = portfolio(conn)
        planted = [dict(r, name=hostile) for r in rows if r["targeted"]]
        months = delivery(conn, [r["id"] for r in planted])
    for fig in (
        goal_chart(planted, "Did each reach its goal?"),
        delivery_chart(months, planted, "Delivered"),
    ):
        drawn = fig.to_json()
        assert "<a href" not in drawn
        assert "<img" not in drawn
        assert "&lt;a href=" in drawn  # there, as the words it is
