"""Issue 15 on a synthetic city built to show each problem: areas that drift apart, data
that starts late or ends before the start, a sustained view, and the edge cases that must
say "Not enough data" instead of inventing an interval."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest
from sqlalchemy import insert

from db.models import Area, CrimeMonthly, OffenceCategory, Partnership, PartnershipArea
from metrics.evaluation import Design, add_months, evaluate, months_between
from metrics.verdict import IMPROVED, NOT_ENOUGH, TOO_EARLY

FIRST = date(2015, 1, 1)
MONTHS = 60  # 2015-01 to 2019-12


def fill_counts(engine, counts: dict[int, list[int]], partnerships: dict[str, tuple[date, list[int]]]):
    """Areas 1..N with monthly violent counts from January 2015, and partnerships
    {code: (start, catchment areas)}; written straight into the roll-up."""
    with engine.begin() as conn:
        conn.execute(
            insert(Area), [{"id": a, "code": f"A{a}", "name": f"Area {a}", "kind": "beat"} for a in counts]
        )
        conn.execute(
            insert(OffenceCategory),
            {"id": 1, "source": "t", "source_code": "V", "name": "Violence", "crime_group": "violent"},
        )
        conn.execute(
            insert(CrimeMonthly),
            [
                {"area_id": a, "month": add_months(FIRST, i), "category_id": 1, "count": int(n)}
                for a, series in counts.items()
                for i, n in enumerate(series)
                if n
            ],
        )
        for pid, (code, (start, areas)) in enumerate(partnerships.items(), start=1):
            conn.execute(
                insert(Partnership),
                {
                    "id": pid,
                    "code": code,
                    "name": f"Partnership {code}",
                    "start_date": start,
                    "status": "active",
                },
            )
            conn.execute(
                insert(PartnershipArea),
                [{"partnership_id": pid, "area_id": a, "role": "catchment"} for a in areas],
            )


def drifting_city(seed: int = 1, areas: int = 16, level: float = 800.0, drift_sd: float = 0.12):
    """Large areas that drift apart: each area's log level takes a random step every month
    (a random walk, sd `drift_sd` a year), so no two areas move in parallel and a trend
    seen before the start does not carry on after it."""
    rng = np.random.default_rng(seed)
    counts = {}
    for a in range(1, areas + 1):
        walk = np.cumsum(rng.normal(0, drift_sd / math.sqrt(12), MONTHS))
        counts[a] = rng.poisson(level * np.exp(walk)).tolist()
    return counts


DEFAULT = Design()


def violent(engine, code: str, design: Design = DEFAULT) -> dict:
    with engine.connect() as conn:
        return evaluate(conn, code, ("violent",), design)["outcomes"][0]


def test_drift_is_measured_from_areas_without_a_partnership_and_widens_the_interval(engine):
    """The between-area variance in the JSON equals statsmodels' DerSimonian-Laird estimate
    from the pool's own window totals (an independent computation), and the SE is the
    Poisson SE widened by exactly that variance times the areas' weight."""
    from statsmodels.stats.meta_analysis import combine_effects

    counts = drifting_city()
    fill_counts(engine, counts, {"P": (date(2017, 1, 1), [1])})
    drift = violent(engine, "P")
    poisson = violent(engine, "P", Design(inference="poisson"))
    pool = [a for a in counts if a != 1]  # no neighbour table: every other area is in the pool
    b0, b1 = months_between(FIRST, date(2016, 1, 1)), months_between(FIRST, date(2017, 1, 1))
    before = np.array([sum(counts[a][b0:b1]) for a in pool], dtype=float)
    after = np.array([sum(counts[a][b1 : b1 + 12]) for a in pool], dtype=float)
    tau2 = combine_effects(np.log(after / before), 1 / before + 1 / after, method_re="dl").tau2
    assert drift["drift"]["between_area_variance"] == pytest.approx(tau2, rel=1e-9)
    assert drift["drift"]["areas"] == len(pool)
    t0, t1 = drift["treated"]["before"], drift["treated"]["after"]
    c0, c1 = drift["comparison"]["before"], drift["comparison"]["after"]
    counting = 1 / t0 + 1 / t1 + 1 / c0 + 1 / c1
    assert drift["effect"]["se"] == pytest.approx(math.sqrt(counting + tau2 * drift["drift"]["weight"]))
    assert drift["effect"]["se"] > 2 * poisson["effect"]["se"]  # counting noise alone is far too narrow
    assert drift["effect"]["estimate"] == pytest.approx(poisson["effect"]["estimate"])


def test_placebos_on_a_drifting_city_are_called_about_one_time_in_twenty(engine):
    """Every area in turn with no effect at all: counting noise alone calls most of them,
    the drift-aware interval about 5%."""
    counts = drifting_city(seed=3, areas=30)
    fill_counts(engine, counts, {})
    from benchmarks.placebo import Tally
    from metrics.evaluation import Places, Prefetched, evaluate_crime

    names = {a: f"Area {a}" for a in counts}
    tallies = {"drift": Tally(), "poisson": Tally()}
    with engine.connect() as conn:
        shared = Prefetched()
        coverage = shared.span(conn, "crime")
        for a in counts:
            for start in (date(2016, 7, 1), date(2017, 7, 1), date(2018, 7, 1)):
                places = Places(
                    "X", "x", start, (a,), (), frozenset({a}), {}, names, dict.fromkeys(counts, "beat")
                )
                for inference, tally in tallies.items():
                    tally.add(
                        evaluate_crime(conn, places, "violent", Design(inference=inference), coverage, shared)
                    )
    drift, poisson = tallies["drift"].row(), tallies["poisson"].row()
    assert poisson["called"] > 0.4
    assert drift["called"] <= 0.12
    assert 0.6 < drift["rms_z"] < 1.4


def test_data_that_starts_late_is_named_not_estimated(engine):
    """The first 14 months hold a handful of records against about 200 a month after."""
    counts = {a: [2] * 14 + [200] * (MONTHS - 14) for a in range(1, 9)}
    fill_counts(engine, counts, {"EARLY": (date(2016, 1, 1), [1]), "LATER": (date(2018, 1, 1), [2])})
    early = violent(engine, "EARLY")
    assert early["verdict"] == NOT_ENOUGH
    assert (
        "too little data before it began: recorded crime ('t') is near empty until February 2016 "
        "(16 that month against a usual month of 1,600)" in early["sentence"]
    )
    assert "effect" not in early
    assert violent(engine, "LATER")["verdict"] != NOT_ENOUGH


def test_a_gap_inside_the_windows_is_named(engine):
    counts = {a: [200] * MONTHS for a in range(1, 9)}
    for a in counts:
        counts[a][months_between(FIRST, date(2017, 5, 1))] = 0  # a month the records system lost
    fill_counts(engine, counts, {"P": (date(2017, 1, 1), [1])})
    result = violent(engine, "P")
    assert result["verdict"] == NOT_ENOUGH
    assert "near empty in May 2017" in result["sentence"]


def test_a_start_outside_the_data_says_so_and_never_reverses_the_windows(engine):
    counts = {a: [50] * MONTHS for a in range(1, 9)}
    fill_counts(
        engine,
        counts,
        {"LATE": (date(2021, 3, 1), [1]), "EARLY": (date(2014, 6, 1), [2]), "SHORT": (date(2015, 7, 1), [3])},
    )
    late = violent(engine, "LATE")
    assert late["sentence"] == (
        "Not enough data: no recorded violent crime after the start: the data ends in December 2019."
    )
    early = violent(engine, "EARLY")
    assert "starts in January 2015, after the start: no month before it to compare with" in early["sentence"]
    short = violent(engine, "SHORT")
    assert "only 6 months before the start (12 needed)" in short["sentence"]
    for result in (late, early, short):
        assert result["verdict"] == NOT_ENOUGH
        assert "effect" not in result


def test_too_early_only_while_the_first_year_after_is_incomplete(engine):
    counts = {a: [100] * MONTHS for a in range(1, 12)}
    fill_counts(engine, counts, {"NEW": (date(2019, 7, 1), [1])})
    result = violent(engine, "NEW")
    assert result["verdict"] == TOO_EARLY
    assert result["windows"]["months_each"] == 6
    assert "6 of the 12 months after the start have data so far" in result["sentence"]
    assert "effect" in result  # the interim estimate is shown, not judged


def test_the_sustained_view_compares_the_latest_year_with_the_year_before_the_start(engine):
    """A partnership begun in January 2016 that cut violence by 30% for good: its first year
    and its latest year (2019) both show it, against the same comparison areas."""
    rng = np.random.default_rng(5)
    counts = {a: rng.poisson(300, MONTHS).tolist() for a in range(1, 13)}
    start = months_between(FIRST, date(2016, 1, 1))
    counts[1] = [n if i < start else round(n * 0.7) for i, n in enumerate(counts[1])]
    fill_counts(engine, counts, {"P": (date(2016, 1, 1), [1])})
    result = violent(engine, "P")
    later = result["sustained"]
    assert result["window"] == "first 12 months"
    assert later["window"] == "latest 12 months"
    assert later["windows"]["before"] == result["windows"]["before"] == ["2015-01", "2015-12"]
    assert later["windows"]["after"] == ["2019-01", "2019-12"]
    assert result["verdict"] == later["verdict"] == IMPROVED
    for effect in (result["effect"], later["effect"]):
        assert effect["ci"][0] <= -0.30 <= effect["ci"][1]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("zeros", "no violent crime is recorded in these areas in either window"),
        ("everywhere", "no comparison area without a partnership to compare with"),
        ("small pool", "only 2 areas without a partnership have recorded violent crime"),
    ],
)
def test_edge_cases_say_not_enough_data_and_why(engine, case, expected):
    counts = {a: [40] * MONTHS for a in range(1, 9)}
    partnerships = {"P": (date(2017, 1, 1), [1])}
    if case == "zeros":
        counts[1] = [0] * MONTHS
    elif case == "everywhere":
        partnerships = {"P": (date(2017, 1, 1), list(counts))}
    else:  # the other areas are all in partnerships of their own: too few to measure drift
        partnerships["Q"] = (date(2017, 1, 1), [4, 5, 6, 7, 8])
    fill_counts(engine, counts, partnerships)
    result = violent(engine, "P")
    assert result["verdict"] == NOT_ENOUGH
    assert expected in result["sentence"]
    assert "nan" not in result["sentence"]


def test_one_registered_comparison_area_still_gets_the_pool_drift(engine):
    counts = drifting_city(seed=9, areas=10)
    fill_counts(engine, counts, {"P": (date(2017, 1, 1), [1])})
    with engine.begin() as conn:
        conn.execute(insert(PartnershipArea), {"partnership_id": 1, "area_id": 2, "role": "comparison"})
    result = violent(engine, "P")
    assert result["comparison"]["areas"] == ["Area 2"]
    assert result["drift"]["weight"] == pytest.approx(2.0)  # one area each side
    assert result["drift"]["areas"] == 9
