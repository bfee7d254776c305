"""The maps of the Overview and the Partnership page, as a user sees them (AppTest on the
demo city): one shape per neighbourhood, the classes the legend promises, a rate worked
out by hand, a partnership's places as its evaluation uses them."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import date

import pandas as pd
from sqlalchemy import text

from charts.theme import DIVERGING_5, MAP_VERDICT_COLOURS, NO_DATA, OKABE_ITO, OUTSIDE, SEQUENTIAL_5
from metrics.maps import relative_class, score_class
from tests.conftest import words
from tests.pages.test_pages import figures, run_app
from ui.tables import CHANCE_MARK, VERDICT_MARKS

NEIGHBOURHOODS = 40  # the demo city's 8 x 5 grid


def legend(trace: dict) -> str:
    """A trace's legend entry as read (long ones are broken over lines)."""
    return html.unescape(trace["name"].replace("<br>", " "))


def shapes(fig: dict) -> dict[str, dict]:
    """A map's filled shapes by area code."""
    return {t["meta"]["area"]: t for t in fig["data"] if t.get("fill") == "toself"}


def names(conn) -> dict[str, str]:
    return dict(conn.execute(text("SELECT name, code FROM area WHERE kind = 'neighbourhood'")).all())


def catchment(conn) -> dict[str, list[str]]:
    """Each partnership's name -> its neighbourhoods' codes."""
    rows = conn.execute(
        text(
            "SELECT p.name, a.code FROM partnership p JOIN partnership_area pa ON pa.partnership_id = p.id "
            "JOIN area a ON a.id = pa.area_id WHERE pa.role = 'catchment'"
        )
    ).all()
    out: dict[str, list[str]] = {}
    for name, code in rows:
        out.setdefault(name, []).append(code)
    return out


def test_overview_map_colours_each_partnership_by_its_trust_score_and_the_rest_neutral(
    demo_url, demo_engine, monkeypatch
):
    at = run_app(demo_url, monkeypatch)
    fig = figures(at)["Latest trust score"]
    drawn = shapes(fig)
    assert len(drawn) == NEIGHBOURHOODS  # every neighbourhood, once
    portfolio = next(d.value for d in at.dataframe if "Trust (0-100)" in d.value.columns)
    with demo_engine.connect() as conn:
        owned = catchment(conn)
    inside = {code for codes in owned.values() for code in codes}
    for code, trace in drawn.items():
        if code not in inside:
            assert trace["fillcolor"] == OUTSIDE  # light and neutral, dashed if a comparison area
            assert trace["name"] == "In no partnership"  # a comparison area too: its dashes are an edge
    for name, codes in owned.items():
        cell = portfolio.loc[portfolio["Partnership"] == name, "Trust (0-100)"].iloc[0]
        in_table = float(cell.split(" ")[0])  # '61 ± 4 (n=240, 2026 Q3)'
        for code in codes:
            hover = html.unescape(drawn[code]["text"])
            assert name in hover
            score, n = re.search(r"trust (\d+\.\d) \(n = ([\d,]+)\)", hover).groups()
            assert abs(float(score) - in_table) <= 0.5  # the table's score, to one decimal
            assert f"n={n}" in cell
            assert drawn[code]["fillcolor"] == SEQUENTIAL_5[score_class(float(score)).rank], (name, hover)


def test_overview_map_by_verdict_matches_the_scorecard_and_hatches_what_has_no_verdict(
    demo_url, demo_engine, monkeypatch
):
    at = run_app(demo_url, monkeypatch)
    at.selectbox(key="map_colour").set_value("violent").run()
    fig = figures(at)["Verdicts"]
    drawn = shapes(fig)
    assert len(drawn) == NEIGHBOURHOODS
    grid = next(d.value for d in at.dataframe if "Violent" in d.value.columns)
    with demo_engine.connect() as conn:
        owned = catchment(conn)
    seen = set()
    legend_of = {mark: verdict for verdict, mark in VERDICT_MARKS.items()}
    for name, codes in owned.items():
        mark = grid.loc[grid["Partnership"] == name, "Violent"].iloc[0]
        for code in codes:
            trace = drawn[code]
            said = legend(trace)
            seen.add(said)
            verdict = legend_of.get(said.split(CHANCE_MARK)[0])
            if verdict in MAP_VERDICT_COLOURS:  # the table's words, and its chance mark
                assert trace["fillcolor"] == MAP_VERDICT_COLOURS[verdict]
                assert mark == said.split(" (")[0], (name, mark, said)
                chance = mark.endswith(CHANCE_MARK)
                assert ("may be chance" in html.unescape(trace["text"])) == chance
                assert ((trace.get("fillpattern") or {}).get("shape") == "x") == chance
            else:  # no verdict: grey and hatched, never a verdict's colour
                assert trace["fillcolor"] == NO_DATA
                assert trace["fillpattern"]["shape"] == "/"
                assert mark.startswith(VERDICT_MARKS["Not enough data"])
    assert len(seen) > 1  # the partnerships' areas are told apart by their verdicts


def test_verdict_map_says_unclear_in_a_neutral_not_orange_and_marks_calls_that_may_be_chance(
    demo_url, monkeypatch
):
    at = run_app(demo_url, monkeypatch)
    marked = False
    for outcome in ("violent", "property", "asb", "other", "trust", "satisfaction", "safety"):
        at.selectbox(key="map_colour").set_value(outcome).run()
        fig = figures(at)["Verdicts"]
        legends = {legend(t): t for t in shapes(fig).values()}
        assert "Inconclusive" not in legends  # the table's word, "? Unclear"
        if VERDICT_MARKS["Inconclusive"] in legends:
            assert legends[VERDICT_MARKS["Inconclusive"]]["fillcolor"] not in (OKABE_ITO["orange"], NO_DATA)
        marked |= any("may be chance" in name for name in legends)
    assert marked  # the demo has calls that may be chance, and the map says so


def test_overview_map_numbers_each_partnership_once_with_a_key(demo_url, demo_engine, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    fig = figures(at)["Latest trust score"]
    labels = next(t for t in fig["data"] if t.get("mode") == "text")["text"]
    with demo_engine.connect() as conn:
        owned = catchment(conn)
    assert sorted(labels, key=int) == [str(i) for i in range(1, len(owned) + 1)]  # each once
    key = words(" ".join(c.value for c in at.caption if c.value.startswith("On the map")))
    for i, name in enumerate(sorted(owned), start=1):
        assert f"{i} {name}" in key


def test_choosing_a_partnership_outlines_its_comparison_areas_dashed(demo_url, demo_engine, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    with demo_engine.connect() as conn:
        registered = conn.execute(
            text(
                "SELECT p.code, a.code FROM partnership p "
                "JOIN partnership_area pa ON pa.partnership_id = p.id "
                "JOIN area a ON a.id = pa.area_id WHERE pa.role = 'comparison'"
            )
        ).all()
    code = registered[0][0]
    expected = {a for p, a in registered if p == code}
    at.selectbox(key="map_partnership").set_value(code).run()
    fig = figures(at)["Latest trust score"]
    drawn = shapes(fig)
    dashed = {c for c, t in drawn.items() if t["line"]["dash"] == "dash"}
    assert dashed == expected
    # the edges are drawn over every fill, each style a legend entry naming the outcome
    fills = max(i for i, t in enumerate(fig["data"]) if t.get("fill") == "toself")
    tops = {legend(t): t for t in fig["data"][fills + 1 :] if t.get("meta", {}).get("outline")}
    assert set(tops["Comparison areas for trust (dashed)"]["meta"]["outline"]) == expected
    assert tops["Comparison areas for trust (dashed)"]["line"]["dash"] == "dash"
    edged = next(n for n in tops if n.endswith(": black edge"))
    assert {c for c, t in drawn.items() if t["line"]["width"] == 3} == set(tops[edged]["meta"]["outline"])


def hand_rate(conn, area_code: str, start: date, end: date) -> tuple[int, int]:
    """Crimes of every group in the area over the period, summed straight from the monthly
    roll-up, and the months of data the period holds."""
    count = conn.execute(
        text(
            "SELECT COALESCE(SUM(c.count), 0) FROM crime_monthly c JOIN area a ON a.id = c.area_id "
            "WHERE a.code = :code AND c.month >= :start AND c.month <= :end"
        ),
        {"code": area_code, "start": start.replace(day=1), "end": end},
    ).scalar_one()
    first, last = conn.execute(text("SELECT MIN(month), MAX(month) FROM crime_monthly")).one()
    first = max(date.fromisoformat(str(first)[:10]), start.replace(day=1))
    last = min(date.fromisoformat(str(last)[:10]), end)
    return count, (last.year - first.year) * 12 + last.month - first.month + 1


def test_crime_rate_map_worked_by_hand_with_its_count_beside_it(demo_url, demo_engine, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    at.selectbox(key="map_colour").set_value("crime_rate").run()
    fig = figures(at)["Crime rate by area"]
    drawn = shapes(fig)
    assert len(drawn) == NEIGHBOURHOODS
    start, end = at.sidebar.date_input(key="filter_period").value
    with demo_engine.connect() as conn:
        by_hand = {code: hand_rate(conn, code, start, end) for code in drawn}
        people = dict(
            conn.execute(text("SELECT code, population FROM area WHERE kind = 'neighbourhood'")).all()
        )
    months = by_hand[next(iter(by_hand))][1]
    city = sum(c for c, _ in by_hand.values()) / sum(people.values()) * 1000 * 12 / months
    code = sorted(drawn)[0]
    count = by_hand[code][0]
    rate = count / people[code] * 1000 * 12 / months  # e.g. 1,234 crimes / 9,000 people over 105 months
    hover = drawn[code]["text"]
    assert f"{rate:,.1f} crimes per 1,000 residents a year" in hover
    assert f"{count:,} crimes" in hover  # the count beside the rate
    cls = relative_class(rate, city)
    assert (drawn[code]["name"], drawn[code]["fillcolor"]) == (cls.label, DIVERGING_5[cls.rank])
    caption = words(" ".join(c.value for c in at.caption))
    assert f"City rate: {city:,.1f}." in caption


def test_partnership_map_names_its_areas_comparison_areas_and_buffer(demo_url, demo_engine, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/partnership.py")
    fig = figures(at)["Its places"]
    drawn = shapes(fig)
    assert len(drawn) == NEIGHBOURHOODS
    code = at.sidebar.selectbox(key="filter_partnership").value
    with demo_engine.connect() as conn:
        own = {
            a
            for (a,) in conn.execute(
                text(
                    "SELECT a.code FROM partnership p JOIN partnership_area pa ON pa.partnership_id = p.id "
                    "JOIN area a ON a.id = pa.area_id WHERE pa.role = 'catchment' AND p.code = :p"
                ),
                {"p": code},
            )
        }
        every_catchment = {
            a
            for (a,) in conn.execute(
                text(
                    "SELECT a.code FROM partnership_area pa JOIN area a ON a.id = pa.area_id "
                    "WHERE pa.role = 'catchment'"
                )
            )
        }
        pairs = conn.execute(
            text(
                "SELECT a.code, b.code FROM area_neighbour n JOIN area a ON a.id = n.area_id "
                "JOIN area b ON b.id = n.neighbour_id"
            )
        ).all()
        by_name = names(conn)
    role = {c: legend(t) for c, t in drawn.items()}
    assert {c for c, r in role.items() if r == "This partnership's areas"} == own
    comparison = {c for c, r in role.items() if r.startswith("Comparison areas for ")}
    assert comparison  # the evaluation names them in its source line
    assert all(drawn[c]["fillcolor"] != OKABE_ITO["orange"] for c in comparison)  # orange: above the rate
    assert all(drawn[c]["line"]["dash"] == "dash" for c in comparison)
    compared = next(legend(t) for t in fig["data"] if t.get("meta", {}).get("outline"))
    outcome = compared.removeprefix("Comparison areas for ").removesuffix(" (dashed)")
    assert f"Its evaluation of {outcome} compares them with" in words(" ".join(c.value for c in at.caption))
    source = words(" ".join(c.value for c in at.caption))
    assert all(n in source for n, c in by_name.items() if c in comparison)
    ring = {b for a, b in pairs if a in own} | {a for a, b in pairs if b in own}
    buffer = ring - own - comparison - every_catchment
    assert {c for c, r in role.items() if r == "Neighbours (displacement buffer)"} == buffer
    labels = [t.replace("<br>", " ") for t in next(t for t in fig["data"] if t.get("mode") == "text")["text"]]
    named = {by_name_code for by_name_code in by_name if by_name[by_name_code] in own | comparison | buffer}
    assert set(labels) == named  # each of them named on the map, directly
    rates = shapes(figures(at)["Crime rate by area"])
    assert len(rates) == NEIGHBOURHOODS  # the city's rates, its places edged over them
    edges = {dash: {c for c, t in rates.items() if t["line"]["dash"] == dash} for dash in ("dash", "dot")}
    assert {c for c, t in rates.items() if t["line"]["width"] == 3} == own
    assert edges == {"dash": comparison, "dot": buffer}


def test_rate_table_and_hover_never_show_a_small_count_or_its_rate():
    """Public rules on the map's own outputs, for counts chosen by hypothesis."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from charts.maps import rate_shades
    from metrics.maps import MapArea
    from metrics.publish import PUBLIC, rate_flag, shown_counts
    from ui.maps import rate_table

    square = (((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)),)

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.integers(0, 40), min_size=2, max_size=8))
    def check(counts):
        areas = [MapArea(i, f"A{i}", f"Area {i}", "beat", 1000, square, 0.5, 0.5) for i in range(len(counts))]
        shown, texts = shown_counts(counts, PUBLIC, with_total=True)
        rates = pd.DataFrame(
            {
                "area_id": range(len(counts)),
                "count": counts,
                "shown": shown,
                "count_text": texts,
                "population": 1000,
                "months": 12,
                "rate": [None if s is None else float(s) for s in shown],
                "flag": [rate_flag(s) if s is not None else "" for s in shown],
            }
        )
        shades = rate_shades(areas, rates, 10.0)
        table = rate_table(areas, rates, shades)
        csv = table.to_csv(index=False)
        for i, (count, visible) in enumerate(zip(counts, shown, strict=True)):
            hover = shades[i].hover
            row = table[table["Area"] == f"Area {i}"].iloc[0]
            if 1 <= count <= 10:
                assert "fewer than 11" in hover
                assert row["Crimes"] == "fewer than 11"
            if visible is None:  # hidden, or hidden to protect a small one: no count, no rate
                assert "per 1,000" not in hover
                assert f"\n{count:,} crimes" not in hover
                assert pd.isna(row["Rate per 1,000 a year"])
                assert shades[i].colour == NO_DATA
                assert shades[i].pattern
            else:  # the count beside the rate
                assert f"\n{count:,} crimes" in hover
                assert row["Crimes"] == f"{count:,}"
        small = [str(c) for c in counts if 1 <= c <= 10]
        crimes = pd.read_csv(io.StringIO(csv), dtype=str)["Crimes"].tolist()
        assert not set(small) & set(crimes)

    check()


def test_maps_ask_no_server_for_anything_unless_a_basemap_is_set(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    maps = {title: fig for title, fig in figures(at).items() if shapes(fig)}
    at.selectbox(key="map_colour").set_value("crime_rate").run()
    maps |= {title: fig for title, fig in figures(at).items() if shapes(fig)}
    assert set(maps) == {"Latest trust score", "Crime rate by area"}
    for fig in maps.values():
        spec = json.dumps(fig)
        assert "://" not in spec  # no tile, font or style URL: it draws offline
        assert "map" not in fig["layout"]

    tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
    monkeypatch.setenv("COMMONGROUND_BASEMAP", tiles)
    at = run_app(demo_url, monkeypatch)
    at.selectbox(key="map_colour").set_value("crime_rate").run()
    fig = figures(at)["Crime rate by area"]
    assert fig["layout"]["map"]["layers"][0]["source"] == [tiles]
    drawn = [code for t in fig["data"] if t["type"] == "choroplethmap" for code in t["locations"]]
    assert len(drawn) == len(set(drawn)) == NEIGHBOURHOODS  # every area once, over the tiles
    legends = {legend(t) for t in fig["data"]}
    assert any(name.endswith("the city rate") or "city rate (" in name for name in legends)
