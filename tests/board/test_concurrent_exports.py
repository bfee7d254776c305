"""Several sessions preparing a board packet at once (a room of phones during a meeting):
every one gets its packet. The charts are drawn by the process's one Chromium, shared
behind a lock; when each export started and stopped kaleido's process-wide server, two of
three concurrent exports failed (issue 17, item 7)."""

from __future__ import annotations

import io
import zipfile
from concurrent.futures import ThreadPoolExecutor

from tests.board.test_board import _chromium, deck, town  # noqa: F401 - town is a fixture

SESSIONS = 5


def test_five_sessions_exporting_at_once_all_get_their_packet(town):  # noqa: F811 - the fixture
    _chromium()
    from pypdf import PdfReader

    from board.export import export

    public = deck(town, "public")
    formats = ["pdf", "pptx", "pdf", "png", "pdf"][:SESSIONS]
    pool = ThreadPoolExecutor(max_workers=SESSIONS)
    try:  # a deadlocked browser fails the test instead of hanging it (seen with the old export)
        files = list(pool.map(lambda fmt: export(public, fmt), formats, timeout=240))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    for fmt, data in zip(formats, files, strict=True):
        if fmt == "pdf":
            assert len(PdfReader(io.BytesIO(data)).pages) == 1 + len(public.slides)  # cover + a page each
        elif fmt == "pptx":
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
            slides = [n for n in names if n.startswith("ppt/slides/slide") and n.endswith(".xml")]
            assert len(slides) == 1 + len(public.slides)  # cover + a slide each
        else:
            pictures = zipfile.ZipFile(io.BytesIO(data)).namelist()
            assert len(pictures) == len(public.slides)
            assert all(name.endswith(".png") for name in pictures)
    pdfs = [data for fmt, data in zip(formats, files, strict=True) if fmt == "pdf"]
    assert len({len(PdfReader(io.BytesIO(d)).pages[2].extract_text()) for d in pdfs}) == 1  # the same packet
