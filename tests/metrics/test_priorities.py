""" "You said, we did" (metrics.priorities): four priorities of the tiny city's partnership
joined by hand with initiative evaluations of the shape metrics.initiatives returns; the
residents counted from their written answers; and the public rule on who raised them."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from db.models import Initiative, Priority, PriorityResponse, SurveyOpenAnswer, SurveyResponse
from metrics.priorities import NO_INITIATIVE, UNTESTED, priority_rows, you_said_we_did
from metrics.publish import LEADERSHIP, PUBLIC
from tests.tiny_city import fill_tiny

D = date
RAISED = D(2024, 3, 1)
SPEEDING = "speeding and traffic"
# (response id, area, respondent type, day, question, text); the tiny city's r1-r5 answered on 1 Feb 2024
WRITTEN = [
    (1, 1, "resident", None, "Q", "Cars speeding down Mill Road every night"),
    (2, 1, "resident", None, "Q", "Speeding drivers and noise"),
    (2, 1, "resident", None, "Q2", "The traffic is terrible"),  # the same resident again: counted once
    (3, 1, "resident", None, "Q", "Fine thanks"),  # no theme
    (4, 2, "resident", None, "Q", "Speeding everywhere"),  # lives in B, outside the partnership
    (5, 1, "officer", None, "Q", "Speeding is the main complaint"),  # an officer, not a resident
    (6, 1, "resident", D(2022, 6, 1), "Q", "Speeding traffic on the bypass"),  # two years before
]


def evaluation(iid, name, fidelity, verdict, sentence, outcomes=()) -> dict:
    """An initiative's evaluation with the keys metrics.initiatives gives (those read here)."""
    return {
        "id": iid,
        "name": name,
        "response_type": None,
        "stage": "response",
        "targeted": bool(outcomes),
        "start": "2024-04-01",
        "planned_end": None,
        "ended_on": None,
        "target": {"areas": ["Area A"], "outcomes": [o["outcome"] for o in outcomes], "hotspot": False},
        "fidelity": {
            "planned": 24,
            "delivered": 0 if fidelity == "not carried out" else 20,
            "share": 0.0 if fidelity == "not carried out" else 20 / 24,
            "label": fidelity,
            "sentence": f"{name} was never carried out." if fidelity == "not carried out" else "Delivered.",
        },
        "outcomes": list(outcomes),
        "verdict": verdict,
        "sentence": sentence,
        "goal": {"answer": "no measurable goal", "measured": False, "sentence": ""},
        "claim": {"goal_met": None, "sentence": ""},
    }


def outcome(key, label, verdict, sentence) -> dict:
    return {"outcome": key, "label": label, "kind": "crime", "verdict": verdict, "sentence": sentence}


INITIATIVES = [
    evaluation(
        1,
        "Foot patrols",
        "delivered",
        "Improved",
        "Foot patrols improved what they targeted.",
        [outcome("property", "Property crime", "Improved", "Property crime fell against similar areas.")],
    ),
    evaluation(
        2,
        "Park lighting",
        "partly delivered",
        "No clear change",
        "Park lighting made no clear change.",
        [outcome("safety", "Feeling safe", "No clear change", "Feeling safe did not clearly change.")],
    ),
    evaluation(3, "Speed watch", "not carried out", "Untested", "Speed watch was not carried out."),
]
# (id, title, source, raised_on, theme, outcome, raised_by, responding initiatives)
PRIORITIES = [
    (1, "Burglary in the flats", "meeting", D(2024, 1, 20), None, "property", 34, [1]),
    (2, "Speeding on Mill Road", "survey", RAISED, SPEEDING, None, None, [3]),
    (3, "Noise at night", "consultation", D(2024, 5, 2), "noise", None, 7, []),
    (4, "Feeling safe in the park", "meeting", D(2024, 6, 9), None, "safety", None, [1, 2]),
]


def fill_said(engine) -> None:
    """The tiny city with the initiatives, priorities and written answers above."""
    fill_tiny(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(Initiative),
            [
                {"id": i["id"], "partnership_id": 1, "name": i["name"], "stage": "response"}
                for i in INITIATIVES
            ],
        )
        conn.execute(
            insert(Priority),
            [
                {
                    "id": pid,
                    "partnership_id": 1,
                    "title": title,
                    "source": source,
                    "raised_on": on,
                    "theme": theme,
                    "outcome": out,
                    "raised_by": n,
                }
                for pid, title, source, on, theme, out, n, _ in PRIORITIES
            ],
        )
        conn.execute(
            insert(PriorityResponse),
            [{"priority_id": p[0], "initiative_id": i} for p in PRIORITIES for i in p[7]],
        )
        conn.execute(
            insert(SurveyResponse),
            {
                "id": 6,
                "respondent_type": "resident",
                "area_id": 1,
                "responded_on": D(2022, 6, 1),
                "quarter_start": D(2022, 4, 1),
                "weight": 1.0,
            },
        )
        conn.execute(
            insert(SurveyOpenAnswer),
            [{"response_id": r, "question": q, "text": text} for r, _, _, _, q, text in WRITTEN],
        )


@pytest.fixture
def said(engine):
    fill_said(engine)
    return engine


def test_rows_carry_each_priority_with_the_initiatives_that_answered_it(said):
    with said.connect() as conn:
        rows = priority_rows(conn, "P")
    assert rows["title"].tolist() == [p[1] for p in PRIORITIES]  # oldest first
    by = rows.set_index("priority_id")
    assert by.loc[1, "initiative_names"] == ("Foot patrols",)
    assert by.loc[3, "initiative_ids"] == ()
    assert by.loc[4, "initiative_names"] == ("Foot patrols", "Park lighting")
    assert by.loc[1, "raised_by"] == 34
    assert by.loc[4, "raised_by"] is None  # a meeting priority without a count stays unknown
    assert not by.loc[1, "counted"]


def test_a_survey_priority_counts_the_residents_who_wrote_about_its_theme(said):
    with said.connect() as conn:
        rows = priority_rows(conn, "P")
    speeding = rows.set_index("priority_id").loc[2]
    # r1 and r2 of area A in the year to 1 Mar 2024 (r2 twice, counted once); not the
    # resident of B, not the officer, not the resident who wrote two years before
    assert speeding["raised_by"] == 2
    assert speeding["counted"]


def test_you_said_we_did_for_each_kind_of_answer(said):
    with said.connect() as conn:
        rows = priority_rows(conn, "P")
    shown = you_said_we_did(rows, INITIATIVES, LEADERSHIP).set_index("priority_id")

    burglary = shown.loc[1]
    assert burglary["status"] == "evaluated"
    assert burglary["we_did"] == "Foot patrols (delivered)"
    assert burglary["verdicts"] == ("Improved",)
    assert burglary["responses"][0]["outcome"] == "property"  # the outcome the priority names
    assert burglary["what_changed"] == "Improved. Property crime fell against similar areas."
    assert burglary["sentence"] == (
        "34 people raised \u201cBurglary in the flats\u201d at a meeting in Jan 2024; "
        "the partnership answered with Foot patrols (delivered; property crime: improved)."
    )

    speeding = shown.loc[2]
    assert speeding["status"] == UNTESTED
    assert speeding["verdicts"] == (UNTESTED,)
    assert speeding["raised_by_text"] == "2"
    assert speeding["sentence"].startswith(
        "2 residents wrote about speeding and traffic in the year to Mar 2024"
    )
    assert "Speed watch (never carried out, so untested)" in speeding["sentence"]

    noise = shown.loc[3]
    assert noise["status"] == NO_INITIATIVE
    assert noise["we_did"] == NO_INITIATIVE
    assert (
        noise["sentence"]
        == "7 people raised \u201cNoise at night\u201d in a consultation in May 2024; no initiative yet."
    )

    park = shown.loc[4]
    # Foot patrols has no feeling-safe result: its overall verdict; Park lighting's own result
    assert park["verdicts"] == ("Improved", "No clear change")
    assert [r["outcome"] for r in park["responses"]] == [None, "safety"]
    assert "Park lighting: No clear change. Feeling safe did not clearly change." in park["what_changed"]
    assert park["sentence"].startswith(
        "\u201cFeeling safe in the park\u201d was raised at a meeting in Jun 2024;"
    )
    assert "Foot patrols (delivered; overall: improved) and Park lighting" in park["sentence"]


def test_the_public_sees_no_small_count_and_no_residents_words(said):
    with said.connect() as conn:
        rows = priority_rows(conn, "P")
    public = you_said_we_did(rows, INITIATIVES, PUBLIC).set_index("priority_id")
    assert public.loc[3, "raised_by"] is None
    assert public.loc[3, "raised_by_text"] == "fewer than 11"
    assert public.loc[3, "sentence"].startswith("Fewer than 11 people raised")
    assert public.loc[2, "sentence"].startswith("Fewer than 11 residents wrote about speeding and traffic")
    assert public.loc[1, "raised_by"] == 34
    text = public.astype(str).to_string()
    for *_, words in WRITTEN:
        assert words not in text


def test_an_initiative_missing_from_the_evaluation_is_said_not_evaluated(said):
    with said.connect() as conn:
        rows = priority_rows(conn, "P")
    shown = you_said_we_did(rows, INITIATIVES[1:], LEADERSHIP).set_index("priority_id")
    assert shown.loc[1, "verdicts"] == ("not evaluated",)


def test_a_partnership_without_priorities_gives_an_empty_table(engine):
    fill_tiny(engine)
    with engine.connect() as conn:
        rows = priority_rows(conn, "P")
    assert rows.empty
    assert you_said_we_did(rows, [], PUBLIC).empty


# --- the public rule, for any counts --------------------------------------------------

PRIORITY = st.tuples(
    st.one_of(st.none(), st.integers(0, 60)),
    st.booleans(),
    st.sampled_from(["meeting", "survey", "consultation", "other"]),
    st.lists(st.sampled_from([1, 2, 3]), unique=True, max_size=3),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(PRIORITY, min_size=1, max_size=8))
def test_no_count_from_1_to_10_of_who_raised_a_priority_is_ever_public(priorities):
    rows = pd.DataFrame(
        [
            {
                "priority_id": k,
                "title": f"Priority {chr(65 + k)}",
                "source": source,
                "raised_on": D(2024, 3, 1),
                "theme": SPEEDING,
                "outcome": "property",
                "raised_by": n,
                "counted": counted and n is not None,
                "initiative_ids": tuple(ids),
                "initiative_names": tuple(INITIATIVES[i - 1]["name"] for i in ids),
            }
            for k, (n, counted, source, ids) in enumerate(priorities)
        ]
    )
    public = you_said_we_did(rows, INITIATIVES, PUBLIC)
    leadership = you_said_we_did(rows, INITIATIVES, LEADERSHIP)
    pairs = zip(public.to_dict("records"), leadership.to_dict("records"), strict=True)
    for (n, *_), (shown, full) in zip(priorities, pairs, strict=True):
        words = " ".join(shown[c] for c in ("raised_by_text", "sentence", "we_did", "what_changed"))
        numbers = {int(x) for x in re.findall(r"\d+", words)}
        if n is not None and 1 <= n <= 10:
            assert shown["raised_by"] is None
            assert shown["raised_by_text"] == "fewer than 11"
            assert n not in numbers - {2024}
            assert full["raised_by"] == n  # leadership sees it with its number
            assert str(n) in full["sentence"]
        else:
            assert shown["raised_by"] == n
            assert shown["sentence"] == full["sentence"]


@pytest.mark.postgres
def test_postgresql_gives_the_same_answers_as_sqlite(pg_engine, tmp_path):
    from db.engine import make_engine
    from db.migrate import upgrade

    lite = make_engine(f"sqlite:///{tmp_path / 'lite.sqlite'}")
    got = []
    for eng in (lite, pg_engine):
        upgrade(eng)
        fill_said(eng)
        with eng.connect() as conn:
            rows = priority_rows(conn, "P")
        got.append((rows, you_said_we_did(rows, INITIATIVES, PUBLIC)))
    lite.dispose()
    (rows_lite, shown_lite), (rows_pg, shown_pg) = got
    pd.testing.assert_frame_equal(rows_lite, rows_pg)
    pd.testing.assert_frame_equal(shown_lite, shown_pg)


def test_an_initiative_with_no_target_is_said_not_evaluated_on_its_own(said):
    """An old-style initiative (no target) answering a priority: its evaluation has no
    verdict, and the priority says it was not evaluated rather than failing to read."""
    from metrics.initiatives import evaluate_initiatives

    with said.connect() as conn:
        rows = priority_rows(conn, "P")
        evaluated = evaluate_initiatives(conn, "P")  # the tiny city's initiatives have no target
    assert all(e["verdict"] is None for e in evaluated)
    shown = you_said_we_did(rows, evaluated, LEADERSHIP).set_index("priority_id")
    assert shown.loc[1, "verdicts"] == ("not evaluated",)
    assert "not evaluated on its own" in shown.loc[1, "what_changed"]
