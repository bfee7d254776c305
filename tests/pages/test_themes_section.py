"""The Partnership page's "What people write": counts, tone, topics and example comments
for leadership; for the public, no page at all and, through the loader and the slides,
counts of 11 or more and never a comment."""

from __future__ import annotations

import html
from datetime import date

from db.demo import city
from metrics.filters import Filters
from tests.conftest import words
from tests.pages.test_access import USERS, headings, render
from tests.pages.test_pages import figures, table_with
from ui import data as ui_data

CODE = "RIV-EAST-SCHOOLS"
TEXTS = [t for answers in city.OPEN_ANSWERS.values() for t in answers] + list(city.OTHER_LANGUAGE_ANSWERS)


def _everything(at) -> str:
    parts = [e.value for e in [*at.title, *at.header, *at.subheader, *at.markdown, *at.caption]]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [e.proto.spec for e in at.get("plotly_chart")]
    return words("\n".join(str(p) for p in parts))


def test_leadership_sees_counts_tone_topics_and_example_comments(demo_url, monkeypatch):
    at = render(demo_url, monkeypatch, USERS["leadership"], "pages/partnership.py")
    at.selectbox(key="filter_partnership").set_value(CODE).run()
    texts = headings(at)
    assert texts.index("What partners and officers say") < texts.index("What people write")
    assert texts.index("What people write") < texts.index("Did its initiatives work?")
    figs = figures(at)
    counts = {html.unescape(t): f for t, f in figs.items()}[
        "Residents' written answers and partners' and officers' comments, per theme"
    ]
    assert [t["name"][:11] for t in counts["data"]] == ["First 4 qua", "Latest 4 qu"]
    assert "speeding and traffic" in counts["data"][0]["y"]
    assert "Tone of the comments, by theme" in figs
    examples = table_with(at, "Theme")
    assert set(examples["Theme"]) >= {"speeding and traffic", "noise"}
    assert set(examples["Comment"]) & set(TEXTS)
    assert "Words that come together" in table_with(at, "Words that come together").columns
    everything = _everything(at)
    assert "Confidential: leadership only" in everything
    assert "in another language" in everything
    assert (
        "Counted here: residents' written survey answers and partners' and officers' feedback" in everything
    )
    assert "codebook.toml" not in everything


def test_the_public_gets_counts_only_and_never_a_comment(demo_url, monkeypatch):
    at = render(demo_url, monkeypatch, USERS["public"], "pages/partnership.py")
    assert "What people write" not in headings(at)
    assert not [t for t in TEXTS if t in _everything(at)]
    filters = Filters(date(2015, 1, 1), date(2030, 12, 31), CODE)
    public = ui_data.themes(demo_url, "public", filters, CODE, date(2019, 9, 1))
    assert "examples" not in public
    assert "sentiment" not in public
    shown = public["shown"]
    assert not shown["first"].dropna().between(1, 10).any()
    assert (shown.loc[shown["first"].isna(), "first_text"] == "fewer than 11").all()
    present = render(demo_url, monkeypatch, USERS["public"], "pages/present.py")
    assert not [t for t in TEXTS if t in _everything(present)]
