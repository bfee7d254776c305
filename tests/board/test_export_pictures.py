"""The board packet and deck as the board sees them: every PDF page rendered to pixels, so a
chart that lands off the page or leaves a blank gap under its title fails; every deck
shape inside its slide, nothing on a slide under 14 pt, and each text box tall enough for
its text. Three slides carry stretched text (a long source line, a long caption, and a
source too long for any slide), so a long text must fit too."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest

from tests.board.test_board import _chromium, deck, town  # noqa: F401 - town is a fixture

LONG_SOURCE, LONG_CAPTION, ENDLESS_SOURCE = "trust", "crime", "activity"  # stretched slides


@pytest.fixture(scope="module")
def long_deck(town):  # noqa: F811 - the fixture
    """The public deck of the small town, with three slides' text made long."""
    public = deck(town, "public")
    slides = []
    for s in public.slides:
        if s.key == LONG_SOURCE:  # about 1,300 characters
            s = dataclasses.replace(s, source=" ".join([s.source] * 12))
        if s.key == LONG_CAPTION:  # about 800
            s = dataclasses.replace(s, caption=" ".join([s.caption] * 3))
        if s.key == ENDLESS_SOURCE:  # about 4,500: more than a slide holds at 14 pt
            s = dataclasses.replace(s, source=" ".join([s.source] * 60))
        slides.append(s)
    return dataclasses.replace(public, slides=slides)


@pytest.fixture(scope="module")
def exported(long_deck):
    _chromium()
    from board.export import export

    return {"pdf": export(long_deck, "pdf"), "pptx": export(long_deck, "pptx")}  # one Chromium for both


# --- the PDF packet, rendered ---------------------------------------------------------

SCALE = 1.0  # 72 pixels to the inch: one pixel per PDF point


@pytest.fixture(scope="module")
def pdf(exported):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(exported["pdf"])
    yield doc
    doc.close()


def _char_span(page, text: str) -> tuple[float, float]:
    """The lowest bottom and highest top (PDF points, from the page's foot) of `text` on `page`."""
    textpage = page.get_textpage()
    found = textpage.search(text, match_case=True).get_next()
    assert found is not None, f"{text!r} is not on the page"
    start, count = found
    boxes = [textpage.get_charbox(i) for i in range(start, start + count)]
    return min(b[1] for b in boxes), max(b[3] for b in boxes)


def _images(page) -> list[tuple[float, float, float, float]]:
    import pypdfium2.raw as pdfium_c

    return [o.get_bounds() for o in page.get_objects() if o.type == pdfium_c.FPDF_PAGEOBJ_IMAGE]


def _words(text: str, n: int) -> str:
    from board.export import _pdf_text

    return " ".join(_pdf_text(text).split()[:n])


def test_the_packet_is_one_page_for_the_cover_and_one_per_slide_even_with_long_text(pdf, long_deck):
    assert len(pdf) == 1 + len(long_deck.slides)
    for number, s in enumerate(long_deck.slides, start=1):
        page = pdf[number]
        _char_span(page, f"{number}. {s.title}")
        if s.source:
            _char_span(page, _words(s.source, 6))
            _char_span(page, " ".join(_words(s.source, 10_000).split()[-3:]))  # its end, same page


def test_every_object_on_every_page_lies_inside_the_page(pdf):
    for index in range(len(pdf)):
        page = pdf[index]
        width, height = page.get_size()
        for obj in page.get_objects():
            left, bottom, right, top = obj.get_bounds()
            assert 0 <= left < right <= width, (index, obj.type)
            assert 0 <= bottom < top <= height, (index, obj.type)


def test_each_chart_is_drawn_between_its_title_and_caption_at_the_left_margin(pdf, long_deck):
    for number, s in enumerate(long_deck.slides, start=1):
        page = pdf[number]
        width, height = page.get_size()
        title_bottom, _ = _char_span(page, f"{number}. {s.title}")
        _, caption_top = _char_span(page, _words(s.caption, 4))
        images = _images(page)
        if s.figure is None:
            assert images == []
            continue
        assert len(images) == 1
        left, bottom, right, top = images[0]
        assert left == pytest.approx(28.35, abs=1)  # fpdf's 10 mm margin
        assert top <= title_bottom, f"slide {number}: the chart overlaps its title"
        assert bottom >= caption_top, f"slide {number}: the chart overlaps its caption"
        # A chart the room can read, not a thumbnail: full width, or at least 60 mm tall beside
        # a source line too long for the page (mm = 72 / 25.4 pt).
        assert right - left >= 0.9 * (width - 2 * 28.35) or top - bottom >= 60 * 72 / 25.4 - 1

        # What the reader sees in the band between the title and the caption: the chart.
        pixels = np.asarray(page.render(scale=SCALE).to_pil().convert("L"))
        band = pixels[int(height - title_bottom) + 2 : int(height - caption_top) - 2, :]
        assert band.shape[0] >= 0.3 * height, f"slide {number}: little room between title and caption"
        drawn = band < 200  # ink: lines, bars, labels; not the chart's pale background
        # a lone survey point on its axes draws about 0.7%; a blank band draws nothing
        assert drawn.mean() >= 0.003, f"slide {number}: the chart area is blank"
        columns = np.flatnonzero(drawn.any(axis=0))  # the ink spans the picture, as the chart does
        assert columns.min() < left + 0.15 * (right - left), f"slide {number}: no ink at the chart's left"
        assert columns.max() > left + 0.6 * (right - left), f"slide {number}: no ink at the chart's right"
        assert columns.max() <= right, f"slide {number}: ink right of the chart, in the title's band"


# --- the deck ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pres(exported):
    from pptx import Presentation

    return Presentation(io.BytesIO(exported["pptx"]))


def test_every_shape_lies_inside_its_slide_and_none_overlap(pres):
    for number, page in enumerate(pres.slides):
        boxes = []
        for shape in page.shapes:
            left, top = shape.left, shape.top
            right, bottom = left + shape.width, top + shape.height
            assert 0 <= left < right <= pres.slide_width, (number, shape.name)
            assert 0 <= top < bottom <= pres.slide_height, (number, shape.name)
            boxes.append((top, bottom))
        boxes.sort()
        for (_, above_bottom), (below_top, _) in zip(boxes, boxes[1:], strict=False):
            assert above_bottom <= below_top, f"slide {number}: shapes overlap"


def test_no_text_on_a_slide_is_smaller_than_14_pt(pres):
    sizes = [
        run.font.size.pt
        for page in pres.slides
        for shape in page.shapes
        if shape.has_text_frame
        for paragraph in shape.text_frame.paragraphs
        for run in paragraph.runs
    ]
    assert len(sizes) > 10
    assert min(sizes) >= 14


def test_each_text_box_is_tall_enough_for_its_text(pres):
    """Wrapped with real font metrics (Pillow's bundled sans, as wide as Arial and wider than
    the deck's Calibri), every box holds its lines: no text runs out of its box or the slide."""
    from PIL import ImageFont
    from pptx.util import Emu

    for number, page in enumerate(pres.slides):
        for shape in page.shapes:
            if not shape.has_text_frame:
                continue
            frame = shape.text_frame
            (run,) = frame.paragraphs[0].runs
            size = run.font.size.pt
            font = ImageFont.load_default(size=size * (1.06 if run.font.bold else 1))  # points
            inner = Emu(shape.width - frame.margin_left - frame.margin_right).pt
            lines, line = 1, ""
            for word in run.text.split():
                wider = f"{line} {word}".strip()
                if line and font.getlength(wider) > inner:
                    lines, line = lines + 1, word
                else:
                    line = wider
            needed = lines * size * 1.2
            room = Emu(shape.height - frame.margin_top - frame.margin_bottom).pt
            assert needed <= room, f"slide {number}: {run.text[:40]!r} needs {needed:.0f} pt, has {room:.0f}"


def _slide_texts(pres, long_deck, key: str):
    s = next(s for s in long_deck.slides if s.key == key)
    page = pres.slides[long_deck.slides.index(s) + 1]
    texts = [shape.text_frame.text for shape in page.shapes if shape.has_text_frame]
    return s, texts, page.notes_slide.notes_text_frame.text


def test_a_long_source_is_on_its_slide_whole(pres, long_deck):
    s, texts, notes = _slide_texts(pres, long_deck, LONG_SOURCE)
    assert texts == [s.title, s.caption, s.source]  # the chart's slide has its title as text
    assert s.source in notes


def test_a_source_too_long_for_a_slide_is_cut_short_there_and_whole_in_the_notes(pres, long_deck):
    s, texts, notes = _slide_texts(pres, long_deck, ENDLESS_SOURCE)
    title, caption, source = texts
    assert title == s.title
    assert caption == s.caption
    assert source.endswith("(in full in the notes)")
    assert s.source.startswith(source.removesuffix("(in full in the notes)").rstrip(" ."))
    assert 200 < len(source) < len(s.source)
    assert s.caption in notes
    assert s.source in notes
