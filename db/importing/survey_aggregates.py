"""Import published survey results: one value per area, period and item, `n` often unknown.

Fields: area, item (the source's measure name), value, date, and optionally n,
group_kind and group_value. The mapping says what the value is (`statistic`: mean
score or share positive), how it is written (`scale`: proportion 0-1, percent,
0-100 or 0-10, all stored on 0-100), what the date means (`period`: start,
month or quarter_end) and, under [items], which Common Ground item each measure is.
Natural key: area, item, period start, statistic and group.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import Connection, insert, select, update

from db.importing.areas import AreaLookup
from db.importing.fields import field_value, parse_date, parse_number
from db.importing.mapping import Mapping
from db.importing.report import Problem, Report, text_limit, text_rule
from db.models import CONSTRUCTS, SurveyAggregate, SurveyItem

SCALES = {"proportion": 100.0, "percent": 1.0, "0-100": 1.0, "0-10": 10.0}


def _period(d: date, kind: str) -> tuple[date, date]:
    if kind == "quarter_end":
        first = date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
        return first, d
    if kind == "month":
        return d.replace(day=1), d
    return d, d


def _items(conn: Connection, mapping: Mapping, report: Report) -> dict[str, int]:
    """Measure name -> item id, creating the mapping's [items] that do not exist yet."""
    ids = dict(conn.execute(select(SurveyItem.code, SurveyItem.id)).all())
    by_measure = {}
    for measure, spec in mapping.items.items():
        code = spec.get("code", measure)
        if spec.get("construct") not in CONSTRUCTS:
            report.problems.append(
                Problem(
                    0,
                    f"[items].{measure}",
                    str(spec.get("construct")),
                    f"construct must be one of {', '.join(CONSTRUCTS)}",
                )
            )
            continue
        if code not in ids:
            ids[code] = conn.execute(
                insert(SurveyItem)
                .values(
                    code=code,
                    wording=spec.get("wording", measure),
                    construct=spec["construct"],
                    scale_min=0.0,
                    scale_max=100.0,
                    reverse_worded=False,
                    scale_labels="published aggregate, 0-100",
                )
                .returning(SurveyItem.id)
            ).scalar_one()
        by_measure[measure] = ids[code]
    for code, id_ in ids.items():
        by_measure.setdefault(code, id_)
    return by_measure


def _observations(
    line: int, row: dict[str, str], mapping: Mapping, items: dict[str, int], report: Report
) -> Iterator[tuple[str, str, int | None, str, str]]:
    """(column, value text, item id, group kind, group value) for each value the row holds:
    one (long format: item and value columns) or one per measure column (wide format:
    [items] columns for everyone, [breakdowns] columns for groups). Blank cells are not values."""
    if mapping.format != "wide":
        item_col, measure = field_value(row, mapping, "item")
        if measure in mapping.skip.get("item", ()):
            report.skip("item")
            return
        item_id = items.get(measure)
        if item_id is None:
            report.problems.append(
                Problem(line, item_col, measure, "unknown survey item", "add it under [items]")
            )
        value_col, value_text = field_value(row, mapping, "value")
        group = []
        for name in ("group_kind", "group_value"):
            column, text = field_value(row, mapping, name)
            if text and (rule := text_rule(text, text_limit(SurveyAggregate, name))):
                report.problems.append(Problem(line, column, text, rule))
                return
            group.append(text or "all")
        yield value_col, value_text, item_id, group[0], group[1]
        return
    for column in mapping.items:
        text = row.get(column, "").strip()
        if text:
            yield column, text, items[column], "all", "all"
    for column, group in mapping.breakdowns.items():
        text = row.get(column, "").strip()
        if text:
            yield column, text, items[group["item"]], group["kind"], group["value"]


def load(
    conn: Connection, rows: Iterator[tuple[int, dict[str, str]]], mapping: Mapping, report: Report
) -> None:
    if mapping.scale not in SCALES or mapping.statistic not in ("mean", "share"):
        report.problems.append(
            Problem(
                0,
                "scale/statistic",
                f"{mapping.scale}/{mapping.statistic}",
                f"scale must be one of {', '.join(SCALES)}; statistic mean or share",
            )
        )
        return
    areas = AreaLookup(conn, mapping.area_aliases, mapping.area_prefix)
    items = _items(conn, mapping, report)
    factor = SCALES[mapping.scale]
    parsed: dict[tuple, dict] = {}
    seen_rows: set[tuple] = set()
    for line, row in rows:
        if mapping.format == "wide" and not report.rows_read:
            missing = [c for c in [*mapping.items, *mapping.breakdowns] if c not in row]
            if missing:
                rule = "measure column named in the mapping is not in the file"
                report.problems.extend(Problem(1, c, "", rule) for c in missing)
                return
        report.rows_read += 1
        if mapping.format == "wide":  # a row per area and period, a column per measure
            fingerprint = tuple(row.values())
            if fingerprint in seen_rows and mapping.duplicates != "refuse":
                report.duplicates_dropped += 1
                continue
            seen_rows.add(fingerprint)
        area_col, area_text = field_value(row, mapping, "area")
        if area_text in mapping.skip.get("area", ()):
            report.skip("area")
            continue
        area_id = areas.resolve(line, area_col, area_text, report)
        date_col, date_text = field_value(row, mapping, "date")
        when, rule = parse_date(date_text, mapping) if date_text else (None, "required: date")
        if when is None:
            report.problems.append(Problem(line, date_col, date_text, rule))
        end = None
        if "date_end" in mapping.columns:
            end_col, end_text = field_value(row, mapping, "date_end")
            end, rule = parse_date(end_text, mapping) if end_text else (None, "required: date_end")
            if end is None:
                report.problems.append(Problem(line, end_col, end_text, rule))
            elif when is not None and end < when:
                report.problems.append(Problem(line, end_col, end_text, "period ends before it starts"))
        n_col, n_text = field_value(row, mapping, "n")
        n = None
        if n_text:
            n_value = parse_number(n_text, mapping)
            if n_value is None or n_value < 1 or n_value != int(n_value):
                report.problems.append(Problem(line, n_col, n_text, "n must be a whole number >= 1"))
            else:
                n = int(n_value)
        for value_col, value_text, item_id, group_kind, group_value in _observations(
            line, row, mapping, items, report
        ):
            value = parse_number(value_text, mapping)
            if value is None:
                hint = (
                    ""
                    if mapping.decimal_comma or "," not in value_text
                    else "decimal comma? set decimal_comma = true"
                )
                report.problems.append(Problem(line, value_col, value_text, "not a number", hint))
                continue
            if not 0 <= value * factor <= 100:
                report.problems.append(
                    Problem(line, value_col, value_text, f"value outside the {mapping.scale} scale")
                )
                continue
            if None in (area_id, item_id, when):
                continue
            start, period_end = _period(when, mapping.period)
            key = (area_id, item_id, start, mapping.statistic, group_kind, group_value)
            if key in parsed:
                if parsed[key]["value"] == round(value * factor, 6):
                    report.duplicates_dropped += mapping.format != "wide"
                    continue
                rule = "a second, different value for the same area, item and period"
                report.problems.append(Problem(line, value_col, value_text, rule))
                continue
            parsed[key] = {
                "area_id": area_id,
                "item_id": item_id,
                "period_start": start,
                "period_end": end or period_end,
                "statistic": mapping.statistic,
                "value": round(value * factor, 6),
                "n": n,
                "group_kind": group_kind,
                "group_value": group_value,
            }
    if report.problems:
        return
    g = SurveyAggregate
    item_ids = {k[1] for k in parsed}
    existing = {
        (r.area_id, r.item_id, r.period_start, r.statistic, r.group_kind, r.group_value): (r.id, r.value, r.n)
        for r in conn.execute(
            select(
                g.id,
                g.area_id,
                g.item_id,
                g.period_start,
                g.statistic,
                g.group_kind,
                g.group_value,
                g.value,
                g.n,
            ).where(g.item_id.in_(item_ids))
        )
    }
    new = []
    for key, item in parsed.items():
        old = existing.get(key)
        if old is None:
            new.append(item)
        elif (old[1], old[2]) != (item["value"], item["n"]):
            conn.execute(update(g).where(g.id == old[0]).values(value=item["value"], n=item["n"]))
            report.updated += 1
        else:
            report.skipped += 1
    if new:
        conn.execute(insert(g), new)
    report.inserted = len(new)
