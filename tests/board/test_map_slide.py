"""The map slide, "Where <partnership> works": the demo city's map with every neighbourhood
drawn, the partnership's areas and their neighbours named with their rates (checked
against the crime counted here, in SQL of our own), labels big enough for a wall, the map
itself on the packet's page and the deck's slide (pixels of its colours, not only its
text), and public suppression over everything the slide carries, for any counts."""

from __future__ import annotations

import dataclasses
import html
import io
import json
import re
from datetime import date

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import delete, func, insert, select, update

from board.deck import build_deck
from board.map_slide import map_slide
from charts.board import (
    CAPTION_PX,
    MAP_LABEL_PX,
    OUTLINED,
    REST_OF_CITY,
    label_box,
    map_label,
    no_rate_shade,
    slide_figure,
    slide_map,
)
from charts.maps import drawn_areas
from charts.theme import DIVERGING_5
from db.boundaries import simplify
from db.demo.shapes import grid_polygons
from db.engine import make_engine
from db.migrate import upgrade
from db.models import (
    Area,
    AreaNeighbour,
    CrimeMonthly,
    OffenceCategory,
    Partnership,
    PartnershipArea,
)
from metrics.maps import MapArea
from metrics.publish import LEADERSHIP, PUBLIC
from tests.board.test_board import _chromium
from tests.db.conftest import LONDON, need_shared

CODE, NAME = "RIV-EAST-SCHOOLS", "Eastside Schools Safety Partnership"


@pytest.fixture(scope="module")
def public(demo_engine):
    with demo_engine.connect() as conn:
        return build_deck(conn, CODE, "public")


@pytest.fixture(scope="module")
def the_map(public):
    return next(s for s in public.slides if s.key == "map")


def _labels(figure) -> dict[str, str]:
    """Direct labels by area name: the name is the label's first line(s), as drawn."""
    trace = next(t for t in figure.data if t.mode == "text")
    return {html.unescape(t).replace("<br>", "\n"): t for t in trace.text}


def _hovers(figure) -> list[str]:
    return [html.unescape(t.text) for t in figure.data if t.fill == "toself"]


def _said(rate: float) -> str:
    return f"{rate:.1f}" if rate < 10 else f"{rate:,.0f}"


def _counted(conn, area_ids):
    """Crime per area over the latest 12 months of crime data, and each area's name and
    population: counted here, independently of the slide."""
    last = conn.scalar(select(func.max(CrimeMonthly.month)))
    index = last.year * 12 + last.month - 12
    first = date(index // 12, index % 12 + 1, 1)
    q = (
        select(CrimeMonthly.area_id, func.sum(CrimeMonthly.count))
        .where(CrimeMonthly.month >= first, CrimeMonthly.month <= last, CrimeMonthly.area_id.in_(area_ids))
        .group_by(CrimeMonthly.area_id)
    )
    counts = dict(conn.execute(q).all())
    people = dict(conn.execute(select(Area.id, Area.population).where(Area.id.in_(area_ids))).all())
    names = dict(conn.execute(select(Area.id, Area.name).where(Area.id.in_(area_ids))).all())
    return counts, people, names


def test_the_map_comes_right_after_the_title_and_draws_every_neighbourhood(public, the_map, demo_engine):
    assert [s.key for s in public.slides][:3] == ["title", "map", "trust"]
    assert the_map.title == f"Where {NAME} works"
    with demo_engine.connect() as conn:
        codes = set(conn.scalars(select(Area.code).where(Area.kind == "neighbourhood")))
    drawn = drawn_areas(the_map.figure)
    assert len(drawn) == len(set(drawn)) == 40  # one shape per area, the whole city
    assert set(drawn) == codes


def test_each_area_and_neighbour_is_labelled_with_its_name_and_rate(the_map, demo_engine):
    with demo_engine.connect() as conn:
        pid = conn.scalar(select(Partnership.id).where(Partnership.code == CODE))
        ours = set(
            conn.scalars(
                select(PartnershipArea.area_id).where(
                    PartnershipArea.partnership_id == pid, PartnershipArea.role == "catchment"
                )
            )
        )
        around = set(conn.scalars(select(AreaNeighbour.neighbour_id).where(AreaNeighbour.area_id.in_(ours))))
        around |= set(conn.scalars(select(AreaNeighbour.area_id).where(AreaNeighbour.neighbour_id.in_(ours))))
        around -= ours
        counts, people, names = _counted(conn, ours | around)
    labels = {label.replace("\n", " ") for label in _labels(the_map.figure)}  # long names wrap
    assert len(labels) == len(ours | around)  # the rest of the city is not labelled
    for area in ours | around:
        rate = counts[area] / people[area] * 1000
        assert f"{names[area]} {_said(rate)}" in labels
    trace = next(t for t in the_map.figure.data if t.mode == "text")
    assert trace.textfont.size == MAP_LABEL_PX >= 20
    # on the 1920x1080 slide the labels keep their size: the slide is drawn at 1920 wide
    slide = slide_figure(the_map.figure, the_map.title, the_map.caption, the_map.source, 2, 12)
    assert slide.layout.width == 1920
    assert next(t for t in slide.data if t.mode == "text").textfont.size >= 20


def test_the_sentence_compares_the_partnerships_areas_with_the_citys_rate(the_map, demo_engine):
    with demo_engine.connect() as conn:
        ids = list(conn.scalars(select(Area.id).where(Area.kind == "neighbourhood")))
        counts, people, names = _counted(conn, ids)
    city = sum(counts.values()) / sum(people.values()) * 1000
    first = re.match(
        r"(\w[\w ]*)'s crime rate, ([\d.,]+) per 1,000 residents a year, is "
        r"(under half|below|near|above|over twice) the city's ([\d.,]+)\.",
        the_map.caption,
    )
    assert first, the_map.caption
    assert first[4] == _said(city)
    area = next(a for a, n in names.items() if n == first[1])
    rate = counts[area] / people[area] * 1000
    assert first[2] == _said(rate)
    ratio = rate / city
    bounds = [(0.5, "under half"), (0.8, "below"), (1.25, "near"), (2.0, "above"), (np.inf, "over twice")]
    expected = next(word for bound, word in bounds if ratio < bound)
    assert first[3] == expected
    assert re.search(r"[A-Z][a-z]{2} \d{4} to [A-Z][a-z]{2} \d{4}", the_map.source)  # the period
    assert f"{names[area]} {counts[area]:,}" in the_map.source  # the count behind the rate


def test_the_legend_says_what_the_colours_and_the_outline_mean(the_map):
    legend = [t.name for t in the_map.figure.data if t.showlegend is not False and t.name]
    assert OUTLINED in legend
    assert REST_OF_CITY in legend
    assert any(name.endswith("the city rate (" + name.split("(")[-1]) for name in legend)
    title = the_map.figure.layout.legend.title.text
    assert "per 1,000 residents a year" in title
    # the period is the map's own (the Overview's crime map may show another)
    assert re.search(r"Crime, [A-Z][a-z]{2} \d{4} to [A-Z][a-z]{2} \d{4}", title), title
    assert the_map.figure.layout.legend.font.size >= CAPTION_PX  # at least the slide's body text


# --- the packet's page and the deck's slide carry the map itself ------------------------


def _colours(the_map) -> set[str]:
    return {t.fillcolor for t in the_map.figure.data if t.fill == "toself" and t.fillcolor in DIVERGING_5}


def _share_of(pixels: np.ndarray, colour: str, tolerance: int = 6) -> float:
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    close = (np.abs(pixels[..., :3].astype(int) - rgb) <= tolerance).all(axis=-1)
    return float(close.mean())


@pytest.fixture(scope="module")
def packet(public, the_map):
    _chromium()
    from board.export import export

    alone = dataclasses.replace(public, slides=[the_map])
    return {"pdf": export(alone, "pdf"), "pptx": export(alone, "pptx")}


def test_the_packet_page_shows_the_map_in_its_colours(packet, the_map):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(packet["pdf"])
    page = doc[1]
    pixels = np.asarray(page.render(scale=2).to_pil().convert("RGB"))
    doc.close()
    colours = _colours(the_map)
    assert colours  # the partnership's areas and neighbours are coloured by class
    for colour in colours:
        assert _share_of(pixels, colour) > 0.005, f"{colour} is not drawn on the packet's page"


def test_the_deck_slide_shows_the_map_in_its_colours(packet, the_map):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    slide = list(Presentation(io.BytesIO(packet["pptx"])).slides)[1]
    pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == 1
    pixels = np.asarray(Image.open(io.BytesIO(pictures[0].image.blob)).convert("RGB"))
    for colour in _colours(the_map):
        assert _share_of(pixels, colour) > 0.005, f"{colour} is not drawn on the deck's slide"


# --- public suppression, for any counts -------------------------------------------------

ROWS, COLS = 3, 4
OURS = [(1, 1), (1, 2)]
PERIOD = (date(2024, 1, 1), date(2024, 12, 31))


@pytest.fixture(scope="module")
def grid_town(tmp_path_factory):
    """A town of 3 x 4 neighbourhoods with shapes; the partnership works in two in the
    middle row, so it has six neighbours and four areas beyond them."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('grid') / 'grid.sqlite'}")
    upgrade(engine)
    shapes = grid_polygons(ROWS, COLS, west=-1.0, north=52.0, cell=0.01, seed=3)
    stored = simplify({f"G{r}{c}": p for (r, c), p in shapes.items()})
    ids = {(r, c): 1 + r * COLS + c for r, c in shapes}
    with engine.begin() as conn:
        conn.execute(
            insert(Area),
            [
                {
                    "id": ids[rc],
                    "code": f"G{rc[0]}{rc[1]}",
                    "name": f"Ward {ids[rc]}",
                    "kind": "neighbourhood",
                    "population": 5000,
                    "boundary": stored[f"G{rc[0]}{rc[1]}"].geojson,
                    "label_lon": stored[f"G{rc[0]}{rc[1]}"].label_lon,
                    "label_lat": stored[f"G{rc[0]}{rc[1]}"].label_lat,
                }
                for rc in shapes
            ],
        )
        pairs = [
            (ids[(r, c)], ids[(r + dr, c + dc)])
            for r, c in shapes
            for dr, dc in ((0, 1), (1, 0))
            if (r + dr, c + dc) in shapes
        ]
        conn.execute(
            insert(AreaNeighbour),
            [{"area_id": a, "neighbour_id": b} for a, b in pairs]
            + [{"area_id": b, "neighbour_id": a} for a, b in pairs],
        )
        conn.execute(
            insert(Partnership),
            {"id": 1, "code": "GRID", "name": "Grid Together", "start_date": date(2023, 1, 1)},
        )
        conn.execute(
            insert(PartnershipArea),
            [{"partnership_id": 1, "area_id": ids[rc], "role": "catchment"} for rc in OURS],
        )
        conn.execute(
            insert(OffenceCategory),
            {"id": 1, "source": "t", "source_code": "V", "name": "V", "crime_group": "violent"},
        )
    return engine, sorted(ids.values())  # fmt: skip


counts_strategy = st.one_of(st.just(0), st.integers(1, 10), st.integers(11, 400))


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(counts_strategy, min_size=ROWS * COLS, max_size=ROWS * COLS),
    populations=st.lists(st.integers(200, 40_000), min_size=ROWS * COLS, max_size=ROWS * COLS),
    months=st.integers(1, 12),
)
def test_no_public_map_output_gives_a_count_from_1_to_10_or_a_rate_for_one(
    grid_town, counts, populations, months
):
    engine, ids = grid_town
    with engine.begin() as conn:
        conn.execute(delete(CrimeMonthly))
        for area, n, people in zip(ids, counts, populations, strict=True):
            conn.execute(update(Area).where(Area.id == area).values(population=people))
            # the area's crimes spread over `months` months of 2024, whole numbers
            parts = [n // months + (1 if i < n % months else 0) for i in range(months)]
            rows = [
                {"area_id": area, "month": date(2024, 12 - i, 1), "category_id": 1, "count": part}
                for i, part in enumerate(parts)
                if part
            ]
            if rows:
                conn.execute(insert(CrimeMonthly), rows)
    with engine.connect() as conn:
        slide = map_slide(conn, "GRID", "Grid Together", PERIOD, PUBLIC)
    true = dict(zip(ids, counts, strict=True))
    names = {f"Ward {a}": a for a in ids}
    data = slide.data
    labels = _labels(slide.figure)
    hovers = _hovers(slide.figure)
    for row in data.to_dict("records"):
        n = true[names[row["area"]]]
        shown = row["crimes"].replace(",", "")
        if 1 <= n <= 10:
            assert row["crimes"] == "fewer than 11"
        assert row["crimes"] in ("fewer than 11", "not shown") or int(shown) == n
        if not shown.isdigit():  # no rate for a hidden count: it and the population give it away
            assert row["crimes per 1,000 residents a year"] == ""
            assert row["against the city"] == ""
            label = next(text for text in labels if text.startswith(f"{row['area']}\n"))
            assert not re.search(r"\d", label.split("\n", 1)[1].replace("11 crimes", ""))
            hover = next(h for h in hovers if h.startswith(f"{row['area']} ("))
            assert "per 1,000" not in hover
    every_text = " ".join(
        [slide.title, slide.caption, slide.source, slide.detail, slide.notes, data.to_csv(index=False)]
        + list(labels)
        + hovers
        + [t.name or "" for t in slide.figure.data]
    )
    for said in re.findall(r"(?<![\d.])([\d,]+) (?:recorded )?crimes?\b(?! per)", every_text):
        assert int(said.replace(",", "")) == 0 or int(said.replace(",", "")) >= 11, said
    crimes_said = re.search(r"Crimes: (.*)\.$", slide.source)
    if crimes_said:
        for part in crimes_said[1].split("; "):
            what = part.rsplit(" ", 1)[-1].replace(",", "")
            assert not (what.isdigit() and 1 <= int(what) <= 10), part
    # the figure carries shapes' coordinates and the words checked above, nothing else
    for trace in slide.figure.data:
        assert trace.customdata is None


def test_leadership_sees_the_small_count_and_its_rate_the_public_does_not(grid_town):
    engine, ids = grid_town
    ours = [1 + r * COLS + c for r, c in OURS]
    with engine.begin() as conn:
        conn.execute(delete(CrimeMonthly))
        conn.execute(update(Area).values(population=5000))
        conn.execute(
            insert(CrimeMonthly),
            [
                {
                    "area_id": a,
                    "month": date(2024, 6, 1),
                    "category_id": 1,
                    "count": 5 if a == ours[0] else 40,
                }
                for a in ids
            ],
        )
    with engine.connect() as conn:
        public = map_slide(conn, "GRID", "Grid Together", PERIOD, PUBLIC)
        leadership = map_slide(conn, "GRID", "Grid Together", PERIOD, LEADERSHIP)
    small = f"Ward {ours[0]}"
    assert f"{small} had fewer than 11 recorded crimes, too few to give a rate." in public.caption
    assert f"{small}\nfewer than\n11 crimes" in _labels(public.figure)
    assert f"{small} 5" in leadership.source
    # 5 crimes among 5,000 people in the one month of data: 12 per 1,000 a year
    assert f"{small}\n12" in _labels(leadership.figure)


# --- labels never overlap ---------------------------------------------------------------


def _label_boxes(figure, caption: str = "", source: str = ""):
    """Each direct label's rectangle in pixels on the 1920x1080 slide, worked out from the
    drawn slide's margins and the map's ranges (the view widens to fill the plot)."""
    slide = slide_figure(figure, "Title", caption, source, 2, 12)
    m = slide.layout.margin
    width, height = 1920 - m.l - m.r, 1080 - m.t - m.b
    (x0, x1), (y0, y1) = slide.layout.xaxis.range, slide.layout.yaxis.range
    ratio = slide.layout.yaxis.scaleratio
    scale = min(width / (x1 - x0), height / ((y1 - y0) * ratio))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    trace = next(t for t in slide.data if t.mode == "text")
    boxes = {}
    for x, y, text in zip(trace.x, trace.y, trace.text, strict=True):
        px, py = width / 2 + (x - cx) * scale, height / 2 + (y - cy) * scale * ratio
        box = label_box(html.unescape(text).replace("<br>", "\n"), px, py)
        boxes[html.unescape(text).split("<br>")[0]] = box
        assert shapely.box(0, 0, width, height).contains(box), f"{text} runs off the map"
    return boxes


def _no_two_overlap(boxes) -> None:
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not boxes[a].intersects(boxes[b]), f"the labels of {a} and {b} overlap"


def test_no_two_labels_overlap_on_the_demo_slide(the_map):
    boxes = _label_boxes(the_map.figure, the_map.caption, the_map.source)
    assert len(boxes) >= 7  # the partnership's 2 areas and its 5 neighbours, all labelled
    _no_two_overlap(boxes)


def _london_areas():
    from db.boundaries import parse

    need_shared()
    features = json.loads((LONDON / "london_boroughs.geojson").read_text())["features"]
    shapes = {f["properties"]["name"]: parse(f["geometry"]) for f in features}
    areas = []
    for number, (name, b) in enumerate(simplify(shapes).items(), start=1):
        geometry = json.loads(b.geojson)
        polygons = (
            geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        )
        rings = tuple(tuple((x, y) for x, y in polygon[0]) for polygon in polygons)
        areas.append(MapArea(number, f"L{number}", name, "borough", None, rings, b.label_lon, b.label_lat))
    return areas


def test_no_two_labels_overlap_on_a_dense_london_map():
    """Every one of London's 33 boroughs labelled with a long three-line label, the central
    ones the partnership's: the labels that cannot fit are shortened, moved or left off,
    never drawn over each other, and the ones left off are named."""
    areas = _london_areas()
    assert len(areas) == 33
    ours = [a.id for a in areas if a.name in {"Westminster", "Camden", "Islington"}]
    said = "population not\nrecorded, so no rate"
    shades = {
        a.id: no_rate_shade(a.name, map_label(a.name, said), "Population not recorded: no rate")
        for a in areas
    }
    drawn = slide_map(areas, shades, "Title", ours, [a.id for a in areas], [], period="Feb 2023 to Jan 2024")
    boxes = _label_boxes(drawn.figure)
    _no_two_overlap(boxes)
    texts = [html.unescape(t) for t in next(t for t in drawn.figure.data if t.mode == "text").text]
    whole = [a.name for a in areas if a.id in ours and map_label(a.name, said).replace("\n", "<br>") in texts]
    assert len(whole) >= 2, whole  # the partnership's areas come first and keep their whole label
    assert len(boxes) + len(drawn.dropped) == 33  # each borough labelled, or named as left off
    assert len(drawn.dropped) < 33 / 2, drawn.dropped  # most of the city still reads


def test_the_sentence_says_how_crime_in_its_areas_changed_on_the_year_before(the_map, demo_engine):
    with demo_engine.connect() as conn:
        pid = conn.scalar(select(Partnership.id).where(Partnership.code == CODE))
        ours = list(
            conn.scalars(
                select(PartnershipArea.area_id).where(
                    PartnershipArea.partnership_id == pid, PartnershipArea.role == "catchment"
                )
            )
        )
        last = conn.scalar(select(func.max(CrimeMonthly.month)))
        index = last.year * 12 + last.month - 12
        first = date(index // 12, index % 12 + 1, 1)
        earlier = date((index - 12) // 12, (index - 12) % 12 + 1, 1)

        def total(low, high):
            q = select(func.sum(CrimeMonthly.count)).where(
                CrimeMonthly.month >= low, CrimeMonthly.month < high, CrimeMonthly.area_id.in_(ours)
            )
            return int(conn.scalar(q))

        latest = total(first, date(last.year + (last.month == 12), last.month % 12 + 1, 1))
        before = total(earlier, first)
    assert f"Crime in its areas: {latest:,} in the latest 12 months, {before:,} in the 12 before." in (
        the_map.caption
    )
