"""The Data page shows what the data covers, source by source, and the sidebar's period
starts where the data is usable (issue 18), on an export that starts late: three offences
dated 1995, a thin first year and five normal years."""

from __future__ import annotations

from datetime import date

from db.engine import make_engine
from db.migrate import upgrade
from tests.conftest import words
from tests.metrics.test_coverage import late_start_city
from tests.pages.test_pages import figures, run_app, values


def late_start_url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'late.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    late_start_city(engine, tmp_path)
    engine.dispose()
    return url


def test_the_data_page_draws_a_coverage_strip_with_the_thin_months_marked(tmp_path, monkeypatch):
    at = run_app(late_start_url(tmp_path), monkeypatch, "pages/data.py")
    strip = figures(at)["Records per month"]
    cells, marks = strip["data"]
    assert cells["type"] == "heatmap"
    assert [a["text"] for a in strip["layout"]["annotations"]] == ["Recorded crime (&#x27;city&#x27;)"]
    assert (cells["x"][0][:7], cells["x"][-1][:7]) == ("1995-03", "2019-12")
    thin = values(marks["x"])
    assert (thin[0][:7], thin[-1][:7]) == ("1995-03", "2014-12")
    assert len(thin) == (2014 - 1995) * 12 + 10  # every month from March 1995 to December 2014
    said = words(" ".join(m.value for m in at.markdown))
    assert (
        "Recorded crime ('city'): records from March 1995 to December 2019; usable from January 2015" in said
    )
    assert (
        "March 1995: 3; April 1995 to December 2013: none; January 2014 to December 2014: 24 in 12 months"
        in said
    )


def test_the_period_starts_where_the_data_is_usable_not_at_the_first_stray_row(tmp_path, monkeypatch):
    at = run_app(late_start_url(tmp_path), monkeypatch)
    period = at.date_input(key="filter_period")
    assert period.value == (date(2015, 1, 1), date(2019, 12, 31))
    assert period.min == date(1995, 3, 1)  # the thin and stray months may still be chosen
