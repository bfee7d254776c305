"""The board packet (PDF), the deck (PowerPoint) and slide images (PNG) for one
partnership, from the same slides the presentation shows.

Charts are drawn by kaleido in Chromium at projector resolution, by the process's one
browser (board.render), not one per chart. The PDF carries each caption and the full
source as real text under the chart, so it can be read aloud, searched and copied; the
deck puts the caption and the short source line on the slide, and both in full in the
speaker's notes.
"""

from __future__ import annotations

import io
import textwrap
import zipfile
from datetime import date

import plotly.graph_objects as go
from fpdf import FPDF, XPos, YPos
from pptx import Presentation
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.util import Emu, Pt

from board.deck import Deck, Slide
from board.render import picture
from charts.board import SLIDE_HEIGHT, SLIDE_WIDTH, slide_figure

FORMATS = ("pdf", "pptx", "png")
CHART_WIDTH, CHART_HEIGHT = 1920, 860  # the chart alone, for the packet and the deck


def export(deck: Deck, fmt: str) -> bytes:
    """The deck as `fmt` (pdf, pptx, or png: a zip of one image per slide)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    if fmt == "pdf":
        return _pdf(deck)
    if fmt == "pptx":
        return _pptx(deck)
    return _png_zip(deck)


def _chart_png(slide: Slide) -> bytes | None:
    """The slide's chart alone; its title is the page's (or slide's) own, so not repeated."""
    if slide.figure is None:
        return None
    chart = go.Figure(slide.figure).update_layout(title_text="", margin_t=40)
    return picture(chart, CHART_WIDTH, CHART_HEIGHT)


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


# The packet's page, in mm: A4 landscape with fpdf's 10 mm margins and room for the footer.
PDF_BOTTOM_MARGIN = 16
PDF_GAP = 2  # between title, chart, caption and source
PDF_MIN_CHART_HEIGHT = 60  # mm: the chart shrinks to this, no further, before the text does
PDF_TEXT_SIZES = ((13, 9), (12, 8), (11, 8), (10, 7))  # caption and source points, largest first


def _pdf(deck: Deck) -> bytes:
    pdf = _Packet(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=PDF_BOTTOM_MARGIN)
    pdf.set_title(f"{deck.name}: board packet")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 28)
    pdf.multi_cell(0, 14, _pdf_text(deck.name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font("Helvetica", size=16)
    pdf.multi_cell(
        0,
        9,
        _pdf_text(
            f"Board packet, data from {deck.period[0]:%B %Y} to {deck.period[1]:%B %Y}. "
            f"Prepared {date.today():%d %B %Y}. {_audience_line(deck)}"
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    for number, slide in enumerate(deck.slides, start=1):
        _pdf_page(pdf, f"{number}. {slide.title}", slide, _chart_png(slide))
    return bytes(pdf.output())


def _pdf_page(pdf: FPDF, title: str, slide: Slide, image: bytes | None) -> None:
    """One slide on one page: title, then the chart at the left margin, as large as the page
    allows once the caption and source line below it have their room, then the text."""
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 20)
    # new_x=LMARGIN: after a multi_cell fpdf leaves x at the right margin by default, which
    # put every chart off the page.
    pdf.multi_cell(0, 10, _pdf_text(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(PDF_GAP)
    top = pdf.get_y()
    bottom = pdf.h - PDF_BOTTOM_MARGIN - 1  # 1 mm spare, so rounding never breaks the page
    full_height = pdf.epw * CHART_HEIGHT / CHART_WIDTH
    least = 0 if image is None else min(full_height, PDF_MIN_CHART_HEIGHT)
    for caption_pt, source_pt in PDF_TEXT_SIZES:  # the chart gives way first, down to `least`
        room = bottom - top - PDF_GAP - _pdf_text_height(pdf, slide, caption_pt, source_pt)
        if room >= least:
            break
    if image is not None:
        # A caption too long for the page even in the smallest type (not one the deck writes)
        # keeps a readable chart and runs on to the next page.
        height = min(full_height, max(room, PDF_MIN_CHART_HEIGHT))
        width = height * CHART_WIDTH / CHART_HEIGHT
        pdf.image(io.BytesIO(image), x=pdf.l_margin, y=top, w=width, h=height)
        pdf.set_xy(pdf.l_margin, top + height + PDF_GAP)
    pdf.set_font("Helvetica", size=caption_pt)
    pdf.multi_cell(0, caption_pt / 2, _pdf_text(slide.caption), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if slide.notes:
        pdf.ln(1)
        pdf.set_font("Helvetica", size=source_pt)
        pdf.set_text_color(89, 89, 89)
        pdf.multi_cell(0, source_pt / 2, _pdf_text(slide.notes), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)


def _pdf_text_height(pdf: FPDF, slide: Slide, caption_pt: int, source_pt: int) -> float:
    """The height in mm the caption and source take on the page at these sizes (line height
    half the point size), gaps included."""

    def lines(text: str, size: int) -> int:
        pdf.set_font("Helvetica", size=size)
        return len(pdf.multi_cell(0, size / 2, _pdf_text(text), dry_run=True, output="LINES"))

    height = PDF_GAP + lines(slide.caption, caption_pt) * caption_pt / 2
    if slide.notes:
        height += 1 + lines(slide.notes, source_pt) * source_pt / 2
    return height


# The deck's slide, in EMU (914400 to the inch, 12700 to the point): 16:9, 13.33 x 7.5 in.
SLIDE_W, SLIDE_H = 12192000, 6858000
EMU_PER_PT = 12700
DECK_MARGIN = 380000  # left and right
DECK_EDGE = 150000  # top and bottom
DECK_GAP = 80000
PICTURE_MAX_HEIGHT = 4700000
PICTURE_MIN_HEIGHT = 2400000  # below this the chart is unreadable from the back of the room
CAPTION_SIZES = (18, 16, 14)  # points, largest first: tried once the chart is down to its least
SOURCE_PT = 14
MIN_PT = 14  # nothing on a slide smaller: it must be read from the back of a room
# Text boxes keep python-pptx's default insets; a character is taken as half its point size
# wide (a bold one a little more), a shade over what Calibri and Arial need, so the estimate
# errs towards room to spare.
INSET_X, INSET_Y = 91440, 45720
CHAR_EM, BOLD_CHAR_EM, LINE_SPACING = 0.5, 0.56, 1.2
NOTES_HINT = " ... (in full in the notes)"


def _pptx(deck: Deck) -> bytes:
    pres = Presentation()
    pres.slide_width, pres.slide_height = Emu(SLIDE_W), Emu(SLIDE_H)
    blank = pres.slide_layouts[6]
    text_width = SLIDE_W - 2 * DECK_MARGIN
    cover = pres.slides.add_slide(blank)
    name_height = _text_height(deck.name, 40, text_width, bold=True)
    _text(cover, deck.name, DECK_MARGIN, 2000000, text_width, name_height, 40, bold=True)
    line = f"Data from {deck.period[0]:%B %Y} to {deck.period[1]:%B %Y}. {_audience_line(deck)}"
    line_height = _text_height(line, 20, text_width)
    _text(cover, line, DECK_MARGIN, 2000000 + name_height + DECK_GAP, text_width, line_height, 20)
    for slide in deck.slides:
        page = pres.slides.add_slide(blank)
        image = _chart_png(slide)  # the chart without its title: the slide has its own
        if image is not None:
            title_height = _text_height(slide.title, 28, text_width, bold=True)
            _text(page, slide.title, DECK_MARGIN, DECK_EDGE, text_width, title_height, 28, bold=True)
            top = DECK_EDGE + title_height
            above = PICTURE_MIN_HEIGHT  # the least the chart takes; the text has the rest
        else:
            title_height = _text_height(slide.title, 40, text_width, bold=True)
            _text(page, slide.title, DECK_MARGIN, 400000, text_width, title_height, 40, bold=True)
            top = 400000 + title_height
            above = 0
        caption, caption_pt, source = _fit_text(slide, SLIDE_H - DECK_EDGE - top - above - 2 * DECK_GAP)
        caption_height = _text_height(caption, caption_pt, text_width)
        source_height = _text_height(source, SOURCE_PT, text_width) if source else 0
        if image is not None:
            room = SLIDE_H - DECK_EDGE - source_height - caption_height - 2 * DECK_GAP - top
            height = min(PICTURE_MAX_HEIGHT, room, int(text_width * CHART_HEIGHT / CHART_WIDTH))
            picture = page.shapes.add_picture(io.BytesIO(image), DECK_MARGIN, top, height=height)
            picture.left = (SLIDE_W - picture.width) // 2
            top += picture.height
        _text(page, caption, DECK_MARGIN, top + DECK_GAP, text_width, caption_height, caption_pt)
        if source:
            source_top = SLIDE_H - DECK_EDGE - source_height
            _text(page, source, DECK_MARGIN, source_top, text_width, source_height, SOURCE_PT)
        page.notes_slide.notes_text_frame.text = f"{slide.caption}\n\n{slide.notes}"
    out = io.BytesIO()
    pres.save(out)
    return out.getvalue()


def _fit_text(slide: Slide, room: int) -> tuple[str, int, str]:
    """The caption, its size and the source line as they go on the slide, within `room` EMU
    of height: the caption shrinks to 14 pt, then the source is cut short (the notes keep it
    whole), then the caption."""
    width = SLIDE_W - 2 * DECK_MARGIN
    source_height = _text_height(slide.source, SOURCE_PT, width) if slide.source else 0
    for size in CAPTION_SIZES:
        if _text_height(slide.caption, size, width) + source_height <= room:
            return slide.caption, size, slide.source
    caption_height = _text_height(slide.caption, MIN_PT, width)
    if slide.source:
        source = _cut(slide.source, SOURCE_PT, width, max(room - caption_height, 0))
        if source:
            return slide.caption, MIN_PT, source
    return _cut(slide.caption, MIN_PT, width, room), MIN_PT, ""


def _wrap(text: str, size: int, width: int, bold: bool = False) -> list[str]:
    per_line = max(1, int((width - 2 * INSET_X) / (size * EMU_PER_PT * (BOLD_CHAR_EM if bold else CHAR_EM))))
    return [line for part in text.split("\n") for line in (textwrap.wrap(part, per_line) or [""])]


def _line_height(size: int) -> int:
    return int(size * LINE_SPACING * EMU_PER_PT)


def _text_height(text: str, size: int, width: int, bold: bool = False) -> int:
    """The height (EMU) of a text box `width` wide that holds `text` at `size` points."""
    return len(_wrap(text, size, width, bold)) * _line_height(size) + 2 * INSET_Y


def _cut(text: str, size: int, width: int, height: int) -> str:
    """As much of `text` as fits `height`, ending with a pointer to the notes; "" if no line fits."""
    keep = (height - 2 * INSET_Y) // _line_height(size)
    lines = _wrap(text, size, width)
    if len(lines) <= keep:
        return text
    if keep < 1:
        return ""
    last = textwrap.shorten(lines[keep - 1], max(len(lines[keep - 1]) - len(NOTES_HINT), 1), placeholder="")
    return " ".join([*lines[: keep - 1], last]) + NOTES_HINT


def _text(slide, text: str, left: int, top: int, width: int, height: int, size: int, bold: bool = False):
    frame = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height)).text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE  # PowerPoint must not shrink the type below `size`
    run = frame.paragraphs[0].add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold


def _png_zip(deck: Deck) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, slide in enumerate(deck.slides, start=1):
            fig = slide_figure(
                slide.figure, slide.title, slide.caption, slide.source, number, len(deck.slides)
            )
            archive.writestr(
                f"{deck.code}-{number:02d}-{slide.key}.png", picture(fig, SLIDE_WIDTH, SLIDE_HEIGHT)
            )
    return out.getvalue()
