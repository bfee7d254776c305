"""The demo's planted ways of deciding come back: who proposes a partnership's decisions
and how many are done by the date agreed (db/demo/city.py DECISION_STYLE)."""

import pytest

from db.demo.city import DECISION_STYLE, DEFAULT_DECISION_STYLE
from metrics.decisions import decision_summary


@pytest.mark.parametrize("code", ["RIV-FAITH-TABLE", "RIV-HARBOUR-YOUTH", "RIV-MARKET-BID"])
def test_each_partnerships_planted_share_of_non_police_proposals_and_follow_through_is_recovered(
    demo_engine, code
):
    police, _residents, on_time, _late, _dropped = DECISION_STYLE.get(code, DEFAULT_DECISION_STYLE)
    with demo_engine.connect() as conn:
        summary = decision_summary(conn, code)
    assert summary["decisions"] > 50
    low, high = summary["non_police_ci"]
    assert low <= 1 - police <= high
    low, high = summary["follow_through_ci"]
    assert low <= on_time <= high


def test_the_member_led_table_shares_decisions_more_and_follows_through_more_than_the_police_led_one(
    demo_engine,
):
    with demo_engine.connect() as conn:
        led, run = (decision_summary(conn, c) for c in ("RIV-FAITH-TABLE", "RIV-HARBOUR-YOUTH"))
    assert led["non_police_ci"][0] > run["non_police_ci"][1]
    assert led["follow_through_ci"][0] > run["follow_through_ci"][1]
