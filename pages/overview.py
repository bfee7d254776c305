"""Overview: every partnership, side by side, for leadership."""

import streamlit as st

from charts.captions import quarter_label
from charts.figures import latest_score_dots
from metrics.multiple import chance, chance_sentence
from metrics.registry import metric
from ui import data
from ui.auth import require
from ui.database import database_url
from ui.frame import inside_frame
from ui.show import chart, nothing_to_show
from ui.tables import SCORECARD_SORTS, SCORECARD_WINDOWS, portfolio_table, scorecard_table

inside_frame()
user = require("leadership", "Overview")  # before any data is fetched
st.title("Partnerships overview")
filters = st.session_state.get("filters")
if filters is None:
    nothing_to_show("There are no partnerships yet. Load a registry to see them here.")
    st.stop()

frame, surveyed = data.overview(database_url(), user.audience, filters)
st.caption(
    f"{filters.start:%d %b %Y} to {filters.end:%d %b %Y}. Partnerships are listed by name, not ranked: "
    "most differences between them are within the margin of error."
)

clear_down = int((frame["crime_direction"] == "down").sum())
clear_up = int((frame["crime_direction"] == "up").sum())
tiles = st.columns(4)
tiles[0].metric("Active partnerships", int((frame["status"] == "active").sum()))
tiles[1].metric("Residents surveyed in partnership areas", f"{surveyed:,}")
tiles[2].metric("Crime clearly down (last 12 months)", f"{clear_down} of {len(frame)}")
tiles[3].metric("Crime clearly up (last 12 months)", f"{clear_up} of {len(frame)}")

left, right = st.columns(2)
for column, construct in ((left, "trust"), (right, "satisfaction")):
    with column:
        shown = frame.dropna(subset=[construct])
        if shown.empty:
            published = frame[f"{construct}_published_value"].notna().any()
            nothing_to_show(
                f"No resident answered the {construct} questions in this period."
                + (" Published figures are in the table below." if published else "")
            )
            continue
        label = metric(construct).label
        quarters = sorted({quarter_label(q) for q in shown[f"{construct}_quarter"]})
        chart(
            latest_score_dots(frame, construct, f"{label}: latest quarter"),
            f"Source: resident survey, {', '.join(quarters)}; n = "
            f"{int(shown[f'{construct}_n'].min())} to {int(shown[f'{construct}_n'].max())} residents "
            "per partnership. Dot: weighted mean on 0-100; bar: 95% interval.",
            key=f"overview_{construct}",
        )

st.subheader("Did it work? Verdicts by outcome")
verdicts = data.verdicts(database_url(), user.audience, st.session_state["design"])
sorts = list(SCORECARD_SORTS) + [f"Estimate: {label}" for label in dict.fromkeys(verdicts["label"])]
left, right = st.columns(2)
window = left.radio("Window", SCORECARD_WINDOWS, key="scorecard_window", horizontal=True)
order = right.selectbox("Sort by", sorts, key="scorecard_sort")
st.dataframe(scorecard_table(verdicts, order, window), hide_index=True)
st.markdown(chance_sentence(chance(verdicts)) + " (First 12 months after the start.)")
st.caption(
    "Each cell: the verdict for the chosen window, the change against comparable areas and, in "
    "brackets, its 95% interval (crime in %, surveys in points on 0-100). No clear change: the interval "
    "rules out a change of 10% (crime) or 3 points (surveys) either way. Inconclusive: it does not. "
    "Latest 12 months: the latest 12 months of data against the same 12 months before the start. "
    "Sorting by an estimate is not a ranking: where intervals overlap, the difference between "
    "partnerships may be chance. Methods are explained in the README."
)

st.subheader("Portfolio")
st.dataframe(portfolio_table(frame), hide_index=True)
st.caption(
    "Trust and satisfaction: latest quarter's weighted mean on 0-100 ± its 95% margin, with the number "
    "of residents asked. Crime: recorded crimes in the selected groups, last 12 months against the 12 "
    "before; 'clearly' means the Poisson test finds the change unlikely to be chance (5% level)."
)
