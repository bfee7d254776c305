"""Partner and officer feedback: ratings with their interval, and comments, per partnership."""

from __future__ import annotations

import math
import statistics
from datetime import date

from sqlalchemy import insert

from db.models import Feedback
from metrics.filters import Filters
from metrics.partnership import feedback_comments, feedback_ratings
from metrics.stats import Z95

FILTERS = Filters(partnership="P", start=date(2023, 1, 1), end=date(2023, 12, 31), crime_groups=("violent",))


def test_ratings_by_source_match_a_hand_calculation_and_comments_come_newest_first(tiny):
    rows = [
        ("partner", 2, date(2023, 2, 1), "Meetings start late."),
        ("partner", 4, date(2023, 5, 1), None),
        ("partner", 4, date(2023, 6, 1), ""),
        ("partner", 5, date(2023, 9, 1), "Good follow-up."),
        ("officer", 3, date(2023, 3, 1), "Too many meetings."),
        ("officer", None, date(2023, 4, 1), "No rating given."),
        ("partner", 1, date(2022, 12, 31), "Before the period: not counted."),
    ]
    with tiny.begin() as conn:
        conn.execute(
            insert(Feedback),
            [
                {"partnership_id": 1, "source": s, "rating": r, "received_on": d, "comment": c}
                for s, r, d, c in rows
            ],
        )
        ratings = feedback_ratings(conn, FILTERS, "P").set_index("source")
        comments = feedback_comments(conn, FILTERS, "P")

    partner = [2, 4, 4, 5]
    mean, sd = statistics.mean(partner), statistics.stdev(partner)
    assert ratings.loc["partner", "n"] == 4
    assert math.isclose(ratings.loc["partner", "mean"], 3.75)
    assert math.isclose(ratings.loc["partner", "ci_low"], mean - Z95 * sd / 2)
    assert math.isclose(ratings.loc["partner", "ci_high"], mean + Z95 * sd / 2)
    assert ratings.loc["officer", "n"] == 1  # the unrated comment is not a rating
    assert math.isnan(ratings.loc["officer", "ci_low"])  # one reply: no interval, not a zero-width one
    assert list(comments["comment"]) == [
        "Good follow-up.",
        "No rating given.",
        "Too many meetings.",
        "Meetings start late.",
    ]
