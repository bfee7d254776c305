"""Partners' and officers' view beside residents' (metrics.perception), checked by hand
on the tiny city, recovered from the demo's planted shift, and the public count rule."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from board.deck import build_deck
from charts.perception import perception_gap, perception_over_time
from db.demo import city
from db.models import SurveyAnswer, SurveyItem, SurveyResponse
from metrics.filters import Filters
from metrics.perception import gap_sentence, gaps, perception, public_minimum, publishable, views
from metrics.publish import LEADERSHIP, PUBLIC, Rules
from metrics.stats import Z95

PERIOD = Filters(date(2020, 1, 1), date(2025, 12, 31), "P")
COLLAB = 3


def add_staff(engine, answers: list[tuple[str, date, int, float]], first_id: int = 100) -> None:
    """Partner or officer responses of partnership P: (kind, day, item id, value) each."""
    with engine.begin() as conn:
        conn.execute(
            insert(SurveyItem),
            {
                "id": COLLAB,
                "code": "COLLAB_RESULTS",
                "wording": "The partnership is achieving what it set out to do.",
                "construct": "collaboration",
                "scale_min": 1,
                "scale_max": 5,
            },
        )
        for k, (kind, day, item, value) in enumerate(answers):
            rid = first_id + k
            conn.execute(
                insert(SurveyResponse),
                {
                    "id": rid,
                    "respondent_type": kind,
                    "area_id": 1,
                    "partnership_id": 1,
                    "responded_on": day,
                    "quarter_start": day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1),
                    "weight": 1.0,
                },
            )
            conn.execute(insert(SurveyAnswer), {"response_id": rid, "item_id": item, "value": value})


OCT = date(2024, 10, 15)


@pytest.fixture
def staffed(tiny):
    # trust item 1 is 0-10: partners 6 and 8 (60, 80), officers 9 and 10 (90, 100); the
    # tiny city's officer r5 (trust 0) has no partnership and must be left out
    add_staff(
        tiny,
        [
            ("partner", OCT, 1, 6),
            ("partner", OCT, 1, 8),
            ("officer", OCT, 1, 9),
            ("officer", OCT, 1, 10),
            ("partner", OCT, COLLAB, 4),
            ("partner", OCT, COLLAB, 5),
            ("officer", OCT, COLLAB, 3),
        ],
    )
    return tiny


def test_scores_and_gaps_match_a_hand_calculation(staffed):
    with staffed.connect() as conn:
        view = views(conn, PERIOD)
    whole = view[view["year"].isna()].set_index(["construct", "respondent"])
    # residents of A in 2024: 80 (w 1), 100 (w 2), 50 (w 1) -> 330 / 4 = 82.5
    # weighted variance 28900 / 4 - 82.5^2 = 418.75, n_eff = 16 / 6, times n_eff / (n_eff - 1)
    n_eff = 16 / 6
    se_res = math.sqrt(418.75 * n_eff / (n_eff - 1) / n_eff)
    assert whole.loc[("trust", "resident"), "mean"] == pytest.approx(82.5)
    assert whole.loc[("trust", "resident"), "se"] == pytest.approx(se_res)
    assert whole.loc[("trust", "resident"), "n"] == 3
    # partners 60 and 80: mean 70, s = 14.14, se = s / sqrt(2) = 10
    partner = whole.loc[("trust", "partner")]
    assert (partner["mean"], partner["se"], partner["n"]) == pytest.approx((70.0, 10.0, 2))
    assert partner["ci_low"] == pytest.approx(70 - Z95 * 10)
    officer = whole.loc[("trust", "officer")]
    assert (officer["mean"], officer["se"], officer["n"]) == pytest.approx((95.0, 5.0, 2))
    # collaboration is answered by partners and officers (so shared), not by residents
    assert ("collaboration", "resident") not in whole.index
    assert whole.loc[("collaboration", "partner"), "mean"] == pytest.approx(87.5)  # 75 and 100
    # the yearly row of 2024 is the same comparison (one year of answers)
    assert set(view["year"].dropna()) == {2024}

    diff = gaps(view)
    diff = diff[diff["construct"] == "trust"]
    row = diff[diff["year"].isna() & (diff["respondent"] == "partner") & (diff["versus"] == "resident")]
    se_gap = math.sqrt(10**2 + se_res**2)
    assert row["gap"].item() == pytest.approx(70 - 82.5)
    assert row["se"].item() == pytest.approx(se_gap)
    assert row["ci_high"].item() == pytest.approx(-12.5 + Z95 * se_gap)
    officers = diff[diff["year"].isna() & (diff["respondent"] == "officer") & (diff["versus"] == "partner")]
    assert officers["gap"].item() == pytest.approx(25.0)


def test_residents_count_only_in_the_years_partners_answered(staffed):
    # a partner answering in 2023, when no resident of A did: 2023 has partners alone, and the
    # whole period sets both partner years against residents' 2024 only
    add_staff_2023 = [("partner", date(2023, 10, 15), 1, 10)]
    with staffed.begin() as conn:
        conn.execute(
            insert(SurveyResponse),
            {
                "id": 300,
                "respondent_type": "partner",
                "area_id": 1,
                "partnership_id": 1,
                "responded_on": add_staff_2023[0][1],
                "quarter_start": date(2023, 10, 1),
                "weight": 1.0,
            },
        )
        conn.execute(insert(SurveyAnswer), {"response_id": 300, "item_id": 1, "value": 10})
    with staffed.connect() as conn:
        view = views(conn, PERIOD)
    trust_2023 = view[(view["construct"] == "trust") & (view["year"] == 2023)]
    assert trust_2023["respondent"].tolist() == ["partner"]
    whole = view[view["year"].isna()].set_index(["construct", "respondent"])
    assert whole.loc[("trust", "partner"), "mean"] == pytest.approx((60 + 80 + 100) / 3)
    assert whole.loc[("trust", "resident"), "n"] == 3


def test_health_items_per_item_for_partners_and_officers(staffed):
    with staffed.connect() as conn:
        got = perception(conn, PERIOD, LEADERSHIP)
    items = got["items"]
    whole = items[items["year"].isna()].set_index("respondent")
    assert whole.loc["partner", "item"] == "COLLAB_RESULTS"
    assert whole.loc["partner", "mean"] == pytest.approx(87.5)
    assert whole.loc["officer", "mean"] == pytest.approx(50.0)  # 3 of 1-5
    assert whole.loc["officer", "n"] == 1
    assert math.isnan(whole.loc["officer", "se"])  # one answer: no interval, not a fake one


def test_the_public_sees_nothing_of_a_handful_of_partners(staffed):
    with staffed.connect() as conn:
        public = perception(conn, PERIOD, PUBLIC)
        leadership = perception(conn, PERIOD, LEADERSHIP)
    assert public["asked"]
    assert leadership["asked"]
    assert public["views"].empty
    assert public["gaps"].empty
    assert public["items"].empty
    assert not leadership["views"].empty


def test_a_partnership_without_a_partner_survey_is_said_plainly(tiny):
    with tiny.connect() as conn:
        got = perception(conn, PERIOD, LEADERSHIP)
    assert not got["asked"]
    assert got["views"].empty
    assert got["items"].empty
    assert got["gaps"].empty


def test_the_sentence_says_direction_size_and_interval():
    row = pd.Series(
        {
            "construct": "trust",
            "respondent": "officer",
            "versus": "resident",
            "gap": 20.2,
            "se": 4.0,
            "ci_low": 12.4,
            "ci_high": 28.0,
        }
    )
    said = gap_sentence(row)
    assert said == "Officers rate trust in police 20 points higher than residents do (between 12 and 28)."
    lower = row.copy()
    lower[["gap", "ci_low", "ci_high"]] = [-20.2, -28.0, -12.4]
    assert "20 points lower than residents do (between 12 and 28)" in gap_sentence(lower)
    unclear = row.copy()
    unclear["ci_low"] = -3.0
    assert gap_sentence(unclear) == (
        "Can't tell whether officers and residents differ on trust in police: "
        "+20 points (between -3 and +28)."
    )
    assert "about the same" not in gap_sentence(unclear)


def test_the_by_year_chart_writes_officers_n_beside_each_year():
    view = pd.DataFrame(
        {
            "construct": ["trust"] * 4,
            "respondent": ["resident", "resident", "officer", "officer"],
            "year": [2024, 2025, 2024, 2025],
            "mean": [55.0, 57.0, 70.0, 66.0],
            "ci_low": [53.0, 55.0, 60.0, 57.0],
            "ci_high": [57.0, 59.0, 80.0, 75.0],
            "n": [900, 950, 14, 17],
        }
    )
    fig = perception_over_time(view, "trust", "Trust in police, by year")
    officers = next(t for t in fig.data if t.name.startswith("Officers"))
    assert "text" in officers.mode
    assert list(officers.text) == ["n=14", "n=17"]
    assert list(officers.customdata) == ["2024: 70 (n=14)", "2025: 66 (n=17)"]


# --- the public count rule, for any counts ---------------------------------------


def _frame(counts: dict[tuple[int, str], int]) -> pd.DataFrame:
    rows = [
        {"construct": "trust", "respondent": who, "year": year, "mean": 50.0, "n": n}
        for (year, who), n in counts.items()
    ]
    years = pd.DataFrame(rows)
    whole = years.groupby("respondent", as_index=False)["n"].sum().assign(construct="trust", mean=50.0)
    whole["year"] = pd.NA
    frame = pd.concat([years, whole], ignore_index=True)
    frame["year"] = frame["year"].astype("Int64")
    return frame


counts = st.dictionaries(
    st.tuples(st.integers(2019, 2025), st.sampled_from(["resident", "partner", "officer"])),
    st.integers(1, 80),
    min_size=1,
)


@settings(max_examples=200, deadline=None)
@given(counts)
def test_the_public_rule_holds_for_any_counts(cells):
    frame = _frame(cells)
    shown = publishable(frame, PUBLIC)
    minimum = public_minimum(PUBLIC)
    assert minimum >= 30
    assert minimum > PUBLIC.small_count
    yearly = shown[shown["year"].notna()]
    # every cell shown has enough people, and every other kind asked that year is shown too
    assert (yearly["n"] >= minimum).all()
    for year, rows in yearly.groupby("year"):
        asked = {who for (y, who) in cells if y == year}
        assert set(rows["respondent"]) == asked
    # a whole-period figure only when every year it pools passes
    if shown["year"].isna().any():
        assert all(n >= minimum for n in cells.values())
    # and leadership sees everything
    assert len(publishable(frame, LEADERSHIP)) == len(frame)
    # a looser rule never shows less
    assert len(publishable(frame, Rules(survey_hide_below=10))) >= len(shown)


@settings(max_examples=100, deadline=None)
@given(counts)
def test_a_public_chart_never_draws_a_group_the_rule_hides(cells):
    frame = _frame(cells).assign(se=2.0, ci_low=46.0, ci_high=54.0, n_eff=lambda f: f["n"])
    shown = publishable(frame, PUBLIC)
    fig = perception_gap(shown, "public")
    drawn = [int(label.split("n=")[1].rstrip(")").replace(",", "")) for t in fig.data for label in t.text]
    assert all(n >= public_minimum(PUBLIC) for n in drawn)
    assert len(drawn) == int(shown["year"].isna().sum())


# --- the demo: the planted shift recovered, and the public never sees it -------------


def _pooled(frame: pd.DataFrame) -> tuple[float, float, float]:
    """Inverse-variance pooled gap over partnerships: (estimate, low, high)."""
    w = 1 / frame["se"] ** 2
    est = float((w * frame["gap"]).sum() / w.sum())
    se = float(w.sum() ** -0.5)
    return est, est - Z95 * se, est + Z95 * se


def test_demo_officers_rate_trust_higher_than_partners_by_the_planted_shift(demo_engine):
    found = []
    with demo_engine.connect() as conn:
        codes = [s.code for s in city.PARTNERSHIPS]
        for code in codes:
            filters = Filters(city.FIRST_MONTH, city.LAST_MONTH, code)
            got = gaps(views(conn, filters))
            found.append(got[got["year"].isna() & (got["construct"] == "trust")].assign(code=code))
            public = perception(conn, filters, PUBLIC)
            assert public["views"].empty, code  # 3 to 8 partners a year
            assert public["items"].empty, code
    trust = pd.concat(found)
    assert set(trust["code"]) == set(codes)
    shift = city.SHARED_VIEW_SHIFT["officer"] - city.SHARED_VIEW_SHIFT["partner"]
    est, low, high = _pooled(trust[(trust["respondent"] == "officer") & (trust["versus"] == "partner")])
    assert low < shift < high
    assert low > 0
    # partners (mood around 62) rate trust above the residents of their areas, officers more so
    partners, p_low, _ = _pooled(trust[(trust["respondent"] == "partner") & (trust["versus"] == "resident")])
    officers, o_low, _ = _pooled(trust[(trust["respondent"] == "officer") & (trust["versus"] == "resident")])
    assert p_low > 0
    assert o_low > 0
    assert officers > partners


def test_demo_decks_carry_the_slide_for_leadership_only(demo_engine):
    with demo_engine.connect() as conn:
        leadership = build_deck(conn, "RIV-EAST-SCHOOLS", "leadership")
        public = build_deck(conn, "RIV-EAST-SCHOOLS", "public")
    keys = [s.key for s in leadership.slides]
    assert keys.index("perception") == keys.index("verdicts") - 1
    slide = leadership.slides[keys.index("perception")]
    assert slide.title == "How partners, officers and residents see it"
    assert "Officers rate trust in police" in slide.caption
    assert set(slide.data["respondent"]) == {"resident", "partner", "officer"}
    assert "perception" not in [s.key for s in public.slides]
    said = " ".join(f"{s.title} {s.caption} {s.source} {s.detail}" for s in public.slides)
    assert "Officers" not in said
    assert "officers" not in said


def test_a_public_deck_shows_what_passes_the_rule_and_nothing_else(tiny):
    # 30 partners and 30 officers in 2024 answer trust and a health item: enough of each to
    # publish partners against officers; the tiny city's 3 residents are not, so the trust
    # comparison (which includes them) stays hidden whole
    answers = [("partner", OCT, item, 3 + k % 3) for k in range(30) for item in (1, COLLAB)]
    answers += [("officer", OCT, item, 4 + k % 2) for k in range(30) for item in (1, COLLAB)]
    add_staff(tiny, [(who, day, item, v) for who, day, item, v in answers])
    with tiny.connect() as conn:
        got = perception(conn, PERIOD, PUBLIC)
        deck = build_deck(conn, "P", "public")
    assert set(got["views"]["construct"]) == {"collaboration"}
    assert set(got["views"]["respondent"]) == {"partner", "officer"}
    assert (got["views"]["n"] >= 30).all()
    assert set(got["items"]["respondent"]) == {"partner", "officer"}
    slide = next(s for s in deck.slides if s.key == "perception")
    assert set(slide.data["construct"]) == {"collaboration"}
    assert "resident" not in set(slide.data["respondent"])
    assert "Officers" in slide.caption
    assert "partners" in slide.caption
