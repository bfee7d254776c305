"""Import item-level survey results: one row per respondent, one column per question.

Fields: source_id (the respondent's id: the natural key), responded_on, and
optionally area, partnership, respondent_type (resident by default), weight (1 by
default), age_band, sex and race_ethnicity. The mapping's [items] says which columns
are questions: `"Q3" = {code = "TRUST_LISTEN"}` for an item already imported, or with
wording, construct, scale_min and scale_max to create it. Without [items], every
column named like an existing item's code is one.

Written answers: `[open_answers]` names the columns holding them, each with its open
question's code (`q_other = "ANYTHING_ELSE"`); they go to survey_open_answer. A blank
written answer is not stored (counted in the report's notes); a respondent seen again
has their written answers replaced by the file's, like their scored ones.

A blank answer cell is a question not answered. An answer must be a number inside
its item's scale; a file that writes answers as words translates them under
`[values.answer]` ("Strongly agree" = "5"). A respondent seen again is updated and
their answers replaced by the file's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import Connection, delete, insert, select, update

from db.importing.areas import AreaLookup
from db.importing.fields import field_value, parse_date, parse_number
from db.importing.fixes import values_fix
from db.importing.mapping import Mapping
from db.importing.records import Partnerships
from db.importing.report import Problem, Report, text_limit, text_rule
from db.models import (
    CONSTRUCTS,
    RESPONDENT_TYPES,
    SurveyAnswer,
    SurveyItem,
    SurveyOpenAnswer,
    SurveyResponse,
)
from db.rollup import refresh_survey_monthly

TEXT_FIELDS = ("age_band", "sex", "race_ethnicity")
BATCH = 5_000


def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _item_columns(conn: Connection, header: list[str], mapping: Mapping, report: Report) -> dict[str, tuple]:
    """File column -> (item id, scale_min, scale_max), creating items the mapping defines."""
    known = {
        code: (id_, lo, hi)
        for id_, code, lo, hi in conn.execute(
            select(SurveyItem.id, SurveyItem.code, SurveyItem.scale_min, SurveyItem.scale_max)
        )
    }
    if not mapping.items:
        return {column: known[column] for column in header if column in known}
    out = {}
    for column, spec in mapping.items.items():
        code = spec.get("code", column)
        where = f"[items].{column}"
        if column not in header:
            report.problems.append(
                Problem(1, column, "", "question column named under [items] is not in the file")
            )
            continue
        if code not in known:
            missing = [k for k in ("wording", "construct", "scale_min", "scale_max") if k not in spec]
            if missing:
                rule = f"unknown survey item {code!r}: import it first, or give {', '.join(missing)}"
                report.problems.append(Problem(0, where, code, rule))
                continue
            if spec["construct"] not in CONSTRUCTS or not spec["scale_max"] > spec["scale_min"]:
                rule = f"construct must be one of {', '.join(CONSTRUCTS)}, and scale_max above scale_min"
                report.problems.append(Problem(0, where, code, rule))
                continue
            item_id = conn.execute(
                insert(SurveyItem)
                .values(
                    code=code,
                    wording=spec["wording"],
                    construct=spec["construct"],
                    scale_min=float(spec["scale_min"]),
                    scale_max=float(spec["scale_max"]),
                    reverse_worded=bool(spec.get("reverse_worded", False)),
                    scale_labels=spec.get("scale_labels"),
                )
                .returning(SurveyItem.id)
            ).scalar_one()
            known[code] = (item_id, float(spec["scale_min"]), float(spec["scale_max"]))
        out[column] = known[code]
    return out


def load(
    conn: Connection, rows: Iterator[tuple[int, dict[str, str]]], mapping: Mapping, report: Report
) -> None:
    areas = AreaLookup(conn, mapping.area_aliases, mapping.area_prefix)
    partnerships = Partnerships(conn)
    answer_words = mapping.values.get("answer", {})
    items: dict[str, tuple] | None = None
    parsed: dict[str, tuple[dict, list[tuple[int, float]]]] = {}
    lines: dict[str, int] = {}
    blank_written = 0
    for line, row in rows:
        if items is None:
            items = _item_columns(conn, list(row), mapping, report)
            _check_open_columns(list(row), mapping, report)
            if not items and not report.problems:
                rule = "no question columns: name them under [items] (column = {code = ...})"
                report.problems.append(Problem(1, "(header)", "", rule))
            if report.problems:
                return
        report.rows_read += 1
        id_col, source_id = field_value(row, mapping, "source_id")
        if not source_id:
            report.problems.append(Problem(line, id_col, "", "required: respondent id"))
            continue
        if rule := text_rule(source_id, text_limit(SurveyResponse, "source_id")):
            report.problems.append(Problem(line, id_col, source_id, rule))
            continue
        response = {"source_id": source_id}
        date_col, date_text = field_value(row, mapping, "responded_on")
        when, rule = parse_date(date_text, mapping) if date_text else (None, "required: responded_on")
        if when is None:
            report.problems.append(Problem(line, date_col, date_text, rule))
        else:
            response |= {"responded_on": when, "quarter_start": _quarter_start(when)}
        type_col, word = field_value(row, mapping, "respondent_type")
        kind = word.casefold() or "resident"
        if kind not in RESPONDENT_TYPES:
            rule = f"must be one of {', '.join(RESPONDENT_TYPES)}"
            fix = values_fix("respondent_type", word, RESPONDENT_TYPES)
            report.problems.append(Problem(line, type_col, word, rule, fix))
        response["respondent_type"] = kind
        area_col, area_text = field_value(row, mapping, "area")
        response["area_id"] = areas.resolve(line, area_col, area_text, report) if area_text else None
        p_col, p_text = field_value(row, mapping, "partnership")
        response["partnership_id"] = partnerships.find(p_text) if p_text else None
        if p_text and response["partnership_id"] is None:
            report.problems.append(
                Problem(line, p_col, p_text, "unknown partnership", partnerships.suggest(p_text))
            )
        weight_col, weight_text = field_value(row, mapping, "weight")
        weight = parse_number(weight_text, mapping) if weight_text else 1.0
        if weight is None or weight <= 0:
            report.problems.append(Problem(line, weight_col, weight_text, "weight must be a number above 0"))
        response["weight"] = weight
        for name in TEXT_FIELDS:
            column, text = field_value(row, mapping, name)
            if text and (rule := text_rule(text, text_limit(SurveyResponse, name))):
                report.problems.append(Problem(line, column, text, rule))
            response[name] = text or None
        answers = []
        for column, (item_id, lo, hi) in items.items():
            text = row.get(column, "").strip()
            text = answer_words.get(text, text)
            if not text:
                continue
            value = parse_number(text, mapping)
            if value is None or not lo <= value <= hi:
                rule = f"answer must be a number from {lo:g} to {hi:g}"
                hint = "" if value is not None else "words? translate them under [values.answer]"
                report.problems.append(Problem(line, column, text, rule, hint))
                continue
            answers.append((item_id, value))
        written, blanks = _written_answers(line, row, mapping, report)
        blank_written += blanks
        if source_id in parsed:
            if parsed[source_id] == (response, answers, written) and mapping.duplicates != "refuse":
                report.duplicates_dropped += 1
                continue
            rule = f"the same respondent id appears twice (first on line {lines[source_id]})"
            report.problems.append(Problem(line, id_col, source_id, rule))
            continue
        parsed[source_id], lines[source_id] = (response, answers, written), line
    if n := blank_written:
        report.notes.append(f"{n:,} blank written answer{'' if n == 1 else 's'} not stored")
    if not report.problems and parsed:
        _write(conn, parsed, report)


def _check_open_columns(header: list[str], mapping: Mapping, report: Report) -> None:
    """Every [open_answers] column is in the file, and its question code fits the table."""
    limit = text_limit(SurveyOpenAnswer, "question")
    for column, code in mapping.open_answers.items():
        if column not in header:
            fix = f"remove [open_answers].{column} from the mapping, or rename it to the file's column"
            rule = "written-answer column named under [open_answers] is not in the file"
            report.problems.append(Problem(1, column, "", rule, fix))
        elif rule := text_rule(code, limit):
            report.problems.append(Problem(0, f"[open_answers].{column}", code, f"question code: {rule}"))


def _written_answers(
    line: int, row: dict[str, str], mapping: Mapping, report: Report
) -> tuple[set[tuple[str, str]], int]:
    """((question code, text) of this row's written answers, how many were blank: left out)."""
    out, blanks = set(), 0
    for column, code in mapping.open_answers.items():
        text = row.get(column, "").strip()
        if not text:
            blanks += 1
            continue
        if rule := text_rule(text):
            fix = "write the answer without the leading sign, or remove the cell"
            report.problems.append(Problem(line, column, text, rule, fix))
            continue
        out.add((code, text))
    return out, blanks


def _write(conn: Connection, parsed: dict[str, tuple[dict, list, set]], report: Report) -> None:
    existing = {}
    ids = list(parsed)
    for start in range(0, len(ids), BATCH):  # bound parameter lists stay a reasonable size
        chunk = ids[start : start + BATCH]
        existing |= dict(
            conn.execute(
                select(SurveyResponse.source_id, SurveyResponse.id).where(SurveyResponse.source_id.in_(chunk))
            ).all()
        )
    answers, written = [], []
    months = set()  # months whose survey roll-up this import changes
    new = [source_id for source_id in parsed if source_id not in existing]
    if new:
        inserted = conn.execute(
            insert(SurveyResponse).returning(
                SurveyResponse.source_id, SurveyResponse.id, sort_by_parameter_order=True
            ),
            [parsed[source_id][0] for source_id in new],
        )
        months |= {parsed[source_id][0].get("responded_on") for source_id in new}
        for source_id, response_id in inserted:
            answers += [
                {"response_id": response_id, "item_id": i, "value": v} for i, v in parsed[source_id][1]
            ]
            written += [
                {"response_id": response_id, "question": q, "text": t} for q, t in parsed[source_id][2]
            ]
        report.inserted += len(new)
    for source_id, response_id in existing.items():
        response, given, texts = parsed[source_id]
        old = (
            conn.execute(select(SurveyResponse.__table__).where(SurveyResponse.id == response_id))
            .one()
            ._mapping
        )
        old_answers = set(
            conn.execute(
                select(SurveyAnswer.item_id, SurveyAnswer.value).where(
                    SurveyAnswer.response_id == response_id
                )
            ).all()
        )
        old_texts = set(
            conn.execute(
                select(SurveyOpenAnswer.question, SurveyOpenAnswer.text).where(
                    SurveyOpenAnswer.response_id == response_id
                )
            ).all()
        )
        if all(old[k] == v for k, v in response.items()) and (old_answers, old_texts) == (set(given), texts):
            report.skipped += 1
            continue
        months |= {old["responded_on"], response.get("responded_on")}
        conn.execute(update(SurveyResponse).where(SurveyResponse.id == response_id).values(**response))
        conn.execute(delete(SurveyAnswer).where(SurveyAnswer.response_id == response_id))
        answers += [{"response_id": response_id, "item_id": i, "value": v} for i, v in given]
        if old_texts != texts:
            conn.execute(delete(SurveyOpenAnswer).where(SurveyOpenAnswer.response_id == response_id))
            written += [{"response_id": response_id, "question": q, "text": t} for q, t in texts]
        report.updated += 1
    if answers:
        conn.execute(insert(SurveyAnswer), answers)
    if written:
        conn.execute(insert(SurveyOpenAnswer), written)
    refresh_survey_monthly(conn, {m for m in months if m is not None})
