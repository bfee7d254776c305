"""`commonground evaluate`'s plain-text account of a partnership's initiatives.

Each targeted initiative on a few lines, as an officer running one would ask about it:
was it carried out, did the problem fall against comparable areas, did it move next
door, was its goal met (measured, not claimed), and what its lead recorded (a claim).
Initiatives with no target are counted in one line. The records are
`metrics.initiatives.evaluate_initiative`'s; nothing is computed here.
"""

from __future__ import annotations

from metrics.formatting import effect_text
from metrics.initiatives import MOVED, UNTESTED
from metrics.verdict import IMPROVED, WORSENED, headline


def initiative_lines(initiatives: list[dict]) -> list[str]:
    """The lines printed under a partnership's evaluation (none when it has no initiative)."""
    if not initiatives:
        return []
    lines = ["", "Initiatives"]
    for record in initiatives:
        if record["targeted"]:
            lines += ["", *_targeted(record)]
    others = [r for r in initiatives if not r["targeted"]]
    if others:
        lines += ["", _untargeted(others)]
    return lines


def _targeted(record: dict) -> list[str]:
    kind = f" ({record['response_type']})" if record.get("response_type") else ""
    where = ", ".join(record["target"]["areas"])
    called = record["verdict"] in (IMPROVED, MOVED, WORSENED)
    doubtful = " (may be chance)" if called and record.get("stands") is False else ""
    fidelity = record["fidelity"]
    lines = [
        f"{record['name']}{kind}, in {where} from {record['start']}: {record['verdict']}{doubtful}",
        f"  {record['sentence']}",
        f"  carried out: {_fidelity(fidelity)}",
    ]
    for outcome in record["outcomes"]:
        if record["verdict"] == UNTESTED:
            lines.append(
                f"  {outcome['label']}: {effect_text(outcome.get('effect'))} against comparable areas, "
                "not a test of it (it was not carried out)"
            )
        else:
            lines.append(f"  {headline(outcome)}")
            moved = outcome["displacement"]
            nearby = f" ({', '.join(moved['areas'])})" if moved.get("areas") else ""
            lines.append(f"  next door{nearby}: {moved['label']}")
    goal = record["goal"]
    how = "measured" if goal.get("measured") else "not measured"
    lines.append(f"  goal ({how}): {goal['answer']}. {goal['sentence']}")
    claim = record["claim"]
    if claim.get("sentence"):
        lines.append(f"  claim: {claim['sentence']}")
    return lines


def _fidelity(fidelity: dict) -> str:
    """'delivered, 157 of 168 planned activities (93%)'."""
    if fidelity["share"] is None:
        return f"{fidelity['label']} ({fidelity['sentence'].lower().rstrip('.')})"
    return (
        f"{fidelity['label']}, {fidelity['delivered']:,} of {fidelity['planned']:,} planned activities "
        f"({fidelity['share']:.0%})"
    )


def _untargeted(others: list[dict]) -> str:
    """'3 other initiatives have no target and are not evaluated on their own', with their
    leads' claims counted as claims."""
    n = len(others)
    line = (
        "1 other initiative has no target and is not evaluated on its own"
        if n == 1
        else f"{n} other initiatives have no target and are not evaluated on their own"
    )
    met = sum(r["claim"].get("goal_met") is True for r in others)
    not_met = sum(r["claim"].get("goal_met") is False for r in others)
    claims = [f"{k} as {said}" for k, said in ((met, "met"), (not_met, "not met")) if k]
    if claims:
        line += f"; their leads recorded {' and '.join(claims)}: claims, not measured"
    return line + "."
