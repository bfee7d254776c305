"""`commonground evaluate` on the demo city's initiatives: the JSON carries every targeted
initiative's verdict, interval, goal answer and fidelity, and the plain text tells an
officer what was judged, what was untested and what was only claimed."""

import json
import re

import pytest
from click.testing import CliRunner

from cli import main
from cli.initiatives import initiative_lines
from db.demo.city import TARGETED
from metrics.initiatives import CANNOT_TELL, GOAL_UNTESTED, MOVED, NO_GOAL, UNTESTED

GOAL_ANSWERS = {"met", "possibly met", "not met", "not shown", CANNOT_TELL, NO_GOAL, GOAL_UNTESTED}


@pytest.fixture(scope="module")
def every_partnership(demo_url) -> dict:
    run = CliRunner(env={"DATABASE_URL": demo_url}).invoke(main, ["evaluate", "--all", "--json"])
    assert run.exit_code == 0, run.output
    return json.loads(run.stdout)


def _targeted(data: dict) -> dict[str, dict]:
    return {i["name"]: i for p in data["partnerships"] for i in p["initiatives"] if i["targeted"]}


def _plain(demo_url: str, code: str) -> str:
    run = CliRunner(env={"DATABASE_URL": demo_url}).invoke(main, ["evaluate", code, "--outcome", "trust"])
    assert run.exit_code == 0, run.output
    return run.stdout


def test_all_json_carries_every_targeted_initiatives_verdict_interval_goal_and_fidelity(every_partnership):
    found = _targeted(every_partnership)
    assert set(found) == {spec.name for spec in TARGETED}
    for spec in TARGETED:
        record = found[spec.name]
        assert record["verdict"] in (
            "Improved",
            MOVED,
            "Worsened",
            "No clear change",
            "Inconclusive",
            UNTESTED,
        )
        (outcome,) = record["outcomes"]
        assert outcome["outcome"] == spec.outcomes[0]
        low, high = outcome["effect"]["ci"]
        assert low < outcome["effect"]["estimate"] < high
        assert "series" not in outcome  # chart data stays out of the analyst's contract
        assert record["goal"]["answer"] in GOAL_ANSWERS
        assert record["goal"]["change"] == pytest.approx(spec.goal[1])
        assert record["fidelity"]["share"] == pytest.approx(
            record["fidelity"]["delivered"] / record["fidelity"]["planned"]
        )
        assert record["claim"]["goal_met"] == spec.claimed_met


def test_one_partnerships_json_carries_its_initiatives_as_the_batch_does(demo_url, every_partnership):
    run = CliRunner(env={"DATABASE_URL": demo_url}).invoke(
        main, ["evaluate", "RIV-PARKS-NIGHT", "--outcome", "trust", "--json"]
    )
    assert run.exit_code == 0, run.output
    alone = json.loads(run.stdout)["initiatives"]
    (batch,) = [p for p in every_partnership["partnerships"] if p["partnership"] == "RIV-PARKS-NIGHT"]
    assert [i["name"] for i in alone] == [i["name"] for i in batch["initiatives"]]
    (targeted,) = [i for i in alone if i["targeted"]]
    assert targeted["name"] == "Riverside Park lighting and patrols"
    assert targeted["goal"]["answer"] == "met"
    effect = targeted["outcomes"][0]["effect"]
    same = _targeted(every_partnership)[targeted["name"]]["outcomes"][0]["effect"]
    assert [effect["estimate"], *effect["ci"]] == pytest.approx([same["estimate"], *same["ci"]])
    assert all(not i["targeted"] and i["verdict"] is None for i in alone if i is not targeted)


def test_all_json_recovers_what_was_planted_in_each_initiative(every_partnership):
    found = _targeted(every_partnership)
    works = found["Riverside Park lighting and patrols"]
    assert (works["verdict"], works["goal"]["answer"], works["fidelity"]["label"]) == (
        "Improved",
        "met",
        "delivered",
    )
    moved = found["Market Street shop-theft patrols"]
    assert moved["verdict"] == MOVED
    assert moved["outcomes"][0]["displacement"]["label"] == "displaced"
    assert moved["outcomes"][0]["displacement"]["areas"] == ["Old Town"]
    never = found["Parkview youth diversion scheme"]
    assert (never["verdict"], never["goal"]["answer"], never["fidelity"]["label"]) == (
        UNTESTED,
        GOAL_UNTESTED,
        "not carried out",
    )
    chance = found["Hillcrest Parade drugs awareness campaign"]
    assert chance["goal"]["answer"] == "not shown"  # measured, although its lead typed "met"
    assert chance["goal"]["raw_change"] <= -0.2  # the before/after fall alone looked like the goal
    assert chance["claim"]["goal_met"] is True


def test_all_json_judges_initiatives_as_one_family_leaving_the_untested_out(every_partnership):
    summary = every_partnership["initiative_multiple_comparisons"]
    found = _targeted(every_partnership)
    tested = [r for r in found.values() if r["verdict"] != UNTESTED]
    assert summary["judged"] == len(tested)  # one outcome each in the demo
    # a call is its target's own: Market Street's improved where it was aimed (then moved next door)
    assert summary["called"] == sum(r["outcomes"][0]["verdict"] in ("Improved", "Worsened") for r in tested)
    assert all(isinstance(r["stands"], bool) for r in tested)
    assert "stands" not in found["Parkview youth diversion scheme"]


def test_all_plain_text_ends_with_what_could_be_chance_among_initiatives(demo_url, every_partnership):
    run = CliRunner(env={"DATABASE_URL": demo_url}).invoke(main, ["evaluate", "--all", "--outcome", "trust"])
    assert run.exit_code == 0, run.output
    summary = every_partnership["initiative_multiple_comparisons"]["sentence"]
    assert run.stdout.rstrip().endswith(f"Initiatives: {summary}")
    assert run.stdout.count("\nInitiatives\n") == len(every_partnership["partnerships"])


def test_plain_text_says_an_initiative_never_carried_out_is_untested(demo_url):
    text = _plain(demo_url, "RIV-WESTBANK-BOARD")
    block = text.split("Parkview youth diversion scheme", 1)[1]
    assert block.startswith(" (youth diversion), in Parkview from 2023-09-01: Untested")
    assert re.search(r"\n  carried out: not carried out, 0 of \d+ planned activities \(0%\)\n", block)
    assert "not a failure" in block
    assert "goal (not measured): untested." in block
    assert "3 other initiatives have no target and are not evaluated on their own" in text


def test_plain_text_marks_the_hillcrest_claim_as_a_claim_beside_the_measured_answer(demo_url):
    text = _plain(demo_url, "RIV-FAITH-TABLE")
    block = text.split("Hillcrest Parade drugs awareness campaign", 1)[1]
    lines = block.splitlines()
    goal = next(line for line in lines if line.startswith("  goal"))
    assert goal.startswith("  goal (measured): not shown.")
    assert re.search(r"before and after, it fell 2\d%, which looks like the goal", goal)
    claim = next(line for line in lines if line.startswith("  claim:"))
    assert "as met (a claim; the measured answer is above)" in claim
    estimate = next(line for line in lines if line.startswith("  Other crime:"))
    assert "(95%: " in estimate


def test_plain_text_shows_displacement_and_fidelity_for_the_market_street_patrols(demo_url):
    text = _plain(demo_url, "RIV-MARKET-BID")
    assert (
        "Market Street shop-theft patrols (targeted patrol), in Market Street from 2022-04-01: "
        "Moved next door\n" in text
    )
    assert re.search(
        r"Counting both places, about \d+ fewer crimes \(95% interval: \d+ more to \d+ fewer\)", text
    )
    assert "  next door (Old Town): displaced" in text
    assert re.search(r"\n  carried out: delivered, \d+ of \d+ planned activities \((8|9)\d%\)\n", text)
    assert "  goal (measured): possibly met." in text


def test_untargeted_initiatives_are_one_line_with_their_claims_counted_as_claims():
    def old_style(claim):
        return {"targeted": False, "claim": {"goal_met": claim}}

    assert initiative_lines([]) == []
    one = initiative_lines([old_style(None)])
    assert one[-1] == "1 other initiative has no target and is not evaluated on its own."
    three = initiative_lines([old_style(True), old_style(False), old_style(True)])
    assert three[-1] == (
        "3 other initiatives have no target and are not evaluated on their own; their leads "
        "recorded 2 as met and 1 as not met: claims, not measured."
    )
