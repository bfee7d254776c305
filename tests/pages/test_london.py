"""Issue 4's finish line: a new user with the London files follows the London commands of
docs/importing.md, linked from the README (run here exactly as written there), and gets a
dashboard showing London's boroughs, its Safer Neighbourhood Boards, trust and crime."""

from __future__ import annotations

import html
import re
import shlex

import pytest
from click.testing import CliRunner

from cli import main
from tests.conftest import ROOT, words
from tests.db.conftest import SHARED, need_shared
from tests.pages.test_pages import figures, run_app, table_with


def documented_london_commands() -> list[list[str]]:
    """The `commonground import` lines of the London walk-through in docs/importing.md, as arguments."""
    importing = (ROOT / "docs" / "importing.md").read_text()
    section = importing[importing.index("**London, from a fresh clone") :]
    block = section[section.index("```bash") : section.index("```", section.index("```bash") + 7)]
    commands = []
    for line in block.splitlines():
        if line.startswith(".venv/bin/commonground import"):
            words = shlex.split(line.replace("$D", str(SHARED)))
            commands.append(words[1:])
    return commands


@pytest.fixture(scope="module")
def london_url(tmp_path_factory) -> str:
    need_shared()
    url = f"sqlite:///{tmp_path_factory.mktemp('london') / 'london.sqlite'}"
    commands = documented_london_commands()
    assert len(commands) == 5
    for args in commands:
        result = CliRunner().invoke(main, args, env={"DATABASE_URL": url})
        assert result.exit_code == 0, f"{' '.join(args)}\n{result.output}"
        assert re.match(r"imported \S+ \(\w+\): [\d,]+ rows read", result.output), result.output
    return url


def test_london_overview_lists_the_boards_with_published_trust_and_crime(london_url, monkeypatch):
    at = run_app(london_url, monkeypatch)
    table = table_with(at, "Trust (0-100)")
    assert len(table) == 32
    assert table["Partnership"].str.endswith("Safer Neighbourhood Board").all()
    assert table["Trust (0-100)"].str.contains(r"% agree, published \(\d{4} Q\d, n not reported\)").all()
    assert table["Crime, last 12 months vs previous 12"].str.match(r"[\d,]+ vs [\d,]+").all()
    assert "Published figures are in the table below." in words(" ".join(m.value for m in at.info))
    scorecard = table_with(at, "Began")
    cells = scorecard.drop(columns=["Partnership", "Began"]).to_numpy().ravel()
    # every board began in April 2014: no comparison area, so no estimate is passed off as one
    assert set(cells) == {"Not enough data"}


def test_london_partnership_page_shows_the_borough_trust_and_crime(london_url, monkeypatch):
    at = run_app(london_url, monkeypatch, "pages/partnership.py")
    at.sidebar.selectbox(key="filter_partnership").set_value("LDN-SNB-23").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Lewisham Safer Neighbourhood Board"
    titles = list(figures(at))
    assert any("Trust" in t for t in titles), titles
    assert any("crime" in t.lower() for t in titles), titles
    areas = table_with(at, "Area")
    assert list(areas["Area"]) == ["Lewisham"]


def test_london_boroughs_real_boundaries_draw_on_the_maps(london_url, monkeypatch):
    """The documented walk-through brings London's real borough shapes: the Overview's map
    draws all 33 boroughs once each, its title saying the trust figures are the published
    ones; with no populations in the files, no borough can be rated, so there is no
    crime-rate map of grey but one sentence saying why and how to fix it."""
    at = run_app(london_url, monkeypatch)
    assert not at.exception, [e.value for e in at.exception]
    maps = {t: f for t, f in figures(at).items() if any(d.get("fill") == "toself" for d in f["data"])}
    assert maps, list(figures(at))
    for title, fig in maps.items():
        shapes = [d for d in fig["data"] if d.get("fill") == "toself"]
        assert len(shapes) == 33, title
        assert len({d["meta"]["area"] for d in shapes}) == 33, title
        xs = [x for d in shapes for x in d["x"] if x is not None]
        ys = [y for d in shapes for y in d["y"] if y is not None]
        assert -0.52 < min(xs) < max(xs) < 0.34  # Greater London's longitudes
        assert 51.28 < min(ys) < max(ys) < 51.70  # and latitudes
    # trust: the boards' residents answered no survey of their own, so the map shows the
    # published figure the table shows, classed on the same 0-100 bands
    trust = figures(at)["Trust: published figures (latest)"]
    table = table_with(at, "Trust (0-100)")
    boards = [d for d in trust["data"] if d.get("fill") == "toself" and d["meta"]["area"] != "City of London"]
    assert len(boards) == 32  # the City of London has no board: it is drawn as in no partnership
    for d in boards:
        board = next(p for p in table["Partnership"] if html.escape(p) in d["text"])
        cell = table.loc[table["Partnership"] == board, "Trust (0-100)"].iloc[0]
        assert cell in html.unescape(d["text"]), (d["text"], cell)
        assert d["name"] != "No score shown"
    # each board numbered once, the key under the map saying "Safer Neighbourhood Board" once
    key = words(next(c.value for c in at.caption if c.value.startswith("On the map")))
    assert key.startswith("On the map, each a Safer Neighbourhood Board: 1 Barking and Dagenham · 2 Barnet")
    numbers = next(d for d in trust["data"] if d.get("mode") == "text")["text"]
    assert sorted(numbers, key=int) == [str(i) for i in range(1, 33)]
    at.selectbox(key="map_colour").set_value("crime_rate").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Crime rate by area" not in figures(at)
    said = words(" ".join(m.value for m in at.info))
    assert "No borough has a population recorded, so no crime rate per 1,000 residents" in said
    assert "population not recorded, so no rate" in said
    assert "import an areas file with a population column: see docs/importing.md" in said
