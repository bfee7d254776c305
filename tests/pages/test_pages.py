"""Every page rendered through app.py, as a user sees it (Streamlit AppTest, no browser)."""

from __future__ import annotations

import base64
import json
import re
from datetime import date

import numpy as np
import pytest
from sqlalchemy import insert, text
from streamlit.testing.v1 import AppTest

from db.engine import make_engine
from db.migrate import upgrade
from db.models import Partnership
from tests.conftest import ROOT, words
from tests.tiny_city import fill_tiny

APP = str(ROOT / "app.py")


def run_app(url: str, monkeypatch, page: str | None = None) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=90)
    if page:
        at.switch_page(page)  # straight to the page, as a deep link does
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figures(at: AppTest) -> dict[str, dict]:
    """Every Plotly figure on the page, by its title."""
    out = {}
    for element in at.get("plotly_chart"):
        fig = json.loads(element.proto.spec)
        out[fig["layout"]["title"]["text"]] = fig
    return out


def values(array) -> list:
    """Plotly JSON arrays may be base64 typed arrays."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def table_with(at: AppTest, column: str):
    """The page's table that has `column`."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def data_traces(fig: dict) -> list[str]:
    return [t.get("name") for t in fig["data"] if t.get("name") != "Events (hover to read)"]


# --- Overview ---------------------------------------------------------------


def test_overview_shows_every_partnership_with_scores_and_n(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    assert at.title[0].value == "Partnerships overview"
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Active partnerships"] == "10"
    assert int(tiles["Residents surveyed in partnership areas"].replace(",", "")) > 10_000
    trust = figures(at)["Trust in police: latest quarter"]
    names = values(trust["data"][0]["y"])
    assert len(names) == 10
    assert names == sorted(names, reverse=True)  # by name (top to bottom), never ranked
    assert all(0 < x < 100 for x in values(trust["data"][0]["x"]))
    assert values(trust["data"][0]["error_x"]["array"])  # every dot carries its interval
    table = table_with(at, "Trust (0-100)")
    assert len(table) == 10
    assert table["Trust (0-100)"].str.contains(r"± \d+ \(n=\d+", regex=True).all()


def test_overview_lists_all_partnerships_whatever_the_sidebar_selection(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    at.selectbox(key="filter_partnership").set_value("RIV-MARKET-BID").run()
    assert len(table_with(at, "Trust (0-100)")) == 10


# --- Partnership --------------------------------------------------------------


def test_partnership_page_draws_trends_with_bands_start_and_events(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/partnership.py")
    at.selectbox(key="filter_partnership").set_value("RIV-FAITH-TABLE").run()
    assert words(at.title[0].value) == "Northfield Faith & Residents Table"
    figs = figures(at)
    for title in ("Trust in police", "Satisfaction with police", "Feeling safe", "Procedural justice"):
        assert data_traces(figs[title]) == ["95% interval", "Score"], title
    trust = figs["Trust in police"]
    start_lines = [s for s in trust["layout"]["shapes"] if s["line"].get("dash") is None]
    assert [s["x0"][:10] for s in start_lines] == ["2020-10-01"]
    assert any(a["text"] == "<b>Partnership began</b>" for a in trust["layout"]["annotations"])
    assert "Records system changed" in values(trust["data"][-1]["text"])
    crime = figs["Recorded crimes"]
    assert data_traces(crime) == ["Violent crime", "Property crime", "Anti-social behaviour", "Other crime"]
    captions = words(" ".join(c.value for c in at.caption))
    assert "n = " in captions
    assert "95% interval" in captions


def test_changing_the_crime_groups_changes_the_chart(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/partnership.py")
    before = figures(at)["Recorded crimes"]
    at.multiselect(key="filter_crime_groups").set_value(["violent"]).run()
    after = figures(at)["Recorded crimes"]
    assert len(data_traces(before)) == 4
    assert data_traces(after) == ["Violent crime"]


def test_rates_use_the_catchment_population(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/partnership.py")
    counts = values(figures(at)["Recorded crimes"]["data"][0]["y"])
    at.radio(key="crime_measure").set_value("rate_per_1000").run()
    fig = figures(at)["Crime rate"]
    rates = values(fig["data"][0]["y"])
    assert fig["layout"]["yaxis"]["title"]["text"] == "Crimes per 1,000 residents"
    # Central Transit (first by name) serves Central Station alone
    population = counts[0] / rates[0] * 1000
    assert population == pytest.approx(round(population), abs=1e-6)
    assert 6000 <= population <= 32000


def test_filters_survive_a_page_switch(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    at.selectbox(key="filter_partnership").set_value("RIV-PARKS-NIGHT").run()
    at.multiselect(key="filter_crime_groups").set_value(["asb"]).run()
    at.switch_page("pages/partnership.py").run()
    assert words(at.title[0].value) == "Parks & Nightlife Partnership"
    assert at.multiselect(key="filter_crime_groups").value == ["asb"]
    assert data_traces(figures(at)["Recorded crimes"]) == ["Anti-social behaviour"]


def test_period_filter_narrows_the_charts(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/partnership.py")
    at.date_input(key="filter_period").set_value((date(2022, 1, 1), date(2022, 12, 31))).run()
    months = values(figures(at)["Recorded crimes"]["data"][0]["x"])
    assert months[0].startswith("2022-01")
    assert months[-1].startswith("2022-12")
    assert len(months) == 12


def test_partnership_without_data_gets_plain_sentences(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'sparse.sqlite'}"
    eng = make_engine(url)
    upgrade(eng)
    fill_tiny(eng)
    with eng.begin() as conn:
        conn.execute(
            insert(Partnership),
            {
                "code": "EMPTY",
                "name": "A Newly Formed Partnership",
                "start_date": date(2024, 1, 1),
                "status": "planned",
            },
        )
    at = run_app(url, monkeypatch, "pages/partnership.py")
    at.selectbox(key="filter_partnership").set_value("EMPTY").run()
    assert not at.exception
    assert at.title[0].value == "A Newly Formed Partnership"
    messages = words(" ".join(i.value for i in at.info))
    assert "No resident of these areas answered the trust in police questions" in messages
    assert "No recorded crime in this partnership's areas" in messages
    assert "No member organisations are recorded" in messages
    assert not at.get("plotly_chart")


# --- the database, first start and failures ------------------------------------------


def test_first_start_creates_and_fills_the_embedded_database(tmp_path, monkeypatch):
    import db.engine

    monkeypatch.setattr(db.engine, "DEFAULT_SQLITE_PATH", tmp_path / "data" / "commonground.sqlite")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert "First start: created the embedded database" in at.success[0].value
    assert "10 partnerships" in at.success[0].value
    assert (tmp_path / "data" / "commonground.sqlite").exists()
    assert len(table_with(at, "Trust (0-100)")) == 10


def test_unreachable_database_names_it_without_the_password(monkeypatch):
    at = run_app("postgresql+psycopg://analyst:s3cret-pw@127.0.0.1:1/cg", monkeypatch)
    message = at.error[0].value
    assert "127.0.0.1:1/cg" in message
    assert "could not be reached" in message
    assert "s3cret-pw" not in message
    assert not at.get("plotly_chart")


def test_malformed_database_url_says_how_to_fix_it(monkeypatch):
    at = run_app("this is not a url", monkeypatch)
    assert "not a database URL" in at.error[0].value
    assert "DATABASE_URL" in at.error[0].value


def test_configured_database_without_schema_says_to_run_init(tmp_path, monkeypatch):
    at = run_app(f"sqlite:///{tmp_path / 'empty.sqlite'}", monkeypatch)
    assert "commonground init" in at.error[0].value


# --- Did it work? ------------------------------------------------------------------------


def test_partnership_cards_show_the_planted_effect_verdict(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/partnership.py")
    at.selectbox(key="filter_partnership").set_value("RIV-PARKS-NIGHT").run()
    at.number_input(key="design_exclude").set_value(3).run()  # the demo's ramp-up
    text = words(" ".join(m.value for m in at.markdown))
    assert "**Anti-social behaviour**" in text
    assert ":green-badge[Improved]" in text
    assert "Anti-social behaviour fell" in text  # the sentence under the badge
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    # four crime groups, trust, satisfaction, safety; then the equity gap on the three surveys;
    # then "You said, we did": the park patrols' verdict on the one priority they answered; then
    # the card of its targeted initiative (Riverside Park lighting and patrols)
    assert len(badges) == 12
    captions = words(" ".join(c.value for c in at.caption))
    assert "leaving out 3 ramp-up months" in captions
    assert "proposed: similar pre-period level" in captions


def test_evaluation_chart_shows_partnership_comparison_and_fit(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/partnership.py")
    at.selectbox(key="eval_chart").set_value("property").run()
    fig = figures(at)["Property crime: partnership area against comparison areas"]
    assert [t["name"] for t in fig["data"]] == [
        "Comparison areas (scaled)",
        "Partnership area",
        "Time-series fit",
        "Expected without a change",
    ]
    assert {a["text"] for a in fig["layout"]["annotations"]} >= {"Before window", "After window"}


def test_crime_group_filter_limits_the_cards(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/partnership.py")
    at.multiselect(key="filter_crime_groups").set_value(["violent"]).run()
    titles = [m.value for m in at.markdown if m.value.startswith("**") and m.value.endswith("**")]
    assert "**Violent crime**" in titles
    assert "**Property crime**" not in titles


def test_overview_scorecard_has_verdicts_and_sorts_without_ranking(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    at.number_input(key="design_exclude").set_value(3).run()
    card = table_with(at, "Anti-social behaviour")
    assert list(card["Partnership"]) == sorted(card["Partnership"])  # by name by default
    parks = card[card["Partnership"] == "Parks & Nightlife Partnership"].iloc[0]
    assert parks["Anti-social behaviour"].startswith("Improved -")
    assert re.search(r"\(-\d+% to -\d+%\)$", parks["Anti-social behaviour"])  # the interval stays in view
    at.selectbox(key="scorecard_sort").set_value("Estimate: Anti-social behaviour").run()
    by_estimate = table_with(at, "Anti-social behaviour")
    assert by_estimate.iloc[0]["Partnership"] == "Parks & Nightlife Partnership"


def test_published_aggregates_are_drawn_without_a_band_and_say_n_is_unknown(tmp_path, monkeypatch):
    from sqlalchemy import delete

    from db.models import SurveyAggregate, SurveyAnswer
    from db.rollup import refresh_survey_monthly

    url = f"sqlite:///{tmp_path / 'published.sqlite'}"
    eng = make_engine(url)
    upgrade(eng)
    fill_tiny(eng)
    with eng.begin() as conn:
        conn.execute(delete(SurveyAnswer))
        refresh_survey_monthly(conn)
        conn.execute(
            insert(SurveyAggregate),
            [
                {
                    "area_id": 1,
                    "item_id": 1,
                    "period_start": d,
                    "period_end": d,
                    "statistic": "share",
                    "value": v,
                    "n": None,
                }
                for d, v in ((date(2024, 1, 1), 61.0), (date(2024, 4, 1), 66.0))
            ],
        )
    at = run_app(url, monkeypatch, "pages/partnership.py")
    fig = figures(at)["Trust in police"]
    assert [t["name"] for t in fig["data"]][0] == "Published value (no sample size)"
    assert values(fig["data"][0]["y"]) == [61.0, 66.0]
    assert "95% interval" not in [t["name"] for t in fig["data"]]
    captions = words(" ".join(c.value for c in at.caption))
    assert "sample size not reported by the source, so no margin of error can be shown" in captions


# --- Data --------------------------------------------------------------------------------


def test_data_page_shows_what_is_loaded_and_the_history(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/data.py")
    assert at.title[0].value == "Data"
    loaded = table_with(at, "Last loaded (UTC)")
    assert "Recorded crimes" in set(loaded["Data"])
    with make_engine(demo_url).connect() as conn:  # counted apart from the page's own query
        incidents = conn.execute(text("SELECT count(*) FROM crime_incident")).scalar_one()
    assert incidents > 250_000
    crimes = loaded.loc[loaded["Data"] == "Recorded crimes", "Rows inserted, all loads"]
    assert crimes.iloc[0] == f"{incidents:,}"
    history = table_with(at, "SHA-256")
    assert set(history["By"]) == {"commonground demo"}
    assert "No recent month of recorded crime looks short" in " ".join(c.value for c in at.caption)


def test_data_page_import_checks_then_imports(tmp_path, monkeypatch):
    """The page's action runs the same import path as the CLI: a check writes nothing,
    an import writes and shows in the history."""
    from types import SimpleNamespace

    from db.audit import Actor, events
    from ui.importer import run_upload

    url = f"sqlite:///{tmp_path / 'data.sqlite'}"
    eng = make_engine(url)
    upgrade(eng)
    fill_tiny(eng)
    monkeypatch.setenv("DATABASE_URL", url)
    upload = SimpleNamespace(
        name="areas.csv", getvalue=lambda: b"code,name,kind,population\nC,Area C,beat,500\n"
    )
    mapping = SimpleNamespace(getvalue=lambda: b'kind = "areas"\n')
    admin = Actor("it@dept.example", "admin")
    checked = run_upload(url, "areas", upload, None, mapping, dry_run=True, actor=admin)
    assert checked.accepted
    assert checked.text().startswith("would write areas.csv")
    done = run_upload(url, "areas", upload, None, mapping, dry_run=False, actor=admin)
    assert done.inserted == 1
    at = run_app(url, monkeypatch, "pages/data.py")
    history = table_with(at, "SHA-256")
    assert list(history["File"]) == ["areas.csv"]
    assert list(history["By"]) == ["it@dept.example"]
    refused = run_upload(
        url,
        "areas",
        SimpleNamespace(name="bad.csv", getvalue=lambda: b"code,name,kind\nD,Area D,planet\n"),
        None,
        mapping,
        dry_run=False,
        actor=admin,
    )
    assert not refused.accepted
    assert "kind must be one of" in refused.text()

    mismatch = run_upload(url, "crime", upload, None, mapping, dry_run=True, actor=admin)
    assert (
        mismatch.problems[0].rule
        == "mapping: the mapping is for 'areas', but the file is imported as 'crime'"
    )

    with eng.connect() as conn:  # each import, accepted or refused, is on record (newest first)
        imports = [e for e in events(conn) if e[3].startswith("import")]
    assert [(e[1], e[3], e[4], e[5]) for e in imports] == [
        ("it@dept.example", "import", "areas: bad.csv", "refused"),
        ("it@dept.example", "import", "areas: areas.csv", "ok"),
        ("it@dept.example", "import check", "areas: areas.csv", "ok"),
    ]
    assert imports[1][6] == "1 inserted, 0 updated, 0 skipped"


def test_every_chart_offers_its_data_as_csv(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch, "pages/partnership.py")
    charts = at.get("plotly_chart")
    downloads = [d for d in at.get("download_button") if d.proto.label == "Download chart data (CSV)"]
    assert len(charts) >= 6
    assert len(downloads) == len(charts)


def test_overview_says_how_many_calls_could_be_chance_and_shows_the_latest_year(demo_url, monkeypatch):
    at = run_app(demo_url, monkeypatch)
    at.number_input(key="design_exclude").set_value(3).run()
    said = [m.value for m in at.markdown if m.value.startswith("Of ") and "Benjamini-Hochberg" in m.value]
    assert len(said) == 1
    assert re.search(r"Of 70 outcomes with a complete estimate, \d+ are called Improved or Worsened", said[0])
    first = table_with(at, "Anti-social behaviour")
    assert first.iloc[:, 2:].stack().str.contains("may be chance").any() or "still stand." in said[0]
    at.radio(key="scorecard_window").set_value("Latest 12 months").run()
    latest = table_with(at, "Anti-social behaviour")
    parks = latest[latest["Partnership"] == "Parks & Nightlife Partnership"].iloc[0]
    assert parks["Anti-social behaviour"].startswith("Improved -")  # the planted 30% cut holds in 2026
    assert not latest.equals(first)


def test_a_shared_link_opens_its_partnership_and_the_address_follows_the_sidebar(demo_url, monkeypatch):
    """/partnership?p=CODE, bookmarked or sent to a colleague, opens on that partnership;
    choosing another in the sidebar puts the new one in the address; a code that is not
    there says so and shows the first partnership."""
    monkeypatch.setenv("DATABASE_URL", demo_url)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["p"] = "RIV-PARKS-NIGHT"
    at.switch_page("pages/partnership.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert words(at.title[0].value) == "Parks & Nightlife Partnership"
    assert at.selectbox(key="filter_partnership").value == "RIV-PARKS-NIGHT"
    at.selectbox(key="filter_partnership").set_value("RIV-EAST-SCHOOLS").run()
    assert words(at.title[0].value) == "Eastside Schools Safety Partnership"  # the sidebar wins over the link
    assert at.query_params["p"] == "RIV-EAST-SCHOOLS"

    unknown = AppTest.from_file(APP, default_timeout=90)
    unknown.query_params["p"] = "NO-SUCH-CODE"
    unknown.switch_page("pages/partnership.py")
    unknown.run()
    assert any("does not exist, or that you may not see" in w.value for w in unknown.warning)
    first = unknown.selectbox(key="filter_partnership")
    assert first.value == "RIV-CENTRAL-TRANSIT"  # the first in the list, as without a link
    assert words(unknown.title[0].value) == first.options[0]
