"""The board packet (PDF), the deck (PowerPoint) and slide images (PNG) for one
partnership, from the same slides the presentation shows.

Charts are drawn by kaleido in Chromium at projector resolution, with one browser
started for the whole export (not one per chart). The PDF carries each caption and
source line as real text under the chart, so it can be read aloud, searched and
copied; the deck puts the caption on the slide and in the speaker's notes.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import plotly.graph_objects as go
import plotly.io as pio
from fpdf import FPDF
from pptx import Presentation
from pptx.util import Emu, Pt

from board.deck import Deck, Slide
from charts.board import SLIDE_HEIGHT, SLIDE_WIDTH, slide_figure
from charts.theme import TEMPLATE_NAME

FORMATS = ("pdf", "pptx", "png")
CHART_WIDTH, CHART_HEIGHT = 1920, 860  # the chart alone, for the packet and the deck


@contextmanager
def chart_renderer() -> Iterator:
    """A function figure -> PNG bytes, with one Chromium kept open for all of them."""
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    try:

        def render(fig: go.Figure, width: int, height: int) -> bytes:
            fig = go.Figure(fig).update_layout(template=TEMPLATE_NAME, width=width, height=height)
            with warnings.catch_warnings():  # plotly notes that a running server ignores kaleido options
                warnings.simplefilter("ignore", UserWarning)
                return pio.to_image(fig, format="png", width=width, height=height)

        yield render
    finally:
        kaleido.stop_sync_server(silence_warnings=True)


def export(deck: Deck, fmt: str) -> bytes:
    """The deck as `fmt` (pdf, pptx, or png: a zip of one image per slide)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    with chart_renderer() as render:
        if fmt == "pdf":
            return _pdf(deck, render)
        if fmt == "pptx":
            return _pptx(deck, render)
        return _png_zip(deck, render)


def _chart_png(slide: Slide, render) -> bytes | None:
    return None if slide.figure is None else render(slide.figure, CHART_WIDTH, CHART_HEIGHT)


def _audience_line(deck: Deck) -> str:
    if deck.audience == "public":
        return "Public version: small numbers are suppressed; no comments or names."
    return "Leadership version: every number with its n. Not for public distribution."


class _Packet(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=9)
        self.set_text_color(89, 89, 89)
        self.cell(0, 6, f"Common Ground board packet, page {self.page_no()}", align="R")


def _pdf_text(text: str) -> str:
    """Core PDF fonts are Latin-1: replace the few typographic characters that are not."""
    table = {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00b1": "+/-",
    }
    cleaned = "".join(table.get(ch, ch) for ch in text)
    return cleaned.encode("latin-1", "replace").decode("latin-1")


def _pdf(deck: Deck, render) -> bytes:
    pdf = _Packet(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_title(f"{deck.name}: board packet")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 28)
    pdf.multi_cell(0, 14, _pdf_text(deck.name))
    pdf.ln(4)
    pdf.set_font("Helvetica", size=16)
    pdf.multi_cell(
        0,
        9,
        _pdf_text(
            f"Board packet, data from {deck.period[0]:%B %Y} to {deck.period[1]:%B %Y}. "
            f"Prepared {date.today():%d %B %Y}. {_audience_line(deck)}"
        ),
    )
    for number, slide in enumerate(deck.slides, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 20)
        pdf.multi_cell(0, 10, _pdf_text(f"{number}. {slide.title}"))
        image = _chart_png(slide, render)
        if image is not None:
            pdf.image(
                io.BytesIO(image),
                w=pdf.epw,
                h=pdf.epw * CHART_HEIGHT / CHART_WIDTH * 0.80,
                keep_aspect_ratio=True,
            )
        pdf.ln(2)
        pdf.set_font("Helvetica", size=13)
        pdf.multi_cell(0, 6.5, _pdf_text(slide.caption))
        if slide.source:
            pdf.ln(1)
            pdf.set_font("Helvetica", size=9)
            pdf.set_text_color(89, 89, 89)
            pdf.multi_cell(0, 4.5, _pdf_text(slide.source))
            pdf.set_text_color(0, 0, 0)
    return bytes(pdf.output())


def _pptx(deck: Deck, render) -> bytes:
    pres = Presentation()
    pres.slide_width, pres.slide_height = Emu(12192000), Emu(6858000)  # 16:9, 13.33 x 7.5 in
    blank = pres.slide_layouts[6]
    width = pres.slide_width
    margin = Emu(380000)
    cover = pres.slides.add_slide(blank)
    _text(cover, deck.name, margin, Emu(2000000), width - 2 * margin, Emu(1400000), 40, bold=True)
    _text(
        cover,
        f"Data from {deck.period[0]:%B %Y} to {deck.period[1]:%B %Y}. {_audience_line(deck)}",
        margin,
        Emu(3600000),
        width - 2 * margin,
        Emu(900000),
        20,
    )
    for slide in deck.slides:
        page = pres.slides.add_slide(blank)
        image = _chart_png(slide, render)
        if image is not None:
            height = Emu(4700000)  # sized by height so it stays on the slide
            picture = page.shapes.add_picture(io.BytesIO(image), margin, Emu(150000), height=height)
            picture.left = int((width - picture.width) / 2)
            top = Emu(150000 + 4700000 + 80000)
        else:
            _text(page, slide.title, margin, Emu(400000), width - 2 * margin, Emu(900000), 40, bold=True)
            top = Emu(1500000)
        _text(page, slide.caption, margin, top, width - 2 * margin, Emu(1300000), 18)
        if slide.source:
            _text(page, slide.source, margin, Emu(6858000 - 560000), width - 2 * margin, Emu(480000), 9)
        page.notes_slide.notes_text_frame.text = f"{slide.caption}\n\n{slide.source}"
    out = io.BytesIO()
    pres.save(out)
    return out.getvalue()


def _text(slide, text: str, left, top, width, height, size: int, bold: bool = False) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    run = frame.paragraphs[0].add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold


def _png_zip(deck: Deck, render) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, slide in enumerate(deck.slides, start=1):
            fig = slide_figure(
                slide.figure, slide.title, slide.caption, slide.source, number, len(deck.slides)
            )
            archive.writestr(
                f"{deck.code}-{number:02d}-{slide.key}.png", render(fig, SLIDE_WIDTH, SLIDE_HEIGHT)
            )
    return out.getvalue()
