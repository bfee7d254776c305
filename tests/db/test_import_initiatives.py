"""Targeted initiatives, their monthly delivery, community priorities and meeting decisions
come in through the one import path (issue 21, item 1): the example files of docs/examples
land their rows, every rule's refusal names its line, column, value and rule and writes
nothing, a re-import changes only what changed, and an untargeted initiatives file imports
as it always has."""

from __future__ import annotations

import re
import tomllib
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cli import main
from db.importing.initiatives import goal_change
from db.importing.mapping import FIELDS, LIST_FIELDS, load_mapping, parse_mapping
from db.importing.run import import_file
from db.models import (
    Area,
    Decision,
    Initiative,
    InitiativeArea,
    InitiativeDelivery,
    InitiativeOutcome,
    Priority,
    PriorityResponse,
)
from tests.conftest import ROOT
from tests.db.conftest import write

EXAMPLES = ROOT / "docs" / "examples"
ORDER = ("areas", "partnerships", "initiatives", "initiative_delivery", "priorities", "decisions")
NEW = ORDER[2:]
MODELS = {
    "initiatives": Initiative,
    "initiative_delivery": InitiativeDelivery,
    "priorities": Priority,
    "decisions": Decision,
}


def _example(engine, kind: str, path=None):
    path = path or EXAMPLES / f"{kind}.csv"
    return import_file(engine, path, load_mapping(EXAMPLES / f"{kind}.toml", kind))


@pytest.fixture
def town(engine):
    """The example town of docs/examples: three areas and one partnership, NF-SAFE."""
    for kind in ORDER[:2]:
        report = _example(engine, kind)
        assert report.accepted, report.text()
    return engine


@pytest.fixture
def examples(town):
    """The example town with every example file of the new kinds imported."""
    for kind in NEW:
        report = _example(town, kind)
        assert report.accepted, report.text()
    return town


def _targets(conn) -> dict[str, tuple[set[str], set[str]]]:
    """initiative name -> (its target areas' names, its target outcomes)."""
    names = dict(conn.execute(select(Initiative.id, Initiative.name)).all())
    out = {name: (set(), set()) for name in names.values()}
    areas = select(InitiativeArea.initiative_id, Area.name).join(Area, Area.id == InitiativeArea.area_id)
    for iid, area in conn.execute(areas):
        out[names[iid]][0].add(area)
    for iid, outcome in conn.execute(select(InitiativeOutcome.initiative_id, InitiativeOutcome.outcome)):
        out[names[iid]][1].add(outcome)
    return out


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


# --- good files land their rows ------------------------------------------------------------


def test_targeted_initiatives_land_with_their_targets_and_goal(examples):
    with examples.connect() as conn:
        rows = {
            r.name: r
            for r in conn.execute(
                select(
                    Initiative.name,
                    Initiative.planned_end,
                    Initiative.goal_outcome,
                    Initiative.goal_change,
                    Initiative.goal_months,
                    Initiative.goal_met,
                )
            )
        }
        targets = _targets(conn)
    alley, walk, youth = rows["Alley gating"], rows["Safe walk to school"], rows["Youth club evenings"]
    # "-20%" for a crime group is stored as the relative change -0.2; "+5" for a construct as points
    assert (alley.planned_end, alley.goal_outcome, alley.goal_change, alley.goal_months) == (
        date(2025, 2, 28),
        "property",
        -0.2,
        12,
    )
    assert (walk.goal_outcome, walk.goal_change, walk.goal_met) == ("safety", 5.0, True)
    assert (youth.goal_outcome, youth.goal_change, youth.goal_months) == (None, None, None)
    assert targets == {
        "Alley gating": ({"Northfield"}, {"property"}),
        "Safe walk to school": ({"Northfield", "Southgate"}, {"safety", "asb"}),
        "Youth club evenings": (set(), set()),
    }


def test_delivery_priorities_and_decisions_land_on_their_initiatives_and_partnership(examples):
    with examples.connect() as conn:
        names = dict(conn.execute(select(Initiative.id, Initiative.name)).all())
        delivery = {
            (names[r.initiative_id], r.month, r.kind): (r.planned, r.delivered)
            for r in conn.execute(select(InitiativeDelivery))
        }
        titles = dict(conn.execute(select(Priority.id, Priority.title)).all())
        answered = {
            (titles[p], names[i])
            for p, i in conn.execute(select(PriorityResponse.priority_id, PriorityResponse.initiative_id))
        }
        sources = dict(conn.execute(select(Priority.title, Priority.source)).all())
        decisions = {r.summary: r for r in conn.execute(select(Decision))}
    # a month written 2024-03 is stored as its first day; the file's words translated to kinds
    assert delivery[("Alley gating", date(2024, 3, 1), "environmental")] == (4, 3)
    assert delivery[("Safe walk to school", date(2023, 10, 1), "patrol")] == (20, 9)
    assert delivery[("Safe walk to school", date(2023, 10, 1), "outreach")] == (300, 300)
    assert len(delivery) == 6
    assert answered == {
        ("Break-ins through the back alleys", "Alley gating"),
        ("The walk to school does not feel safe", "Safe walk to school"),
    }
    assert sources["Break-ins through the back alleys"] == "meeting"
    youth = decisions["Fund evening youth sessions at the community centre"]
    assert (youth.proposed_by, youth.status, youth.due_on, youth.done_on) == (
        "local_government",
        "dropped",
        date(2024, 6, 30),
        None,
    )
    gates = decisions["Ask the council to gate the alleys behind the high street"]
    assert (gates.proposed_by, gates.done_on) == ("residents", date(2024, 3, 1))


def test_the_examples_import_in_order_through_the_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'town.sqlite'}"
    runner = CliRunner()
    for kind in ORDER:
        args = ["import", "--database-url", url, kind, str(EXAMPLES / f"{kind}.csv")]
        result = runner.invoke(main, [*args, "--mapping", str(EXAMPLES / f"{kind}.toml")])
        assert result.exit_code == 0, result.output
        rows = (EXAMPLES / f"{kind}.csv").read_text().count("\n") - 1
        assert f"{rows} rows read, {rows} inserted, 0 updated, 0 unchanged" in result.output


def test_a_re_import_of_every_example_changes_nothing(examples, tmp_path):
    for kind in NEW:
        copy = write(tmp_path / f"{kind}.csv", (EXAMPLES / f"{kind}.csv").read_text() + "\n")
        again = _example(examples, kind, copy)
        rows = (EXAMPLES / f"{kind}.csv").read_text().count("\n") - 1
        assert (again.inserted, again.updated, again.skipped) == (0, 0, rows), (kind, again.text())
    with examples.connect() as conn:
        assert conn.execute(select(func.count()).select_from(InitiativeArea)).scalar_one() == 3
        assert conn.execute(select(func.count()).select_from(PriorityResponse)).scalar_one() == 2


def test_an_untargeted_initiatives_file_imports_as_before(town, tmp_path):
    text = (
        "partnership,name,stage,started_on,ended_on,goal,goal_met\n"
        "NF-SAFE,Lighting audit,assessment,2023-04-01,2023-09-30,Fix 20 street lights,yes\n"
    )
    report = import_file(town, write(tmp_path / "i.csv", text), parse_mapping({"kind": "initiatives"}))
    assert (report.inserted, report.notes) == (1, []), report.text()
    with town.connect() as conn:
        row = conn.execute(select(Initiative)).one()
        assert _targets(conn) == {"Lighting audit": (set(), set())}
    assert (row.ended_on, row.goal, row.goal_met, row.goal_change, row.planned_end) == (
        date(2023, 9, 30),
        "Fix 20 street lights",
        True,
        None,
        None,
    )


# --- re-imports change what changed --------------------------------------------------------

INITIATIVES = (
    "partnership,name,stage,started_on,target_areas,target_outcomes,goal_outcome,goal_change,goal_months\n"
    "NF-SAFE,Alley gating,response,2024-03-01,Northfield,property,property,-20%,12\n"
    "NF-SAFE,Safe walk to school,response,2023-09-01,Northfield; Southgate,safety,safety,+5,12\n"
)


def test_a_changed_target_replaces_the_initiative_s_targets(town, tmp_path):
    mapping = parse_mapping({"kind": "initiatives"})
    assert import_file(town, write(tmp_path / "a.csv", INITIATIVES), mapping).inserted == 2
    # the same goal written as a fraction is the same initiative: unchanged
    same = INITIATIVES.replace("-20%", "-0.2")
    again = import_file(town, write(tmp_path / "b.csv", same), mapping)
    assert (again.inserted, again.updated, again.skipped) == (0, 0, 2), again.text()
    # an area more is a change; so, afterwards, is an outcome more
    moved = INITIATIVES.replace("Northfield,property", "Northfield; Riverside,property")
    third = import_file(town, write(tmp_path / "c.csv", moved), mapping)
    assert (third.inserted, third.updated, third.skipped) == (0, 1, 1), third.text()
    widened = moved.replace("Riverside,property", "Riverside,property; asb")
    widen = import_file(town, write(tmp_path / "c2.csv", widened), mapping)
    assert (widen.inserted, widen.updated, widen.skipped) == (0, 1, 1), widen.text()
    cleared = "partnership,name,stage,started_on\nNF-SAFE,Safe walk to school,response,2023-09-01\n"
    fourth = import_file(town, write(tmp_path / "d.csv", cleared), mapping)
    assert (fourth.updated, fourth.skipped) == (1, 0), fourth.text()
    with town.connect() as conn:
        assert _targets(conn) == {
            "Alley gating": ({"Northfield", "Riverside"}, {"property", "asb"}),
            "Safe walk to school": (set(), set()),
        }
        goal = conn.execute(
            select(Initiative.goal_change).where(Initiative.name == "Safe walk to school")
        ).scalar_one()
    assert goal is None


def test_changed_delivery_counts_and_responses_are_updated(examples, tmp_path):
    delivery = (
        (EXAMPLES / "initiative_delivery.csv")
        .read_text()
        .replace("2023-10,Walking patrol,20,9", "2023-10,Walking patrol,20,12")
    )
    report = _example(examples, "initiative_delivery", write(tmp_path / "d.csv", delivery))
    assert (report.inserted, report.updated, report.skipped) == (0, 1, 5), report.text()
    priorities = (
        (EXAMPLES / "priorities.csv")
        .read_text()
        .replace("12,\n", "12,Youth club evenings; Safe walk to school\n")
    )
    report = _example(examples, "priorities", write(tmp_path / "p.csv", priorities))
    assert (report.inserted, report.updated, report.skipped) == (0, 1, 2), report.text()
    with examples.connect() as conn:
        delivered = conn.execute(
            select(InitiativeDelivery.delivered).where(
                InitiativeDelivery.month == date(2023, 10, 1), InitiativeDelivery.kind == "patrol"
            )
        ).scalar_one()
        answers = conn.execute(
            select(Initiative.name)
            .join(PriorityResponse, PriorityResponse.initiative_id == Initiative.id)
            .join(Priority, Priority.id == PriorityResponse.priority_id)
            .where(Priority.title.like("Nothing for young people%"))
        ).scalars()
        assert set(answers) == {"Youth club evenings", "Safe walk to school"}
    assert delivered == 12


# --- every rule's refusal names line, column, value and rule, and writes nothing ---------

GOAL = "partnership,name,stage,started_on,target_areas,target_outcomes,goal_outcome,goal_change,goal_months\n"
GOOD_INITIATIVE = "NF-SAFE,Street lights,response,2024-01-01,Southgate,property,property,-10%,6\n"
DELIVERY = "partnership,initiative,month,kind,planned,delivered\nNF-SAFE,Alley gating,2024-05,patrol,4,4\n"
PRIORITIES = (
    "partnership,raised_on,source,title,outcome,raised_by,initiatives\n"
    "NF-SAFE,2024-02-01,meeting,Parked cars on the pavement,asb,4,\n"
)
DECISIONS = (
    "partnership,decided_on,summary,proposed_by,status,due_on,done_on\n"
    "NF-SAFE,2024-02-01,Write to the council about parking,residents,agreed,2024-03-01,\n"
)
REFUSALS = [  # kind, the file (a good row, then the bad one on line 3), column, value, rule, fix
    (
        "initiatives",
        GOAL + GOOD_INITIATIVE + "NF-SAFE,Alleys,response,2024-01-01,Northfeld,property,,,\n",
        "target_areas",
        "Northfeld",
        "unknown area",
        "did you mean 'Northfield'?",
    ),
    (
        "initiatives",
        GOAL + GOOD_INITIATIVE + "NF-SAFE,Alleys,response,2024-01-01,Northfield,burglary,,,\n",
        "target_outcomes",
        "burglary",
        "target outcome must be one of violent, property, asb, other, trust, satisfaction, safety, "
        "procedural_justice",
        '[values.target_outcomes] "burglary" = "',
    ),
    (
        "initiatives",
        GOAL + GOOD_INITIATIVE + "NF-SAFE,Alleys,response,2024-01-01,Northfield,property,violent,-10%,12\n",
        "goal_outcome",
        "violent",
        "goal_outcome is not one of the initiative's target_outcomes (property)",
        "add it to target_outcomes",
    ),
    (
        "initiatives",
        GOAL + GOOD_INITIATIVE + "NF-SAFE,Alleys,response,2024-01-01,Northfield,property,property,-100%,12\n",
        "goal_change",
        "-100%",
        "a crime goal must be above -100% (crime cannot fall by all of itself or more)",
        "",
    ),
    (
        "initiatives",
        GOAL + GOOD_INITIATIVE + "NF-SAFE,Alleys,response,2024-01-01,Northfield,property,property,-20,12\n",
        "goal_change",
        "-20",
        "a crime goal without % is a fraction (-0.2: down 20%), so -20 would be -2000%",
        'write "-20%" for a percentage',
    ),
    (
        "initiatives",
        GOAL + GOOD_INITIATIVE + "NF-SAFE,Alleys,response,2024-01-01,Northfield,trust,trust,+120,12\n",
        "goal_change",
        "+120",
        'a survey construct\'s goal is a change in points on 0-100, e.g. "+5", from -100 to 100',
        "",
    ),
    (
        "initiatives",
        GOAL + GOOD_INITIATIVE + "NF-SAFE,Alleys,response,2024-01-01,Northfield,safety,safety,5%,12\n",
        "goal_change",
        "5%",
        'a survey construct\'s goal is a change in points on 0-100, e.g. "+5", not a percentage',
        "write +5 for +5 points",
    ),
    (
        "initiatives",
        GOAL + GOOD_INITIATIVE + "NF-SAFE,Alleys,response,2024-01-01,Northfield,property,property,-10%,0\n",
        "goal_months",
        "0",
        "must be at least 1",
        "",
    ),
    (
        "initiatives",
        GOAL + GOOD_INITIATIVE + "NF-SAFE,Alleys,response,2024-01-01,Northfield,property,property,-10%,\n",
        "goal_months",
        "",
        "required with goal_outcome, goal_change: a measurable goal names what changes (goal_outcome), "
        "by how much (goal_change) and within how many months (goal_months)",
        "",
    ),
    (
        "initiatives",
        "partnership,name,stage,started_on,planned_end\n"
        "NF-SAFE,Street lights,response,2024-01-01,2024-06-30\n"
        "NF-SAFE,Alleys,response,2024-03-01,2024-02-01\n",
        "planned_end",
        "2024-02-01",
        "planned_end before started_on (2024-03-01)",
        "",
    ),
    (
        "initiatives",
        GOAL + GOOD_INITIATIVE + "NF-SAFE,Alleys,response,2024-01-01,Northfield (east,property,,,\n",
        "target_areas",
        "Northfield (east",
        "a list with an unclosed bracket (no ')')",
        "close it",
    ),
    (
        "initiative_delivery",
        DELIVERY + "NF-SAFE,Aley gating,2024-05,patrol,4,4\n",
        "initiative",
        "Aley gating",
        "unknown initiative of partnership NF-SAFE",
        "did you mean 'Alley gating'?",
    ),
    (
        "initiative_delivery",
        DELIVERY + "NF-SAFE,Alley gating,2024-05,Patrols,4,4\n",
        "kind",
        "Patrols",
        "must be one of patrol, meeting, outreach, environmental",
        '[values.kind] "Patrols" = "patrol"',
    ),
    (
        "initiative_delivery",
        DELIVERY + "NF-SAFE,Alley gating,2024-06,patrol,-1,0\n",
        "planned",
        "-1",
        "must be at least 0",
        "",
    ),
    (
        "initiative_delivery",
        DELIVERY + "NF-SAFE,Alley gating,2024-06,patrol,4,\n",
        "delivered",
        "",
        "required: delivered",
        "",
    ),
    (
        "initiative_delivery",
        DELIVERY + "NF-SAFE,Alley gating,June,patrol,4,4\n",
        "month",
        "June",
        "date does not match '%Y-%m-%d' (or YYYY-MM, a month)",
        "",
    ),
    (
        "priorities",
        PRIORITIES + "NF-SAFE,2024-02-01,meeting,Dark alleys,property,3,Alley gateing\n",
        "initiatives",
        "Alley gateing",
        "unknown initiative of partnership NF-SAFE",
        "did you mean 'Alley gating'?",
    ),
    (
        "priorities",
        PRIORITIES + "NF-SAFE,2024-02-01,Facebook,Dark alleys,property,3,\n",
        "source",
        "Facebook",
        "must be one of survey, meeting, consultation, other",
        '[values.source] "Facebook" = "',
    ),
    (
        "priorities",
        PRIORITIES + "NF-SAFE,2024-02-01,meeting,Dark alleys,crime,3,\n",
        "outcome",
        "crime",
        "must be one of violent, property, asb, other, trust, satisfaction, safety, procedural_justice",
        '[values.outcome] "crime" = "',
    ),
    (
        "priorities",
        PRIORITIES + "NF-SAFE,2024-02-01,meeting,Dark alleys,property,-2,\n",
        "raised_by",
        "-2",
        "must be at least 0",
        "",
    ),
    (
        "decisions",
        DECISIONS + "NF-SAFE,2024-02-01,Gate the alleys,residents,agreed,2024-04-01,2024-03-20\n",
        "done_on",
        "2024-03-20",
        "done_on given for a decision whose status is agreed (only a done one has one)",
        "set its status to done, or leave done_on blank",
    ),
    (
        "decisions",
        DECISIONS + "NF-SAFE,2024-02-01,Gate the alleys,residents,agreed,2024-01-15,\n",
        "due_on",
        "2024-01-15",
        "due_on before decided_on (2024-02-01)",
        "",
    ),
    (
        "decisions",
        DECISIONS + "NF-SAFE,2024-02-01,Gate the alleys,residents,done,,2024-01-31\n",
        "done_on",
        "2024-01-31",
        "done_on before decided_on (2024-02-01)",
        "",
    ),
    (
        "decisions",
        DECISIONS + "NF-SAFE,2024-02-01,Gate the alleys,Council,agreed,,\n",
        "proposed_by",
        "Council",
        "must be one of police, residents, school, business, local_government, non_profit, faith, "
        "resident_group, media, other",
        '[values.proposed_by] "Council" = "',
    ),
    (
        "decisions",
        DECISIONS + "NF-SAFE,2024-02-01,Gate the alleys,residents,finished,,\n",
        "status",
        "finished",
        "must be one of agreed, done, dropped",
        '[values.status] "finished" = "',
    ),
]


@pytest.mark.parametrize(
    ("kind", "text", "column", "value", "rule", "fix"),
    REFUSALS,
    ids=[f"{r[0]}-{r[2]}-{r[3] or 'blank'}" for r in REFUSALS],
)
def test_each_rule_refuses_naming_line_column_value_and_rule_and_writes_nothing(
    town, tmp_path, kind, text, column, value, rule, fix
):
    initiatives = "partnership,name,stage\nNF-SAFE,Alley gating,response\n"
    assert import_file(
        town, write(tmp_path / "i.csv", initiatives), parse_mapping({"kind": "initiatives"})
    ).accepted
    before = _count(town, MODELS[kind])
    report = import_file(town, write(tmp_path / "f.csv", text), parse_mapping({"kind": kind}))
    (problem,) = report.problems
    assert (problem.line, problem.column, problem.value, problem.rule) == (3, column, value, rule)
    assert fix in problem.suggestion
    assert _count(town, MODELS[kind]) == before  # the good row on line 2 is not written either


def test_an_unknown_target_area_names_the_alias_and_skip_lines(town, tmp_path):
    text = GOAL + "NF-SAFE,Alleys,response,2024-01-01,Docklands,property,,,\n"
    (problem,) = import_file(
        town, write(tmp_path / "f.csv", text), parse_mapping({"kind": "initiatives"})
    ).problems
    assert problem.rule == "unknown area"
    assert '[area_aliases] with the area it means: "Docklands" = "..."' in problem.suggestion
    assert '[skip] area = ["Docklands"]' in problem.suggestion


def test_an_alias_and_a_skip_in_the_mapping_do_what_the_fix_says(town, tmp_path):
    text = (
        GOAL
        + "NF-SAFE,Alleys,response,2024-01-01,Northfield Estate,property,,,\n"
        + "NF-SAFE,Docks,response,2024-01-01,Docklands; Southgate,property,,,\n"
    )
    mapping = parse_mapping(
        {
            "kind": "initiatives",
            "area_aliases": {"Northfield Estate": "Northfield"},
            "skip": {"area": ["Docklands"]},
        }
    )
    report = import_file(town, write(tmp_path / "f.csv", text), mapping)
    assert (report.inserted, report.skips["[skip] area"]) == (1, 1), report.text()
    with town.connect() as conn:
        assert _targets(conn) == {"Alleys": ({"Northfield"}, {"property"})}


def test_a_half_targeted_initiative_is_noted(town, tmp_path):
    text = GOAL + "NF-SAFE,Alleys,response,2024-01-01,Northfield,,,,\n"
    report = import_file(town, write(tmp_path / "f.csv", text), parse_mapping({"kind": "initiatives"}))
    assert report.accepted, report.text()
    assert report.notes == [
        "1 initiative(s) name target areas but no target outcome, or the reverse: an initiative is "
        "evaluated on its target only when it names both"
    ]


def test_the_same_delivery_month_twice_with_other_counts_is_refused(examples, tmp_path):
    text = DELIVERY + "NF-SAFE,alley gating,2024-05-20,patrol,4,2\n"  # any case; any day of May
    plain = import_file(
        examples, write(tmp_path / "e.csv", text), parse_mapping({"kind": "initiative_delivery"})
    )
    (problem,) = plain.problems
    assert (problem.line, problem.column, problem.value, problem.rule) == (
        3,
        "month",
        "2024-05-20",
        "the same month of one initiative and kind appears twice in the file (first on line 2)",
    )


# --- the goal's change, read ---------------------------------------------------------------

PLAIN = parse_mapping({"kind": "initiatives"})
COMMA = parse_mapping({"kind": "initiatives", "decimal_comma": True})


@pytest.mark.parametrize(
    ("text", "outcome", "mapping", "stored"),
    [
        ("-20%", "property", PLAIN, -0.2),
        ("-0.2", "property", PLAIN, -0.2),
        ("\u221220 %", "violent", PLAIN, -0.2),  # a typographic minus, and a space before %
        ("+15%", "asb", PLAIN, 0.15),
        ("-12,5%", "property", COMMA, -0.125),
        ("+5", "trust", PLAIN, 5.0),
        ("5 points", "safety", PLAIN, 5.0),
        ("-2.5", "satisfaction", PLAIN, -2.5),
        ("-100", "procedural_justice", PLAIN, -100.0),
    ],
)
def test_a_goal_change_is_read_by_its_outcome(text, outcome, mapping, stored):
    value, rule, _fix = goal_change(text, outcome, mapping)
    assert rule == ""
    assert value == pytest.approx(stored, abs=1e-12)


@pytest.mark.parametrize(
    ("text", "outcome"),
    [("-100%", "property"), ("-1", "violent"), ("-150%", "asb"), ("101", "trust"), ("down", "property")],
)
def test_an_impossible_goal_change_is_refused(text, outcome):
    value, rule, _fix = goal_change(text, outcome, PLAIN)
    assert value is None
    assert rule


def test_a_delivery_month_written_as_a_date_is_stored_as_its_first_day(examples, tmp_path):
    text = (
        "partnership,initiative,month,kind,planned,delivered\n"
        "NF-SAFE,Youth club evenings,2024-05-17,meeting,2,1\n"
    )
    report = import_file(
        examples, write(tmp_path / "d.csv", text), parse_mapping({"kind": "initiative_delivery"})
    )
    assert report.inserted == 1, report.text()
    with examples.connect() as conn:
        months = conn.execute(
            select(InitiativeDelivery.month)
            .join(Initiative, Initiative.id == InitiativeDelivery.initiative_id)
            .where(Initiative.name == "Youth club evenings")
        ).scalars()
        assert list(months) == [date(2024, 5, 1)]


def test_a_due_date_may_lie_ahead_but_a_decision_may_not(town, tmp_path):
    ahead = date.today().replace(day=1, year=date.today().year + 1).isoformat()
    text = (
        "partnership,decided_on,summary,proposed_by,status,due_on\n"
        f"NF-SAFE,2024-02-01,Plant trees,faith,agreed,{ahead}\n"
    )
    mapping = parse_mapping({"kind": "decisions"})
    assert import_file(town, write(tmp_path / "a.csv", text), mapping).inserted == 1
    late = text.replace("2024-02-01", ahead, 1)
    (problem,) = import_file(town, write(tmp_path / "b.csv", late), mapping).problems
    assert (problem.column, problem.rule) == ("decided_on", "date outside 1990-01-01 to today")


# --- the kinds' fields are the mapping's ---------------------------------------------------


def test_each_new_kind_reads_every_field_the_mapping_lists_and_its_lists_split(town, tmp_path):
    from db.importing import delivery, initiatives, priorities, records

    assert FIELDS["decisions"] == tuple(f.name for f in records.SPECS["decisions"].fields)
    for kind, module in (
        ("initiatives", initiatives),
        ("initiative_delivery", delivery),
        ("priorities", priorities),
    ):
        read = {f.name for f in module.SPEC.fields} | set(LIST_FIELDS.get(kind, ()))
        if kind == "initiatives":
            read.add("goal_change")  # read by goal_change(), with the goal's outcome
        assert read == set(FIELDS[kind]), kind
    # list_separator, and [values] per element of a list cell
    mapping = parse_mapping(
        {
            "kind": "initiatives",
            "list_separator": "|",
            "values": {"target_outcomes": {"Burglary": "property"}, "target_areas": {"North": "Northfield"}},
        }
    )
    text = (
        "partnership,name,stage,target_areas,target_outcomes\n"
        "NF-SAFE,Alleys,response,North | Riverside,Burglary|asb\n"
    )
    assert import_file(town, write(tmp_path / "f.csv", text), mapping).accepted
    with town.connect() as conn:
        assert _targets(conn) == {"Alleys": ({"Northfield", "Riverside"}, {"property", "asb"})}


def test_the_same_priority_twice_in_a_file_is_refused_naming_its_title(town, tmp_path):
    text = PRIORITIES + "NF-SAFE,2024-03-01,survey,Parked cars on the pavement,asb,9,\n"
    (problem,) = import_file(
        town, write(tmp_path / "p.csv", text), parse_mapping({"kind": "priorities"})
    ).problems
    assert (problem.line, problem.column, problem.value, problem.rule) == (
        3,
        "title",
        "Parked cars on the pavement",
        "the same priority appears twice in the file (first on line 2)",
    )


def test_the_example_mappings_in_the_docs_are_ones_the_code_accepts():
    docs = (ROOT / "docs" / "importing.md").read_text()
    section = docs.split("## Initiatives, priorities and decisions")[1].split("\n## ")[0]
    blocks = re.findall(r"```toml\n(.*?)```", section, flags=re.S)
    assert [tomllib.loads(block)["kind"] for block in blocks] == list(NEW)
    for block in blocks:
        parse_mapping(tomllib.loads(block), "docs/importing.md")  # a refused key raises ImportRefused
