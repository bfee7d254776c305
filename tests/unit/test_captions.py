"""Source lines carry the period, the n, the items and the method, with numbers from the data."""

import pandas as pd

from charts.captions import crime_source, survey_source


def test_survey_source_states_latest_score_margin_share_and_n():
    scores = pd.DataFrame(
        {
            "quarter": pd.to_datetime(["2024-01-01", "2024-04-01"]),
            "mean": [58.2, 64.4],
            "ci_high": [62.0, 68.6],
            "n": [120, 131],
            "share_positive": [40.0, 47.4],
        }
    )
    text = survey_source(scores, ["Police treat residents with respect."])
    assert text.startswith(
        "Latest quarter (2024 Q2): 64 out of 100 ± 4, 47% positive (4-5 of 1-5, 3-4 of 1-4, 7-10 of 0-10), "
        "n = 131."
    )
    assert "2024 Q1 to 2024 Q2" in text
    assert "251 answers" in text
    assert "smallest quarter n = 120" in text
    assert "“Police treat residents with respect.”" in text


def test_crime_source_states_period_total_groups_and_late_reports():
    monthly = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01"]), "count": [12, 30]})
    text = crime_source(monthly, ["violent crime"], "rate_per_1000")
    assert "Jan 2024 to Feb 2024" in text
    assert "42 offences in violent crime" in text
    assert "rates per 1,000 residents" in text
    assert "late reports" in text


def test_empty_frames_give_no_source_line():
    assert survey_source(pd.DataFrame(columns=["quarter", "n"]), []) == ""
    assert crime_source(pd.DataFrame(columns=["month", "count"]), [], "count") == ""
