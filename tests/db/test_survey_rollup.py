"""The survey roll-up (`survey_monthly`) says what the answers say, after every load.

Hand calculations use the items of `test_import_kinds` (1-5 scales, not reversed), so an
answer v scores 100 * (v - 1) / 4 and is positive when v >= 4.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from db.models import Area, SurveyMonthly
from db.rollup import refresh_survey_monthly
from tests.db.test_import_kinds import (
    ITEM_MAPPING,
    RESPONSE_MAPPING,
    RESPONSES,
    SURVEY_ITEMS,
    _import,
    make_city,
)


def _rollup(conn) -> dict:
    m = SurveyMonthly
    rows = conn.execute(
        select(Area.code, m.construct, m.month, m.quarter, m.n, m.sw, m.sw2, m.swx, m.swx2, m.swp).join(
            Area, Area.id == m.area_id
        )
    )
    return {(r[0], r[1], r[2]): tuple(r[3:]) for r in rows}


@pytest.fixture
def surveyed(engine, tmp_path):
    engine, folder = make_city(engine, tmp_path)
    assert _import(engine, folder, "items.csv", SURVEY_ITEMS, ITEM_MAPPING).accepted
    assert _import(engine, folder, "responses.csv", RESPONSES, RESPONSE_MAPPING).accepted
    return engine, folder


def test_an_import_fills_the_rollup_with_the_hand_calculated_sums(surveyed):
    engine, _ = surveyed
    with engine.connect() as conn:
        rollup = _rollup(conn)
    # R1 (Northfield, Feb 2024, weight 1.2): trust 4 -> 75, satisfaction 4 -> 75, both positive
    assert rollup[("N1", "trust", date(2024, 2, 1))] == pytest.approx(
        (date(2024, 1, 1), 1, 1.2, 1.44, 1.2 * 75, 1.2 * 75**2, 1.2)
    )
    # R3 (Northfield, May, weight 1.0): trust 5 -> 100, positive
    assert rollup[("N1", "trust", date(2024, 5, 1))] == pytest.approx(
        (date(2024, 4, 1), 1, 1.0, 1.0, 100.0, 100.0**2, 1.0)
    )
    # R2 (Southgate, May, weight 0.8): trust 2 -> 25, not positive; no satisfaction answer
    assert rollup[("S1", "trust", date(2024, 5, 1))] == pytest.approx(
        (date(2024, 4, 1), 1, 0.8, 0.64, 0.8 * 25, 0.8 * 25**2, 0.0)
    )
    assert ("S1", "satisfaction", date(2024, 5, 1)) not in rollup
    assert len(rollup) == 5


def test_a_corrected_file_moves_the_rollup_as_a_full_rebuild_would(surveyed):
    """R2 moves from May to July and gains a satisfaction answer; R3's answer changes."""
    engine, folder = surveyed
    corrected = RESPONSES.replace(
        "R2,2024-05-20,Southgate,0.8,65+,2,", "R2,2024-07-02,Southgate,0.8,65+,3,5"
    ).replace("R3,2024-05-21,Northfield,1.0,35-44,Strongly agree,5", "R3,2024-05-21,Northfield,1.0,35-44,2,5")
    again = _import(engine, folder, "responses-v2.csv", corrected, RESPONSE_MAPPING)
    assert (again.accepted, again.updated) == (True, 2), again.text()
    with engine.connect() as conn:
        after_import = _rollup(conn)
    assert ("S1", "trust", date(2024, 5, 1)) not in after_import  # R2 left May
    assert after_import[("S1", "satisfaction", date(2024, 7, 1))] == pytest.approx(
        (date(2024, 7, 1), 1, 0.8, 0.64, 0.8 * 100, 0.8 * 100**2, 0.8)
    )
    assert after_import[("N1", "trust", date(2024, 5, 1))][4] == pytest.approx(25.0)  # R3: 2 -> 25
    with engine.begin() as conn:
        refresh_survey_monthly(conn)
        rebuilt = _rollup(conn)
    assert rebuilt.keys() == after_import.keys()
    for key, sums in rebuilt.items():
        assert sums == pytest.approx(after_import[key]), key


def test_a_refused_survey_file_leaves_the_rollup_as_it_was(surveyed):
    engine, folder = surveyed
    with engine.connect() as conn:
        before = _rollup(conn)
    bad = RESPONSES.replace("R2,2024-05-20,Southgate,0.8,65+,2,", "R2,2024-05-20,Southgate,0.8,65+,9,")
    assert not _import(engine, folder, "responses-bad.csv", bad, RESPONSE_MAPPING).accepted
    with engine.connect() as conn:
        assert _rollup(conn) == before


def test_rescaling_an_item_rescores_every_month(surveyed):
    """Survey items re-imported with a 0-10 scale: the roll-up is rebuilt with it."""
    engine, folder = surveyed
    wider = SURVEY_ITEMS.replace("trust,1,5,no", "trust,0,10,no")
    assert _import(engine, folder, "items-v2.csv", wider, ITEM_MAPPING).accepted
    with engine.connect() as conn:
        rollup = _rollup(conn)
    # R1's trust answer 4 on 0-10 is 40; it is not positive there (7 to 10 are)
    n, sw, _sw2, swx, _swx2, swp = rollup[("N1", "trust", date(2024, 2, 1))][1:]
    assert (n, swx / sw, swp) == pytest.approx((1, 40.0, 0.0))
