"""Two public slides on the partnership's voice: "You said, we did" (the community's
priorities, what the partnership did about each and what changed, as each initiative's own
evaluation measured it) and "Who decides?" (the share of decisions proposed by partners or
residents, and the share done by the date agreed, each year).

Numbers come from metrics.priorities and metrics.decisions with the audience's rules
applied there: a count of 1 to 10 people who raised a priority reads 'fewer than 11' in
public, residents' own words never reach this module, and a decision's summary is never
read. The page sections (ui/voice.py) use the same frames and sentences, so the page and the
room say the same thing.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Connection

from board.slide import Slide
from charts.board import LEFT, RIGHT, SLIDE_WIDTH, projected, table_header, wrap_to_width
from charts.decisions import shares_by_year
from charts.figures import base_figure
from charts.theme import INK, MUTED, band_fill, verdict_fill
from metrics.decisions import decision_quarters, decision_summary, decision_years, wilson
from metrics.formatting import month_label, verdict_label
from metrics.priorities import NO_INITIATIVE, UNTESTED, outcome_label, priority_rows, you_said_we_did
from metrics.publish import Rules
from metrics.verdict import effect_short

SHOWN_PRIORITIES = 5  # rows a room can read on one slide; the rest are in the notes
CELL_PX = 28  # the table's type: read from the back of a room
CELL_LINES = 3  # lines a cell may take, so that five rows always fit
COLUMNS = (("You said", 0.38), ("We did", 0.27), ("What changed", 0.35))  # heading, share of width
DISPLACED = "displaced"
SOURCE_WORDS = {"survey": "Survey", "meeting": "Meeting", "consultation": "Consultation"}
NOT_EVALUATED = "not evaluated on its own"


# --- what changed, in words -------------------------------------------------------------


def _initiative_outcome(initiatives: list[dict], response: dict) -> dict | None:
    """The evaluated outcome a priority's response was judged on (its own outcome, else the
    one behind the initiative's verdict), or None."""
    record = next((i for i in initiatives if i["id"] == response["id"]), None)
    if record is None or not record.get("outcomes"):
        return None
    wanted = response.get("outcome")
    matched = [o for o in record["outcomes"] if o.get("outcome") == wanted] if wanted else []
    if matched:
        return matched[0]
    same = [o for o in record["outcomes"] if o.get("verdict") == record.get("verdict")]
    return (same or record["outcomes"])[0]


def verdict_of(response: dict) -> str:
    """A response's verdict in words: 'Improved', 'untested: not carried out', or 'not
    evaluated on its own' for an initiative without a target."""
    return response.get("verdict") or NOT_EVALUATED


def changed_short(response: dict, initiatives: list[dict]) -> str:
    """'✓ Improved: property crime -30% (-47% to -7%); some moved next door (Old Town)',
    'Untested: not carried out' or 'Not evaluated on its own': one response's result for a
    table cell."""
    verdict = verdict_of(response)
    if verdict == UNTESTED:
        return UNTESTED[:1].upper() + UNTESTED[1:]  # 'Untested: not carried out'
    if verdict == NOT_EVALUATED or verdict == "not evaluated":
        return "Not evaluated on its own"
    outcome = _initiative_outcome(initiatives, response)
    text = verdict_label(verdict)
    if outcome is not None and outcome.get("effect") and verdict != "Not enough data":
        text += f": {outcome_label(outcome['outcome']).lower()} {effect_short(outcome['effect'])}"
    moved = (outcome or {}).get("displacement") or {}
    if moved.get("label") == DISPLACED:
        text += f"; some moved next door ({', '.join(moved.get('areas') or [])})"
    return text


def changed_sentence(response: dict, initiatives: list[dict]) -> str:
    """One response's result as a sentence, with the displacement sentence where some of
    the problem moved next door."""
    outcome = _initiative_outcome(initiatives, response)
    moved = (outcome or {}).get("displacement") or {}
    extra = (
        f" {moved['sentence']}"
        if moved.get("label") == DISPLACED and verdict_of(response) != UNTESTED
        else ""
    )
    return f"{response['sentence']}{extra}"


def raised_text(row: dict) -> str:
    """'Meeting, Nov 2024, by 23 people', 'Survey, May 2025: fewer than 11 residents wrote
    about speeding and traffic' from a row of you_said_we_did (its count
    already under the audience's rules)."""
    when = month_label(row["raised_on"])
    head = f"{SOURCE_WORDS.get(row['source'], 'Raised')}, {when}"
    if row["counted"]:
        who = "no resident" if row["raised_by_text"] == "0" else f"{row['raised_by_text']} residents"
        return f"{head}: {who} wrote about {row['theme']}"
    if row["raised_by_text"] == "not recorded":
        return head
    people = "person" if row["raised_by_text"] == "1" else "people"
    return f"{head}, by {row['raised_by_text']} {people}"


def did_text(row: dict) -> str:
    """'Market Street shop-theft patrols (delivered)', or 'No initiative yet'."""
    if not row["responses"]:
        return "No initiative yet"
    return "; ".join(f"{r['name']} ({r['fidelity']})" for r in row["responses"])


def what_changed(row: dict, initiatives: list[dict]) -> str:
    if not row["responses"]:
        return "Nothing to measure yet"
    return "; ".join(changed_short(r, initiatives) for r in row["responses"])


def priorities_table(said: pd.DataFrame, initiatives: list[dict]) -> pd.DataFrame:
    """The priorities as the room and the CSV read them, most recent first: raised (month),
    you said, how raised, we did, what changed, status. Only what the rules already let
    through (the count's text, never a resident's words)."""
    rows = said.sort_values("raised_on", ascending=False, kind="stable").to_dict("records")
    return pd.DataFrame(
        {
            "raised": [month_label(r["raised_on"]) for r in rows],
            "you said": [r["you_said"] for r in rows],
            "how it was raised": [raised_text(r) for r in rows],
            "we did": [did_text(r) for r in rows],
            "what changed": [what_changed(r, initiatives) for r in rows],
            "status": [r["status"] for r in rows],
        },
        columns=["raised", "you said", "how it was raised", "we did", "what changed", "status"],
    )


# --- "You said, we did" -----------------------------------------------------------------


def _cell(text: str, width: float, bold_first: str = "") -> str:
    """Text wrapped to a column's drawn width, at most CELL_LINES lines (the last cut with an
    ellipsis); the full text is in the notes. `bold_first` is drawn in bold on its own lines."""
    lines = wrap_to_width(bold_first, width, CELL_PX) if bold_first else []
    head = len(lines)
    lines += wrap_to_width(text, width, CELL_PX) if text else []
    if len(lines) > CELL_LINES:
        lines = lines[:CELL_LINES]
        lines[-1] = lines[-1].rstrip(" ,;.") + "…"
    escaped = [html.escape(line) for line in lines]
    return "<br>".join(f"<b>{x}</b>" if i < head else x for i, x in enumerate(escaped))


def _fill(row: dict) -> str:
    if row["status"] == NO_INITIATIVE:
        return "#ffffff"
    if row["status"] == UNTESTED:
        return band_fill(MUTED, 0.12)
    return verdict_fill(verdict_of(row["responses"][0]))


def you_said_table(shown: pd.DataFrame, rows: list[dict], title: str) -> go.Figure:
    """The slide's table: one row per priority shown, in large type."""
    inner = SLIDE_WIDTH - LEFT - RIGHT - 24  # cell padding
    widths = [share * inner - 16 for _, share in COLUMNS]
    said = [
        _cell(t, widths[0], bold_first=y)
        for y, t in zip(shown["you said"], shown["how it was raised"], strict=True)
    ]
    did = [_cell(t, widths[1]) for t in shown["we did"]]
    changed = [_cell(t, widths[2]) for t in shown["what changed"]]
    fig = base_figure(title, "")
    fig.add_trace(
        go.Table(
            columnwidth=[share for _, share in COLUMNS],
            header=table_header([f"<b>{h}</b>" for h, _ in COLUMNS]),
            cells={
                "values": [said, did, changed],
                "font": {"size": CELL_PX, "color": INK},
                "fill_color": [["#ffffff"] * len(rows), ["#ffffff"] * len(rows), [_fill(r) for r in rows]],
                "align": "left",
                "height": int(CELL_LINES * CELL_PX * 1.32) + 16,
                "line_color": "#bbbbbb",
            },
        )
    )
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False})
    return projected(fig)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def you_said_caption(said: pd.DataFrame) -> str:
    """'3 priorities raised from Feb 2022 to May 2025: 2 answered by an initiative (1 of
    them never carried out: untested, not failed); 1 with no initiative yet.'"""
    n = len(said)
    first, last = month_label(said["raised_on"].min()), month_label(said["raised_on"].max())
    span = f"in {first}" if first == last else f"from {first} to {last}"
    answered = int((said["status"] != NO_INITIATIVE).sum())
    untested = int((said["status"] == UNTESTED).sum())
    waiting = n - answered
    parts = [f"{answered:,} answered by an initiative" if answered else "none answered by an initiative yet"]
    if untested:
        which = "it was" if answered == 1 else f"{untested:,} of them were"
        parts[0] += f" ({which} never carried out: untested, not failed)"
    if waiting and answered:
        parts.append(f"{waiting:,} with no initiative yet")
    return f"{_plural(n, 'priority', 'priorities')} raised {span}: {'; '.join(parts)}."


def you_said_slide(said: pd.DataFrame, initiatives: list[dict], rules: Rules) -> Slide | None:
    """'You said, we did': the most recent SHOWN_PRIORITIES priorities with what was done and
    what changed; how many more there are is said, and all are in the notes. None when the
    partnership has recorded no priority."""
    if said.empty:
        return None
    title = "You said, we did"
    table = priorities_table(said, initiatives)
    ordered = said.sort_values("raised_on", ascending=False, kind="stable").to_dict("records")
    shown = table.head(SHOWN_PRIORITIES)
    caption = you_said_caption(said)
    more = len(table) - len(shown)
    if more:
        caption += (
            f" The {len(shown)} most recent are shown; {_plural(more, 'more is', 'more are')} in the notes."
        )
    source = (
        "Source: the partnership's record of community priorities (meetings, surveys, consultations); "
        "each initiative judged on its own target against comparable areas (95% intervals in brackets)."
    )
    sentences = []
    for row in ordered:
        results = " ".join(changed_sentence(r, initiatives) for r in row["responses"])
        sentences.append(f"{row['sentence']} {results}".strip())
    detail = " ".join(sentences) + (
        " Counts of 1 to 10 people are shown as 'fewer than 11'; no resident's words are shown."
        if rules.public
        else ""
    )
    figure = you_said_table(shown, ordered[:SHOWN_PRIORITIES], title)
    return Slide("you_said", title, caption, source, figure, table, detail)


# --- "Who decides?" ---------------------------------------------------------------------


def yearly_shares(quarters: pd.DataFrame) -> pd.DataFrame:
    """metrics.decisions.decision_years with the 95% Wilson interval of each share:
    non_police_share_ci_low / _ci_high (of decisions) and follow_through_ci_low / _ci_high
    (of those due)."""
    years = decision_years(quarters)
    for share, count, n in (
        ("non_police_share", "non_police", "decisions"),
        ("follow_through", "on_time", "due"),
    ):
        bounds = [
            wilson(int(k), int(m)) or (float("nan"), float("nan"))
            for k, m in zip(years[count], years[n], strict=True)
        ]
        years[f"{share}_ci_low"] = [b[0] for b in bounds]
        years[f"{share}_ci_high"] = [b[1] for b in bounds]
    return years


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def intervals_text(summary: dict) -> str:
    """'95% intervals: proposed by partners or residents 76% to 89%; done on time 79% to 91%.'
    from metrics.decisions.decision_summary ('' when there is no share)."""
    notes = []
    if summary.get("non_police_ci"):
        low, high = summary["non_police_ci"]
        notes.append(f"proposed by partners or residents {_pct(low)} to {_pct(high)}")
    if summary.get("follow_through_ci"):
        low, high = summary["follow_through_ci"]
        notes.append(f"done on time {_pct(low)} to {_pct(high)}")
    return f"95% intervals: {'; '.join(notes)}." if notes else ""


def summary_with_intervals(summary: dict) -> str:
    """metrics.decisions.summary_sentence with each share's 95% interval after it."""
    return " ".join(part for part in (summary["sentence"], intervals_text(summary)) if part)


def shares_source(years: pd.DataFrame, summary: dict) -> str:
    """The shares chart's source line: where the decisions come from, the period, n."""
    return (
        f"Source: decisions recorded at the partnership's meetings, {month_label(summary['first'])} to "
        f"{month_label(summary['as_of'])} ({summary['decisions']:,} decisions; {summary['due']:,} due by "
        f"{month_label(summary['as_of'])}). Each year's share with its 95% interval; the first and last "
        "years may be part-years. Done on time: done on or before the date agreed, out of decisions due "
        "(dropped and overdue ones count as not done)."
    )


def who_decides_slide(years: pd.DataFrame, summary: dict) -> Slide | None:
    """'Who decides?': the share of decisions proposed by partners or residents and the
    share done by the date agreed, per year, with the whole period in a sentence. None when
    no decision is recorded."""
    if not summary["decisions"]:
        return None
    title = "Who decides?"
    figure = projected(shares_by_year(years, "Shared and done on time, by year"))
    figure.update_traces(textfont={"size": 24}, error_y={"thickness": 4, "width": 8})
    columns = ["year", "decisions", "non_police", "non_police_share", "due", "on_time", "follow_through"]
    data = years[columns].reset_index(drop=True)
    detail = intervals_text(summary) + (
        f" Proposed by police: {summary['police']:,}; partner organisations: {summary['partners']:,}; "
        f"residents: {summary['residents']:,}."
    )
    return Slide("decisions", title, summary["sentence"], shares_source(years, summary), figure, data, detail)


def voice_slides(conn: Connection, code: str, initiatives: list[dict], rules: Rules) -> list[Slide]:
    """The deck's voice slides for partnership `code` under `rules`: "You said, we did"
    (where priorities are recorded) and "Who decides?" (where decisions are).
    `initiatives`: `evaluate(conn, code)["initiatives"]`."""
    said = you_said_we_did(priority_rows(conn, code), initiatives, rules)
    summary = decision_summary(conn, code)
    years = yearly_shares(decision_quarters(conn, code, summary["as_of"]))
    slides = [you_said_slide(said, initiatives, rules), who_decides_slide(years, summary)]
    return [s for s in slides if s is not None]
