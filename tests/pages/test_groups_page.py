"""'Who trusts, and who doesn't' on the Partnership page, and the Overview's city-wide trust
by race or ethnicity, on the demo city (Black residents start 12 points below White)."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import insert

from db.engine import make_engine
from db.migrate import upgrade
from db.models import Partnership
from metrics.filters import Filters
from metrics.formatting import months_span
from metrics.groups import group_scores, latest_months
from tests.conftest import words
from tests.pages.test_pages import figures, run_app, values
from tests.tiny_city import fill_tiny

RACES = {"White", "Black", "Hispanic or Latino", "Asian", "Other or mixed"}


def _groups(fig: dict) -> dict[str, float]:
    """Group name (without its n) -> the dot's score."""
    labels = values(fig["data"][0]["y"])
    return {label.split(" (")[0]: x for label, x in zip(labels, values(fig["data"][0]["x"]), strict=True)}


def test_partnership_page_breaks_a_score_down_by_group_with_n_and_benchmarks(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/partnership.py")
    at.selectbox(key="filter_partnership").set_value("RIV-EAST-SCHOOLS").run()
    assert "Who trusts, and who doesn't" in [h.value for h in at.header]
    at.selectbox(key="groups_dimension").set_value("race_ethnicity").run()
    drawn = figures(at)
    title = next(t for t in drawn if t.startswith("Trust in police by race or ethnicity, "))
    fig = drawn[title]
    # the latest 12 months of the period, as on the "Trust by group" slide, said in the title
    start, end = at.date_input(key="filter_period").value
    recent = latest_months(Filters(start, end, "RIV-EAST-SCHOOLS"))
    assert title.endswith(months_span(recent.start, recent.end))
    with make_engine(demo_url).connect() as conn:
        slide = group_scores(conn, recent, "race_ethnicity", ("trust",)).set_index("group")["mean"]
    labels = values(fig["data"][0]["y"])
    assert all("(n=" in label for label in labels)  # leadership: every group with its n
    by_race = _groups(fig)
    assert set(by_race) == RACES
    assert by_race["Black"] < by_race["White"]  # the demo's planted gap
    assert all(abs(by_race[g] - slide[g]) < 0.05 for g in by_race), (by_race, slide.to_dict())
    assert fig["data"][0]["error_x"]["array"]  # each dot carries its interval
    said = words(" ".join(m.value for m in at.markdown))
    assert "Trust in police is highest among" in said
    at.selectbox(key="groups_dimension").set_value("age_band").run()
    at.selectbox(key="groups_construct").set_value("safety").run()
    ages = _groups(next(f for t, f in figures(at).items() if t.startswith("Feeling safe by age band, ")))
    assert list(ages)[0] == "16-24"
    assert len(ages) == 6
    said = words(" ".join(m.value for m in at.markdown))
    for construct in ("Trust in police", "Satisfaction with police", "Feeling safe", "Procedural justice"):
        for against in ("the city average", "areas of similar population"):
            assert re.search(
                rf"{construct} here \(\d+, n=[\d,]+\) is (higher than|lower than|similar to) {against}", said
            ), (construct, against)
    assert re.search(r"\(between -?[\d.]+ and -?[\d.]+\)", said)


def test_overview_draws_city_wide_trust_by_race(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    by_race = _groups(figures(at)["Trust in police across the city, by race or ethnicity"])
    assert set(by_race) == RACES
    assert by_race["White"] - by_race["Black"] > 5


def test_a_partnership_with_no_answers_says_so_in_the_groups_section(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'sparse.sqlite'}"
    eng = make_engine(url)
    upgrade(eng)
    fill_tiny(eng)
    with eng.begin() as conn:
        conn.execute(
            insert(Partnership),
            {
                "code": "EMPTY",
                "name": "A New Partnership",
                "start_date": date(2024, 1, 1),
                "status": "planned",
            },
        )
    at = run_app(url, monkeypatch, "pages/partnership.py")
    at.selectbox(key="filter_partnership").set_value("EMPTY").run()
    messages = words(" ".join(i.value for i in at.info))
    assert "No resident of these areas said their age, sex or race or ethnicity" in messages
    assert "No scores for these areas in the latest four quarters" in messages
