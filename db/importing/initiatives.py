"""Import initiatives: problems a partnership works through SARA, and, for a targeted one,
where and at what it is aimed and the measurable goal it set itself.

Fields: partnership, name, response_type, stage, started_on, ended_on, goal (words),
goal_met (what a person says: a claim), planned_end (may lie ahead), target_areas (area
names, codes or aliases: some of the partnership's, or a hotspot of its own) and
target_outcomes (crime groups or survey constructs, INITIATIVE_TARGETS), several in one
cell separated by the mapping's `list_separator`, and the goal: goal_outcome (one of the
target outcomes), goal_change and goal_months. goal_change is a relative change for a
crime group, written "-20%" or "-0.2" and stored as -0.2, above -100%; and a change in
points on 0-100 for a survey construct, "+5", from -100 to 100. An initiative is
*targeted* when it names at least one area and one outcome; one without either imports as
it always has. Areas are looked up as a partnership's are (db.importing.partnerships):
aliases, [area_prefix], an unknown one refused with its fix, [skip] area leaving the row out.

Natural key: partnership and name. An initiative seen again is updated, its target areas
and outcomes replaced by the file's, when anything changed, and counted unchanged otherwise.
`InitiativeNames` finds an initiative by its name within a partnership, for the kinds that
refer to one (initiative_delivery, priorities).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from sqlalchemy import Connection, delete, insert, select, update

from db.importing.areas import AreaLookup
from db.importing.fields import field_value, parse_number
from db.importing.fixes import unknown_area_fix, values_fix
from db.importing.mapping import Mapping
from db.importing.partnerships import split_list
from db.importing.records import (
    Field,
    Partnerships,
    Spec,
    add_once,
    header_lacks,
    not_before,
    row_values,
)
from db.importing.report import Problem, Report
from db.models import (
    CRIME_GROUPS,
    INITIATIVE_TARGETS,
    SARA_STAGES,
    Initiative,
    InitiativeArea,
    InitiativeOutcome,
    Partnership,
)

GOAL_FIELDS = ("goal_outcome", "goal_change", "goal_months")  # a measurable goal: all three together
SPEC = Spec(  # the fields held in the initiative's own row; goal_change is read by `goal_change`
    Initiative,
    (
        Field("partnership", "partnership", True, attribute="partnership_id"),
        Field("name", required=True),
        Field("response_type"),
        Field("stage", "choice", True, SARA_STAGES),
        Field("started_on", "date"),
        Field("ended_on", "date"),
        Field("goal"),
        Field("goal_met", "bool"),
        Field("planned_end", "plan"),
        Field("goal_outcome", "choice", choices=INITIATIVE_TARGETS),
        Field("goal_months", "int", low=1),
    ),
    ("partnership_id", "name"),
    "initiative",
    lambda line, values, cells: not_before(line, values, cells, "planned_end", "started_on"),
)
COLUMNS = [*(f.column for f in SPEC.fields), "goal_change"]  # what an initiative's row holds
SURVEY_GOAL = 'a survey construct\'s goal is a change in points on 0-100, e.g. "+5"'
POINTS = re.compile(r"\s*(points?|pts?)$", re.IGNORECASE)


def goal_change(text: str, outcome: str, mapping: Mapping) -> tuple[float | None, str, str]:
    """(the goal's change as stored, rule broken or '', suggestion) for a goal_change cell,
    given the goal's outcome: for a crime group a relative change ("-20%" or "-0.2": -0.2),
    above -100%; for a survey construct points on 0-100 ("+5", "+5 points": 5.0), -100 to 100."""
    cleaned = text.replace("\u2212", "-").strip()  # a typographic minus, as word processors write it
    percent = cleaned.endswith("%")
    number = parse_number(POINTS.sub("", cleaned.removesuffix("%")), mapping)
    if number is None:
        example = '"-20%" or "-0.2"' if outcome in CRIME_GROUPS else '"+5"'
        return None, f"goal_change must be a number, e.g. {example} for {outcome}", ""
    if outcome not in CRIME_GROUPS:
        if percent:
            return None, f"{SURVEY_GOAL}, not a percentage", f"write {number:+g} for {number:+g} points"
        if not -100 <= number <= 100:
            return None, f"{SURVEY_GOAL}, from -100 to 100", ""
        return number, "", ""
    if not percent and abs(number) > 1:
        rule = f"a crime goal without % is a fraction (-0.2: down 20%), so {number:g} would be {number:+.0%}"
        return None, rule, f'write "{number:+g}%" for a percentage'
    change = number / 100 if percent else number
    if change <= -1:
        return None, "a crime goal must be above -100% (crime cannot fall by all of itself or more)", ""
    return change, "", ""


def list_cell(
    line: int, row: dict[str, str], name: str, mapping: Mapping, report: Report | None = None
) -> tuple[str, list[str]]:
    """(the column, the elements) of a list field's cell, each translated by [values.<name>];
    a cell that does not split is recorded in `report`."""
    column, text = field_value(row, mapping, name)
    parts, rule = split_list(text, mapping.list_separator)
    if rule and report is not None:
        hint = f"close it, or put a name holding {mapping.list_separator!r} in double quotes"
        report.problems.append(Problem(line, column, text, rule, hint))
    words = mapping.values.get(name, {})
    return column, list(dict.fromkeys(words.get(part, part) for part in parts))


def _targets(
    line: int, row: dict[str, str], areas: AreaLookup, mapping: Mapping, report: Report
) -> tuple[list[int], list[str]] | None:
    """(area ids, outcomes) of a row, or None after recording its problems."""
    area_col, names = list_cell(line, row, "target_areas", mapping, report)
    before = report.problem_count
    area_ids = []
    for name in names:
        found = areas.find(name)
        if found is None:
            fix = unknown_area_fix(mapping, name, areas.suggest(name))
            report.problems.append(Problem(line, area_col, name, "unknown area", fix))
        else:
            area_ids.append(found)
    outcome_col, written = list_cell(line, row, "target_outcomes", mapping, report)
    wanted = {t.casefold(): t for t in INITIATIVE_TARGETS}
    outcomes = []
    for word in written:
        if word.casefold() in wanted:
            outcomes.append(wanted[word.casefold()])
        else:
            rule = f"target outcome must be one of {', '.join(INITIATIVE_TARGETS)}"
            fix = values_fix("target_outcomes", word, INITIATIVE_TARGETS)
            report.problems.append(Problem(line, outcome_col, word, rule, fix))
    if report.problem_count > before:
        return None
    return sorted(set(area_ids)), sorted(set(outcomes))


def _goal(
    line: int, row: dict[str, str], values: dict, outcomes: list[str], mapping: Mapping
) -> list[Problem]:
    """The problems of a row's goal (its outcome, change and months read), setting
    values["goal_change"]: all three or none, the outcome one the row targets."""
    cells = {name: field_value(row, mapping, name) for name in GOAL_FIELDS}
    given = [name for name in GOAL_FIELDS if cells[name][1]]
    if not given:
        values["goal_change"] = None
        return []
    problems = [
        Problem(
            line,
            cells[name][0],
            "",
            f"required with {', '.join(given)}: a measurable goal names what changes (goal_outcome), "
            "by how much (goal_change) and within how many months (goal_months)",
        )
        for name in GOAL_FIELDS
        if name not in given
    ]
    outcome = values.get("goal_outcome")
    if outcome is not None and outcomes and outcome not in outcomes:
        column, text = cells["goal_outcome"]
        rule = f"goal_outcome is not one of the initiative's target_outcomes ({', '.join(outcomes)})"
        problems.append(Problem(line, column, text, rule, "add it to target_outcomes, or name one of those"))
    column, text = cells["goal_change"]
    if outcome is not None and text:
        values["goal_change"], rule, fix = goal_change(text, outcome, mapping)
        if rule:
            problems.append(Problem(line, column, text, rule, fix))
    return problems


def load(
    conn: Connection, rows: Iterator[tuple[int, dict[str, str]]], mapping: Mapping, report: Report
) -> None:
    partnerships = Partnerships(conn)
    areas = AreaLookup(conn, mapping.area_aliases, mapping.area_prefix)
    parsed: dict[tuple, tuple[int, dict]] = {}
    half_targeted = 0  # initiatives naming areas but no outcome, or the reverse
    for line, row in rows:
        if not report.rows_read and header_lacks(row, SPEC.fields, mapping, report):
            return
        report.rows_read += 1
        if set(list_cell(line, row, "target_areas", mapping)[1]) & set(mapping.skip.get("area", ())):
            report.skip("area")
            continue
        targets = _targets(line, row, areas, mapping, report)
        values = row_values(line, row, SPEC, mapping, partnerships, report)
        if values is None or targets is None:
            continue
        area_ids, outcomes = targets
        if broken := _goal(line, row, values, outcomes, mapping):
            report.problems.extend(broken)
            continue
        half_targeted += bool(area_ids) != bool(outcomes)
        item = {"initiative": values, "areas": area_ids, "outcomes": outcomes}
        where = field_value(row, mapping, "name")
        add_once(parsed, (values["partnership_id"], values["name"]), line, item, SPEC, mapping, report, where)
    if report.problems or not parsed:
        return
    if half_targeted:
        report.notes.append(
            f"{half_targeted:,} initiative(s) name target areas but no target outcome, or the reverse: "
            "an initiative is evaluated on its target only when it names both"
        )
    _write(conn, [item for _line, item in parsed.values()], report)


def _write(conn: Connection, items: list[dict], report: Report) -> None:
    """Insert new initiatives with their targets; update one already stored, replacing its
    targets, only when something changed."""
    table = Initiative.__table__
    stored = {
        (r.partnership_id, r.name): r
        for r in conn.execute(select(table.c.id, *(table.c[c] for c in COLUMNS)))
    }
    areas: dict[int, set[int]] = {}
    for iid, area_id in conn.execute(select(InitiativeArea.initiative_id, InitiativeArea.area_id)):
        areas.setdefault(iid, set()).add(area_id)
    outcomes: dict[int, set[str]] = {}
    for iid, outcome in conn.execute(select(InitiativeOutcome.initiative_id, InitiativeOutcome.outcome)):
        outcomes.setdefault(iid, set()).add(outcome)
    for item in items:
        values = item["initiative"]
        old = stored.get((values["partnership_id"], values["name"]))
        if old is None:
            iid = conn.execute(insert(Initiative).values(**values).returning(Initiative.id)).scalar_one()
            report.inserted += 1
        else:
            iid = old.id
            same_areas = areas.get(iid, set()) == set(item["areas"])
            same_outcomes = outcomes.get(iid, set()) == set(item["outcomes"])
            if same_areas and same_outcomes and all(old._mapping[c] == v for c, v in values.items()):
                report.skipped += 1
                continue
            conn.execute(update(Initiative).where(Initiative.id == iid).values(**values))
            report.updated += 1
            if same_areas:
                item = {**item, "areas": []}
            else:
                conn.execute(delete(InitiativeArea).where(InitiativeArea.initiative_id == iid))
            if same_outcomes:
                item = {**item, "outcomes": []}
            else:
                conn.execute(delete(InitiativeOutcome).where(InitiativeOutcome.initiative_id == iid))
        if item["areas"]:
            conn.execute(
                insert(InitiativeArea), [{"initiative_id": iid, "area_id": a} for a in item["areas"]]
            )
        if item["outcomes"]:
            conn.execute(
                insert(InitiativeOutcome), [{"initiative_id": iid, "outcome": o} for o in item["outcomes"]]
            )


class InitiativeNames:
    """Initiatives by partnership and name (any case, spaces evened), with suggestions for misses."""

    def __init__(self, conn: Connection):
        self.ids: dict[tuple[int, str], int] = {}
        self.names: dict[int, list[str]] = {}
        for iid, pid, name in conn.execute(select(Initiative.id, Initiative.partnership_id, Initiative.name)):
            self.ids[(pid, _folded(name))] = iid
            self.names.setdefault(pid, []).append(name)
        self.codes = dict(conn.execute(select(Partnership.id, Partnership.code)).all())

    def find(self, partnership_id: int, name: str) -> int | None:
        return self.ids.get((partnership_id, _folded(name)))

    def problem(self, line: int, column: str, partnership_id: int, name: str) -> Problem:
        """The refusal of an initiative `name` the partnership does not have, with close names."""
        code = self.codes.get(partnership_id, "")
        known = self.names.get(partnership_id, [])
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        if close:
            fix = f"did you mean {' or '.join(repr(c) for c in close)}?"
        elif known:
            fix = f"{code} has: {', '.join(repr(n) for n in sorted(known)[:10])}"
        else:
            fix = f"{code} has no initiatives yet; import initiatives first"
        return Problem(line, column, name, f"unknown initiative of partnership {code}", fix)


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()
