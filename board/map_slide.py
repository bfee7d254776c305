"""The map slide, "Where <partnership> works": which part of town this is, and how its
recorded crime compares with the city's.

The partnership's areas and their neighbours are coloured by recorded crime per 1,000
residents a year over the latest 12 months of crime data, in five classes around the
city's rate (metrics.maps.relative_classes, the diverging scale of charts.theme), each
named on the map with its rate (labels never overlap: a neighbour's may be shortened to its
name, moved, or left off and named in the notes); the map is framed on them, and the rest of
the city is drawn white and unlabelled. The
audience's rules apply when the numbers are fetched (metrics.maps.crime_rates): in public
an area with 1 to 10 crimes reads "fewer than 11 crimes" and has no rate, and a second
area is held back with it where the city's rate would give the first away. A partnership
none of whose areas has a stored boundary has no map slide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Connection

from board.slide import Slide
from charts.board import (
    FEWER_LEGEND,
    OUTLINED,
    REST_OF_CITY,
    class_shade,
    context_shade,
    map_label,
    no_rate_shade,
    slide_map,
    small_shade,
)
from charts.maps import Shade
from metrics.crime import data_months
from metrics.evaluation import buffer_of, load_places
from metrics.formatting import count, months_span
from metrics.maps import (
    MapArea,
    MapClass,
    area_shapes,
    crime_rates,
    mapped_kind,
    missing_shapes,
    relative_class,
    relative_classes,
)
from metrics.publish import FEWER_THAN, LEADERSHIP, NOT_SHOWN, Rules, is_small
from metrics.registry import CRIME_GROUP_LABELS

MAP_MONTHS = 12
SAID_ONE_BY_ONE = 3  # partnership areas whose rate the caption says one by one; more are tallied
OURS, AROUND = "partnership area", "neighbouring area"
# How each class of metrics.maps.relative_classes reads in a sentence, lowest first.
AGAINST_THE_CITY = ("under half", "below", "near", "above", "over twice")
NOT_SHOWN_LEGEND = "Not shown: would give a small count away"
NO_DATA_LEGEND = "No data"
NO_POPULATION = "population not recorded, so no rate"
NO_POPULATION_LEGEND = "Population not recorded: no rate"
NO_CITY_RATE_LEGEND = "No city rate to compare with"


@dataclass(frozen=True)
class Place:
    """One coloured area: who it is, what may be said of its crime, and its class."""

    area_id: int
    name: str
    role: str  # OURS or AROUND
    population: int | None
    crimes: str  # '1,234', '0', 'fewer than 11', 'not shown'
    rate: float | None  # per 1,000 residents a year; None where hidden or unknown
    flag: str
    cls: MapClass | None  # against the city's rate; None without a rate or a city rate

    @property
    def rate_text(self) -> str:
        return "" if self.rate is None else per_1000(self.rate)


def per_1000(value: float) -> str:
    """A rate as the legend's bounds write it (metrics.maps): '6.2' under 10, '12' above."""
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"


def crime_window(conn: Connection, period: tuple[date, date]) -> tuple[date, date]:
    """The latest MAP_MONTHS months of crime data within the deck's period (first day of the
    first month, last day of the period or of the last month with crime)."""
    months = data_months(conn)
    last = period[1] if months is None else min(period[1], _month_end(months[1]))
    index = last.year * 12 + last.month - MAP_MONTHS
    first = max(date(index // 12, index % 12 + 1, 1), period[0].replace(day=1))
    return first, last


def _month_end(month: date) -> date:
    index = month.year * 12 + month.month  # the month after, counted from year 0
    return date.fromordinal(date(index // 12, index % 12 + 1, 1).toordinal() - 1)


def map_slide(
    conn: Connection, code: str, name: str, period: tuple[date, date], rules: Rules
) -> Slide | None:
    """The slide for partnership `code` (called `name`), or None when none of its areas has
    a stored boundary."""
    places = load_places(conn, code)
    if places is None or not places.treated:
        return None
    ours = list(places.treated)
    kind = mapped_kind(conn, ours)
    if kind is None:
        return None
    around = list(buffer_of(places, places.treated, set()))
    city = [a for a, k in places.kinds.items() if k == kind]
    start, end = crime_window(conn, period)
    groups = tuple(CRIME_GROUP_LABELS)
    rates = crime_rates(conn, ours + around, start, end, groups, rules)
    city_rate = _city_rate(crime_rates(conn, city, start, end, groups, LEADERSHIP), rules)
    months = int(rates["months"].max()) if len(rates) else 0
    coloured = [
        _place(row, places.names[row.area_id], OURS if row.area_id in ours else AROUND, city_rate)
        for row in rates.itertuples(index=False)
    ]
    shapes = area_shapes(conn, sorted(set(city) | set(ours) | set(around)))
    on_map = {a.id for a in shapes}
    span = months_span(start, end)
    shades, legend = _shades(shapes, {p.area_id: p for p in coloured}, city_rate, months, span)
    title = f"Where {name} works"
    shown = [p for p in coloured if p.area_id in on_map]
    mine = sorted((p for p in shown if p.role == OURS), key=lambda p: p.name)
    neighbours = sorted((p for p in shown if p.role == AROUND), key=lambda p: p.name)
    caption = _caption(mine, city_rate, months)
    change = _change(conn, ours, (start, end), months, groups, rules)
    if change:
        caption += " " + change
    source = (
        f"Source: recorded crime by month of occurrence, {span}; rates per 1,000 residents a year. "
        f"Crimes: {'; '.join(f'{p.name} {p.crimes}' for p in mine)}."
        if months
        else "Source: recorded crime; none is loaded for these months."
    )
    drawn = slide_map(
        shapes, shades, title, ours, ours + around, legend, period=span, caption=caption, source=source
    )
    detail = _detail(neighbours, city_rate, rules, missing_shapes(conn, ours + around), drawn.dropped)
    return Slide("map", title, caption, source, drawn.figure, _data(mine + neighbours), detail)


def _change(
    conn: Connection,
    ours: list[int],
    window: tuple[date, date],
    months: int,
    groups: tuple[str, ...],
    rules: Rules,
) -> str:
    """'Crime in its areas: 1,052 in the latest 12 months, 1,120 in the 12 before.', where
    both 12 months have crime data and every one of its areas' counts may be shown in both
    (a total would otherwise give a hidden count away); '' otherwise."""
    if months != MAP_MONTHS:
        return ""
    index = window[0].year * 12 + window[0].month - 1 - MAP_MONTHS
    before = (date(index // 12, index % 12 + 1, 1), date.fromordinal(window[0].toordinal() - 1))
    totals = []
    for start, end in (window, before):
        rates = crime_rates(conn, ours, start, end, groups, rules)
        if len(rates) != len(ours) or (rates["months"] != MAP_MONTHS).any() or rates["shown"].isna().any():
            return ""
        totals.append(int(rates["shown"].sum()))
    if any(is_small(total, rules) for total in totals):
        return ""
    latest, earlier = totals
    return f"Crime in its areas: {count(latest)} in the latest 12 months, {count(earlier)} in the 12 before."


def _city_rate(city: pd.DataFrame, rules: Rules) -> float | None:
    """Crime per 1,000 residents a year over every area of the map's kind that has a
    population; None without crime data, or where the city's own count is a small one."""
    counted = city[city["population"].notna() & (city["population"] > 0)]
    if counted.empty or not int(counted["months"].max()):
        return None
    crimes, people = int(counted["count"].sum()), int(counted["population"].sum())
    if crimes == 0 or is_small(crimes, rules):
        return None
    return crimes / people * 1000 * 12 / int(counted["months"].max())


def _place(row, name: str, role: str, city_rate: float | None) -> Place:
    rate = None if row.rate is None or pd.isna(row.rate) else float(row.rate)
    cls = relative_class(rate, city_rate) if rate is not None and city_rate else None
    population = None if row.population is None or pd.isna(row.population) else int(row.population)
    return Place(row.area_id, name, role, population, row.count_text, rate, row.flag, cls)


def _label(place: Place, months: int) -> str:
    """The direct label: the name, then the rate (per 1,000 a year, as the legend says) or
    why there is none."""
    return map_label(place.name, _what(place, months, short=True))


def _what(place: Place, months: int, short: bool = False) -> str:
    """What may be said of an area's crime: its rate ('6.2' on a label, in words elsewhere),
    'fewer than 11 crimes', 'not shown', 'no data' ..."""
    if not months:
        return "no data"
    if place.crimes == FEWER_THAN:
        return "fewer than\n11 crimes" if short else "fewer than 11 crimes, so no rate"
    if place.crimes == NOT_SHOWN:
        return "not shown"
    if place.rate is None:
        return "population not\nrecorded, so no rate" if short else f"{place.crimes} crimes; {NO_POPULATION}"
    if short:
        return place.rate_text
    return f"{place.rate_text} crimes per 1,000 residents a year ({place.crimes} crimes)"


def _shades(
    shapes: list[MapArea], coloured: dict[int, Place], city_rate: float | None, months: int, span: str
) -> tuple[dict[int, Shade], list[str]]:
    """Each area's shade, and the legend's classes lowest first, then the grey ones."""
    classes = relative_classes(city_rate) if city_rate else []
    shades: dict[int, Shade] = {}
    for a in shapes:
        place = coloured.get(a.id)
        if place is None:
            shades[a.id] = context_shade(a.name)
            continue
        hover = f"{place.name} ({place.role}): {_what(place, months)}, {span}"
        if place.cls is not None:
            hover += f"; {place.cls.label.lower()}"
        if place.flag:
            hover += f"; {place.flag}"
        label = _label(place, months)
        if not months:
            shades[a.id] = no_rate_shade(hover, label, NO_DATA_LEGEND)
        elif place.crimes == FEWER_THAN:
            shades[a.id] = small_shade(hover, label)
        elif place.crimes == NOT_SHOWN:
            shades[a.id] = small_shade(hover, label, NOT_SHOWN_LEGEND)
        elif place.cls is not None:
            shades[a.id] = class_shade(place.cls.label, place.cls.rank, hover, label)
        elif place.rate is None:
            shades[a.id] = no_rate_shade(hover, label, NO_POPULATION_LEGEND)
        else:
            shades[a.id] = no_rate_shade(hover, label, NO_CITY_RATE_LEGEND)
    legend = [c.label for c in classes] + [
        FEWER_LEGEND,
        NOT_SHOWN_LEGEND,
        NO_DATA_LEGEND,
        NO_POPULATION_LEGEND,
        NO_CITY_RATE_LEGEND,
    ]
    return shades, [*legend, REST_OF_CITY, OUTLINED]


def _caption(mine: list[Place], city_rate: float | None, months: int) -> str:
    """'Eastside's crime rate, 6.2 per 1,000 residents a year, is below the city's 8.1;
    Dockland's, 12, is above it.' and the like, from what the audience may see."""
    if not months:
        return "No recorded crime is loaded for these months: the map shows where the partnership works."
    city = f"the city's {per_1000(city_rate)}" if city_rate else ""
    if len(mine) > SAID_ONE_BY_ONE:
        return _tally(mine, city_rate)
    sentences: list[str] = []
    compared = False
    for place in mine:
        if place.crimes == FEWER_THAN:
            sentences.append(f"{place.name} had fewer than 11 recorded crimes, too few to give a rate.")
        elif place.crimes == NOT_SHOWN:
            sentences.append(
                f"{place.name}'s rate is not shown, so that a smaller count nearby cannot be worked out."
            )
        elif place.rate is None:
            sentences.append(f"{place.name}'s population is not recorded, so its crime has no rate.")
        elif place.cls is None:
            sentences.append(f"{place.name}'s crime rate is {place.rate_text} per 1,000 residents a year.")
        elif not compared:
            rate = f"{place.rate_text} per 1,000 residents a year"
            sentences.append(
                f"{place.name}'s crime rate, {rate}, is {AGAINST_THE_CITY[place.cls.rank]} {city}."
            )
            compared = True
        else:
            sentences.append(f"{place.name}'s, {place.rate_text}, is {AGAINST_THE_CITY[place.cls.rank]} it.")
    return " ".join(sentences)


def _tally(mine: list[Place], city_rate: float | None) -> str:
    """'Of its 6 areas, 2 are above the city's crime rate of 8.1 per 1,000 residents a year,
    3 near it and 1 below it; their rates are on the map.'"""
    by_class: dict[int, int] = {}
    for place in mine:
        if place.cls is not None:
            by_class[place.cls.rank] = by_class.get(place.cls.rank, 0) + 1
    if not by_class or not city_rate:
        return f"Its {len(mine)} areas and their crime rates per 1,000 residents a year are on the map."
    ranks = sorted(by_class, reverse=True)
    first, *rest = ranks
    text = (
        f"Of its {len(mine)} areas, {by_class[first]} {'is' if by_class[first] == 1 else 'are'} "
        f"{AGAINST_THE_CITY[first]} the city's crime rate of {per_1000(city_rate)} per 1,000 residents a year"
    )
    parts = [f"{by_class[r]} {AGAINST_THE_CITY[r]} it" for r in rest]
    if parts:
        text += ", " + (", ".join(parts[:-1]) + " and " if len(parts) > 1 else "") + parts[-1]
    return text + "; each one's rate is on the map."


def _detail(
    neighbours: list[Place], city_rate: float | None, rules: Rules, missing: list[str], unlabelled: list[str]
) -> str:
    """The packet's and notes' full account: the neighbours, the city, the classes, the rules."""
    parts = []
    if neighbours:
        said = "; ".join(f"{p.name} {_what(p, 1)}" for p in neighbours)
        parts.append(f"Neighbouring areas: {said}.")
    if city_rate:
        parts.append(
            f"City: {per_1000(city_rate)} crimes per 1,000 residents a year. Colours compare each area's "
            "rate with the city's: under half, below (half to 4/5), near (4/5 to 5/4), above (5/4 to "
            "twice), over twice."
        )
    if rules.public:
        parts.append(
            "Counts from 1 to 10 are shown as 'fewer than 11' with no rate; where the city's rate would "
            "give one away, another area is not shown either."
        )
    if unlabelled:
        parts.append(f"Not labelled on the map, for want of room: {', '.join(sorted(unlabelled))}.")
    if missing:
        parts.append(f"Not on the map (no boundary loaded): {', '.join(missing)}.")
    return " ".join(parts)


def _data(places: list[Place]) -> pd.DataFrame:
    """The slide's CSV: what each coloured area shows, nothing the audience may not see."""
    return pd.DataFrame(
        {
            "area": [p.name for p in places],
            "role": [p.role for p in places],
            "population": [count(p.population) if p.population else "" for p in places],
            "crimes": [p.crimes for p in places],
            "crimes per 1,000 residents a year": [p.rate_text for p in places],
            "against the city": [p.cls.label if p.cls else "" for p in places],
            "note": [p.flag for p in places],
        }
    )
