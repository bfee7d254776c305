"""The Overview's first screen: the verdict grid, its crime-group filter and each cell's detail
(Streamlit AppTest on the demo city, no browser; the browser check is in the report)."""

from __future__ import annotations

import json
import re

import pandas as pd

from charts.theme import verdict_fill
from tests.conftest import words
from tests.pages.test_pages import run_app, table_with
from ui.tables import CHANCE_MARK, grid_outcome, grid_table

ALL_COLUMNS = ["Partnership", "Violent", "Property", "ASB", "Other", "Trust", "Satisfaction", "Safety"]
CELL = re.compile(r"^(✓ Improved|✗ Worsened|= No change|\? Unclear|… Too early|– No data)\*?$")
PARKS = "Parks & Nightlife Partnership"


def grid(at):
    """The verdict grid: the page's table with the short 'Partnership' and 'Trust' headings."""
    return next(d for d in at.dataframe if {"Partnership", "Trust"} <= set(d.value.columns))


def select(at, row: int, column: str):
    """Select one grid cell, as a click in the browser does (its selection state)."""
    at.session_state["verdict_grid"] = {"selection": {"rows": [], "columns": [], "cells": [[row, column]]}}
    return at.run()


def test_grid_comes_first_with_a_row_per_partnership_and_a_short_column_per_outcome(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    at.number_input(key="design_exclude").set_value(3).run()  # the demo's ramp-up
    kinds = [e.type for e in at.main]
    assert kinds.index("dataframe") < kinds.index("metric") < kinds.index("plotly_chart")
    element = grid(at)
    assert element is at.dataframe[0]
    table = element.value
    assert list(table.columns) == ALL_COLUMNS
    assert list(table["Partnership"]) == sorted(table["Partnership"])
    assert len(table) == 10
    cells = table[ALL_COLUMNS[1:]].stack()
    assert cells.str.match(CELL).all(), sorted(set(cells))
    assert table.set_index("Partnership").loc[PARKS, "ASB"].startswith("✓ Improved")  # planted 30% cut
    # each cell tinted by its verdict; widths fit the 880 px main area of a 1366 px laptop
    styles = element.proto.arrow_data.styler.styles
    assert verdict_fill("Improved") in styles
    assert verdict_fill("Inconclusive") in styles
    widths = {k: v["width"] for k, v in json.loads(element.proto.columns).items() if "width" in v}
    assert set(widths) == set(ALL_COLUMNS)
    assert sum(widths.values()) <= 872
    assert json.loads(element.proto.columns)["ASB"]["help"] == "Anti-social behaviour"
    legend = " ".join(c.value for c in at.caption)
    # each short word the cells use is tied to the verdict's full name
    assert "✓ Improved · ✗ Worsened · = No change: no clear change · ? Unclear: inconclusive" in legend
    assert "* may be chance" in legend


def test_grid_marks_calls_that_may_be_chance_as_the_scorecard_does(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    table = grid(at).value.set_index("Partnership")
    scorecard = table_with(at, "Anti-social behaviour").set_index("Partnership")
    marked = table["ASB"].str.endswith(CHANCE_MARK)
    doubted = scorecard["Anti-social behaviour"].str.contains("may be chance")
    assert (marked == doubted.reindex(marked.index)).all()


def test_chosen_crime_groups_are_the_only_crime_columns(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    at.multiselect(key="filter_crime_groups").set_value(["violent", "asb"]).run()
    columns = ["Partnership", "Violent", "ASB", "Trust", "Satisfaction", "Safety"]
    assert list(grid(at).value.columns) == columns
    scorecard = table_with(at, "Anti-social behaviour")
    assert "Violent crime" in scorecard.columns
    assert "Property crime" not in scorecard.columns
    assert "violent crime and anti-social behaviour" in " ".join(c.value for c in at.caption)
    assert not at.info


def test_no_crime_group_says_so_plainly(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    at.multiselect(key="filter_crime_groups").set_value([]).run()
    assert not at.exception
    assert list(grid(at).value.columns) == ["Partnership", "Trust", "Satisfaction", "Safety"]
    assert at.info[0].value.startswith("No crime group is chosen in the filters")
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Crime clearly down (last 12 months)"] == "–"
    assert tiles["Crime clearly up (last 12 months)"] == "–"
    portfolio = table_with(at, "Trust (0-100)")
    assert not any(c.startswith("Crime") for c in portfolio.columns)
    assert "0 vs 0" not in " ".join(d.value.to_csv() for d in at.dataframe)
    assert "No crime group is chosen in the filters" in " ".join(c.value for c in at.caption)


def test_selecting_a_cell_opens_its_detail_and_the_partnership(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    at.number_input(key="design_exclude").set_value(3).run()
    assert not any(words(m.value).startswith(f"**{PARKS}:") for m in at.markdown)  # nothing selected yet
    row = list(grid(at).value["Partnership"]).index(PARKS)
    select(at, row, "ASB")
    text = [words(m.value) for m in at.markdown]
    assert f"**{PARKS}: Anti-social behaviour**" in text
    assert ":green-badge[Improved]" in text
    assert any(re.fullmatch(r"\*\*-\d+% \(95%: -\d+% to -\d+%\)\*\*", t) for t in text)  # estimate, interval
    assert any(t.startswith("Anti-social behaviour fell") for t in text)
    assert "Benjamini-Hochberg q = " in words(" ".join(c.value for c in at.caption))
    link = at.button(key="open_partnership")
    assert words(link.label) == f"Open {PARKS} on the Partnership page"
    link.click().run()
    assert words(at.title[0].value) == PARKS
    assert at.session_state["filter_partnership"] == "RIV-PARKS-NIGHT"


def test_selecting_a_name_or_a_vanished_column_shows_no_detail(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    select(at, 0, "Partnership")
    assert not at.exception
    assert not [b for b in at.button if b.key == "open_partnership"]
    select(at, 0, "Property")
    at.multiselect(key="filter_crime_groups").set_value(["violent"]).run()  # its column is gone
    assert not at.exception
    assert not [b for b in at.button if b.key == "open_partnership"]


def test_grid_cells_and_detail_from_scorecard_rows():
    """The pure functions behind the grid, on three hand-made scorecard rows."""
    rows = pd.DataFrame(
        {
            "code": ["B", "B", "A"],
            "name": ["Beta", "Beta", "Alpha"],
            "outcome": ["asb", "trust", "asb"],
            "label": ["Anti-social behaviour", "Trust in police", "Anti-social behaviour"],
            "verdict": ["Improved", "Not enough data", "Worsened"],
            "estimate": [-0.3, float("nan"), 0.2],
            "ci_low": [-0.45, float("nan"), 0.05],
            "ci_high": [-0.12, float("nan"), 0.38],
            "scale": ["relative", None, "relative"],
            "sentence": ["Anti-social behaviour fell 30%.", "Not enough data: no answers.", "It rose."],
            "q_value": [0.01, float("nan"), 0.2],
            "stands": [True, False, False],
            "sustained_verdict": [None, None, "Inconclusive"],
            "sustained_estimate": [float("nan"), float("nan"), 0.1],
            "sustained_ci_low": [float("nan"), float("nan"), -0.1],
            "sustained_ci_high": [float("nan"), float("nan"), 0.3],
        }
    )
    table = grid_table(rows)
    assert list(table.index) == ["A", "B"]  # by name
    assert table.to_dict("list") == {
        "Partnership": ["Alpha", "Beta"],
        "ASB": ["✗ Worsened*", "✓ Improved"],
        "Trust": ["– No data", "– No data"],  # not evaluated, or no data
    }
    doubtful = grid_outcome(rows, "A", "ASB")
    assert doubtful["label"] == "Alpha: Anti-social behaviour"
    assert doubtful["effect"] == {"estimate": 0.2, "ci": [0.05, 0.38], "scale": "relative"}
    assert doubtful["notes"][0].startswith("May be chance")
    assert doubtful["notes"][1] == (
        "Latest 12 months against the same months before the start: Inconclusive, +10% (95%: -10% to +30%)."
    )
    assert grid_outcome(rows, "B", "ASB")["notes"][0].startswith("The call stands")
    missing = grid_outcome(rows, "B", "Trust")
    assert missing["effect"] is None
    assert missing["notes"] == []
    assert grid_outcome(rows, "B", "Partnership") is None
    assert grid_outcome(rows, "A", "Trust") is None
