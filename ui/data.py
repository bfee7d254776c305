"""Cached loaders: the only way pages get data. Each opens a connection, calls one
metric function, and caches the result by its arguments (URL and filters) for ten
minutes, with a bound on how many results are kept."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from board.deck import Deck, build_deck
from board.export import export
from metrics import partnership as profile_metrics
from metrics.coverage import area_names as coverage_area_names
from metrics.coverage import data_period, import_history, incomplete_months, last_loaded
from metrics.crime import crime_monthly
from metrics.evaluation import OUTCOMES, Design, evaluate, scorecard
from metrics.filters import Filters
from metrics.portfolio import portfolio, residents_surveyed
from metrics.survey import item_wording, published_scores, survey_scores
from ui.database import engine_for

TTL = 600
ENTRIES = 128


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def partnerships(url: str) -> pd.DataFrame:
    with engine_for(url).connect() as conn:
        return profile_metrics.partnership_list(conn)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def period(url: str) -> tuple[date, date] | None:
    with engine_for(url).connect() as conn:
        return data_period(conn)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def overview(url: str, filters: Filters) -> tuple[pd.DataFrame, int]:
    with engine_for(url).connect() as conn:
        return portfolio(conn, filters), residents_surveyed(conn, filters)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def scores(url: str, filters: Filters) -> pd.DataFrame:
    with engine_for(url).connect() as conn:
        return survey_scores(conn, filters)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def crime(url: str, filters: Filters) -> pd.DataFrame:
    with engine_for(url).connect() as conn:
        return crime_monthly(conn, filters)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def profile(url: str, filters: Filters, code: str) -> dict:
    """Details, members, areas, initiatives, quarterly activity and events of one partnership."""
    with engine_for(url).connect() as conn:
        return {
            "details": profile_metrics.partnership_details(conn, code),
            "members": profile_metrics.members(conn, code),
            "areas": profile_metrics.areas(conn, code),
            "initiatives": profile_metrics.initiatives(conn, code),
            "activity": profile_metrics.activity_by_quarter(conn, filters, code),
            "events": profile_metrics.events(conn, filters, code),
        }


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def wording(url: str) -> dict[str, list[str]]:
    with engine_for(url).connect() as conn:
        return item_wording(conn)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner="Evaluating the partnership...")
def evaluation(url: str, code: str, design: Design, outcomes: tuple[str, ...] = OUTCOMES) -> dict | None:
    with engine_for(url).connect() as conn:
        return evaluate(conn, code, outcomes, design)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner="Evaluating every partnership...")
def verdicts(url: str, design: Design) -> pd.DataFrame:
    with engine_for(url).connect() as conn:
        return scorecard(conn, design)


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def published(url: str, filters: Filters) -> pd.DataFrame:
    with engine_for(url).connect() as conn:
        return published_scores(conn, filters)


@st.cache_data(ttl=60, max_entries=8, show_spinner=False)
def freshness(url: str) -> dict[str, pd.DataFrame]:
    """When each kind was last loaded, recent months that look incomplete, and the import log."""
    with engine_for(url).connect() as conn:
        return {
            "loaded": last_loaded(conn),
            "incomplete": incomplete_months(conn),
            "history": import_history(conn),
        }


@st.cache_data(ttl=TTL, max_entries=ENTRIES, show_spinner=False)
def area_names(url: str) -> list[str]:
    with engine_for(url).connect() as conn:
        return coverage_area_names(conn)


@st.cache_data(ttl=TTL, max_entries=32, show_spinner="Preparing the slides...")
def deck(url: str, code: str, audience: str) -> Deck | None:
    """A partnership's board slides for `audience` (part of the cache key, so a leadership
    deck is never served to a public session)."""
    with engine_for(url).connect() as conn:
        return build_deck(conn, code, audience)


@st.cache_data(ttl=TTL, max_entries=16, show_spinner=False)
def deck_file(url: str, code: str, audience: str, fmt: str) -> bytes:
    """The deck exported as pdf or pptx, cached like the deck itself."""
    return export(deck(url, code, audience), fmt)
