"""Overview: every partnership, side by side, for leadership. First screen: did each work?"""

import streamlit as st

from charts.captions import quarter_label
from charts.figures import latest_score_dots
from metrics.formatting import day_label
from metrics.multiple import chance, chance_sentence
from metrics.registry import metric
from ui import data
from ui.auth import require
from ui.database import database_url
from ui.frame import inside_frame
from ui.groups import city_trust_by_race
from ui.maps import overview_map
from ui.show import chart, nothing_to_show, partnership_link, table, verdict_card, verdict_grid
from ui.tables import (
    GRID_LEGEND,
    SCORECARD_SORTS,
    SCORECARD_WINDOWS,
    chosen_outcomes,
    crime_groups_text,
    grid_labels,
    grid_outcome,
    grid_table,
    grid_with_status,
    portfolio_table,
    scorecard_table,
    status_text,
)

NO_CRIME_GROUP = "No crime group is chosen in the filters"

inside_frame()
user = require("leadership", "Overview")  # before any data is fetched
st.title("Partnerships overview")
filters = st.session_state.get("filters")
if filters is None:
    nothing_to_show("There are no partnerships yet. Load a registry to see them here.")
    st.stop()

design = st.session_state["design"]
verdicts = data.verdicts(database_url(), user.audience, design)
shown = chosen_outcomes(verdicts, filters.crime_groups)  # the scorecard's rows for the chosen groups
st.caption(
    f"Did it work? Verdicts for the first {design.after_months} months after each start, against "
    "comparable areas; Improved: fewer crimes or higher scores."
)
if not filters.crime_groups:
    nothing_to_show(f"{NO_CRIME_GROUP}, so only the survey outcomes are shown.")
frame, surveyed = data.overview(database_url(), user.audience, filters)  # statuses on the period's end
picked = verdict_grid(grid_with_status(grid_table(shown), frame), grid_labels(shown), key="verdict_grid")
st.caption(GRID_LEGEND)
outcome = grid_outcome(shown, *picked) if picked else None
if outcome:
    verdict_card(outcome)
    partnership_link(outcome["code"], outcome["name"], key="open_partnership")
else:
    st.caption("Select a cell for its estimate and interval, and whether the call may be chance.")

groups = crime_groups_text(filters.crime_groups)
st.caption(
    f"{day_label(filters.start)} to {day_label(filters.end)}; crime counts {groups}. Partnerships are listed "
    "by name, not ranked: most differences between them are within the margin of error."
)

clear_down = int((frame["crime_direction"] == "down").sum())
clear_up = int((frame["crime_direction"] == "up").sum())
tiles = st.columns(4)
tiles[0].metric(
    "Active partnerships", int((frame["status"] == "active").sum()), help=status_text(frame, filters.end)
)
tiles[1].metric("Residents surveyed in partnership areas", f"{surveyed:,}")
for tile, label, count in ((tiles[2], "down", clear_down), (tiles[3], "up", clear_up)):
    tile.metric(
        f"Crime clearly {label} (last 12 months)",
        f"{count} of {len(frame)}" if filters.crime_groups else "–",
        help=f"Recorded crimes in {groups}." if filters.crime_groups else f"{NO_CRIME_GROUP}.",
    )

st.subheader("Where they are")
overview_map(database_url(), user, filters, design, shown, frame)  # verdicts, trust or crime rate

left, right = st.columns(2)
for column, construct in ((left, "trust"), (right, "satisfaction")):
    with column:
        shown_scores = frame.dropna(subset=[construct])
        if shown_scores.empty:
            published = frame[f"{construct}_published_value"].notna().any()
            nothing_to_show(
                f"No resident answered the {construct} questions in this period."
                + (" Published figures are in the table below." if published else "")
            )
            continue
        label = metric(construct).label
        quarters = sorted({quarter_label(q) for q in shown_scores[f"{construct}_quarter"]})
        chart(
            latest_score_dots(frame, construct, f"{label}: latest quarter"),
            f"Source: resident survey, {', '.join(quarters)}; n = "
            f"{int(shown_scores[f'{construct}_n'].min())} to {int(shown_scores[f'{construct}_n'].max())} "
            "residents per partnership. Dot: weighted mean on 0-100; bar: 95% interval.",
            key=f"overview_{construct}",
        )

city_trust_by_race(database_url(), user, filters)  # groups: city-wide trust by race or ethnicity

st.subheader("Did it work? Verdicts with their estimates")
sorts = list(SCORECARD_SORTS) + [f"Estimate: {label}" for label in dict.fromkeys(shown["label"])]
left, right = st.columns(2)
window = left.radio("Window", SCORECARD_WINDOWS, key="scorecard_window", horizontal=True)
order = right.selectbox("Sort by", sorts, key="scorecard_sort")
table(scorecard_table(shown, order, window), "scorecard")
st.markdown(
    chance_sentence(chance(verdicts))
    + " (First 12 months after the start"
    + ("" if len(shown) == len(verdicts) else ", every outcome, including crime groups not shown")
    + ".)"
)
st.caption(
    "Each cell: the verdict for the chosen window, the change against comparable areas and, in "
    "brackets, its 95% interval (crime in %, surveys in points on 0-100). No clear change: the interval "
    "rules out a change of 10% (crime) or 3 points (surveys) either way. Inconclusive: it does not. "
    "Latest 12 months: the latest 12 months of data against the same 12 months before the start. "
    "Sorting by an estimate is not a ranking: where intervals overlap, the difference between "
    "partnerships may be chance. Methods are explained in docs/methods.md."
)

st.subheader("Portfolio")
table(portfolio_table(frame, crime=bool(filters.crime_groups)), "portfolio")
st.caption(
    f"Status: on {day_label(filters.end)}, the period's last day. "
    "Trust and satisfaction: latest quarter's weighted mean on 0-100 ± its 95% margin, with the number "
    "of residents asked. "
    + (
        f"Crime: recorded crimes in {groups}, last 12 months against the 12 before; 'clearly' means the "
        "Poisson test finds the change unlikely to be chance (5% level)."
        if filters.crime_groups
        else f"{NO_CRIME_GROUP}, so the table has no crime column."
    )
)
