"""The board deck and its exports: public-safe by construction, the same numbers for
leadership unsuppressed, and a PDF and a deck that carry every caption."""

from __future__ import annotations

import io
import os
import re
import shutil

import pytest

from board.deck import build_deck
from db.engine import make_engine
from db.migrate import upgrade
from metrics.evaluation import Design
from tests.conftest import need
from tests.town import PROPERTY, VIOLENT, fill_town


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('town') / 'town.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    fill_town(engine)
    return engine


def deck(engine, audience):
    with engine.connect() as conn:
        return build_deck(conn, "ASH", audience, Design())


def slide(d, key):
    return next(s for s in d.slides if s.key == key)


def test_public_crime_slide_shows_no_count_from_1_to_10(town):
    public, leadership = deck(town, "public"), deck(town, "leadership")
    crime = slide(public, "crime")
    assert "violent crime from fewer than 11 to fewer than 11" in crime.caption
    assert f"property crime from {PROPERTY[0]} to {PROPERTY[1]}" in crime.caption
    row = crime.data[crime.data["crime group"] == "Violent crime"].iloc[0]
    assert (row["before"], row["after"]) == ("fewer than 11", "fewer than 11")
    bars = [list(t.y) for t in crime.figure.data]
    assert all(v == 0 or v > 10 for values in bars for v in values)  # no bar height gives it away
    assert f"violent crime from {VIOLENT[0]} to {VIOLENT[1]}" in slide(leadership, "crime").caption


def test_public_survey_slide_hides_quarters_with_fewer_than_30_answers(town):
    public, leadership = slide(deck(town, "public"), "trust"), slide(deck(town, "leadership"), "trust")
    assert list(public.data["n"]) == [70]
    assert sorted(leadership.data["n"]) == [25, 70]
    assert "Quarters with fewer than 30 answers are not shown." in public.notes  # packet, notes


def test_public_meetings_hide_small_attendance_and_its_complement(town):
    activity = slide(deck(town, "public"), "activity")
    people = list(activity.data["people attending"])
    assert people == ["fewer than 11", "not shown", "31"]  # 6 is small, so 25 hides with it
    assert "with 62 attendances in all" in activity.caption
    assert "fewer than 11 meetings" in activity.caption  # 3 meetings is a small count too
    assert list(slide(deck(town, "leadership"), "activity").data["people attending"]) == ["6", "25", "31"]


def test_the_deck_has_its_slides_in_order(town):
    assert [s.key for s in deck(town, "public").slides] == [
        "title",
        "trust",
        "satisfaction",
        "safety",
        "crime",
        "groups",
        "verdicts",
        "activity",
        "about",
    ]


def _chromium():
    if not (os.path.exists("/usr/bin/chromium") or shutil.which("chromium")):
        need("no Chromium for kaleido (apt-get install chromium)")


@pytest.fixture(scope="module")
def exported(town):
    _chromium()
    from board.export import export

    public, leadership = deck(town, "public"), deck(town, "leadership")
    return {
        "public": public,
        "pdf": export(public, "pdf"),
        "pptx": export(public, "pptx"),
        "leadership_pdf": export(leadership, "pdf"),
    }


def _pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def _flat(text: str) -> str:
    return " ".join(text.replace("±", "+/-").replace("“", '"').replace("”", '"').split())


def test_the_pdf_packet_has_a_cover_and_one_page_per_slide_with_its_caption(exported):
    pages = _pdf_pages(exported["pdf"])
    slides = exported["public"].slides
    assert len(pages) == 1 + len(slides)
    assert "Ashby Together" in pages[0]
    assert "Public version" in pages[0]
    for page, s in zip(pages[1:], slides, strict=True):
        assert s.title in page
        assert _flat(s.caption) in page


def test_no_public_pdf_text_carries_the_small_counts(exported):
    text = " ".join(_pdf_pages(exported["pdf"]))
    assert "fewer than 11" in text
    assert f"from {VIOLENT[0]} to {VIOLENT[1]}" not in text
    assert not re.search(r"\b6 attendances?\b|\bn = (1?\d|2\d)\b", text)
    leadership = " ".join(_pdf_pages(exported["leadership_pdf"]))
    assert f"violent crime from {VIOLENT[0]} to {VIOLENT[1]}" in leadership
    assert "Leadership version" in leadership


def test_the_deck_has_one_picture_per_chart_slide_and_captions_in_the_notes(exported):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    pres = Presentation(io.BytesIO(exported["pptx"]))
    slides = exported["public"].slides
    assert len(pres.slides) == 1 + len(slides)
    assert pres.slide_width * 9 == pres.slide_height * 16  # 16:9
    for page, s in zip(list(pres.slides)[1:], slides, strict=True):
        pictures = [sh for sh in page.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == (1 if s.figure is not None else 0)
        assert s.caption in page.notes_slide.notes_text_frame.text
        texts = " ".join(sh.text_frame.text for sh in page.shapes if sh.has_text_frame)
        assert s.caption in texts
        assert f"from {VIOLENT[0]} to {VIOLENT[1]}" not in texts


def test_a_board_hears_of_a_spike_before_the_start_and_sees_both_windows(demo_engine):
    """Millbrook began after a spike (planted in the demo): the public crime slide says part
    of any fall may be a return to normal, and the verdict slide shows the first and the
    latest 12 months side by side."""
    with demo_engine.connect() as conn:
        d = build_deck(conn, "RIV-MILLBROOK-HOUSING", "public", Design(exclude_months=3))
    crime = slide(d, "crime")
    assert "Just before it began, anti-social behaviour" in crime.caption
    assert "part of any fall since may be a return to normal" in crime.caption
    verdicts = slide(d, "verdicts")
    assert list(verdicts.data.columns) == ["label", "verdict", "latest", "change", "may be chance"]
    assert verdicts.data["latest"].ne("").all()
    assert verdicts.caption.startswith("In the first 12 months after the start, of 7 outcomes:")
    table = verdicts.figure.data[0]
    assert table.header.values[2] == "<b>Latest 12 months</b>"


def test_the_verdict_slide_marks_the_calls_the_overview_says_may_be_chance(demo_engine):
    """A room must not hear a stronger claim than leadership reads: a call that does not hold
    across every partnership's verdicts is starred on the slide, as in the Overview's grid."""
    from metrics.multiple import with_q_values
    from metrics.stored import stored_scorecard
    from metrics.verdict import CALLED

    card = with_q_values(stored_scorecard(demo_engine, Design()))  # what the Overview reads
    weak = card[card["verdict"].isin(CALLED) & ~card["stands"]]
    assert len(weak), "the demo should have a call that may be chance"
    code = weak["code"].iloc[0]
    with demo_engine.connect() as conn:
        verdicts = slide(build_deck(conn, code, "public"), "verdicts")
    marked = dict(zip(verdicts.data["label"], verdicts.data["may be chance"], strict=True))
    labels = dict(zip(card["outcome"], card["label"], strict=True))
    expected = {labels[o] for o in weak.loc[weak["code"] == code, "outcome"]}
    assert {label for label, flag in marked.items() if flag} == expected
    assert "* May be chance" in verdicts.caption
    cells = verdicts.figure.data[0].cells.values[1]  # the first window's verdicts, as drawn
    assert sum(cell.endswith("*") for cell in cells) == len(expected)
