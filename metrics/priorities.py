""" "You said, we did": a partnership's community priorities, the initiatives that answered
them, and what changed, as measured by each initiative's own evaluation.

`priority_rows` reads the priorities and their responding initiatives (two small
queries). A priority raised from the survey with a codebook theme but no count of who
raised it is given one: the residents of the partnership's catchment areas whose written
answers in the year up to the day it was raised speak to that theme (metrics.themes codes
them), counted in people, not answers. `you_said_we_did` then joins each priority with
the evaluation of its initiatives (`evaluate(conn, code)["initiatives"]`, see
metrics.initiatives): the result for the initiative's outcome that matches the
priority's, else the initiative's overall verdict; an initiative never carried out is
untested, not failed.

Public rules: titles are written by the partnership and are public; residents' own words
never leave this module, only counts of them, and a count of 1 to 10 people reads "fewer
than 11" (metrics.publish).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, and_, select

from db.models import (
    Initiative,
    Partnership,
    PartnershipArea,
    Priority,
    PriorityResponse,
    SurveyOpenAnswer,
    SurveyResponse,
)
from metrics.formatting import month_label
from metrics.initiatives import DISPLACED, MOVED
from metrics.perception import construct_label
from metrics.publish import PUBLIC, Rules, count_text, is_small
from metrics.registry import CRIME_GROUP_LABELS
from metrics.themes import ENGLISH, Codebook, load_codebook, read
from metrics.verdict import IMPROVED

ROW_COLUMNS = [
    "priority_id",
    "title",
    "source",
    "raised_on",
    "theme",
    "outcome",
    "raised_by",
    "counted",
    "initiative_ids",
    "initiative_names",
]
COLUMNS = [
    "priority_id",
    "you_said",
    "source",
    "raised_on",
    "theme",
    "raised_by",
    "raised_by_text",
    "counted",
    "we_did",
    "status",
    "verdicts",
    "what_changed",
    "responses",
    "sentence",
]
NO_INITIATIVE = "no initiative yet"
UNTESTED = "untested: not carried out"
EVALUATED = "evaluated"
NOT_CARRIED_OUT = "not carried out"
FROM = {"survey": "in the survey", "meeting": "at a meeting", "consultation": "in a consultation"}


def outcome_label(outcome: str) -> str:
    """'Property crime', 'Trust in police': a crime group or survey construct as named."""
    return CRIME_GROUP_LABELS.get(outcome) or construct_label(outcome)


def _year_before(day: date) -> date:
    return (pd.Timestamp(day) - pd.DateOffset(years=1)).date()


def _priorities(conn: Connection, code: str) -> pd.DataFrame:
    p, r, i = Priority, PriorityResponse, Initiative
    q = (
        select(p.id, p.title, p.source, p.raised_on, p.theme, p.outcome, p.raised_by, i.id, i.name)
        .join(Partnership, Partnership.id == p.partnership_id)
        .outerjoin(r, r.priority_id == p.id)
        .outerjoin(i, i.id == r.initiative_id)
        .where(Partnership.code == code)
        .order_by(p.raised_on, p.title, i.name)
    )
    columns = [*ROW_COLUMNS[:7], "initiative_id", "initiative_name"]
    return pd.DataFrame(conn.execute(q).all(), columns=columns)


def _resident_answers(conn: Connection, code: str, first: date, last: date) -> pd.DataFrame:
    """Written answers of residents of partnership `code`'s catchment areas from `first` to
    `last` (inclusive). Columns: response_id, written_on, text."""
    r = SurveyResponse
    catchment = (
        select(PartnershipArea.area_id)
        .join(Partnership, Partnership.id == PartnershipArea.partnership_id)
        .where(and_(Partnership.code == code, PartnershipArea.role == "catchment"))
    )
    q = (
        select(r.id, r.responded_on, SurveyOpenAnswer.text)
        .join(SurveyOpenAnswer, SurveyOpenAnswer.response_id == r.id)
        .where(
            r.respondent_type == "resident",
            r.area_id.in_(catchment),
            r.responded_on >= first,
            r.responded_on <= last,
        )
    )
    frame = pd.DataFrame(conn.execute(q).all(), columns=["response_id", "written_on", "text"])
    frame["written_on"] = pd.to_datetime(frame["written_on"]).dt.date
    return frame


def _residents_writing(answers: pd.DataFrame, theme: str, raised_on: date) -> int:
    """How many residents wrote about `theme` in the year up to `raised_on`."""
    window = answers[(answers["written_on"] > _year_before(raised_on)) & (answers["written_on"] <= raised_on)]
    about = window[[theme in themes for themes in window["themes"]]]
    return int(about["response_id"].nunique())


def priority_rows(conn: Connection, code: str, codebook: Codebook | None = None) -> pd.DataFrame:
    """Partnership `code`'s priorities, oldest first, one row each.

    Columns: priority_id, title, source, raised_on, theme, outcome, raised_by (people; None
    when unknown), counted (True when raised_by was counted here from residents' written
    answers: a survey priority with a codebook theme and no count of its own),
    initiative_ids and initiative_names (tuples, by name; empty when none responded).
    """
    flat = _priorities(conn, code)
    rows = []
    for pid, group in flat.groupby("priority_id", sort=False):
        first = group.iloc[0]
        answered = group.dropna(subset=["initiative_id"])
        rows.append(
            {
                "priority_id": int(pid),
                "title": first["title"],
                "source": first["source"],
                "raised_on": first["raised_on"],
                "theme": first["theme"],
                "outcome": first["outcome"],
                "raised_by": None if pd.isna(first["raised_by"]) else int(first["raised_by"]),
                "counted": False,
                "initiative_ids": tuple(int(i) for i in answered["initiative_id"]),
                "initiative_names": tuple(answered["initiative_name"]),
            }
        )
    codebook = codebook or load_codebook()
    to_count = [
        r for r in rows if r["source"] == "survey" and r["raised_by"] is None and r["theme"] in codebook.names
    ]
    if to_count:
        days = [r["raised_on"] for r in to_count]
        answers = read(_resident_answers(conn, code, _year_before(min(days)), max(days)), codebook)
        answers = answers[answers["language"] == ENGLISH]
        for r in to_count:
            r["raised_by"] = _residents_writing(answers, r["theme"], r["raised_on"])
            r["counted"] = True
    frame = pd.DataFrame(rows, columns=ROW_COLUMNS)
    # whole numbers or None, not floats with NaN
    frame["raised_by"] = pd.Series([r["raised_by"] for r in rows], index=frame.index, dtype=object)
    return frame


def _result(priority_outcome: str | None, initiative_id: int, name: str, evaluated: dict | None) -> dict:
    """What one responding initiative did for a priority: id, name, fidelity (its label),
    outcome (the matched outcome's key, or None for the overall verdict), verdict and
    sentence."""
    if evaluated is None:
        return {
            "id": initiative_id,
            "name": name,
            "fidelity": "not recorded",
            "outcome": None,
            "verdict": "not evaluated",
            "sentence": f"{name} has not been evaluated.",
        }
    fidelity = evaluated["fidelity"]["label"]
    out = {"id": initiative_id, "name": evaluated["name"], "fidelity": fidelity}
    if fidelity == NOT_CARRIED_OUT or evaluated["verdict"] == "Untested":
        return out | {"outcome": None, "verdict": UNTESTED, "sentence": evaluated["fidelity"]["sentence"]}
    if not evaluated.get("targeted", True) or evaluated.get("verdict") is None:
        return out | {"outcome": None, "verdict": "not evaluated", "sentence": evaluated["sentence"]}
    matched = [o for o in evaluated.get("outcomes", []) if o.get("outcome") == priority_outcome]
    if priority_outcome and matched:
        best = matched[0]
        moved = best["verdict"] == IMPROVED and (best.get("displacement") or {}).get("label") == DISPLACED
        verdict = MOVED if moved else best["verdict"]  # it fell here but rose next door: not a plain success
        return out | {"outcome": priority_outcome, "verdict": verdict, "sentence": best["sentence"]}
    return out | {"outcome": None, "verdict": evaluated["verdict"], "sentence": evaluated["sentence"]}


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _raised(row: dict, rules: Rules) -> tuple[int | None, str]:
    """(the count the audience may see, or None; its text: '34', 'fewer than 11', or
    'not recorded')."""
    n = row["raised_by"]
    if n is None:
        return None, "not recorded"
    return (None if is_small(n, rules) else n), count_text(n, rules)


def _you_said(row: dict, raised_text: str) -> str:
    when = month_label(row["raised_on"])
    where = FROM.get(row["source"], "")
    title = f"\u201c{row['title']}\u201d"
    if row["counted"]:
        who = "no resident" if row["raised_by"] == 0 else f"{raised_text} residents"
        return f"{who} wrote about {row['theme']} in the year to {when} ({title})"
    if row["raised_by"] is None:
        return f"{title} was raised {where} in {when}".replace("  ", " ")
    people = "person" if raised_text == "1" else "people"  # never "fewer than 11 person": it would tell 1
    return f"{raised_text} {people} raised {title} {where} in {when}".replace("  ", " ")


def _did(response: dict) -> str:
    if response["verdict"] == UNTESTED:
        return f"{response['name']} (never carried out, so untested)"
    what = outcome_label(response["outcome"]).lower() if response["outcome"] else "overall"
    return f"{response['name']} ({response['fidelity']}; {what}: {response['verdict'].lower()})"


def you_said_we_did(rows: pd.DataFrame, initiatives: list[dict], rules: Rules = PUBLIC) -> pd.DataFrame:
    """Each priority of `priority_rows` beside the initiatives that answered it and what
    changed, with `rules` applied to the count of people who raised it.

    Columns: priority_id, you_said (the title), source, raised_on, theme, raised_by (None
    when unknown or, under public rules, from 1 to 10), raised_by_text ('34', 'fewer than
    11', 'not recorded'), counted, we_did ('Name (fidelity label)', joined by '; ', or 'no
    initiative yet'), status ('no initiative yet', 'untested: not carried out' when no
    responding initiative was carried out, else 'evaluated'), verdicts (a tuple, one per
    initiative), what_changed (each initiative's verdict and sentence), responses (a tuple
    of dicts: id, name, fidelity, outcome, verdict, sentence) and sentence (one plain
    sentence). `initiatives` is `evaluate(conn, code)["initiatives"]`.
    """
    by_id = {i["id"]: i for i in initiatives}
    out = []
    for row in rows.to_dict("records"):
        row["raised_by"] = (
            None if pd.isna(row["raised_by"]) else int(row["raised_by"])
        )  # NaN in a float column
        responses = tuple(
            _result(row["outcome"], iid, name, by_id.get(iid))
            for iid, name in zip(row["initiative_ids"], row["initiative_names"], strict=True)
        )
        raised_by, raised_text = _raised(row, rules)
        said = _you_said(row, raised_text)
        if not responses:
            status, we_did, changed = NO_INITIATIVE, NO_INITIATIVE, ""
            sentence = f"{said}; {NO_INITIATIVE}."
        else:
            untested = all(r["verdict"] == UNTESTED for r in responses)
            status = UNTESTED if untested else EVALUATED
            we_did = "; ".join(f"{r['name']} ({r['fidelity']})" for r in responses)
            named = len(responses) > 1  # with several initiatives, say whose result is whose
            changed = " ".join(
                (f"{r['name']}: " if named else "") + f"{r['verdict']}. {r['sentence']}" for r in responses
            )
            sentence = f"{said}; the partnership answered with {_and([_did(r) for r in responses])}."
        out.append(
            {
                "priority_id": row["priority_id"],
                "you_said": row["title"],
                "source": row["source"],
                "raised_on": row["raised_on"],
                "theme": row["theme"],
                "raised_by": raised_by,
                "raised_by_text": raised_text,
                "counted": bool(row["counted"]),
                "we_did": we_did,
                "status": status,
                "verdicts": tuple(r["verdict"] for r in responses),
                "what_changed": changed,
                "responses": responses,
                "sentence": sentence[0].upper() + sentence[1:],
            }
        )
    frame = pd.DataFrame(out, columns=COLUMNS)
    frame["raised_by"] = pd.Series([r["raised_by"] for r in out], index=frame.index, dtype=object)
    return frame
