"""Import community priorities ("you said") and the initiatives that responded to them
("we did").

Fields: partnership, raised_on, source (one of PRIORITY_SOURCES: survey, meeting,
consultation, other), title (a short public text the partnership writes, never a
resident's own words), theme (a theme of the open-answer codebook, optional), outcome
(what would show it changing: one of INITIATIVE_TARGETS, optional), raised_by (how many
people raised it, 0 or more, optional) and initiatives (the names of the partnership's
initiatives that responded, several in one cell separated by the mapping's
`list_separator`; an unknown one is refused with the closest names). Natural key:
partnership and title; a priority seen again is updated, its responding initiatives
replaced by the file's, when anything changed, and counted unchanged otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, delete, insert, select, update

from db.importing.fields import field_value
from db.importing.initiatives import InitiativeNames, list_cell
from db.importing.mapping import Mapping
from db.importing.records import Field, Partnerships, Spec, add_once, header_lacks, row_values
from db.importing.report import Report
from db.models import INITIATIVE_TARGETS, PRIORITY_SOURCES, Priority, PriorityResponse

SPEC = Spec(  # the fields held in the priority's own row; `initiatives` are read as a list
    Priority,
    (
        Field("partnership", "partnership", True, attribute="partnership_id"),
        Field("raised_on", "date", True),
        Field("source", "choice", True, PRIORITY_SOURCES),
        Field("title", required=True),
        Field("theme"),
        Field("outcome", "choice", choices=INITIATIVE_TARGETS),
        Field("raised_by", "int", low=0),
    ),
    ("partnership_id", "title"),
    "priority",
)
COLUMNS = [f.column for f in SPEC.fields]


def load(
    conn: Connection, rows: Iterator[tuple[int, dict[str, str]]], mapping: Mapping, report: Report
) -> None:
    partnerships = Partnerships(conn)
    initiatives = InitiativeNames(conn)
    parsed: dict[tuple, tuple[int, dict]] = {}
    for line, row in rows:
        if not report.rows_read and header_lacks(row, SPEC.fields, mapping, report):
            return
        report.rows_read += 1
        column, names = list_cell(line, row, "initiatives", mapping, report)
        values = row_values(line, row, SPEC, mapping, partnerships, report)
        if values is None:
            continue
        pid = values["partnership_id"]
        found = {name: initiatives.find(pid, name) for name in names}
        unknown = [name for name, iid in found.items() if iid is None]
        report.problems.extend(initiatives.problem(line, column, pid, name) for name in unknown)
        if unknown:
            continue
        item = {"priority": values, "initiatives": sorted(set(found.values()))}
        where = field_value(row, mapping, "title")
        add_once(parsed, (pid, values["title"]), line, item, SPEC, mapping, report, where)
    if report.problems or not parsed:
        return
    _write(conn, [item for _line, item in parsed.values()], report)


def _write(conn: Connection, items: list[dict], report: Report) -> None:
    """Insert new priorities with their responses; update one already stored, replacing its
    responses, only when something changed."""
    table = Priority.__table__
    stored = {
        (r.partnership_id, r.title): r
        for r in conn.execute(select(table.c.id, *(table.c[c] for c in COLUMNS)))
    }
    responses: dict[int, set[int]] = {}
    for pid, iid in conn.execute(select(PriorityResponse.priority_id, PriorityResponse.initiative_id)):
        responses.setdefault(pid, set()).add(iid)
    for item in items:
        values = item["priority"]
        old = stored.get((values["partnership_id"], values["title"]))
        if old is None:
            priority_id = conn.execute(insert(Priority).values(**values).returning(Priority.id)).scalar_one()
            report.inserted += 1
        else:
            priority_id = old.id
            same_responses = responses.get(priority_id, set()) == set(item["initiatives"])
            if same_responses and all(old._mapping[c] == v for c, v in values.items()):
                report.skipped += 1
                continue
            conn.execute(update(Priority).where(Priority.id == priority_id).values(**values))
            report.updated += 1
            if same_responses:
                continue
            conn.execute(delete(PriorityResponse).where(PriorityResponse.priority_id == priority_id))
        if item["initiatives"]:
            conn.execute(
                insert(PriorityResponse),
                [{"priority_id": priority_id, "initiative_id": iid} for iid in item["initiatives"]],
            )
