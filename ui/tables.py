"""Tables as people read them: numbers formatted with their margin and n, plain column names.

Pure functions of DataFrames (no Streamlit), so they are tested like metrics.
"""

from __future__ import annotations

import math

import pandas as pd

from charts.captions import quarter_label
from charts.initiatives import response_label
from charts.theme import verdict_fill
from metrics.evaluation import CRIME_OUTCOMES
from metrics.formatting import VERDICT_SYMBOLS, day_label, effect_text, moment_label, name_label
from metrics.portfolio import STATUSES
from metrics.registry import CRIME_GROUP_LABELS
from metrics.verdict import (
    CALLED,
    IMPROVED,
    INCONCLUSIVE,
    NO_CLEAR_CHANGE,
    NOT_ENOUGH,
    TOO_EARLY,
    WORSENED,
    effect_short,
)


def sector_label(sector: str) -> str:
    return name_label(sector)


def score_text(mean, margin, n, quarter) -> str:
    """'62 ± 5 (n=53, 2026 Q3)', or 'no answers' when there is no estimate."""
    if mean is None or pd.isna(mean):
        return "no answers"
    spread = "" if margin is None or pd.isna(margin) or math.isnan(margin) else f" ± {margin:.0f}"
    return f"{mean:.0f}{spread} (n={int(n)}, {quarter_label(quarter)})"


def published_text(value, period, statistic, n) -> str:
    """'58% agree, published (2023 Q4, n not reported)', or 'no data'."""
    if value is None or pd.isna(value):
        return "no data"
    figure = f"{value:.0f}% agree" if statistic == "share" else f"{value:.0f}"
    size = "n not reported" if n is None or pd.isna(n) else f"n={int(n)}"
    return f"{figure}, published ({quarter_label(period)}, {size})"


def survey_cell(frame: pd.DataFrame, construct: str) -> list[str]:
    """A portfolio cell: the resident survey's latest score, else the latest published figure."""
    own = zip(*(frame[f"{construct}{s}"] for s in ("", "_margin", "_n", "_quarter")), strict=True)
    published = zip(
        *(frame[f"{construct}_published_{s}"] for s in ("value", "period", "statistic", "n")), strict=True
    )
    return [
        score_text(*mine) if not pd.isna(mine[0]) else published_text(*theirs)
        for mine, theirs in zip(own, published, strict=True)
    ]


def crime_text(before, after, pct, direction) -> str:
    """'1,229 vs 1,200 (+2%): no clear change'."""
    if before is None or pd.isna(before):
        return "no crime data"
    change = "n/a" if pd.isna(pct) else f"{pct:+.0f}%"
    return f"{int(after):,} vs {int(before):,} ({change}): {direction}"


def portfolio_table(frame: pd.DataFrame, crime: bool = True) -> pd.DataFrame:
    """The overview's portfolio table, one row per partnership, in the frame's order; without
    the crime column when `crime` is False (no crime group chosen: it would read '0 vs 0')."""
    table = pd.DataFrame(
        {
            "Partnership": frame["name"],
            "Started": pd.to_datetime(frame["start_date"]).dt.strftime("%b %Y"),
            "Status": frame["status"],  # on the period's last day (metrics.portfolio.status_on)
            "Partners": [
                f"{p} ({s} sectors)" for p, s in zip(frame["partners"], frame["sectors"], strict=True)
            ],
            "Residents in area": frame["population"].map(
                lambda v: "unknown" if pd.isna(v) else f"{int(v):,}"
            ),
            "Trust (0-100)": survey_cell(frame, "trust"),
            "Satisfaction (0-100)": survey_cell(frame, "satisfaction"),
            "Crime, last 12 months vs previous 12": [
                crime_text(*v)
                for v in zip(
                    frame["crime_before"],
                    frame["crime_after"],
                    frame["crime_change_pct"],
                    frame["crime_direction"],
                    strict=True,
                )
            ],
        }
    )
    return table if crime else table.drop(columns="Crime, last 12 months vs previous 12")


def crime_groups_text(groups) -> str:
    """'all crime groups', 'violent crime and anti-social behaviour', or 'no crime group'."""
    if set(groups) >= set(CRIME_GROUP_LABELS):
        return "all crime groups"
    names = [CRIME_GROUP_LABELS[g].lower() for g in groups]
    if not names:
        return "no crime group"
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def members_table(members: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Organisation": members["organisation"],
            "Sector": members["sector"].map(sector_label),
            "Role": members["role"].fillna(""),
        }
    )


def areas_table(areas: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Area": areas["name"],
            "Role": areas["role"].map({"catchment": "Served", "comparison": "Comparison"}),
            "Kind": areas["kind"].str.capitalize(),
            "Residents": areas["population"].map(lambda v: "unknown" if pd.isna(v) else f"{int(v):,}"),
        }
    )


def initiatives_table(records: list[dict]) -> pd.DataFrame:
    """Initiatives as recorded (`metrics.initiatives` records, untargeted ones): name,
    response type, SARA stage, dates, the goal as typed, and 'goal met' as its lead
    recorded it, which is a claim."""

    def month(day) -> str:
        return pd.Timestamp(day).strftime("%b %Y") if day else ""

    def claim(record) -> str:
        said = (record.get("claim") or {}).get("goal_met")
        return "" if said is None else f"{'met' if said else 'not met'}: a claim"

    return pd.DataFrame(
        {
            "Initiative": [r["name"] for r in records],
            "Response type": [response_label(r.get("response_type")) for r in records],
            "Stage (SARA)": [(r.get("stage") or "").capitalize() for r in records],
            "Started": [month(r.get("start")) for r in records],
            "Ended": [month(r.get("ended_on")) for r in records],
            "Goal (as recorded)": [(r.get("goal") or {}).get("text") or "" for r in records],
            "Recorded as": [claim(r) for r in records],
        },
        columns=[
            "Initiative",
            "Response type",
            "Stage (SARA)",
            "Started",
            "Ended",
            "Goal (as recorded)",
            "Recorded as",
        ],
    )


SOURCE_LABELS = {"partner": "Partner organisations", "officer": "Officers", "resident": "Residents"}


def ratings_table(ratings: pd.DataFrame) -> pd.DataFrame:
    """Mean rating (1 to 5) by who gave it, with its 95% interval and n."""
    return pd.DataFrame(
        {
            "Who": ratings["source"].map(SOURCE_LABELS),
            "Mean rating (1 to 5)": ratings["mean"].map(lambda v: f"{v:.1f}"),
            "95% interval": [
                "" if pd.isna(lo) else f"{max(lo, 1):.1f} to {min(hi, 5):.1f}"
                for lo, hi in zip(ratings["ci_low"], ratings["ci_high"], strict=True)
            ],
            "n": ratings["n"],
        }
    )


def comments_table(comments: pd.DataFrame) -> pd.DataFrame:
    """Comments as written, newest first, with who said it and when."""
    return pd.DataFrame(
        {
            "Received": comments["received_on"].map(day_label),
            "From": comments["source"].map(SOURCE_LABELS),
            "Rating": comments["rating"].map(lambda v: "" if pd.isna(v) else str(int(v))),
            "Comment": comments["comment"],
        }
    )


SCORECARD_SORTS = ("Name", "Start date")  # plus "Estimate: <outcome label>" for each outcome
MAY_BE_CHANCE = " (may be chance)"  # a call that does not hold with the false discovery rate at 5%


def _comparable(verdict: str, estimate, scale) -> bool:
    """A scorecard cell shows an estimate only when it is a change against comparable areas:
    not when there is none, and not for 'Not enough data' (e.g. before/after with no comparison
    area, which the partnership page shows with its method)."""
    return bool(scale) and verdict != "Not enough data" and not pd.isna(estimate)


SCORECARD_WINDOWS = ("First 12 months after the start", "Latest 12 months")
NO_LATER_WINDOW = "No later window yet"


def latest_window(frame: pd.DataFrame) -> pd.DataFrame:
    """Scorecard rows with the sustained view's verdict and estimate in place of the first
    window's; 'No later window yet' where the latest months are the first ones. The false
    discovery marking belongs to the first window, so it is dropped."""
    later = frame["sustained_verdict"].notna()
    return frame.assign(
        verdict=frame["sustained_verdict"].where(later, NO_LATER_WINDOW),
        estimate=frame["sustained_estimate"],
        ci_low=frame["sustained_ci_low"],
        ci_high=frame["sustained_ci_high"],
        stands=frame["sustained_verdict"].isin(CALLED),
    )


def scorecard_table(frame: pd.DataFrame, sort: str = "Name", window: str = SCORECARD_WINDOWS[0]):
    """Partnerships x outcomes, each cell 'Verdict estimate (low to high)', tinted by
    verdict, for the first 12 months or (`window` = 'Latest 12 months') the sustained view.
    `sort` is one of SCORECARD_SORTS or 'Estimate: <label>' (sorted by the estimate, with the
    interval kept in view: overlapping intervals are not a ranking)."""
    if window == SCORECARD_WINDOWS[1]:
        frame = latest_window(frame)
    doubtful = frame["verdict"].isin(CALLED) & ~frame.get("stands", frame["verdict"].isin(CALLED))
    cells = frame.assign(
        cell=[
            f"{v}{MAY_BE_CHANCE if d else ''} {effect_short({'estimate': e, 'ci': [lo, hi], 'scale': sc})}"
            if _comparable(v, e, sc)
            else v
            for v, d, e, lo, hi, sc in zip(
                frame["verdict"],
                doubtful,
                frame["estimate"],
                frame["ci_low"],
                frame["ci_high"],
                frame["scale"],
                strict=True,
            )
        ]
    )
    labels = list(dict.fromkeys(frame["label"]))
    table = cells.pivot(index=["name", "start_date"], columns="label", values="cell")[labels].reset_index()
    verdicts = cells.pivot(index=["name", "start_date"], columns="label", values="verdict")[
        labels
    ].reset_index()
    if sort == "Start date":
        order = table.sort_values(["start_date", "name"]).index
    elif sort.startswith("Estimate: ") and sort.removeprefix("Estimate: ") in labels:
        label = sort.removeprefix("Estimate: ")
        estimates = cells[cells["label"] == label].set_index("name")["estimate"]
        order = table.assign(_e=table["name"].map(estimates)).sort_values(["_e", "name"]).index
    else:
        order = table.sort_values("name").index
    table, verdicts = table.loc[order].reset_index(drop=True), verdicts.loc[order].reset_index(drop=True)
    table = table.rename(columns={"name": "Partnership", "start_date": "Began"})
    table["Began"] = pd.to_datetime(table["Began"]).dt.strftime("%b %Y")

    def tint(column: pd.Series) -> list[str]:
        if column.name not in labels:
            return [""] * len(column)
        return [f"background-color: {verdict_fill(v)}" for v in verdicts[column.name]]

    return table.style.apply(tint)


# --- The verdict grid: the Overview's first screen ---------------------------------------

# Short headings: seven outcome columns and the names fit beside the sidebar on a laptop.
GRID_HEADINGS = {
    "violent": "Violent",
    "property": "Property",
    "asb": "ASB",
    "other": "Other",
    "trust": "Trust",
    "satisfaction": "Satisfaction",
    "safety": "Safety",
}
# A symbol and a short word per verdict, so that a cell reads the same without its colour.
# The symbols say better or worse, not up or down: for crime, Improved means fewer crimes.
VERDICT_MARKS = {
    verdict: f"{VERDICT_SYMBOLS[verdict]} {word}"
    for verdict, word in (
        (IMPROVED, "Improved"),
        (WORSENED, "Worsened"),
        (NO_CLEAR_CHANGE, "No change"),
        (INCONCLUSIVE, "Unclear"),
        (TOO_EARLY, "Too early"),
        (NOT_ENOUGH, "No data"),
    )
}
CHANCE_MARK = "*"  # a call that does not hold with the false discovery rate at 5%
GRID_LEGEND = (
    "✓ Improved · ✗ Worsened · = No change: no clear change · ? Unclear: inconclusive · "
    "… Too early: too early to tell · – No data: not enough data · * may be chance"
)
_MARK_VERDICTS = {mark: verdict for verdict, mark in VERDICT_MARKS.items()}
_HEADING_OUTCOMES = {heading: outcome for outcome, heading in GRID_HEADINGS.items()}


def chosen_outcomes(frame: pd.DataFrame, crime_groups) -> pd.DataFrame:
    """Scorecard rows of the chosen crime groups and of every survey outcome."""
    return frame[~frame["outcome"].isin(CRIME_OUTCOMES) | frame["outcome"].isin(crime_groups)]


def grid_heading(outcome: str, label: str) -> str:
    return GRID_HEADINGS.get(outcome, label)


def grid_labels(frame: pd.DataFrame) -> dict[str, str]:
    """Each grid heading's full outcome label ('ASB': 'Anti-social behaviour')."""
    return {grid_heading(o, lb): lb for o, lb in zip(frame["outcome"], frame["label"], strict=True)}


def grid_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Scorecard rows as a grid: one row per partnership, by name and indexed by its code,
    with its name under 'Partnership'; one column per outcome, in the frame's order, under
    its GRID_HEADINGS heading. Each cell is the verdict's VERDICT_MARKS text, with CHANCE_MARK
    where an Improved or Worsened call may be chance."""
    doubtful = frame["verdict"].isin(CALLED) & ~frame.get("stands", frame["verdict"].isin(CALLED))
    cells = frame.assign(
        heading=[grid_heading(o, lb) for o, lb in zip(frame["outcome"], frame["label"], strict=True)],
        cell=[
            VERDICT_MARKS.get(v, v) + (CHANCE_MARK if d else "")
            for v, d in zip(frame["verdict"], doubtful, strict=True)
        ],
    )
    headings = list(dict.fromkeys(cells["heading"]))
    grid = cells.pivot(index="code", columns="heading", values="cell").reindex(columns=headings)
    grid = grid.fillna(VERDICT_MARKS[NOT_ENOUGH])  # an outcome that was not evaluated at all
    grid.columns.name = None
    grid.insert(0, "Partnership", cells.drop_duplicates("code").set_index("code")["name"])
    return grid.sort_values("Partnership")


def status_text(portfolio: pd.DataFrame, day) -> str:
    """'On 31 Dec 2021, the period's last day: 6 not yet begun, 4 active, 0 ended.'"""
    counts = portfolio["status"].value_counts()
    said = ", ".join(f"{int(counts.get(s, 0))} {s}" for s in STATUSES)
    return f"On {day_label(day)}, the period's last day: {said}."


def grid_with_status(grid: pd.DataFrame, portfolio: pd.DataFrame) -> pd.DataFrame:
    """`grid_table` with each partnership not active on the period's last day named so
    ('Not yet begun: Eastside', first, so that a narrow column still shows it), its status
    taken from the portfolio's `status`."""
    status = portfolio.set_index("code")["status"]
    named = [
        name if status.get(code, "active") == "active" else f"{status[code].capitalize()}: {name}"
        for code, name in zip(grid.index, grid["Partnership"], strict=True)
    ]
    return grid.assign(Partnership=named)


def grid_style(grid: pd.DataFrame):
    """`grid_table` tinted cell by cell with the verdict's colour (the scorecard's tints)."""

    def tint(cell) -> str:
        verdict = _MARK_VERDICTS.get(str(cell).removesuffix(CHANCE_MARK))
        return f"background-color: {verdict_fill(verdict)}" if verdict else ""

    return grid.style.map(tint, subset=[c for c in grid.columns if c != "Partnership"])


def grid_outcome(frame: pd.DataFrame, code: str, heading: str) -> dict | None:
    """The scorecard record behind one grid cell (partnership `code`, column `heading`),
    shaped for `ui.show.verdict_card`: name, label ('<partnership>: <outcome>'), verdict,
    effect (estimate, interval, scale; None where the scorecard shows none), sentence, and
    notes on chance and on the latest 12 months. None for the 'Partnership' column or a
    cell that is not there."""
    outcome = _HEADING_OUTCOMES.get(heading, heading)
    rows = frame[(frame["code"] == code) & (frame["outcome"] == outcome)]
    if heading == "Partnership" or rows.empty:
        return None
    r = rows.iloc[0]
    effect = (
        {"estimate": r["estimate"], "ci": [r["ci_low"], r["ci_high"]], "scale": r["scale"]}
        if _comparable(r["verdict"], r["estimate"], r["scale"])
        else None
    )
    notes = []
    q = r.get("q_value")
    if r["verdict"] in CALLED and q is not None and not pd.isna(q):
        notes.append(
            "The call stands when every partnership's outcomes are judged together with the share "
            f"of false calls kept to 5% (Benjamini-Hochberg q = {q:.2g})."
            if r.get("stands")
            else "May be chance: with every partnership's outcomes judged together and the share of "
            f"false calls kept to 5%, this call does not hold (Benjamini-Hochberg q = {q:.2g})."
        )
    later = r.get("sustained_verdict")
    if later is not None and not pd.isna(later):
        scale = r["scale"] if not pd.isna(r["sustained_estimate"]) else None
        latest = {
            "estimate": r["sustained_estimate"],
            "ci": [r["sustained_ci_low"], r["sustained_ci_high"]],
            "scale": scale,
        }
        notes.append(
            f"Latest 12 months against the same months before the start: {later}, "
            f"{effect_text(latest if scale else None)}."
        )
    return {
        "code": code,
        "name": r["name"],
        "label": f"{r['name']}: {r['label']}",
        "verdict": r["verdict"],
        "effect": effect,
        "sentence": r["sentence"],
        "notes": notes,
    }


def freshness_table(loaded: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Data": loaded["kind"].map(name_label),
            "Last loaded (UTC)": loaded["loaded_at"].map(moment_label),
            "Latest file": loaded["file_name"],
            "Rows inserted, all loads": loaded["rows"].map(lambda v: f"{int(v):,}"),
        }
    )


def incomplete_table(incomplete: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Month": pd.to_datetime(incomplete["month"]).dt.strftime("%b %Y"),
            "Recorded crimes": incomplete["count"].map(lambda v: f"{int(v):,}"),
            "Typical month": incomplete["typical"].map(lambda v: f"{v:,.0f}"),
            "Share of typical": incomplete["share"].map(lambda v: f"{v:.0%}"),
        }
    )


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "When (UTC)": history["loaded_at"].map(moment_label),
            "Kind": history["kind"].map(name_label),
            "File": history["file_name"],
            "Inserted": history["inserted"],
            "Updated": history["updated"],
            "Unchanged": history["skipped"],
            "By": history["loaded_by"],
            "SHA-256": history["sha256"].fillna("").str[:12],
        }
    )


def problems_table(problems: list, limit: int = 500) -> pd.DataFrame:
    """An import's problems, one per row, as a person fixes them: line, column, value, rule, hint."""
    shown = problems[:limit]
    return pd.DataFrame(
        {
            "Line": [p.line or "file" for p in shown],
            "Column": [p.column for p in shown],
            "Value": [p.value if len(p.value) <= 80 else p.value[:80] + "..." for p in shown],
            "Rule": [p.rule for p in shown],
            "How to fix": [p.suggestion for p in shown],
        }
    ).astype(str)


def rules_table(summary: dict[str, int]) -> pd.DataFrame:
    """Rows affected per rule, largest first."""
    ordered = sorted(summary.items(), key=lambda item: -item[1])
    return pd.DataFrame({"Rule": [r for r, _ in ordered], "Rows": [f"{n:,}" for _, n in ordered]})


AUDIT_HEADINGS = {
    "at": "When (UTC)",
    "actor": "Who",
    "role": "Role",
    "action": "Action",
    "object": "On what",
    "outcome": "Outcome",
    "detail": "Detail",
}


def audit_table(rows: list[tuple]) -> pd.DataFrame:
    """Audit events (tuples in db.audit.COLUMNS order) under plain headings, newest first."""
    frame = pd.DataFrame(rows, columns=list(AUDIT_HEADINGS))
    frame["at"] = frame["at"].map(moment_label)
    frame["detail"] = frame["detail"].fillna("")
    return frame.rename(columns=AUDIT_HEADINGS)


def users_table(rows: list[tuple]) -> pd.DataFrame:
    """(email, role, added by) rows as the Audit page lists who has access."""
    return pd.DataFrame(rows, columns=["Email", "Role", "Added by"]).fillna("")
