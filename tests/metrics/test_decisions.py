"""Shared decision-making (metrics.decisions): ten decisions of the tiny city's partnership,
counted by hand per quarter, the follow-through rule at its edges, the Wilson intervals by
their formula, and the partner survey beside them under the public rule."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from scipy.stats import norm
from sqlalchemy import insert

from db.models import Decision, SurveyAnswer, SurveyItem, SurveyResponse
from metrics.decisions import (
    beside_partner_survey,
    decision_quarters,
    decision_records,
    decision_summary,
    decision_years,
    last_date,
    summary_sentence,
)
from metrics.publish import LEADERSHIP, PUBLIC
from tests.tiny_city import fill_tiny

D = date
# (decided_on, proposed_by, status, due_on, done_on), and why each counts as it does
DECISIONS = [
    (D(2024, 1, 10), "police", "agreed", D(2024, 3, 1), None),  # overdue: not followed through
    (D(2024, 2, 5), "school", "done", D(2024, 3, 1), D(2024, 2, 20)),  # on time
    (D(2024, 3, 30), "residents", "done", D(2024, 4, 30), D(2024, 5, 15)),  # done late
    (D(2024, 4, 2), "business", "dropped", D(2024, 5, 1), None),  # dropped after it was due
    (D(2024, 5, 20), "residents", "agreed", None, None),  # no due date: left out
    (D(2024, 6, 30), "police", "done", D(2024, 7, 31), None),  # done on an unknown day: left out
    (D(2024, 10, 1), "faith", "agreed", D(2025, 6, 30), None),  # not yet due: left out
    (D(2024, 11, 11), "resident_group", "done", D(2025, 6, 30), D(2024, 12, 1)),  # done early
    (D(2024, 12, 31), "police", "done", D(2024, 12, 31), D(2024, 12, 31)),  # done on the day
    (D(2024, 12, 15), "police", "agreed", D(2024, 12, 31), None),  # due on the last day, not done
]


def add_decisions(engine, decisions=DECISIONS, partnership_id: int = 1) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(Decision),
            [
                {
                    "partnership_id": partnership_id,
                    "decided_on": on,
                    "summary": f"Decision {k}: tell nobody outside the room",
                    "proposed_by": who,
                    "status": status,
                    "due_on": due,
                    "done_on": done,
                }
                for k, (on, who, status, due, done) in enumerate(decisions)
            ],
        )


@pytest.fixture
def decided(engine):
    fill_tiny(engine)
    add_decisions(engine)
    return engine


def _wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score interval by its formula."""
    z = norm.ppf(0.975)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def test_quarters_count_who_proposed_what_became_of_it_and_what_was_done_on_time(decided):
    with decided.connect() as conn:
        quarters = decision_quarters(conn, "P")
    # Q3 2024 had no meeting that decided anything: it has no row
    assert quarters["quarter"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-04-01", "2024-10-01"]
    got = quarters.set_index(quarters["quarter"].dt.month)
    columns = ["decisions", "police", "partners", "residents", "agreed", "done", "dropped", "due", "on_time"]
    assert got.loc[1, columns].tolist() == [3, 1, 1, 1, 1, 2, 0, 3, 1]
    assert got.loc[4, columns].tolist() == [3, 1, 1, 1, 1, 1, 1, 1, 0]
    # a resident group is a partner organisation, not residents
    assert got.loc[10, columns].tolist() == [4, 2, 2, 0, 2, 2, 0, 3, 2]
    assert got.loc[1, "non_police"] == 2
    assert got.loc[1, "non_police_share"] == pytest.approx(2 / 3)
    assert got.loc[10, "follow_through"] == pytest.approx(2 / 3)
    assert got.loc[4, "follow_through"] == 0.0


def test_the_data_ends_on_the_last_recorded_day_and_a_decision_not_yet_due_is_left_out(decided):
    with decided.connect() as conn:
        assert last_date(conn, "P") == D(2024, 12, 31)
        records = decision_records(conn, "P")
        midyear = decision_quarters(conn, "P", as_of=D(2024, 6, 30))
    by_day = records.set_index("decided_on")
    assert "summary" not in records.columns
    assert by_day.loc[D(2024, 3, 30), "on_time"] is False  # done late
    assert by_day.loc[D(2024, 11, 11), "on_time"] is True  # done before it was due
    assert by_day.loc[D(2024, 12, 31), "on_time"] is True  # done on its due day
    assert by_day.loc[D(2024, 12, 15), "on_time"] is False  # due on the data's last day, not done
    assert by_day.loc[D(2024, 10, 1), "on_time"] is None  # not yet due
    assert not by_day.loc[D(2024, 10, 1), "counted"]
    assert by_day.loc[D(2024, 6, 30), "on_time"] is None  # done on an unknown day
    assert by_day.loc[D(2024, 5, 20), "on_time"] is None  # no due date
    # at the end of June, the decision due on 31 December was not yet due; the done one was
    q4 = midyear.set_index(midyear["quarter"].dt.month).loc[10]
    assert (q4["due"], q4["on_time"]) == (2, 2)


def test_the_summary_gives_totals_shares_wilson_intervals_and_one_sentence(decided):
    with decided.connect() as conn:
        summary = decision_summary(conn, "P")
    assert (summary["decisions"], summary["non_police"], summary["due"], summary["on_time"]) == (10, 6, 7, 3)
    assert (summary["police"], summary["partners"], summary["residents"]) == (4, 4, 2)
    assert summary["first"] == D(2024, 1, 10)
    assert summary["non_police_share"] == pytest.approx(0.6)
    assert summary["non_police_ci"] == pytest.approx(_wilson(6, 10))
    assert summary["follow_through"] == pytest.approx(3 / 7)
    assert summary["follow_through_ci"] == pytest.approx(_wilson(3, 7))
    assert summary["sentence"] == (
        "Of 10 decisions since Jan 2024, 6 (60%) were proposed by partners or residents; "
        "3 of 7 due so far (43%) were done on time."
    )
    assert "nobody outside" not in str(summary)  # summaries stay out unless asked for


def test_a_period_counts_the_decisions_made_in_it_judged_as_of_the_datas_last_day(decided):
    """April to June 2024 made three decisions (a business's, dropped after it was due; the
    residents' without a due date; a police one done on an unknown day): one was due, none
    on time. What became of them is as of 31 December, not of the period's end."""
    spring = (D(2024, 4, 1), D(2024, 6, 30))
    with decided.connect() as conn:
        summary = decision_summary(conn, "P", period=spring)
        quarters = decision_quarters(conn, "P", period=spring)
        records = decision_records(conn, "P", period=spring)
        everything = decision_summary(conn, "P", period=(D(2020, 1, 1), D(2030, 12, 31)))
        nothing = decision_summary(conn, "P", period=(D(2023, 1, 1), D(2023, 12, 31)))
    assert (summary["decisions"], summary["non_police"], summary["due"], summary["on_time"]) == (3, 2, 1, 0)
    assert summary["first"] == D(2024, 4, 2)
    assert summary["sentence"] == (
        "Of 3 decisions made from Apr 2024 to Jun 2024, 2 (67%) were proposed by partners or residents; "
        "0 of 1 due so far (0%) were done on time."
    )
    assert quarters["quarter"].dt.strftime("%Y-%m").tolist() == ["2024-04"]
    assert records["decided_on"].tolist() == [D(2024, 4, 2), D(2024, 5, 20), D(2024, 6, 30)]
    # a period that leaves no decision out reads as the whole record
    assert everything["period"] is None
    assert everything["sentence"].startswith("Of 10 decisions since Jan 2024")
    assert nothing["decisions"] == 0
    assert nothing["sentence"] == "No decisions were recorded from Jan 2023 to Dec 2023."


def test_summaries_come_only_when_asked_for(decided):
    with decided.connect() as conn:
        records = decision_records(conn, "P", with_summary=True)
    assert records["summary"].str.startswith("Decision ").all()
    assert len(records) == 10


def test_years_sum_the_quarters(decided):
    with decided.connect() as conn:
        years = decision_years(decision_quarters(conn, "P"))
    assert years["year"].tolist() == [2024]
    assert years.loc[0, ["decisions", "non_police", "due", "on_time"]].tolist() == [10, 6, 7, 3]
    assert years.loc[0, "follow_through"] == pytest.approx(3 / 7)


def test_a_partnership_without_decisions_says_so(engine):
    fill_tiny(engine)
    with engine.connect() as conn:
        assert decision_quarters(conn, "P").empty
        summary = decision_summary(conn, "P")
    assert summary["decisions"] == 0
    assert summary["non_police_ci"] is None
    assert summary["sentence"] == "No decisions have been recorded yet."


def test_the_sentence_reads_when_nothing_was_due_yet():
    sentence = summary_sentence(
        {"decisions": 1, "non_police": 1, "non_police_share": 1.0, "first": D(2025, 3, 4), "due": 0}
    )
    assert sentence == (
        "Of 1 decision since Mar 2025, 1 (100%) was proposed by partners or residents; none was due yet."
    )


def test_another_partnerships_decisions_are_not_counted(decided):
    from db.models import Partnership

    with decided.begin() as conn:
        conn.execute(insert(Partnership), {"id": 2, "code": "Q", "name": "Q", "start_date": D(2023, 1, 1)})
    add_decisions(decided, [(D(2024, 1, 2), "police", "agreed", None, None)], partnership_id=2)
    with decided.connect() as conn:
        assert decision_summary(conn, "P")["decisions"] == 10
        assert decision_summary(conn, "Q")["decisions"] == 1


# --- beside what partners and officers say ----------------------------------------------


def add_partner_survey(engine, answers: list[tuple[str, date, int]]) -> None:
    """Partners' and officers' answers (kind, day, 1-5) to the shared-decisions item."""
    with engine.begin() as conn:
        conn.execute(
            insert(SurveyItem),
            {
                "id": 10,
                "code": "COLLAB_DECISIONS",
                "wording": "Partners share decisions about the partnership's priorities.",
                "construct": "collaboration",
                "scale_min": 1,
                "scale_max": 5,
            },
        )
        for k, (kind, day, value) in enumerate(answers):
            rid = 500 + k
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
            conn.execute(insert(SurveyAnswer), {"response_id": rid, "item_id": 10, "value": value})


def test_partners_view_of_shared_decisions_sits_beside_the_counts_with_its_n(decided):
    oct_ = D(2024, 10, 15)
    add_partner_survey(decided, [("partner", oct_, 4), ("partner", oct_, 5), ("officer", oct_, 3)])
    with decided.connect() as conn:
        leadership = beside_partner_survey(conn, "P", LEADERSHIP)
        public = beside_partner_survey(conn, "P", PUBLIC)
    year = leadership[leadership["year"] == 2024].set_index(["measure", "respondent"])
    # partners 4 and 5 of 1-5: 75 and 100
    assert year.loc[("COLLAB_DECISIONS", "partner"), "mean"] == pytest.approx(87.5)
    assert year.loc[("COLLAB_DECISIONS", "partner"), "n"] == 2
    assert year.loc[("COLLAB_DECISIONS", "officer"), "mean"] == pytest.approx(50.0)
    assert year.loc[("collaboration", "partner"), "mean"] == pytest.approx(87.5)
    assert year.loc[("COLLAB_DECISIONS", "partner"), "label"].startswith("Partners share decisions")
    # the item first, each year before the whole period, partners before officers
    order = leadership.assign(year=leadership["year"].fillna(0))[["measure", "year", "respondent"]]
    assert list(order.itertuples(index=False, name=None)) == [
        ("COLLAB_DECISIONS", 2024, "partner"),
        ("COLLAB_DECISIONS", 2024, "officer"),
        ("COLLAB_DECISIONS", 0, "partner"),
        ("COLLAB_DECISIONS", 0, "officer"),
        ("collaboration", 2024, "partner"),
        ("collaboration", 2024, "officer"),
        ("collaboration", 0, "partner"),
        ("collaboration", 0, "officer"),
    ]
    # three people: nothing of it in public
    assert public.empty


def test_a_year_with_thirty_of_each_kind_is_shown_in_public(decided):
    day = D(2025, 3, 1)
    add_partner_survey(decided, [("partner", day, 4)] * 30 + [("officer", day, 5)] * 30)
    with decided.connect() as conn:
        public = beside_partner_survey(conn, "P", PUBLIC)
    shown = public[(public["year"] == 2025) & (public["measure"] == "COLLAB_DECISIONS")]
    assert set(shown["respondent"]) == {"partner", "officer"}
    assert shown.set_index("respondent").loc["partner", "mean"] == pytest.approx(75.0)
    assert (public["n"] >= 30).all()


def test_no_partner_survey_gives_an_empty_frame(decided):
    with decided.connect() as conn:
        got = beside_partner_survey(conn, "P", LEADERSHIP)
    assert got.empty
    assert list(got.columns) == ["measure", "label", "respondent", "year", "mean", "ci_low", "ci_high", "n"]


# --- the same answers on PostgreSQL as on SQLite ----------------------------------------


@pytest.mark.postgres
def test_postgresql_gives_the_same_answers_as_sqlite(pg_engine, tmp_path):
    from db.engine import make_engine
    from db.migrate import upgrade

    lite = make_engine(f"sqlite:///{tmp_path / 'lite.sqlite'}")
    got = []
    for eng in (lite, pg_engine):
        upgrade(eng)
        fill_tiny(eng)
        add_decisions(eng)
        with eng.connect() as conn:
            got.append(
                (decision_quarters(conn, "P"), decision_summary(conn, "P"), decision_records(conn, "P"))
            )
    lite.dispose()
    (q_lite, s_lite, r_lite), (q_pg, s_pg, r_pg) = got
    pd.testing.assert_frame_equal(q_lite, q_pg)
    assert s_lite == s_pg
    pd.testing.assert_frame_equal(r_lite, r_pg)
