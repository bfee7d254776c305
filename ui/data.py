"""Cached loaders: the only way pages get data. Each opens a connection, calls one
metric function, and caches the result by its arguments (URL, audience and filters) for
ten minutes, with a bound on how many results are kept.

Streamlit's caches are shared by every session, so every loader takes the audience
(`public` or `leadership`) as an argument: it is part of the cache key, and a loader
of unsuppressed data refuses the public audience outright. A leadership result can
never be served to a public session."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from board.deck import Deck, build_deck, rules_for
from board.export import export
from board.render import picture
from board.voice_slides import priorities_table, yearly_shares
from charts.board import SLIDE_HEIGHT, SLIDE_WIDTH, slide_figure
from db.audit import actors as audit_actors
from db.audit import events as audit_events
from db.users import list_users
from metrics import initiatives as initiative_metrics
from metrics import partnership as profile_metrics
from metrics import perception as perception_metrics
from metrics.benchmark import benchmarks
from metrics.coverage import (
    SourceCoverage,
    data_extent,
    data_period,
    import_history,
    incomplete_months,
    last_loaded,
    source_coverage,
)
from metrics.coverage import area_names as coverage_area_names
from metrics.crime import crime_monthly
from metrics.decisions import (
    EVER,
    beside_partner_survey,
    decision_quarters,
    decision_records,
    decision_summary,
)
from metrics.equity import gap_trend
from metrics.evaluation import OUTCOMES, Design, evaluate
from metrics.filters import Filters
from metrics.groups import group_scores, public_groups, published_groups
from metrics.initiatives import evaluate_initiatives
from metrics.multiple import with_q_values
from metrics.portfolio import portfolio, residents_surveyed
from metrics.priorities import priority_rows, you_said_we_did
from metrics.publish import LEADERSHIP, PUBLIC
from metrics.stored import data_version, stored_scorecard
from metrics.survey import item_wording, published_scores, survey_scores
from metrics.themes import summary as theme_summary
from ui.database import engine_for

TTL = 600
DAY = 24 * 3600  # for what is keyed on the data version: it cannot go stale, only unused
ENTRIES = 128


def _for(audience: str, *allowed: str) -> None:
    """Refuse a loader's data to an audience it is not for."""
    if audience not in allowed:
        raise PermissionError(f"this data is not for the {audience!r} audience")


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def partnerships(url: str, audience: str) -> pd.DataFrame:
    _for(audience, "public", "leadership")
    with engine_for(url).connect() as conn:
        return profile_metrics.partnership_list(conn)


@st.cache_data(ttl=DAY, max_entries=ENTRIES, show_spinner=False)
def period(
    url: str, audience: str, version: int | None
) -> tuple[tuple[date, date], tuple[date, date]] | None:
    """The default period (every source's covered span) and the widest one (all data,
    thin and stray months included) on data `version`, or None when there is no data."""
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        default = data_period(conn)
        return None if default is None else (default, data_extent(conn))


@st.cache_data(ttl=DAY, max_entries=ENTRIES, show_spinner=False)
def coverage(url: str, audience: str, version: int | None) -> list[SourceCoverage]:
    """Each source's months, thin months and covered span on data `version`: read once per
    import, however often the Data page reruns."""
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return source_coverage(conn)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def overview(url: str, audience: str, filters: Filters) -> tuple[pd.DataFrame, int]:
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return portfolio(conn, filters), residents_surveyed(conn, filters)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def scores(url: str, audience: str, filters: Filters) -> pd.DataFrame:
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return survey_scores(conn, filters)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def crime(url: str, audience: str, filters: Filters) -> pd.DataFrame:
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return crime_monthly(conn, filters)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def profile(url: str, audience: str, filters: Filters, code: str) -> dict:
    """Details, members, areas, initiatives, quarterly activity, events and partner feedback
    (with comments: leadership only) of one partnership."""
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return {
            "details": profile_metrics.partnership_details(conn, code),
            "members": profile_metrics.members(conn, code),
            "areas": profile_metrics.areas(conn, code),
            "initiatives": profile_metrics.initiatives(conn, code),
            "activity": profile_metrics.activity_by_quarter(conn, filters, code),
            "events": profile_metrics.events(conn, filters, code),
            "ratings": profile_metrics.feedback_ratings(conn, filters, code),
            "comments": profile_metrics.feedback_comments(conn, filters, code),
        }


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def wording(url: str, audience: str) -> dict[str, list[str]]:
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return item_wording(conn)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner="Evaluating the partnership...")
def evaluation(
    url: str, audience: str, code: str, design: Design, outcomes: tuple[str, ...] = OUTCOMES
) -> dict | None:
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return evaluate(conn, code, outcomes, design)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner="Evaluating every partnership...")
def verdicts(url: str, audience: str, design: Design) -> pd.DataFrame:
    _for(audience, "leadership")
    return with_q_values(stored_scorecard(engine_for(url), design))


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def published(url: str, audience: str, filters: Filters) -> pd.DataFrame:
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return published_scores(conn, filters)


@st.cache_data(ttl=60, max_entries=8, show_spinner=False)
def freshness(url: str, audience: str) -> dict[str, pd.DataFrame]:
    """When each kind was last loaded, recent months that look incomplete, and the import log."""
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return {
            "loaded": last_loaded(conn),
            "incomplete": incomplete_months(conn),
            "history": import_history(conn),
        }


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def area_names(url: str, audience: str) -> list[str]:
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return coverage_area_names(conn)


def version(url: str) -> int | None:
    """The data's version (the latest load's id): the key on which slides and packets are
    kept, so they are made once per partnership and version, however many ask, and made
    again as soon as anything is imported (from the Data page or the command line)."""
    with engine_for(url).connect() as conn:
        return data_version(conn)


@st.cache_data(ttl=DAY, max_entries=32, show_spinner="Preparing the slides...")
def deck(url: str, audience: str, code: str, version: int | None) -> Deck | None:
    """A partnership's board slides for `audience` (part of the cache key, so a leadership
    deck is never served to a public session), on data `version`."""
    _for(audience, "public", "leadership")
    with engine_for(url).connect() as conn:
        return build_deck(conn, code, audience)


@st.cache_data(ttl=DAY, max_entries=64, show_spinner=False)
def slide_picture(url: str, audience: str, code: str, number: int, version: int | None) -> str:
    """Slide `number` (from 1) of the deck, drawn as a 1920x1080 SVG picture: the same
    slide the packet and the PNG export carry, sharp at any size."""
    _for(audience, "public", "leadership")
    slides = deck(url, audience, code, version).slides
    slide = slides[number - 1]
    fig = slide_figure(slide.figure, slide.title, slide.caption, slide.source, number, len(slides))
    return picture(fig, SLIDE_WIDTH, SLIDE_HEIGHT, "svg").decode()


@st.cache_data(ttl=DAY, max_entries=16, show_spinner=False)
def deck_file(url: str, audience: str, code: str, fmt: str, version: int | None) -> bytes:
    """The deck exported as pdf or pptx, once per partnership, audience and data version:
    a room full of phones asking for the public packet costs one export."""
    _for(audience, "public", "leadership")
    return export(deck(url, audience, code, version), fmt)


def audit(url: str, audience: str, **filters) -> list[tuple]:
    """Audit events matching `filters` (see db.audit.events). Never cached: the log is
    read as it is now."""
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return audit_events(conn, **filters)


def audit_choices(url: str, audience: str) -> tuple[list[str], list[tuple]]:
    """Everyone who appears in the audit log, and the users with a role."""
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return audit_actors(conn), list_users(conn)


# --- groups: breakdowns by group and benchmarks in words ------------------------------


@st.cache_data(ttl=DAY, max_entries=ENTRIES, show_spinner=False)
def breakdown(
    url: str, audience: str, filters: Filters, dimension: str | None, city: bool, version: int | None
) -> dict:
    """Resident scores by group for the period ('sampled': construct -> what `audience` may
    see, `metrics.groups.Shown`) and, for a partnership, a published series' own breakdowns
    ('published'), on data `version`. Public rules are applied here, before the page."""
    _for(audience, "public", "leadership")
    rules = rules_for(audience)
    with engine_for(url).connect() as conn:
        scores = group_scores(conn, filters, dimension, city=city)
        published = pd.DataFrame() if city else published_groups(conn, filters, dimension)
    keys = ["scope", "dimension", "construct"]
    sampled = {key: public_groups(rows, rules) for key, rows in scores.groupby(keys)} if len(scores) else {}
    return {"sampled": sampled, "published": published}


@st.cache_data(ttl=DAY, max_entries=ENTRIES, show_spinner=False)
def benchmark(url: str, audience: str, filters: Filters, version: int | None) -> pd.DataFrame:
    """`filters.partnership`'s latest scores against the city and areas of similar
    population, in words, under `audience`'s rules, on data `version`."""
    _for(audience, "public", "leadership")
    with engine_for(url).connect() as conn:
        return benchmarks(conn, filters, rules_for(audience))


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def perception(url: str, audience: str, filters: Filters) -> dict[str, pd.DataFrame]:
    """Partners', officers' and residents' views of `filters.partnership`
    (metrics.perception.perception): leadership sees every number with its n; the public
    only comparisons the count rule (metrics.perception.publishable) allows, which partners'
    few answers rarely pass."""
    _for(audience, "public", "leadership")
    rules = PUBLIC if audience == "public" else LEADERSHIP
    with engine_for(url).connect() as conn:
        return perception_metrics.perception(conn, filters, rules)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner="Reading the comments...")
def themes(url: str, audience: str, filters: Filters, code: str, begun: date) -> dict:
    """What people wrote in partnership `code`'s comments and residents' written answers
    over the period (metrics.themes.summary): for the public, theme counts of 11 or more and
    a sentence only; for leadership, sentiment, topics and example comments too."""
    _for(audience, "public", "leadership")
    rules = PUBLIC if audience == "public" else LEADERSHIP
    with engine_for(url).connect() as conn:
        return theme_summary(conn, code, filters.start, filters.end, begun, rules)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def equity_trend(url: str, audience: str, code: str, design: Design) -> dict | None:
    """The registry's equity gap per quarter in the partnership's and its comparison areas
    (`metrics.equity.gap_trend`), every group's n shown: leadership only."""
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return gap_trend(conn, code, design)


# --- initiatives: each judged on its own target ----------------------------------------


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner="Evaluating every initiative...")
def initiative_portfolio(url: str, audience: str, design: Design) -> tuple[list[dict], dict]:
    """Every partnership's initiatives, targeted ones judged on their target, with the
    false-discovery rule applied across them (`metrics.initiatives.portfolio`): leadership."""
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return initiative_metrics.portfolio(conn, design)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def initiative_delivery(url: str, audience: str, ids: tuple[int, ...]) -> pd.DataFrame:
    """Planned and delivered activities by month and kind for initiatives `ids`."""
    _for(audience, "leadership")
    with engine_for(url).connect() as conn:
        return initiative_metrics.delivery(conn, list(ids))


# --- voice: "You said, we did" and "Who decides?" --------------------------------------


@st.cache_data(ttl=DAY, max_entries=ENTRIES, show_spinner="Reading the priorities...")
def you_said(url: str, audience: str, code: str, design: Design, version: int | None) -> dict:
    """Partnership `code`'s community priorities beside the initiatives that answered them
    and what changed (metrics.priorities.you_said_we_did under `audience`'s rules: a count
    of 1 to 10 people reads 'fewer than 11' in public), on data `version`: 'said' (that
    frame) and 'table' (board.voice_slides.priorities_table, most recent first)."""
    _for(audience, "public", "leadership")
    with engine_for(url).connect() as conn:
        initiatives = evaluate_initiatives(conn, code, design)
        said = you_said_we_did(priority_rows(conn, code), initiatives, rules_for(audience))
    return {"said": said, "table": priorities_table(said, initiatives), "initiatives": initiatives}


@st.cache_data(ttl=DAY, max_entries=ENTRIES, show_spinner=False)
def decisions(
    url: str, audience: str, code: str, version: int | None, period: tuple[date, date] | None = None
) -> dict:
    """Partnership `code`'s decisions made in `period` (default: all) on data `version`:
    'quarters' (metrics.decisions), 'years' (with each share's 95% interval), 'summary',
    'survey' (the partner survey beside them under `audience`'s rules; public: years of 30
    or more answers only), 'asked' (whether any partner answered it at all) and, for
    leadership only, 'records' (the decisions one by one with their summaries; None for
    the public)."""
    _for(audience, "public", "leadership")
    period = period or EVER
    with engine_for(url).connect() as conn:
        summary = decision_summary(conn, code, period=period)
        quarters = decision_quarters(conn, code, summary["as_of"], period)
        every = beside_partner_survey(conn, code, LEADERSHIP, *period)
        survey = every if audience == "leadership" else beside_partner_survey(conn, code, PUBLIC, *period)
        records = (
            decision_records(conn, code, with_summary=True, period=period)
            if audience == "leadership"
            else None
        )
    return {
        "quarters": quarters,
        "years": yearly_shares(quarters),
        "summary": summary,
        "survey": survey,
        "asked": not every.empty,
        "records": records,
    }
