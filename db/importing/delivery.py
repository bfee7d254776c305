"""Import initiative delivery: planned against delivered activities of one kind in one
month, what implementation fidelity is measured from (an initiative never carried out is
untested, not failed).

Fields: partnership, initiative (its name within that partnership, any case; an unknown
one is refused with the closest names), month (a date, or YYYY-MM; stored as the first of
its month), kind (one of DELIVERY_KINDS: patrol, meeting, outreach, environmental),
planned and delivered (whole numbers, 0 or more). Natural key: initiative, month and kind;
a row seen again is updated when its counts changed and counted unchanged otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, insert, select, update

from db.importing.fields import field_value
from db.importing.initiatives import InitiativeNames
from db.importing.mapping import Mapping
from db.importing.records import Field, Partnerships, Spec, add_once, header_lacks, row_values
from db.importing.report import Report
from db.models import DELIVERY_KINDS, InitiativeDelivery

SPEC = Spec(  # the initiative is looked up by name within the partnership (InitiativeNames)
    InitiativeDelivery,
    (
        Field("partnership", "partnership", True, attribute="partnership_id"),
        Field("initiative", required=True, attribute="initiative_name"),
        Field("month", "month", True),
        Field("kind", "choice", True, DELIVERY_KINDS),
        Field("planned", "int", True, low=0),
        Field("delivered", "int", True, low=0),
    ),
    ("initiative_id", "month", "kind"),
    "month of one initiative and kind",
)
KEY = ("initiative_id", "month", "kind")


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
        values = row_values(line, row, SPEC, mapping, partnerships, report)
        if values is None:
            continue
        pid, name = values.pop("partnership_id"), values.pop("initiative_name")
        values["initiative_id"] = initiatives.find(pid, name)
        if values["initiative_id"] is None:
            column = field_value(row, mapping, "initiative")[0]
            report.problems.append(initiatives.problem(line, column, pid, name))
            continue
        where = field_value(row, mapping, "month")
        add_once(parsed, tuple(values[k] for k in KEY), line, values, SPEC, mapping, report, where)
    if report.problems or not parsed:
        return
    _write(conn, [values for _line, values in parsed.values()], report)


def _write(conn: Connection, rows: list[dict], report: Report) -> None:
    """Insert new months, update the counts of changed ones, by natural key."""
    table = InitiativeDelivery.__table__
    stored = {
        (r.initiative_id, r.month, r.kind): (r.planned, r.delivered)
        for r in conn.execute(
            select(table.c.initiative_id, table.c.month, table.c.kind, table.c.planned, table.c.delivered)
        )
    }
    new = []
    for values in rows:
        key = tuple(values[k] for k in KEY)
        old = stored.get(key)
        if old is None:
            new.append(values)
        elif old != (values["planned"], values["delivered"]):
            where = [table.c[k] == v for k, v in zip(KEY, key, strict=True)]
            conn.execute(
                update(table).where(*where).values(planned=values["planned"], delivered=values["delivered"])
            )
            report.updated += 1
        else:
            report.skipped += 1
    if new:
        conn.execute(insert(table), new)
        report.inserted += len(new)
