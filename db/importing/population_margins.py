"""Import population margins: how many residents of an area are in each group (census
counts), the targets raking weights resident answers to (db.weighting).

Fields: area, dimension (one of MARGIN_DIMENSIONS: age_sex, age_band, sex, race_ethnicity,
education, income), group, population; for age_sex the group is an age band and a sex
joined by "|" ("16-24|female"), or, with `group` blank, the file's age_band and sex columns,
which are joined so. A row is one group's count: a whole number, 0 or more.

The margins of an area are checked together before anything is written: every dimension
must count the same residents (their totals within 1% of each other, the area's stored
margins for dimensions the file does not give included), and that total must be the area's
stored population, within the mapping's `population_tolerance` (5% by default). A file
giving an area's margins for a dimension replaces everything stored for that area and
dimension: groups the file no longer names are removed, and the report says how many.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import Connection, delete, insert, select, update

from db.importing.areas import AreaLookup
from db.importing.fields import field_value, parse_number
from db.importing.fixes import values_fix
from db.importing.mapping import Mapping
from db.importing.report import Problem, Report, text_limit, text_rule
from db.models import MARGIN_DIMENSIONS, Area, PopulationMargin

DIMENSIONS_AGREE = 0.01  # the most an area's dimension totals may differ, as a share of the largest
GROUP_LIMIT = text_limit(PopulationMargin, "group_value")


def _population(text: str, mapping: Mapping) -> tuple[int | None, str]:
    """(count, '') or (None, rule broken): a whole number of residents, 0 or more. A
    thousands separator (12,400) is read when the mapping has no decimal comma."""
    cleaned = text if mapping.decimal_comma else text.replace(",", "")
    number = parse_number(cleaned, mapping)
    if number is None or number != int(number) or number < 0:
        return None, "population must be a whole number of residents, 0 or more"
    return int(number), ""


def _group(row: dict[str, str], mapping: Mapping, dimension: str) -> tuple[str, str, str]:
    """(column, group as stored, rule broken or ''): the group cell, or for age_sex with the
    group blank, the age band and sex columns joined by '|'."""
    column, group = field_value(row, mapping, "group")
    if dimension == "age_sex":
        if not group:
            age_col, age = field_value(row, mapping, "age_band")
            sex_col, sex = field_value(row, mapping, "sex")
            column = f"{age_col}+{sex_col}"
            if not (age and sex):
                return column, "", "required: an age_sex group (group 16-24|female, or age_band and sex)"
            group = f"{age}|{sex}"
        parts = [part.strip() for part in group.split("|")]
        if len(parts) != 2 or not all(parts):
            return column, group, 'an age_sex group is an age band and a sex joined by "|", e.g. 16-24|female'
        group = "|".join(parts)
    if not group:
        return column, group, "required: group"
    return column, group, text_rule(group, GROUP_LIMIT)


def load(
    conn: Connection, rows: Iterator[tuple[int, dict[str, str]]], mapping: Mapping, report: Report
) -> None:
    areas = AreaLookup(conn, mapping.area_aliases, mapping.area_prefix)
    # (area, dimension, group in any case) -> (group as written, count, line)
    parsed: dict[tuple[int, str, str], tuple[str, int, int]] = {}
    first_line: dict[int, tuple[int, str, str]] = {}  # area -> (line, column, text) of its first row
    for line, row in rows:
        report.rows_read += 1
        area_col, area_text = field_value(row, mapping, "area")
        if area_text in mapping.skip.get("area", ()):
            report.skip("area")
            continue
        area_id = areas.resolve(line, area_col, area_text, report) if area_text else None
        if not area_text:
            report.problems.append(Problem(line, area_col, "", "required: area"))
        dim_col, word = field_value(row, mapping, "dimension")
        dimension = word.casefold()
        if dimension not in MARGIN_DIMENSIONS:
            rule = f"dimension must be one of {', '.join(MARGIN_DIMENSIONS)}"
            report.problems.append(
                Problem(line, dim_col, word, rule, values_fix("dimension", word, MARGIN_DIMENSIONS))
            )
            continue
        group_col, group, rule = _group(row, mapping, dimension)
        if rule:
            report.problems.append(Problem(line, group_col, group, rule))
        pop_col, pop_text = field_value(row, mapping, "population")
        population, pop_rule = _population(pop_text, mapping) if pop_text else (None, "required: population")
        if pop_rule:
            report.problems.append(Problem(line, pop_col, pop_text, pop_rule))
        if area_id is None or rule or pop_rule:
            continue
        first_line.setdefault(area_id, (line, area_col, area_text))
        key = (area_id, dimension, group.casefold())
        if key in parsed:
            _group_text, count, first = parsed[key]
            if count == population and mapping.duplicates != "refuse":
                report.duplicates_dropped += 1
                continue
            rule = f"the same area, dimension and group appear twice in the file (first on line {first})"
            report.problems.append(Problem(line, group_col, group, rule))
            continue
        parsed[key] = (group, population, line)
    if report.problems or not parsed:
        return
    margins: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for (area_id, dimension, _folded), (group, count, _line) in parsed.items():
        margins[area_id][dimension][group] = count
    _check_totals(conn, margins, first_line, mapping, report)
    if not report.problems:
        _write(conn, margins, report)


def _totals(conn: Connection, margins: dict[int, dict[str, dict[str, int]]]) -> dict[int, dict[str, int]]:
    """Each area's residents per dimension once the file is in: the file's totals, and the
    stored ones for dimensions the file does not give."""
    totals = {
        area: {dim: sum(groups.values()) for dim, groups in dims.items()} for area, dims in margins.items()
    }
    stored = select(PopulationMargin.area_id, PopulationMargin.dimension, PopulationMargin.population)
    for area_id in totals:
        kept: dict[str, int] = defaultdict(int)
        for _a, dimension, count in conn.execute(stored.where(PopulationMargin.area_id == area_id)):
            if dimension not in margins[area_id]:
                kept[dimension] += count
        totals[area_id] |= {f"{dim} (stored)": count for dim, count in kept.items()}
    return totals


def _check_totals(
    conn: Connection,
    margins: dict[int, dict[str, dict[str, int]]],
    first_line: dict[int, tuple[int, str, str]],
    mapping: Mapping,
    report: Report,
) -> None:
    """Refuse an area whose dimensions count different numbers of residents, or whose
    margins' total is not its stored population (within the mapping's population_tolerance)."""
    populations = dict(conn.execute(select(Area.id, Area.population).where(Area.id.in_(list(margins)))).all())
    tolerance = mapping.population_tolerance
    no_population = []
    for area_id, totals in _totals(conn, margins).items():
        line, column, text = first_line[area_id]
        listed = ", ".join(f"{dim} {count:,}" for dim, count in totals.items())
        largest, smallest = max(totals.values()), min(totals.values())
        if largest and (largest - smallest) / largest > DIMENSIONS_AGREE:
            rule = (
                f"the area's margins do not describe the same people: its dimensions add up to "
                f"{listed} residents ({100 * (largest - smallest) / largest:.1f}% apart, more than "
                f"{100 * DIMENSIONS_AGREE:g}%)"
            )
            fix = "correct the counts so that every dimension adds up to the area's residents"
            report.problems.append(Problem(line, column, text, rule, fix))
            continue
        population = populations.get(area_id)
        if population is None:
            no_population.append(text)
            continue
        total = max(totals.values(), key=lambda t: abs(t - population))  # the dimension furthest off
        apart = abs(total - population) / population if population else float(total > 0)
        if apart * 100 > tolerance:
            rule = (
                f"the margins add up to {total:,} residents but the area's population is {population:,} "
                f"({100 * apart:.1f}% apart, more than population_tolerance = {tolerance:g}%)"
            )
            needed = int(100 * apart) + 1
            fix = (
                "import the area's population again (kind areas) if it has changed, or, if these "
                f"margins are right for another year, set population_tolerance = {needed} in the mapping"
            )
            report.problems.append(Problem(line, column, text, rule, fix))
    if no_population:
        report.notes.append(
            f"{len(no_population)} area(s) have no population stored, so their margins' total was not "
            f"checked against it: {', '.join(no_population[:10])}"
        )


def _write(conn: Connection, margins: dict[int, dict[str, dict[str, int]]], report: Report) -> None:
    """Replace each area's stored margins for the file's dimensions with the file's: insert
    new groups, update changed counts, remove groups the file no longer names."""
    table = PopulationMargin.__table__
    removed = 0
    for area_id, dims in margins.items():
        for dimension, groups in dims.items():
            stored = {
                group: (id_, count)
                for id_, group, count in conn.execute(
                    select(table.c.id, table.c.group_value, table.c.population).where(
                        table.c.area_id == area_id, table.c.dimension == dimension
                    )
                )
            }
            wanted = {group.casefold() for group in groups}
            gone = [id_ for group, (id_, _count) in stored.items() if group.casefold() not in wanted]
            if gone:
                conn.execute(delete(table).where(table.c.id.in_(gone)))
                removed += len(gone)
            by_folded = {group.casefold(): (group, id_, count) for group, (id_, count) in stored.items()}
            new = []
            for group, count in groups.items():
                old = by_folded.get(group.casefold())
                if old is None:
                    new.append(
                        {
                            "area_id": area_id,
                            "dimension": dimension,
                            "group_value": group,
                            "population": count,
                        }
                    )
                elif (old[0], old[2]) != (group, count):
                    conn.execute(
                        update(table).where(table.c.id == old[1]).values(group_value=group, population=count)
                    )
                    report.updated += 1
                else:
                    report.skipped += 1
            if new:
                conn.execute(insert(table), new)
                report.inserted += len(new)
    if removed:
        report.notes.append(
            f"{removed} stored margin group(s) the file no longer names were removed (a file replaces "
            "an area's margins for each dimension it gives)"
        )
