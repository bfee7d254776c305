"""The Partnership page's voice sections: "You said, we did" (each community priority,
where and when it was raised and by how many, the initiatives that answered it and what
changed) and "Who decides?" (who proposed the partnership's decisions, how many were done
by the date agreed, and what partners say about sharing decisions). One call each from
pages/partnership.py.

Data comes through the audience-checked loaders ui.data.you_said and ui.data.decisions,
which apply the public rules before this code sees anything: a count of 1 to 10 people
reads 'fewer than 11', residents' words never arrive, and decision summaries reach
leadership only. The sentences are board.voice_slides', so the page says what the slide says.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from board.voice_slides import (
    NOT_EVALUATED,
    changed_sentence,
    changed_short,
    on_time_sentence,
    proposers_sentence,
    raised_text,
    shares_source,
    verdict_of,
    you_said_caption,
)
from charts.decisions import decisions_item_by_year, on_time_bars, proposer_shares
from metrics.decisions import DECISIONS_ITEM, decision_periods
from metrics.evaluation import Design
from metrics.formatting import day_label, name_label
from metrics.initiatives import MOVED
from metrics.priorities import UNTESTED
from metrics.publish import csv_bytes
from ui import data
from ui.auth import User
from ui.plain import plain
from ui.show import BADGE_COLOURS, chart, download, nothing_to_show, table

NO_PRIORITIES = (
    "No community priorities are recorded for this partnership yet. They come from meetings, surveys "
    "or consultations (import kind 'priorities')."
)
PARTNER_ITEM = "Partners share decisions about the partnership's priorities"
PROPOSERS_TITLE = "Who proposed the decisions"
ON_TIME_TITLE = "Done by the date agreed"


# --- "You said, we did" -----------------------------------------------------------------


def you_said_section(url: str, user: User, code: str, design: Design) -> None:
    """Each of partnership `code`'s priorities, most recent first, as a card: what was
    said, how and when it was raised, what was done and what changed."""
    got = data.you_said(url, user.audience, code, design, data.version(url))
    said, initiatives = got["said"], got["initiatives"]
    if said.empty:
        nothing_to_show(NO_PRIORITIES)
        return
    st.markdown(plain(you_said_caption(said)))
    ordered = said.sort_values("raised_on", ascending=False, kind="stable").to_dict("records")
    for row in ordered:
        _priority_card(row, initiatives)
    st.caption(
        "Source: the partnership's record of community priorities; each initiative judged on its own "
        "target against comparable areas (95% intervals). An initiative never carried out is untested, "
        "not failed."
        + (" Counts of 1 to 10 people are shown as 'fewer than 11'." if user.audience == "public" else "")
    )
    download(
        st,
        "Download the priorities (CSV)",
        lambda: csv_bytes(got["table"]),
        f"{code}-priorities",
        "csv",
        f"table: {code}-priorities",
    )


def _priority_card(row: dict, initiatives: list[dict]) -> None:
    with st.container(border=True):
        st.markdown(f"**You said: {plain(row['you_said'])}**")
        st.caption(plain(raised_text(row)))
        if not row["responses"]:
            st.badge("No initiative yet", color="gray", icon=":material/hourglass_empty:")
            return
        for response in row["responses"]:
            verdict = verdict_of(response)
            st.markdown(f"We did: **{plain(response['name'])}** ({plain(response['fidelity'])})")
            if verdict == UNTESTED:
                st.badge("Untested: not carried out", color="gray", icon=":material/block:")
            elif verdict in (NOT_EVALUATED, "not evaluated"):
                st.badge("Not evaluated on its own", color="gray")
            elif verdict == MOVED:  # it fell where it was aimed but rose next door: not a success
                st.badge(verdict, color="orange", icon=":material/move_down:")
                said = changed_short(response, initiatives).split(": ", 1)[1]
                st.markdown(plain(said[:1].upper() + said[1:] + "."))  # the fall, the rise next door, the net
                continue
            else:
                st.badge(verdict, color=BADGE_COLOURS.get(verdict, "gray"))
            st.markdown(plain(changed_sentence(response, initiatives)))


# --- "Who decides?" ---------------------------------------------------------------------


def who_decides_section(url: str, user: User, code: str, period: tuple[date, date] | None = None) -> None:
    """Decisions made in `period` (default: all) per quarter by who proposed them, the
    shares proposed by partners or residents and done on time per year, the partner survey
    beside them, and (leadership) the decisions one by one."""
    got = data.decisions(url, user.audience, code, data.version(url), period)
    summary = got["summary"]
    if not summary["decisions"]:
        # decisions outside the period: its sentence says none were made in it
        nothing_to_show(
            summary["sentence"]
            if summary["period"]
            else "No decisions are recorded for this partnership's meetings yet."
        )
        return
    periods = decision_periods(got["years"])
    st.markdown(plain(f"{proposers_sentence(summary)} {on_time_sentence(summary)}"))
    left, right = st.columns(2)
    with left:
        chart(
            proposer_shares(periods, PROPOSERS_TITLE),
            shares_source(periods, summary, "residents_share"),
            key="decisions_by_proposer",
        )
    with right:
        if summary["due"]:
            chart(
                on_time_bars(periods, ON_TIME_TITLE),
                shares_source(periods, summary, "follow_through"),
                key="decisions_on_time",
            )
        else:
            nothing_to_show("No decision was due yet, so none can be late.")
    _partner_survey(got, user.audience)
    records = got["records"]
    if user.audience == "leadership" and records is not None and not records.empty:
        with st.expander(
            f"The {len(records):,} decisions one by one (leadership only)", icon=":material/lock:"
        ):
            table(_records_table(records), f"{code}-decisions")


def _partner_survey(got: dict, audience: str) -> None:
    survey = got["survey"]
    item = survey[survey["measure"] == DECISIONS_ITEM]
    yearly = item[item["year"].notna()]
    if yearly.empty:
        if got["asked"] and audience == "public":
            nothing_to_show(
                f"What partners and officers say to \u201c{PARTNER_ITEM}\u201d is not shown in public: "
                "fewer than 30 of them answered in a year."
            )
        else:
            nothing_to_show(f"No partner or officer survey asked \u201c{PARTNER_ITEM}\u201d here.")
        return
    years = yearly["year"].astype(int)
    whole = item[item["year"].isna()]
    overall = "; ".join(
        f"{'partners' if r.respondent == 'partner' else 'officers'} {r.mean:.0f} "
        f"({max(r.ci_low, 0):.0f} to {min(r.ci_high, 100):.0f}, n={int(r.n):,})"
        for r in whole.itertuples(index=False)
    )
    chart(
        decisions_item_by_year(yearly, "Do partners share decisions?"),
        f"Source: partner and officer survey, {years.min()} to {years.max()}: agreement with "
        f"\u201c{PARTNER_ITEM}\u201d on 0-100, with its 95% interval; under each year, how many "
        "partners/officers answered."
        + (f" All years: {overall}." if overall else "")
        + (" Leadership only: partners and officers are few." if audience == "leadership" else ""),
        key="decisions_partner_survey",
    )


def _records_table(records: pd.DataFrame) -> pd.DataFrame:
    """The decisions as leadership reads them: when, who proposed, what, what became of it."""

    def day(value) -> str:
        return "" if value is None or pd.isna(value) else day_label(value)

    return pd.DataFrame(
        {
            "Decided": records["decided_on"].map(day),
            "Proposed by": records["proposed_by"].map(name_label),
            "Decision": records["summary"],
            "Status": records["status"].map(name_label),
            "Due": records["due_on"].map(day),
            "Done": records["done_on"].map(day),
            "On time": [
                "" if not counted else ("yes" if on_time else "no")
                for counted, on_time in zip(records["counted"], records["on_time"], strict=True)
            ],
        }
    )
