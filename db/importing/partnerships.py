"""Import partnerships with their member organisations and catchment areas.

Fields: code, name, description, goals, start_date, end_date, status, the equity gap
it is judged on (equity_dimension, one of GROUP_DIMENSIONS; equity_group; equity_reference,
blank for everyone else), areas (one
or more area names, codes or aliases) and members (organisation names), several in one
cell separated by the mapping's `list_separator` (`;` by default). A separator inside
brackets or double quotes does not split: "Acme Ltd (formerly A; B)" is one member.
[values.areas] and [values.members] translate each one; [skip] leaves out partnerships
by code or by area.
Organisations are created on first sight with the sector
the mapping's [sectors] gives them, else "other" (the report names those). Natural key:
code; a partnership seen again is updated, its members and catchment areas replaced by the
file's, when any of them changed, and counted unchanged otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, delete, insert, select, update

from db.importing.areas import AreaLookup
from db.importing.fields import field_value, parse_date
from db.importing.fixes import present_fix, unknown_area_fix, values_fix
from db.importing.mapping import FIELDS, Mapping, toml_string
from db.importing.report import Problem, Report, text_limit, text_rule
from db.models import (
    GROUP_DIMENSIONS,
    PARTNERSHIP_STATUSES,
    SECTORS,
    Organisation,
    Partnership,
    PartnershipArea,
    PartnershipMember,
)

TEXT_LIMITS = {  # every text field a partnership stores, and its column's length
    "code": text_limit(Partnership, "code"),
    "name": text_limit(Partnership, "name"),
    "description": text_limit(Partnership, "description"),
    "goals": text_limit(Partnership, "goals"),
    "equity_group": text_limit(Partnership, "equity_group"),
    "equity_reference": text_limit(Partnership, "equity_reference"),
}
MEMBER_LIMIT = text_limit(Organisation, "name")  # a member is an organisation, created by name


OPENING, CLOSING = "([{", ")]}"


def split_list(text: str, separator: str = ";") -> tuple[list[str], str]:
    """(the parts of a list cell, rule broken or ''). `separator` splits only outside brackets
    and double quotes; a part wholly in quotes loses them. An unclosed bracket or quote is
    refused rather than guessed at."""
    parts, start, depth, quoted, i = [], 0, [], False, 0
    while i < len(text):
        char = text[i]
        if char == '"':
            quoted = not quoted
        elif not quoted and char in OPENING:
            depth.append(CLOSING[OPENING.index(char)])
        elif not quoted and char in CLOSING:
            if not depth or depth.pop() != char:
                return [], f"a list with {char!r} closing a bracket it did not open"
        elif not quoted and not depth and text.startswith(separator, i):
            parts.append(text[start:i])
            start = i = i + len(separator)
            continue
        i += 1
    if quoted or depth:
        return [], "a list with an unclosed " + ("double quote" if quoted else f"bracket (no {depth[-1]!r})")
    parts.append(text[start:])
    cleaned = [p.strip() for p in parts]
    cleaned = [p[1:-1].strip() if len(p) >= 2 and p[0] == p[-1] == '"' else p for p in cleaned]
    return [p for p in cleaned if p], ""


def _list(line: int, value: tuple[str, str], name: str, mapping: Mapping, report: Report) -> list[str]:
    """The elements of a list field's cell, each translated by [values.<name>]; problems are
    recorded in the report."""
    column, text = value
    parts, rule = split_list(text, mapping.list_separator)
    if rule:
        hint = f"close it, or put a name holding {mapping.list_separator!r} in double quotes"
        report.problems.append(Problem(line, column, text, rule, hint))
    words = mapping.values.get(name, {})
    return [words.get(part, part) for part in parts]


def load(
    conn: Connection, rows: Iterator[tuple[int, dict[str, str]]], mapping: Mapping, report: Report
) -> None:
    areas = AreaLookup(conn, mapping.area_aliases, mapping.area_prefix)
    parsed: dict[str, dict] = {}
    for line, row in rows:
        report.rows_read += 1
        values = {f: field_value(row, mapping, f) for f in FIELDS["partnerships"]}
        code_col, code = values["code"]
        name_col, name = values["name"]
        if code in mapping.skip.get("code", ()):
            report.skip("code")
            continue
        area_names = _list(line, values["areas"], "areas", mapping, report)
        members = _list(line, values["members"], "members", mapping, report)
        if set(area_names) & set(mapping.skip.get("area", ())):
            report.skip("area")
            continue
        if not code or not name:
            column, value = (code_col, code) if not code else (name_col, name)
            report.problems.append(
                Problem(line, column, value, "required: a partnership needs a code and a name")
            )
            continue
        for name_of, limit in TEXT_LIMITS.items():
            column, value = values[name_of]
            if value and (rule := text_rule(value, limit)):
                report.problems.append(Problem(line, column, value, rule))
        members_col = values["members"][0]
        for member in members:
            if rule := text_rule(member, MEMBER_LIMIT):
                report.problems.append(Problem(line, members_col, member, f"member: {rule}"))
        start_col, start_text = values["start_date"]
        start, rule = parse_date(start_text, mapping) if start_text else (None, "required: start date")
        if start is None:
            fix = "" if start_text else _start_fix(mapping, start_col)
            report.problems.append(Problem(line, start_col, start_text, rule, fix))
        end_col, end_text = values["end_date"]
        end = None
        if end_text:
            end, rule = parse_date(end_text, mapping)
            if end is None:
                report.problems.append(Problem(line, end_col, end_text, rule))
            elif start is not None and end < start:
                report.problems.append(Problem(line, end_col, end_text, "end date before start date"))
        status_col, status = values["status"]
        word = status or ("ended" if end else "active")
        status = next((s for s in PARTNERSHIP_STATUSES if s == word.casefold()), None)
        if status is None:
            rule = f"status must be one of {', '.join(PARTNERSHIP_STATUSES)}"
            fix = values_fix("status", word, PARTNERSHIP_STATUSES)
            report.problems.append(Problem(line, status_col, word, rule, fix))
        equity = _equity(line, values, mapping, report)
        area_col = values["areas"][0]
        area_ids = []
        for area in area_names:
            found = areas.find(area)
            if found is None:
                fix = unknown_area_fix(mapping, area, areas.suggest(area))
                report.problems.append(Problem(line, area_col, area, "unknown area", fix))
            else:
                area_ids.append(found)
        if code in parsed:
            report.problems.append(
                Problem(line, code_col, code, "the same partnership code appears twice in the file")
            )
            continue
        parsed[code] = {
            "partnership": {
                "code": code,
                "name": name,
                "description": values["description"][1] or None,
                "goals": values["goals"][1] or None,
                "start_date": start,
                "end_date": end,
                "status": status,
                **equity,
            },
            "areas": sorted(set(area_ids)),
            "members": list(dict.fromkeys(members)),
        }
    if report.problems:
        return
    _write(conn, parsed, mapping, report)


def _equity(line: int, values: dict[str, tuple[str, str]], mapping: Mapping, report: Report) -> dict:
    """The equity gap's three fields, checked: a dimension of GROUP_DIMENSIONS (any case),
    and a group whenever a dimension is given (a reference alone means nothing)."""
    dim_col, dimension = values["equity_dimension"]
    group_col, group = values["equity_group"]
    reference = values["equity_reference"][1]
    word = next((d for d in GROUP_DIMENSIONS if d == dimension.casefold().replace(" ", "_")), None)
    if dimension and word is None:
        rule = f"equity_dimension must be one of {', '.join(GROUP_DIMENSIONS)}"
        fix = values_fix("equity_dimension", dimension, GROUP_DIMENSIONS)
        report.problems.append(Problem(line, dim_col, dimension, rule, fix))
    if (group or reference) and not dimension:
        rule = "equity_group and equity_reference need an equity_dimension (which characteristic they are)"
        example = toml_string(GROUP_DIMENSIONS[2])
        fix = f"map it under [columns], or one for every row: [constants] equity_dimension = {example}"
        report.problems.append(Problem(line, dim_col, dimension, rule, fix))
    if dimension and not group:
        rule = "equity_group required with equity_dimension (the group whose gap is followed)"
        fix = 'map it under [columns], or one for every row: [constants] equity_group = "the group"'
        report.problems.append(Problem(line, group_col, group, rule, fix))
    return {"equity_dimension": word, "equity_group": group or None, "equity_reference": reference or None}


def _start_fix(mapping: Mapping, column: str) -> str:
    """The changes that accept partnerships without a start date: leave them out, or give
    every row the same one."""
    return f'{present_fix(mapping, column)}; or give every row one with [constants] start_date = "YYYY-MM-DD"'


def _write(conn: Connection, parsed: dict[str, dict], mapping: Mapping, report: Report) -> None:
    """Insert new partnerships; update one already stored only when something changed (a
    field, its members, its catchment areas). New members are created as organisations,
    with the sector [sectors] gives them, else 'other', which the report notes."""
    orgs = dict(conn.execute(select(Organisation.name, Organisation.id)).all())
    stored = {row.code: row for row in conn.execute(select(Partnership))}
    members: dict[int, set[int]] = {}
    for pid, oid in conn.execute(select(PartnershipMember.partnership_id, PartnershipMember.organisation_id)):
        members.setdefault(pid, set()).add(oid)
    catchments: dict[int, set[int]] = {}
    catchment = select(PartnershipArea.partnership_id, PartnershipArea.area_id).where(
        PartnershipArea.role == "catchment"
    )
    for pid, area_id in conn.execute(catchment):
        catchments.setdefault(pid, set()).add(area_id)
    unsorted: list[str] = []  # organisations created with sector 'other'
    for code, item in parsed.items():
        old = stored.get(code)
        if old is not None:
            pid = old.id
            same = (
                all(getattr(old, k) == v for k, v in item["partnership"].items())
                and all(m in orgs for m in item["members"])
                and members.get(pid, set()) == {orgs[m] for m in item["members"]}
                and catchments.get(pid, set()) == set(item["areas"])
            )
            if same:
                report.skipped += 1
                continue
            conn.execute(update(Partnership).where(Partnership.id == pid).values(**item["partnership"]))
            conn.execute(delete(PartnershipMember).where(PartnershipMember.partnership_id == pid))
            conn.execute(
                delete(PartnershipArea).where(
                    PartnershipArea.partnership_id == pid, PartnershipArea.role == "catchment"
                )
            )
            report.updated += 1
        else:
            pid = conn.execute(
                insert(Partnership).values(**item["partnership"]).returning(Partnership.id)
            ).scalar_one()
            report.inserted += 1
        for member in item["members"]:
            if member not in orgs:
                sector = mapping.sectors.get(member, "other")
                orgs[member] = conn.execute(
                    insert(Organisation).values(name=member, sector=sector).returning(Organisation.id)
                ).scalar_one()
                if member not in mapping.sectors:
                    unsorted.append(member)
            conn.execute(insert(PartnershipMember).values(partnership_id=pid, organisation_id=orgs[member]))
        for area_id in item["areas"]:
            conn.execute(
                insert(PartnershipArea).values(partnership_id=pid, area_id=area_id, role="catchment")
            )
    if unsorted:
        report.notes.append(_unsorted_note(unsorted, report.dry_run))


SHOWN_NAMES = 3  # new organisations a note names


def _unsorted_note(names: list[str], dry_run: bool) -> str:
    """'2 new organisations created with sector 'other': name them under [sectors] to set
    their sector: "A", "B" (...)', naming the first few."""
    listed = ", ".join(toml_string(n) for n in names[:SHOWN_NAMES])
    more = f" and {len(names) - SHOWN_NAMES:,} more" if len(names) > SHOWN_NAMES else ""
    what = "new organisation" if len(names) == 1 else "new organisations"
    verb = "would be created" if dry_run else "created"
    return (
        f"{len(names):,} {what} {verb} with sector 'other': name them under [sectors] to set their "
        f"sector: {listed}{more} (a sector is one of {', '.join(SECTORS)})"
    )
