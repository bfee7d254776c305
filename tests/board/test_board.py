"""The board deck and its exports: public-safe by construction, the same numbers for
leadership unsuppressed, and a PDF and a deck that carry every caption."""

from __future__ import annotations

import io
import os
import re
import shutil
from datetime import date

import pytest
from sqlalchemy import insert

from board.deck import build_deck
from db.engine import make_engine
from db.migrate import upgrade
from db.models import (
    Activity,
    Area,
    CrimeIncident,
    OffenceCategory,
    Partnership,
    PartnershipArea,
    SurveyAnswer,
    SurveyItem,
    SurveyResponse,
)
from metrics.evaluation import Design
from tests.conftest import need

START = date(2023, 1, 1)
VIOLENT = (4, 7)  # the small counts the public must never see
PROPERTY = (40, 33)


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    """A partnership with a year either side of its start: small violent counts, 25
    residents asked before (too few to publish) and 70 after, one small meeting."""
    url = f"sqlite:///{tmp_path_factory.mktemp('town') / 'town.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(Area),
            [
                {"id": 1, "code": "A", "name": "Ashby", "kind": "neighbourhood", "population": 4000},
                {"id": 2, "code": "B", "name": "Brook", "kind": "neighbourhood", "population": 5000},
            ],
        )
        conn.execute(
            insert(Partnership), {"id": 1, "code": "ASH", "name": "Ashby Together", "start_date": START}
        )
        conn.execute(
            insert(PartnershipArea),
            [
                {"partnership_id": 1, "area_id": 1, "role": "catchment"},
                {"partnership_id": 1, "area_id": 2, "role": "comparison"},
            ],
        )
        conn.execute(
            insert(OffenceCategory),
            [
                {"id": 1, "source": "t", "source_code": "V", "name": "V", "crime_group": "violent"},
                {"id": 2, "source": "t", "source_code": "P", "name": "P", "crime_group": "property"},
            ],
        )
        incidents, key = [], 0
        for area, category, before, after in [
            (1, 1, *VIOLENT),
            (1, 2, *PROPERTY),
            (2, 1, 30, 28),
            (2, 2, 120, 118),
        ]:
            for total, year in ((before, 2022), (after, 2023)):
                for i in range(total):
                    key += 1
                    day = date(year, 1 + i % 12, 1 + i % 27)
                    incidents.append(
                        {
                            "source": "t",
                            "source_id": str(key),
                            "occurred_on": day,
                            "occurred_month": day.replace(day=1),
                            "area_id": area,
                            "category_id": category,
                            "count": 1,
                        }
                    )
        conn.execute(insert(CrimeIncident), incidents)
        conn.execute(
            insert(SurveyItem),
            {"id": 1, "code": "T", "wording": "Trust", "construct": "trust", "scale_min": 0, "scale_max": 10},
        )
        responses, answers = [], []
        for i, (year, month) in enumerate([(2022, 5)] * 25 + [(2023, 5)] * 70, start=1):
            responded = date(year, month, 10)
            responses.append(
                {
                    "id": i,
                    "respondent_type": "resident",
                    "area_id": 1,
                    "responded_on": responded,
                    "quarter_start": date(year, 4, 1),
                    "weight": 1.0,
                }
            )
            answers.append({"response_id": i, "item_id": 1, "value": float(5 + i % 5)})
        conn.execute(insert(SurveyResponse), responses)
        conn.execute(insert(SurveyAnswer), answers)
        conn.execute(
            insert(Activity),
            [
                {"partnership_id": 1, "occurred_on": date(2023, 2, 1), "kind": "meeting", "attendance": 6},
                {"partnership_id": 1, "occurred_on": date(2023, 5, 1), "kind": "meeting", "attendance": 25},
                {"partnership_id": 1, "occurred_on": date(2023, 8, 1), "kind": "meeting", "attendance": 31},
            ],
        )
        from db.rollup import refresh_crime_monthly

        refresh_crime_monthly(conn)
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
    assert "Quarters with fewer than 30 answers are not shown." in public.source


def test_public_meetings_hide_small_attendance_and_its_complement(town):
    activity = slide(deck(town, "public"), "activity")
    people = list(activity.data["people attending"])
    assert people == ["fewer than 11", "fewer than 11", "31"]  # 6 hidden, so 25 hides with it
    assert "with 62 attendances in all" in activity.caption
    assert "fewer than 11 meetings" in activity.caption  # 3 meetings is a small count too
    assert list(slide(deck(town, "leadership"), "activity").data["people attending"]) == ["6", "25", "31"]


def test_the_deck_has_the_eight_slides_in_order(town):
    assert [s.key for s in deck(town, "public").slides] == [
        "title",
        "trust",
        "satisfaction",
        "safety",
        "crime",
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
