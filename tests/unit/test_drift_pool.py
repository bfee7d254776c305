"""Which areas measure how areas drift apart, and which may be compared: an area bordering
the partnership is never its comparison (crime and goodwill spill over a border), but it
still says how far areas drift apart; an area in any partnership does neither."""

from __future__ import annotations

from datetime import date

from metrics.evaluation import Places, candidates, drift_pool


def _row_of_wards() -> Places:
    """Wards 1 to 8 in a row, each bordering the next; the partnership works in 4, another
    partnership in 7, and ward 8 is a different kind of area (a park)."""
    row = {a: frozenset(b for b in (a - 1, a + 1) if 1 <= b <= 8) for a in range(1, 9)}
    return Places(
        code="P",
        name="P",
        start=date(2022, 1, 1),
        treated=(4,),
        registered_comparison=(),
        all_catchment=frozenset({4, 7}),
        neighbours=row,
        names={a: f"Ward {a}" for a in row},
        kinds={**dict.fromkeys(range(1, 8), "ward"), 8: "park"},
    )


def test_a_bordering_area_measures_drift_but_is_never_a_comparison():
    places = _row_of_wards()
    assert candidates(places) == [1, 2, 6]  # not 3 and 5 (they border ward 4)
    assert drift_pool(places) == [1, 2, 3, 5, 6]  # 3 and 5 count towards the drift
    assert 7 not in drift_pool(places)  # another partnership's
    assert 8 not in drift_pool(places)  # another kind of area
