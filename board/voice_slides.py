"""Two public slides on the partnership's voice: "You said, we did" (the community's
priorities, what the partnership did about each and what changed, as each initiative's own
evaluation measured it, in words, with where it moved next door and the net change), "Who
proposes the decisions?" (residents', partner organisations' and the police's shares of each
period's decisions) and "Are decisions done on time?" (the share of the decisions due that
were done by the date agreed). Years with few decisions are pooled into longer periods
(metrics.decisions.decision_periods) and a share on 20 or fewer decisions is flagged.

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
from charts.decisions import FLAG_NOTE, on_time_bars, proposer_shares
from charts.figures import base_figure
from charts.theme import INK, MUTED, SAND, VERDICT_COLOURS, band_fill, verdict_fill
from metrics.decisions import (
    MIN_DECISIONS,
    decision_periods,
    decision_quarters,
    decision_summary,
    decision_years,
    wilson,
)
from metrics.formatting import month_label, size_text, verdict_label
from metrics.initiatives import MOVED
from metrics.priorities import NO_INITIATIVE, UNTESTED, outcome_label, priority_rows, you_said_we_did
from metrics.publish import Rules

SHOWN_PRIORITIES = 5  # rows a room can read on one slide; the rest are in the notes
CELL_PX = 28  # the table's type: read from the back of a room
FEW_ROWS, FEW_PX = 2, 34  # two rows or fewer are set larger, so the table fills the slide
CELL_LINES = 3  # lines a cell may take when five rows are shown; fewer rows may take more
BOLD_WIDER = 1.12  # bold type runs this much wider than the regular type text_width measures
MAX_LINES = 9  # lines a cell may take however few the rows
ROWS_PX = 600  # the table's rows' room on the slide, under its header
COLUMNS = (("You said", 0.30), ("We did", 0.25), ("What changed", 0.45))  # heading, share of width
MOVED_FILL = band_fill(SAND, 0.9)  # a neutral: it fell here but rose next door, not a plain success
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


def change_words(effect: dict, noun: str) -> str:
    """'property crime fell 30% (between 7% and 47% fewer)', 'trust in police rose 5 points
    (between 2 and 8 points higher)', or, where the interval crosses no change, 'property
    crime fell 10% (between 25% fewer and 8% more)': an estimate and its 95% interval in
    words a resident can read."""
    estimate, (low, high) = effect["estimate"], effect["ci"]
    scale = effect.get("scale", "relative")
    crime = scale == "relative"
    down, up = ("fewer", "more") if crime else ("lower", "higher")
    verb = "fell" if estimate < 0 else "rose" if estimate > 0 else "did not change"
    head = f"{noun} {verb}" + (f" {size_text(scale, estimate)}" if estimate else "")
    if low < 0 < high:
        span = f"between {size_text(scale, low)} {down} and {size_text(scale, high)} {up}"
    else:
        near, far = sorted((low, high), key=abs)
        first = size_text(scale, near) if crime else f"{abs(round(near))}"
        span = f"between {first} and {size_text(scale, far)} {down if high <= 0 else up}"
    return f"{head} ({span})"


def _net_count(prevented: float) -> str:
    n = abs(round(prevented))
    return "none" if n == 0 else f"{n:,} {'fewer' if prevented > 0 else 'more'}"


def net_words(moved: dict) -> str:
    """'both places together: about 21 fewer crimes (between 55 more and 96 fewer)' from a
    displacement record's crimes prevented and its interval ('' when not measured)."""
    if moved.get("crimes_prevented") is None or not moved.get("crimes_prevented_ci"):
        return ""
    low, high = moved["crimes_prevented_ci"]
    net = _net_count(moved["crimes_prevented"])
    net = "no net change" if net == "none" else f"about {net} crimes"
    return f"both places together: {net} (between {_net_count(low)} and {_net_count(high)})"


def changed_short(response: dict, initiatives: list[dict]) -> str:
    """'✓ Improved: property crime fell 30% (between 7% and 47% fewer)', 'Moved next door:
    property crime fell 30% (...); next door (Old Town) it rose 74% (...); both places
    together: about 21 fewer crimes (...)', 'Untested: not carried out' or 'Not evaluated on
    its own': one response's result for a table cell, in words."""
    verdict = verdict_of(response)
    if verdict == UNTESTED:
        return UNTESTED[:1].upper() + UNTESTED[1:]  # 'Untested: not carried out'
    if verdict == NOT_EVALUATED or verdict == "not evaluated":
        return "Not evaluated on its own"
    outcome = _initiative_outcome(initiatives, response)
    text = verdict_label(verdict)
    if outcome is not None and outcome.get("effect") and verdict != "Not enough data":
        text += f": {change_words(outcome['effect'], outcome_label(outcome['outcome']).lower())}"
    moved = (outcome or {}).get("displacement") or {}
    if moved.get("label") == DISPLACED:
        where = ", ".join(moved.get("areas") or [])
        rose = f"next door ({where})"
        if moved.get("effect"):
            rose = change_words(moved["effect"], rose).replace(f"{rose} ", f"{rose} it ", 1)
        else:
            rose = f"some moved next door ({where})"
        text += f"; {rose}"
        net = net_words(moved)
        if net:
            text += f"; {net}"
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


def cell_px(rows: int) -> int:
    """The table's type size for `rows` rows: CELL_PX, larger for FEW_ROWS or fewer."""
    return FEW_PX if rows <= FEW_ROWS else CELL_PX


def lines_per_cell(rows: int) -> int:
    """How many lines a cell may take so that `rows` rows fill the table's room and no more:
    CELL_LINES for five rows, up to MAX_LINES for one."""
    return max(CELL_LINES, min(MAX_LINES, int(ROWS_PX / max(rows, 1) / (cell_px(rows) * 1.32))))


def _cell(text: str, width: float, bold_first: str = "", most: int = CELL_LINES, px: int = CELL_PX) -> str:
    """Text wrapped to a column's drawn width at `px`, at most `most` lines (the last cut
    with an ellipsis); the full text is in the notes. `bold_first` is drawn in bold on its
    own lines."""
    lines = wrap_to_width(bold_first, width / BOLD_WIDER, px) if bold_first else []
    head = len(lines)
    for paragraph in text.split("\n") if text else []:  # each clause of a result on lines of its own
        lines += wrap_to_width(paragraph, width, px)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1].rstrip(" ,;.") + "…"
    escaped = [html.escape(line) for line in lines]
    return "<br>".join(f"<b>{x}</b>" if i < head else x for i, x in enumerate(escaped))


def _fill(row: dict) -> str:
    if row["status"] == NO_INITIATIVE:
        return "#ffffff"
    if row["status"] == UNTESTED:
        return band_fill(MUTED, 0.12)
    verdict = verdict_of(row["responses"][0])
    if verdict == MOVED and verdict not in VERDICT_COLOURS:
        return MOVED_FILL
    return verdict_fill(verdict)


def you_said_table(shown: pd.DataFrame, rows: list[dict], title: str) -> go.Figure:
    """The slide's table: one row per priority shown, in large type."""
    inner = SLIDE_WIDTH - LEFT - RIGHT - 24  # cell padding
    widths = [share * inner - 16 for _, share in COLUMNS]
    most, px = lines_per_cell(len(rows)), cell_px(len(rows))
    said = [
        _cell(t, widths[0], bold_first=y, most=most, px=px)
        for y, t in zip(shown["you said"], shown["how it was raised"], strict=True)
    ]
    did = [_cell(t, widths[1], most=most, px=px) for t in shown["we did"]]
    changed = [_cell(t.replace("; ", ";\n"), widths[2], most=most, px=px) for t in shown["what changed"]]
    fig = base_figure(title, "")
    fig.add_trace(
        go.Table(
            columnwidth=[share for _, share in COLUMNS],
            header=table_header([f"<b>{h}</b>" for h, _ in COLUMNS]),
            cells={
                "values": [said, did, changed],
                "font": {"size": px, "color": INK},
                "fill_color": [["#ffffff"] * len(rows), ["#ffffff"] * len(rows), [_fill(r) for r in rows]],
                "align": "left",
                "height": int(most * px * 1.32) + 16,
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
        "each initiative judged on its own target against comparable areas; 'between' gives the range "
        "the change likely lies in (95% interval)."
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


PROPOSER_RULE = (
    "Partner organisations: the member organisations other than the police (schools, businesses, the "
    "council, charities, faith groups and resident groups); residents: people at the meeting proposing "
    "for themselves."
)


def pooling_text(periods: pd.DataFrame) -> str:
    """How the years were pooled, for a source line."""
    pooled = bool((periods["first_year"] != periods["last_year"]).any()) if len(periods) else False
    rule = f"Years with fewer than {MIN_DECISIONS} decisions are pooled with the next"
    return (
        rule if pooled else f"{rule} (none needed here)"
    ) + "; the first and last years may be part-years."


def shares_source(periods: pd.DataFrame, summary: dict, share: str) -> str:
    """A shares chart's source line: where the decisions come from, the period, n, how the
    years were pooled, the unstable flag where a share of `share` carries it, and what is
    counted ('residents_share' and the other proposers', or 'follow_through')."""
    span = f"{month_label(summary['first'])} to {month_label(summary['as_of'])}"
    flagged = periods[[c for c in periods.columns if c.endswith("_unstable")]]
    if share != "follow_through":
        flagged = flagged[["residents_share_unstable", "partners_share_unstable", "police_share_unstable"]]
        what = PROPOSER_RULE
        n = f"{summary['decisions']:,} decisions; n under each period: its decisions"
    else:
        flagged = flagged[["follow_through_unstable"]]
        what = (
            f"Done on time: done on or before the date agreed, out of the decisions due by "
            f"{month_label(summary['as_of'])} (dropped and overdue ones count as not done)."
        )
        n = f"{summary['due']:,} decisions due; n under each period: its decisions due"
    flag = f" {FLAG_NOTE}." if bool(flagged.to_numpy().any()) else ""
    return (
        f"Source: decisions recorded at the partnership's meetings, {span} ({n}). "
        f"{pooling_text(periods)}{flag} {what}"
    )


def _share(k: int, n: int) -> str:
    return f"{k:,} ({round(100 * k / n)}%)" if n else f"{k:,}"


def proposers_sentence(summary: dict) -> str:
    """'Of 152 decisions since Mar 2020, 73 (48%) were proposed by partners or residents: 50
    (33%) by partner organisations and 23 (15%) by residents themselves.'"""
    n = summary["decisions"]
    return (
        f"{summary['sentence'].split(';')[0]}: {_share(summary['partners'], n)} by partner organisations "
        f"and {_share(summary['residents'], n)} by residents themselves."
    )


def on_time_sentence(summary: dict) -> str:
    """'Of 149 decisions due by Sep 2026, 99 (66%) were done by the date agreed (likely between
    58% and 73%).'"""
    due = summary["due"]
    if not due:
        return "No decision was due yet."
    low, high = summary["follow_through_ci"]
    verb = "was" if summary["on_time"] == 1 else "were"
    noun = "decision" if due == 1 else "decisions"
    return (
        f"Of {due:,} {noun} due by {month_label(summary['as_of'])}, {_share(summary['on_time'], due)} "
        f"{verb} done by the date agreed (likely between {_pct(low)} and {_pct(high)})."
    )


PERIOD_AXIS = f"Years, pooled to at least {MIN_DECISIONS} decisions each; n = decisions"
PROPOSER_DATA = [
    "period",
    "decisions",
    "residents",
    "residents_share",
    "residents_share_unstable",
    "partners",
    "partners_share",
    "partners_share_unstable",
    "police",
    "police_share",
    "police_share_unstable",
]
ON_TIME_DATA = [
    "period",
    "decisions",
    "due",
    "on_time",
    "follow_through",
    "follow_through_ci_low",
    "follow_through_ci_high",
    "follow_through_unstable",
]


def who_proposes_slide(periods: pd.DataFrame, summary: dict) -> Slide | None:
    """'Who proposes the decisions?': residents', partner organisations' and the police's
    share of each period's decisions, with the whole record in a sentence. None when no
    decision is recorded."""
    if not summary["decisions"]:
        return None
    title = "Who proposes the decisions?"
    figure = projected(proposer_shares(periods, "Share of each period's decisions, by who proposed them"))
    figure.update_traces(textfont={"size": 26})
    figure.update_xaxes(title={"text": PERIOD_AXIS})  # also leaves room for the two-line period labels
    detail = intervals_text(summary) + (
        f" Proposed by police: {summary['police']:,}; partner organisations: {summary['partners']:,}; "
        f"residents: {summary['residents']:,}."
    )
    data = periods[PROPOSER_DATA].reset_index(drop=True)
    return Slide(
        "decisions",
        title,
        proposers_sentence(summary),
        shares_source(periods, summary, "residents_share"),
        figure,
        data,
        detail,
    )


def on_time_slide(periods: pd.DataFrame, summary: dict) -> Slide | None:
    """'Are decisions done on time?': of each period's decisions that were due, the share
    done by the date agreed, with its 95% interval. None when no decision was due."""
    if not summary["due"]:
        return None
    title = "Are decisions done on time?"
    figure = projected(on_time_bars(periods, "Share of the decisions due that were done by the date agreed"))
    figure.update_traces(textfont={"size": 26}, error_y={"thickness": 4, "width": 12})
    figure.update_xaxes(title={"text": f"{PERIOD_AXIS} due"})
    data = periods[periods["due"] > 0][ON_TIME_DATA].reset_index(drop=True)
    return Slide(
        "follow_through",
        title,
        on_time_sentence(summary),
        shares_source(periods, summary, "follow_through"),
        figure,
        data,
    )


def voice_slides(conn: Connection, code: str, initiatives: list[dict], rules: Rules) -> list[Slide]:
    """The deck's voice slides for partnership `code` under `rules`: "You said, we did"
    (where priorities are recorded), "Who proposes the decisions?" (where decisions are)
    and "Are decisions done on time?" (where some were due).
    `initiatives`: `evaluate(conn, code)["initiatives"]`."""
    said = you_said_we_did(priority_rows(conn, code), initiatives, rules)
    summary = decision_summary(conn, code)
    periods = decision_periods(decision_years(decision_quarters(conn, code, summary["as_of"])))
    slides = [
        you_said_slide(said, initiatives, rules),
        who_proposes_slide(periods, summary),
        on_time_slide(periods, summary),
    ]
    return [s for s in slides if s is not None]
