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
from typing import NamedTuple

import pandas as pd
import streamlit as st

from board.deck import rules_for
from charts.maps import (
    NO_POPULATION,
    OTHER_AREAS,
    ROLE_LEGENDS,
    area_map,
    comparison_legend,
    edged,
    label_points,
    partnership_shades,
    rate_legend,
    rate_shades,
    role_shades,
    roles_of,
    score_standing,
    standing_legend,
    verdict_standing,
)
from charts.theme import MAP_VERDICT_COLOURS
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
from metrics.verdict import CALLED
from ui import data
from ui.auth import User
from ui.database import engine_for
from ui.plain import plain
from ui.show import PLOTLY_CONFIG, download, nothing_to_show
from ui.tables import CHANCE_MARK, VERDICT_MARKS, crime_groups_text, published_text

BASEMAP_SETTING = "COMMONGROUND_BASEMAP"
DAY = 24 * 3600
ENTRIES = 64
MAP_HEIGHT = 560
LEGEND_WRAP = 40  # characters: a longer legend entry runs off a phone's screen
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


def _show_map(
    fig, sentence: str, missing: list[str], table: pd.DataFrame, key: str, numbered: str = ""
) -> None:
    """The map, the key to its numbers (`numbered`), a plain sentence under it, the areas it
    cannot draw, and its numbers."""
    # Legend under the map: beside it, it would squeeze the map on a phone.
    fig.update_layout(
        legend={"orientation": "h", "yanchor": "top", "y": -0.01, "x": 0, "xanchor": "left"},
        margin={"l": 4, "r": 4, "t": 48, "b": 4},
    )
    st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG, theme=None)
    if numbered:
        st.caption(plain(numbered))
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


def crime_rate_map(
    url: str,
    user: User,
    filters: Filters,
    focus: Roles | None = None,
    compared: str = "",
    key: str = "",
) -> None:
    """Crime per 1,000 residents a year by area over the filters' period and crime groups,
    in classes around the city's rate; for a partnership (`focus`), its areas, comparison
    areas (those for the outcome `compared`) and neighbours are edged (solid, dashed,
    dotted) over the city's rates. Where no area can be rated, one sentence says why."""
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
    unrated = _why_unrated(rates, kind)
    if unrated:
        nothing_to_show(unrated)
        return
    shades = rate_shades(areas, rates, city)
    if focus is not None:
        shades = edged(shades, focus, compared)
    groups = crime_groups_text(filters.crime_groups)
    fig = area_map(
        areas,
        shades,
        "Crime rate by area",
        legend_order=rate_legend(city),
        height=MAP_HEIGHT,
        basemap=basemap(),
        legend_wrap=LEGEND_WRAP,
    )
    months = int(rates["months"].max()) if len(rates) else 0
    sentence = (
        f"Recorded crimes in {groups} per 1,000 residents a year in each {kind}, {filters.start:%b %Y} to "
        f"{filters.end:%b %Y} ({months} months of data). "
        + (f"City rate: {city:,.1f}. " if city else "")
        + "Purple: below the city rate; orange: above it. Hover for each area's count beside its rate. "
        + "Dot-filled: fewer than 11 crimes, so no rate is shown; grey hatched: no rate, not zero."
        + ("" if focus is None else f" {focus.name}'s places are edged as the legend shows.")
    )
    unstable = int((rates["flag"] != "").sum())
    if unstable:
        sentence += (
            f" {unstable} areas have 20 or fewer crimes: their rates are unstable, read them with care."
        )
    _show_map(fig, sentence, missing, rate_table(areas, rates, shades, focus), key or "crime_rate_map")


def _why_unrated(rates: pd.DataFrame, kind: str) -> str:
    """'' when some area has a rate; else one sentence: why no area can be rated, and the fix."""
    if len(rates) and rates["rate"].notna().any():
        return ""
    if not len(rates) or not rates["months"].any():
        return f"No crime is recorded for any {kind} in this period, so there is no crime rate map."
    if rates["population"].isna().all():
        return (
            f"No {kind} has a population recorded, so no crime rate per 1,000 residents can be worked "
            f"out ({NO_POPULATION.lower()}). To map rates, import an areas file with a population "
            "column: see docs/importing.md. Counts are in the tables."
        )
    return (
        f"No {kind} can be given a rate: too few crimes or no population recorded "
        "(the public rules show no rate under 11 crimes)."
    )


CRIME_RATE = "crime_rate"


def _outcome_options(shown: pd.DataFrame) -> dict[str, str]:
    verdicts = dict(zip(shown["outcome"], shown["label"], strict=True))
    return {
        "trust_score": "Latest trust score",
        CRIME_RATE: "Crime rate per 1,000 residents a year",
        **{o: f"Verdict: {label}" for o, label in verdicts.items()},
    }


def _verdict_legend() -> list[str]:
    """The verdict map's classes in the verdict table's words, calls that may be chance
    beside their verdict."""
    legend = []
    for verdict in MAP_VERDICT_COLOURS:
        legend.append(VERDICT_MARKS[verdict])
        if verdict in CALLED:
            legend.append(_chance_legend(verdict))
    return legend


def _chance_legend(verdict: str) -> str:
    return f"{VERDICT_MARKS[verdict]}{CHANCE_MARK} (may be chance)"


def overview_map(url: str, user: User, filters: Filters, design: Design, shown: pd.DataFrame, frame) -> None:
    """One map of the city (one, so that a 300-area city draws within a second): every
    partnership's areas coloured by a verdict or the latest trust score, or every area's
    crime rate (`crime_rate_map`); each partnership numbered once (a key under the map);
    the chosen partnership's areas edged in black, its comparison areas dashed."""
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
        compared = crime_groups_text(groups[:1]) if groups else ""
        roles = _roles(url, user.audience, chosen, comparison, data.version(url))
        crime_rate_map(url, user, filters, roles, compared)
        return
    rules = rules_for(user.audience)
    standings = {}
    published_used = own_used = 0
    if colour_by == "trust_score":
        outcome, legend, compared = "trust", [c.label for c in score_classes()], "trust"
        for row in frame.itertuples():
            n = None if pd.isna(row.trust_n) else int(row.trust_n)
            score, flag = survey_cell(None if pd.isna(row.trust) else float(row.trust), n, rules=rules)
            if n is None and not pd.isna(row.trust_published_value):
                # no answers of its own: the source's published figure, as the table shows it
                score = float(row.trust_published_value)
                published_used += 1
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
                own_used += 1
                words = f"trust {score:.1f} (n = {n:,})"
            standings[row.code] = score_standing(score, words + (f"; {flag}" if flag else ""))
        title = _trust_title(own_used, published_used)
    else:
        outcome, legend = colour_by, _verdict_legend()
        rows = shown[shown["outcome"] == colour_by].set_index("code")
        compared = rows["label"].iloc[0].lower() if len(rows) else options[colour_by][9:].lower()
        stands = rows["stands"] if "stands" in rows else rows["verdict"].isin(CALLED)
        for code in names:
            verdict = rows["verdict"].get(code)
            chance = verdict in CALLED and not bool(stands.get(code, True))
            said = VERDICT_MARKS[verdict].split(" ", 1)[1] if verdict in VERDICT_MARKS else "not evaluated"
            standings[code] = verdict_standing(
                verdict,
                f"{options[colour_by][9:]}: {said}" + (" (may be chance)" if chance else ""),
                _chance_legend(verdict) if chance else VERDICT_MARKS.get(verdict),
                chance,
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
        notes[chosen] = f"Comparison areas for {compared}: {', '.join(comparison)}"
    owners: dict[int, list[tuple[str, str]]] = {}
    for row in owned.itertuples():
        owners.setdefault(row.area_id, []).append((row.code, row.name))
    placed = label_points(owners, areas)
    numbers = {code: i for i, code in enumerate(sorted(placed, key=lambda c: names.get(c, c)), start=1)}
    outlined = set(roles.comparison) if roles is not None else set()
    shades = partnership_shades(
        areas,
        owners,
        standings,
        notes,
        chosen,
        outlined,
        compared=compared,
        labels={a.id: str(numbers[code]) for code, a in placed.items()},
    )
    fig = area_map(
        areas,
        shades,
        title,
        legend_order=standing_legend(legend),
        height=MAP_HEIGHT,
        label_px=18,
        basemap=basemap(),
        legend_wrap=LEGEND_WRAP,
    )
    grey = "no trust score in this period" if colour_by == "trust_score" else "not yet evaluated or not "
    grey += "" if colour_by == "trust_score" else "enough data, never a verdict"
    sentence = (
        f"Each partnership's {kind}s, coloured by {options[colour_by].lower()}; grey hatched: {grey}. "
        + (
            "Cross-hatched: a call that may be chance (marked * in the tables). "
            if colour_by != "trust_score"
            else ""
        )
        + f"{names[chosen]}: edged in black"
        + (
            f", its comparison areas for {compared} dashed"
            if outlined
            else f"; it has no comparison areas set for {compared}"
        )
        + ". Hover over an area for its partnership and its comparison areas."
    )
    if colour_by == "trust_score":
        bands = ", ".join(c.label.lower() for c in score_classes())
        sentence += f" Trust is the latest quarter's weighted mean on 0-100 ({bands}), with its n"
        if published_used:
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
    numbered = _number_key({c: names.get(c, c) for c in numbers}, numbers)
    _show_map(fig, sentence, missing, table, "partnership_map", numbered if numbers else "")


def _number_key(names: dict[str, str], numbers: dict[str, int]) -> str:
    """'On the map: 1 Central Transit · 2 ...'; words every name ends with are said once
    ('On the map, each a Safer Neighbourhood Board: 1 Barking and Dagenham · ...')."""
    split = [n.split() for n in names.values()]
    common = 0
    while len(split) > 1 and all(len(w) > common + 1 for w in split):
        if len({tuple(w[-common - 1 :]) for w in split}) != 1:
            break
        common += 1
    suffix = " ".join(split[0][-common:]) if common else ""
    short = {c: " ".join(n.split()[: -common or None]) for c, n in names.items()}
    head = f"On the map, each a {suffix}: " if suffix else "On the map: "
    return head + " · ".join(f"{numbers[c]} {short[c]}" for c in numbers)


def _trust_title(own: int, published: int) -> str:
    """The trust map's title says whose figures it shows: residents' own answers, the
    published figures, or both."""
    if published and not own:
        return "Trust: published figures (latest)"
    if published:
        return "Latest trust score (published figure where residents answered no survey here)"
    return "Latest trust score"


def _comparison_names(url: str, user: User, code: str, design: Design, outcome: str) -> tuple[str, ...]:
    """The comparison areas partnership `code`'s evaluation of `outcome` uses."""
    result = data.evaluation(url, user.audience, code, design, (outcome,))
    found = next((o for o in (result or {}).get("outcomes", []) if o["outcome"] == outcome), None)
    comparison = (found or {}).get("comparison") or {}
    return tuple(comparison.get("areas", ()))


def _many(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


class Compared(NamedTuple):
    """The comparison areas a map outlines, and the outcome (its label) whose set they are."""

    outcome: str
    areas: tuple[str, ...]


def comparison_areas(result: dict | None) -> Compared:
    """The comparison areas a partnership's evaluation names: those of the outcome on its
    evaluation chart when one is chosen, else of its first outcome that has any."""
    outcomes = (result or {}).get("outcomes", [])
    charted = st.session_state.get("eval_chart")
    ordered = sorted(outcomes, key=lambda o: o["outcome"] != charted)
    for outcome in ordered:
        areas = (outcome.get("comparison") or {}).get("areas")
        if areas:
            return Compared(outcome["label"].lower(), tuple(areas))
    first = ordered[0]["label"].lower() if ordered else ""
    return Compared(first, ())


def places_map(url: str, user: User, code: str, name: str, compared: Compared) -> Roles | None:
    """Partnership `code`'s areas, comparison areas (for one outcome) and displacement
    buffer, each named on the map; returns its roles (for the crime rate map)."""
    found = _no_kind(url, user)
    roles = _roles(url, user.audience, code, compared.areas, data.version(url))
    if found is None or roles is None:
        return roles
    kind, areas, missing = found
    shades = role_shades(areas, roles, compared.outcome)
    fig = area_map(
        areas,
        shades,
        "Its places",
        legend_order=[ROLE_LEGENDS[0], comparison_legend(compared.outcome), *ROLE_LEGENDS[2:], OTHER_AREAS],
        height=MAP_HEIGHT,
        label_px=11,
        basemap=basemap(),
        legend_wrap=LEGEND_WRAP,
    )
    counts = [len(roles.treated), len(roles.comparison), len(roles.buffer)]
    compares = (
        f"Its evaluation of {compared.outcome} compares them with "
        f"{_many(counts[1], 'comparison area')} (white, dashed edge)"
        if counts[1]
        else "It has no comparison areas set" + (f" for {compared.outcome}" if compared.outcome else "")
    )
    buffer = (
        f"It is checked for crime pushed into {_many(counts[2], 'neighbouring area')}, the displacement "
        "buffer (light blue)"
        if counts[2]
        else "It has no displacement buffer: no neighbouring area lies outside every partnership and its "
        "comparison areas"
    )
    sentence = (
        f"{name} works in {_many(counts[0], kind)} (blue). {compares}. {buffer}; other partnerships' "
        "areas (grey) are never part of it. Other areas are drawn for context. Each outcome may have "
        "its own comparison areas."
    )
    table = pd.DataFrame(
        [
            {"Area code": a.code, "Area": a.name, "Role": shades[a.id].legend}
            for a in sorted(areas, key=lambda a: a.name)
            if shades[a.id].legend != OTHER_AREAS
        ]
    )
    _show_map(fig, sentence, missing, table, "places_map")
    return roles
