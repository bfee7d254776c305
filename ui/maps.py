"""The maps of the Overview and the Partnership page: where the partnerships are, what
their verdicts or trust scores are, a partnership's own areas, comparison areas and
neighbours, and the crime rate per 1,000 residents by area.

Cached loaders (keyed by URL and audience, as in ui/data.py) read shapes, rates and
places through metrics.maps; the public rules are applied there, before anything is
drawn. Each map has a plain sentence under it, names any area that has no stored shape,
and offers its numbers (counts beside rates) as a CSV download.
"""

from __future__ import annotations

import os
from datetime import date

import pandas as pd
import streamlit as st

from board.deck import rules_for
from charts.maps import (
    OTHER_AREAS,
    ROLE_LEGENDS,
    area_map,
    edged,
    partnership_shades,
    rate_legend,
    rate_shades,
    role_shades,
    roles_of,
    score_standing,
    standing_legend,
    verdict_standing,
)
from charts.theme import VERDICT_COLOURS
from metrics.evaluation import Design
from metrics.filters import Filters
from metrics.maps import (
    MapArea,
    Roles,
    area_shapes,
    catchments,
    city_rate,
    crime_rates,
    kind_ids,
    mapped_kind,
    missing_shapes,
    partnership_roles,
    score_classes,
)
from metrics.publish import csv_bytes, survey_cell
from ui import data
from ui.auth import User
from ui.database import engine_for
from ui.plain import plain
from ui.show import PLOTLY_CONFIG, download, nothing_to_show
from ui.tables import crime_groups_text, published_text

BASEMAP_SETTING = "COMMONGROUND_BASEMAP"
DAY = 24 * 3600
ENTRIES = 64
MAP_HEIGHT = 560
NO_SHAPES = (
    "No area has a stored shape yet, so there is no map. Boundaries come with the areas import "
    "(GeoJSON) or a boundaries file: see docs/importing.md."
)


@st.cache_data(ttl=DAY, max_entries=ENTRIES, show_spinner=False)
def _places(url: str, audience: str, version: int | None) -> tuple[str | None, pd.DataFrame]:
    """The kind of area the partnerships work in, and every partnership's areas."""
    with engine_for(url).connect() as conn:
        owned = catchments(conn)
        return mapped_kind(conn, owned["area_id"].tolist()), owned


@st.cache_data(ttl=DAY, max_entries=ENTRIES, show_spinner=False)
def _shapes(url: str, audience: str, kind: str, version: int | None) -> tuple[list[MapArea], list[str]]:
    """Every area of `kind` with a shape, and the names of those without one."""
    with engine_for(url).connect() as conn:
        return area_shapes(conn, kinds=(kind,)), missing_shapes(conn, kind_ids(conn, kind))


@st.cache_data(ttl=DAY, max_entries=ENTRIES, show_spinner=False)
def _rates(
    url: str, audience: str, kind: str, start: date, end: date, groups: tuple[str, ...], version: int | None
) -> tuple[pd.DataFrame, float | None]:
    """Crime rates of every area of `kind` under `audience`'s rules, and the city's rate."""
    with engine_for(url).connect() as conn:
        rates = crime_rates(conn, kind_ids(conn, kind), start, end, groups, rules_for(audience))
    return rates, city_rate(rates)


@st.cache_data(ttl=DAY, max_entries=ENTRIES, show_spinner=False)
def _roles(url: str, audience: str, code: str, names: tuple[str, ...], version: int | None) -> Roles | None:
    with engine_for(url).connect() as conn:
        return partnership_roles(conn, code, names)


def basemap() -> str | None:
    """COMMONGROUND_BASEMAP, a tile URL template such as https://tiles.example/{z}/{x}/{y}.png,
    from the environment or else Streamlit secrets; unset or "" (the default): no basemap,
    and the maps ask nothing of any server."""
    configured = os.environ.get(BASEMAP_SETTING)
    if not configured:
        try:
            configured = st.secrets.get(BASEMAP_SETTING)
        except FileNotFoundError:  # no secrets.toml at all
            configured = None
    return configured or None


def _show_map(fig, sentence: str, missing: list[str], table: pd.DataFrame, key: str) -> None:
    """The map, a plain sentence under it, the areas it cannot draw, and its numbers."""
    # Legend under the map: beside it, it would squeeze the map on a phone.
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.01, "x": 0, "xanchor": "left"},
        margin={"l": 4, "r": 4, "t": 48, "b": 4},
    )
    st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, theme=None)
    st.caption(plain(sentence))
    if missing:
        st.caption(plain(f"Not on the map, for want of a stored shape: {', '.join(missing)}."))
    download(st, "Download chart data (CSV)", lambda: csv_bytes(table), key, "csv", f"map data: {key}")


def _no_kind(url: str, user: User) -> tuple[str, list[MapArea], list[str]] | None:
    version = data.version(url)
    kind, _ = _places(url, user.audience, version)
    if kind is None:
        nothing_to_show(NO_SHAPES)
        return None
    areas, missing = _shapes(url, user.audience, kind, version)
    return kind, areas, missing


def rate_table(
    areas: list[MapArea], rates: pd.DataFrame, shades: dict, roles: Roles | None = None
) -> pd.DataFrame:
    """A rate map's numbers: per area its count (as the rules allow it to be shown) beside
    its rate, population, flag and the class it is drawn in (and, for a partnership, the
    role each of its places plays)."""
    by_area = rates.set_index("area_id")
    role = roles_of(roles) if roles is not None else {}
    rows = []
    for a in sorted(areas, key=lambda a: (a.id not in role, a.name)):
        if a.id not in by_area.index:
            continue
        row = by_area.loc[a.id]
        rows.append(
            {
                "Area code": a.code,
                "Area": a.name,
                "Residents": row["population"],
                "Crimes": row["count_text"],
                "Rate per 1,000 a year": None if pd.isna(row["rate"]) else round(float(row["rate"]), 1),
                "Note": row["flag"],
                "Class": shades[a.id].legend,
                **({"Role": role.get(a.id, "")} if roles is not None else {}),
            }
        )
    return pd.DataFrame(rows)


def crime_rate_map(url: str, user: User, filters: Filters, focus: Roles | None = None, key: str = "") -> None:
    """Crime per 1,000 residents a year by area over the filters' period and crime groups,
    in classes around the city's rate; for a partnership (`focus`), its areas, comparison
    areas and neighbours are edged (solid, dashed, dotted) over the city's rates."""
    found = _no_kind(url, user)
    if found is None:
        return
    kind, areas, missing = found
    if not filters.crime_groups:
        nothing_to_show("No crime group is chosen in the filters, so there is no crime rate map.")
        return
    rates, city = _rates(
        url, user.audience, kind, filters.start, filters.end, filters.crime_groups, data.version(url)
    )
    shades = rate_shades(areas, rates, city)
    if focus is not None:
        shades = edged(shades, focus)
    groups = crime_groups_text(filters.crime_groups)
    fig = area_map(
        areas,
        shades,
        "Crime rate by area",
        legend_order=rate_legend(city),
        height=MAP_HEIGHT,
        basemap=basemap(),
    )
    months = int(rates["months"].max()) if len(rates) else 0
    where = "each area"
    sentence = (
        f"Recorded crimes in {groups} per 1,000 residents a year in {where}, {filters.start:%b %Y} to "
        f"{filters.end:%b %Y} ({months} months of data). "
        + (f"City rate: {city:,.1f}. " if city else "")
        + "Purple: below the city rate; orange: above it. Hover for each area's count beside its rate. "
        + "Dotted: fewer than 11 crimes, so no rate is shown; grey hatched: no data, not zero."
        + (
            ""
            if focus is None
            else f" {focus.name}'s areas are edged in black, its comparison areas dashed and its "
            "neighbours (the displacement buffer) dotted."
        )
    )
    unstable = int((rates["flag"] != "").sum())
    if unstable:
        sentence += (
            f" {unstable} areas have 20 or fewer crimes: their rates are unstable, read them with care."
        )
    st.markdown(f"**Crime per 1,000 residents a year by {kind}**")
    _show_map(fig, sentence, missing, rate_table(areas, rates, shades, focus), key or "crime_rate_map")


CRIME_RATE = "crime_rate"


def _outcome_options(shown: pd.DataFrame) -> dict[str, str]:
    verdicts = dict(zip(shown["outcome"], shown["label"], strict=True))
    return {
        "trust_score": "Latest trust score",
        CRIME_RATE: "Crime rate per 1,000 residents a year",
        **{o: f"Verdict: {label}" for o, label in verdicts.items()},
    }


def overview_map(url: str, user: User, filters: Filters, design: Design, shown: pd.DataFrame, frame) -> None:
    """One map of the city (one, so that a 300-area city draws within a second): every
    partnership's areas coloured by a verdict or the latest trust score, or every area's
    crime rate (`crime_rate_map`); the chosen partnership's areas edged in black, its
    comparison areas dashed."""
    found = _no_kind(url, user)
    if found is None:
        return
    kind, areas, missing = found
    _, owned = _places(url, user.audience, data.version(url))
    names = dict(zip(frame["code"], frame["name"], strict=True))
    options = _outcome_options(shown)
    left, right = st.columns(2)
    colour_by = left.selectbox("Colour by", list(options), format_func=options.__getitem__, key="map_colour")
    codes = sorted(names, key=lambda c: names[c])
    chosen = right.selectbox(
        "Outline a partnership and its comparison areas",
        codes,
        index=codes.index(filters.partnership) if filters.partnership in codes else 0,
        format_func=names.__getitem__,
        key="map_partnership",
    )
    if colour_by == CRIME_RATE:  # its comparison areas: those of the first crime group chosen
        groups = filters.crime_groups
        comparison = _comparison_names(url, user, chosen, design, groups[0]) if groups else ()
        crime_rate_map(url, user, filters, _roles(url, user.audience, chosen, comparison, data.version(url)))
        return
    rules = rules_for(user.audience)
    standings = {}
    if colour_by == "trust_score":
        outcome, legend = "trust", [c.label for c in score_classes()]
        for row in frame.itertuples():
            n = None if pd.isna(row.trust_n) else int(row.trust_n)
            score, flag = survey_cell(None if pd.isna(row.trust) else float(row.trust), n, rules=rules)
            if n is None and not pd.isna(row.trust_published_value):
                # no answers of its own: the source's published figure, as the table shows it
                score = float(row.trust_published_value)
                words = "trust " + published_text(
                    row.trust_published_value,
                    row.trust_published_period,
                    row.trust_published_statistic,
                    row.trust_published_n,
                )
            elif n is None:
                words = "no trust score in this period"
            elif score is None:
                words = "trust score hidden: fewer than 30 residents answered"
            else:
                words = f"trust {score:.1f} (n = {n:,})"
            standings[row.code] = score_standing(score, words + (f"; {flag}" if flag else ""))
        title = "Latest trust score"
    else:
        outcome, legend = colour_by, list(VERDICT_COLOURS)
        rows = shown[shown["outcome"] == colour_by].set_index("code")
        for code in names:
            verdict = rows["verdict"].get(code)
            standings[code] = verdict_standing(
                verdict, f"{options[colour_by][9:]}: {verdict or 'not evaluated'}"
            )
        title = "Verdicts"
    comparison = _comparison_names(url, user, chosen, design, outcome)
    roles = _roles(url, user.audience, chosen, comparison, data.version(url))
    notes = {}
    for code, group in owned.groupby("code"):
        set_here = group["comparison"].iloc[0]
        notes[code] = (
            f"Comparison areas (registry): {set_here}"
            if set_here
            else "Comparison areas are chosen per outcome: pick it above to outline them"
        )
    if comparison and roles is not None:
        notes[chosen] = f"Comparison areas: {', '.join(comparison)}"
    owners: dict[int, list[tuple[str, str]]] = {}
    for row in owned.itertuples():
        owners.setdefault(row.area_id, []).append((row.code, row.name))
    outlined = set(roles.comparison) if roles is not None else set()
    shades = partnership_shades(areas, owners, standings, notes, chosen, outlined)
    fig = area_map(
        areas, shades, title, legend_order=standing_legend(legend), height=MAP_HEIGHT, basemap=basemap()
    )
    st.markdown(f"**Where the partnerships are, by {kind}**")
    sentence = (
        f"Each partnership's {kind}s, coloured by {options[colour_by].lower()}; grey hatched: not yet "
        "evaluated or not enough data, never a verdict. "
        f"{names[chosen]}: edged in black, its comparison areas dashed"
        + ("" if outlined else " (none to outline for this outcome)")
        + ". Hover over an area for its partnership and its comparison areas."
    )
    if colour_by == "trust_score":
        bands = ", ".join(c.label.lower() for c in score_classes())
        sentence += f" Trust is the latest quarter's weighted mean on 0-100 ({bands}), with its n"
        if frame["trust"].isna().any() and frame["trust_published_value"].notna().any():
            sentence += "; where residents' own answers are missing, the source's latest published figure"
        sentence += "."
    table = pd.DataFrame(
        [
            {
                "Area": a.name,
                "Partnership": name,
                "Shown as": shades[a.id].legend,
                "Hover": shades[a.id].hover,
            }
            for a in sorted(areas, key=lambda a: a.name)
            for _, name in owners.get(a.id, [("", "")])
        ]
    )
    _show_map(fig, sentence, missing, table, "partnership_map")


def _comparison_names(url: str, user: User, code: str, design: Design, outcome: str) -> tuple[str, ...]:
    """The comparison areas partnership `code`'s evaluation of `outcome` uses."""
    result = data.evaluation(url, user.audience, code, design, (outcome,))
    found = next((o for o in (result or {}).get("outcomes", []) if o["outcome"] == outcome), None)
    comparison = (found or {}).get("comparison") or {}
    return tuple(comparison.get("areas", ()))


def _many(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def comparison_areas(result: dict | None) -> tuple[str, ...]:
    """The comparison areas a partnership's evaluation names: those of the outcome on its
    evaluation chart when one is chosen, else of its first outcome that has any."""
    outcomes = (result or {}).get("outcomes", [])
    charted = st.session_state.get("eval_chart")
    ordered = sorted(outcomes, key=lambda o: o["outcome"] != charted)
    for outcome in ordered:
        areas = (outcome.get("comparison") or {}).get("areas")
        if areas:
            return tuple(areas)
    return ()


def places_map(url: str, user: User, code: str, name: str, comparison: tuple[str, ...]) -> Roles | None:
    """Partnership `code`'s areas, comparison areas and displacement buffer, each named on
    the map; returns its roles (for the crime rate map)."""
    found = _no_kind(url, user)
    roles = _roles(url, user.audience, code, comparison, data.version(url))
    if found is None or roles is None:
        return roles
    kind, areas, missing = found
    shades = role_shades(areas, roles)
    fig = area_map(
        areas,
        shades,
        "Its places",
        legend_order=[*ROLE_LEGENDS, OTHER_AREAS],
        height=MAP_HEIGHT,
        label_px=11,
        basemap=basemap(),
    )
    counts = [len(roles.treated), len(roles.comparison), len(roles.buffer)]
    sentence = (
        f"{name} works in {_many(counts[0], kind)} (blue). Its evaluation compares them with "
        f"{_many(counts[1], 'comparison area')} (orange) and checks for crime pushed into "
        f"{_many(counts[2], 'neighbouring area')}, "
        "the displacement buffer (light blue); other partnerships' areas (grey) are never part of it. "
        "Other areas are drawn for context."
    )
    table = pd.DataFrame(
        [
            {"Area code": a.code, "Area": a.name, "Role": shades[a.id].legend}
            for a in sorted(areas, key=lambda a: a.name)
            if shades[a.id].legend != OTHER_AREAS
        ]
    )
    st.markdown(f"**{plain(name)}: its areas, comparison areas and neighbours**")
    _show_map(fig, sentence, missing, table, "places_map")
    return roles
