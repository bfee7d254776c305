"""What the public may never learn from the voice slides and sections, whatever the data:
how many people raised a priority when they were 1 to 10 (the slide's text, its table, its
data, the page's CSV do not change with that number), and what a decision said (its
summary appears in no slide, figure, chart data or public loader result)."""

from __future__ import annotations

import json
import re
import string
from datetime import date, timedelta

import pandas as pd
import streamlit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from board.voice_slides import priorities_table, voice_slides, you_said_slide
from charts.decisions import on_time_bars, proposer_shares
from charts.figures import figure_table
from db.models import Decision
from metrics.decisions import decision_periods
from metrics.priorities import ROW_COLUMNS, you_said_we_did
from metrics.publish import LEADERSHIP, PUBLIC, csv_bytes
from tests.tiny_city import fill_tiny

SMALL = st.integers(min_value=1, max_value=10)
PEOPLE = re.compile(r"(?<!1 to )\b(10|[1-9]) (people|person|residents|resident)\b")  # not the rule itself
INITIATIVES = [
    {
        "id": 1,
        "name": "Night patrols",
        "fidelity": {"label": "delivered", "sentence": "All delivered."},
        "verdict": "Improved",
        "sentence": "Property crime fell.",
        "outcomes": [
            {
                "outcome": "property",
                "verdict": "Improved",
                "sentence": "Property crime fell 20%.",
                "effect": {"estimate": -0.2, "ci": [-0.3, -0.1], "scale": "relative"},
                "displacement": {"label": "no sign of displacement", "sentence": ""},
            }
        ],
    }
]


def _rows(counts: list[int], kinds: list[tuple[str, bool, bool]]) -> pd.DataFrame:
    """priority_rows' shape: one priority per count, each raised at a meeting, in a survey
    (counted from written answers) or a consultation, answered by the patrols or not."""
    return pd.DataFrame(
        [
            {
                "priority_id": k,
                "title": f"Priority {string.ascii_uppercase[k]}",
                "source": source,
                "raised_on": date(2024, 1, 10) + timedelta(days=30 * k),
                "theme": "burglary",
                "outcome": "property",
                "raised_by": n,
                "counted": counted,
                "initiative_ids": (1,) if answered else (),
                "initiative_names": ("Night patrols",) if answered else (),
            }
            for k, (n, (source, counted, answered)) in enumerate(zip(counts, kinds, strict=True))
        ],
        columns=ROW_COLUMNS,
    )


def _public_text(rows: pd.DataFrame) -> str:
    """Everything the public gets from these priorities: the slide (title, caption, source,
    notes, data, the drawn table) and the page's CSV."""
    said = you_said_we_did(rows, INITIATIVES, PUBLIC)
    slide = you_said_slide(said, INITIATIVES, PUBLIC)
    table = priorities_table(said, INITIATIVES)
    return "\n".join(
        [
            slide.title,
            slide.caption,
            slide.source,
            slide.detail,
            slide.data.to_csv(index=False),
            json.dumps(slide.figure.to_plotly_json(), default=str),
            csv_bytes(table).decode(),
        ]
    )


KIND = st.tuples(st.sampled_from(["meeting", "survey", "consultation"]), st.booleans(), st.booleans())


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_no_count_of_1_to_10_people_reaches_a_public_output(data):
    size = data.draw(st.integers(min_value=1, max_value=7))
    kinds = [
        (s, counted and s == "survey", a)
        for s, counted, a in data.draw(st.lists(KIND, min_size=size, max_size=size))
    ]
    counts = data.draw(st.lists(SMALL, min_size=size, max_size=size))
    others = data.draw(st.lists(SMALL, min_size=size, max_size=size))
    shown = _public_text(_rows(counts, kinds))
    assert not PEOPLE.search(shown), PEOPLE.search(shown)
    assert "fewer than 11" in shown
    assert shown == _public_text(_rows(others, kinds))  # nothing in it depends on the small count
    leadership = you_said_we_did(_rows(counts, kinds), INITIATIVES, LEADERSHIP)
    assert list(leadership["raised_by"]) == counts  # leadership sees them as they are


SUMMARY = st.text(alphabet=string.ascii_letters, min_size=6, max_size=16).map(lambda s: f"Confidential {s}")
DECISION = st.tuples(
    st.sampled_from(["police", "residents", "school", "faith"]),
    st.sampled_from(["agreed", "done", "dropped"]),
    st.integers(min_value=0, max_value=700),
    SUMMARY,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(DECISION, min_size=1, max_size=12, unique_by=lambda d: d[3]))
def test_no_decision_summary_reaches_a_public_output(engine, decisions):
    from ui import data as loaders

    if not getattr(engine, "_tiny", False):
        fill_tiny(engine)
        engine._tiny = True
    first = date(2024, 1, 8)
    with engine.begin() as conn:
        conn.execute(delete(Decision))
        conn.execute(
            insert(Decision),
            [
                {
                    "partnership_id": 1,
                    "decided_on": first + timedelta(days=day),
                    "summary": summary,
                    "proposed_by": who,
                    "status": status,
                    "due_on": first + timedelta(days=day + 30),
                    "done_on": first + timedelta(days=day + 20) if status == "done" else None,
                }
                for who, status, day, summary in decisions
            ],
        )
    with engine.connect() as conn:
        slides = voice_slides(conn, "P", [], PUBLIC)
    streamlit.cache_data.clear()
    got = loaders.decisions(engine.url.render_as_string(hide_password=False), "public", "P", None)
    assert got["records"] is None  # the list with its summaries is for leadership only
    outputs = [
        f"{s.title} {s.caption} {s.source} {s.detail} {s.data.to_csv(index=False)} "
        + json.dumps(s.figure.to_plotly_json(), default=str)
        for s in slides
    ]
    outputs += [got[k].to_csv(index=False) for k in ("quarters", "years", "survey")] + [str(got["summary"])]
    periods = decision_periods(got["years"])
    outputs += [
        csv_bytes(figure_table(fig)).decode()
        for fig in (
            proposer_shares(periods, "Who"),
            on_time_bars(periods, "Done"),
        )
    ]
    assert [s.key for s in slides] == ["decisions", "follow_through"][: len(slides)]
    assert not any("Confidential" in text for text in outputs)
