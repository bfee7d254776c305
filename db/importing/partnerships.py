"""Import partnerships with their member organisations and catchment areas.

Fields: code, name, description, goals, start_date, end_date, status, areas (one
or more area names, codes or aliases separated by `;`) and members (organisation
names separated by `;`). [skip] leaves out partnerships by code or by area.
Organisations are created on first sight with the sector
the mapping's [sectors] gives them, else "other". Natural key: code; a partnership
seen again is updated and its members and catchment areas replaced by the file's.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, delete, insert, select, update

from db.importing.areas import AreaLookup
from db.importing.fields import field_value, parse_date
from db.importing.mapping import Mapping
from db.importing.report import Problem, Report, text_limit, text_rule
from db.models import (
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
}
MEMBER_LIMIT = text_limit(Organisation, "name")  # a member is an organisation, created by name


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def load(
    conn: Connection, rows: Iterator[tuple[int, dict[str, str]]], mapping: Mapping, report: Report
) -> None:
    areas = AreaLookup(conn, mapping.area_aliases, mapping.area_prefix)
    bad_sectors = {k: v for k, v in mapping.sectors.items() if v not in SECTORS}
    if bad_sectors:
        name, sector = next(iter(bad_sectors.items()))
        report.problems.append(
            Problem(0, f"[sectors].{name}", sector, f"sector must be one of {', '.join(SECTORS)}")
        )
        return
    parsed: dict[str, dict] = {}
    for line, row in rows:
        report.rows_read += 1
        values = {
            f: field_value(row, mapping, f)
            for f in (
                "code",
                "name",
                "description",
                "goals",
                "start_date",
                "end_date",
                "status",
                "areas",
                "members",
            )
        }
        code_col, code = values["code"]
        name_col, name = values["name"]
        skipped_areas = set(_split(values["areas"][1])) & set(mapping.skip.get("area", ()))
        if code in mapping.skip.get("code", ()) or skipped_areas:
            report.skipped_on_purpose += 1
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
        members_col, members_text = values["members"]
        for member in _split(members_text):
            if rule := text_rule(member, MEMBER_LIMIT):
                report.problems.append(Problem(line, members_col, member, f"member: {rule}"))
        start_col, start_text = values["start_date"]
        start, rule = parse_date(start_text, mapping) if start_text else (None, "required: start date")
        if start is None:
            report.problems.append(Problem(line, start_col, start_text, rule))
        end_col, end_text = values["end_date"]
        end = None
        if end_text:
            end, rule = parse_date(end_text, mapping)
            if end is None:
                report.problems.append(Problem(line, end_col, end_text, rule))
            elif start is not None and end < start:
                report.problems.append(Problem(line, end_col, end_text, "end date before start date"))
        status_col, status = values["status"]
        status = status or ("ended" if end else "active")
        if status not in PARTNERSHIP_STATUSES:
            report.problems.append(
                Problem(line, status_col, status, f"status must be one of {', '.join(PARTNERSHIP_STATUSES)}")
            )
        area_col, area_text = values["areas"]
        area_ids = []
        for area in _split(area_text):
            found = areas.resolve(line, area_col, area, report)
            if found is not None:
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
            },
            "areas": sorted(set(area_ids)),
            "members": list(dict.fromkeys(_split(values["members"][1]))),
        }
    if report.problems:
        return
    orgs = dict(conn.execute(select(Organisation.name, Organisation.id)).all())
    existing = dict(conn.execute(select(Partnership.code, Partnership.id)).all())
    for code, item in parsed.items():
        if code in existing:
            pid = existing[code]
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
                orgs[member] = conn.execute(
                    insert(Organisation)
                    .values(name=member, sector=mapping.sectors.get(member, "other"))
                    .returning(Organisation.id)
                ).scalar_one()
            conn.execute(insert(PartnershipMember).values(partnership_id=pid, organisation_id=orgs[member]))
        for area_id in item["areas"]:
            conn.execute(
                insert(PartnershipArea).values(partnership_id=pid, area_id=area_id, role="catchment")
            )
