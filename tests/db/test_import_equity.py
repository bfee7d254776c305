"""A partnership's equity gap comes in with the registry: equity_dimension, equity_group and
equity_reference, checked, with a refusal that names the fix."""

from __future__ import annotations

from sqlalchemy import select

from db.importing.mapping import parse_mapping
from db.importing.run import import_file
from db.models import Partnership
from tests.db.conftest import write

HEADER = "code,name,start_date,areas,members,Gap characteristic,Gap group,Gap reference\n"
MAPPING = {
    "kind": "partnerships",
    "columns": {
        "equity_dimension": "Gap characteristic",
        "equity_group": "Gap group",
        "equity_reference": "Gap reference",
    },
}


def _stored(engine) -> dict[str, tuple]:
    p = Partnership
    with engine.connect() as conn:
        rows = conn.execute(select(p.code, p.equity_dimension, p.equity_group, p.equity_reference))
        return {r[0]: tuple(r[1:]) for r in rows}


def test_the_equity_gap_is_stored_and_a_blank_reference_means_everyone_else(towns, tmp_path):
    path = write(
        tmp_path / "p.csv",
        HEADER + "NF,Northfield Watch,2023-03-01,Northfield,A school,race_ethnicity,Black,White\n"
        "SG,Southgate Board,2023-03-01,Southgate,A school,Age band,16-24,\n"
        "NO,No gap,2023-03-01,Southgate,A school,,,\n",
    )
    report = import_file(towns, path, parse_mapping(MAPPING))
    assert report.accepted, report.text()
    assert _stored(towns) == {
        "NF": ("race_ethnicity", "Black", "White"),
        "SG": ("age_band", "16-24", None),
        "NO": (None, None, None),
    }


def test_an_unknown_dimension_is_refused_with_the_values_line_that_fixes_it(towns, tmp_path):
    path = write(
        tmp_path / "p.csv", HEADER + "NF,Northfield Watch,2023-03-01,Northfield,A school,Race,Black,White\n"
    )
    report = import_file(towns, path, parse_mapping(MAPPING))
    assert not report.accepted
    (problem,) = report.problems
    assert (problem.line, problem.column, problem.value) == (2, "Gap characteristic", "Race")
    assert problem.rule == "equity_dimension must be one of age_band, sex, race_ethnicity, education, income"
    assert '[values.equity_dimension] "Race" = "race_ethnicity"' in problem.suggestion
    assert _stored(towns) == {}  # all or nothing
    fixed = {**MAPPING, "values": {"equity_dimension": {"Race": "race_ethnicity"}}}
    assert import_file(towns, path, parse_mapping(fixed)).accepted
    assert _stored(towns) == {"NF": ("race_ethnicity", "Black", "White")}


def test_a_dimension_without_a_group_is_refused(towns, tmp_path):
    path = write(tmp_path / "p.csv", HEADER + "NF,Northfield Watch,2023-03-01,Northfield,A school,sex,,\n")
    report = import_file(towns, path, parse_mapping(MAPPING))
    (problem,) = report.problems
    assert problem.column == "Gap group"
    assert problem.rule.startswith("equity_group required with equity_dimension")
    assert "[constants] equity_group" in problem.suggestion
