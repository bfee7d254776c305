"""Partnership: one partnership's partners, places, resident perception, crime and activity."""

import streamlit as st

from charts.captions import crime_source, evaluation_source, published_source, survey_source
from charts.figures import (
    activity_bars,
    crime_trend,
    evaluation_chart,
    partners_by_sector,
    published_trend,
    score_trend,
)
from metrics.formatting import day_label, name_label
from metrics.registry import CRIME_GROUP_LABELS, metric
from ui import data
from ui.auth import require
from ui.database import database_url
from ui.equity import equity_cards, equity_chart
from ui.filters import show_in_address
from ui.frame import inside_frame
from ui.groups import partnership_groups
from ui.initiatives import initiatives_section
from ui.maps import comparison_areas, crime_rate_map, places_map
from ui.perception import perception_section
from ui.plain import plain
from ui.show import board_downloads, chart, nothing_to_show, table, verdict_card
from ui.tables import areas_table, comments_table, members_table, ratings_table
from ui.themes import themes_section
from ui.voice import who_decides_section, you_said_section

inside_frame()
user = require("leadership", "Partnership")  # before any data is fetched
filters = st.session_state.get("filters")
if filters is None:
    st.title("Partnership")
    nothing_to_show("There are no partnerships yet. Load a registry to see them here.")
    st.stop()

show_in_address(filters.partnership)
url = database_url()
profile = data.profile(url, user.audience, filters, filters.partnership)
details = profile["details"]
st.title(plain(details["name"]))
st.markdown(f"**Began {day_label(details['start_date'])}** · {name_label(details['status'])}")
if details["description"]:
    st.markdown(plain(details["description"]))
if details["goals"]:
    st.markdown(f"**Goals:** {plain(details['goals'])}")
st.page_link(
    "pages/present.py",
    label="Present this partnership to a board (public slides)",
    icon=":material/slideshow:",
    query_params={"p": filters.partnership},
)
with st.expander("Board packet with every number (leadership only)", icon=":material/lock:"):
    st.caption(
        "The same slides as the public packet, without suppression: small counts and small survey "
        "groups shown with their n. Not for a public meeting."
    )
    board_downloads(url, filters.partnership, user, "leadership")

st.header("Did it work?")
design = st.session_state["design"]
outcomes = filters.crime_groups + ("trust", "satisfaction", "safety")
result = data.evaluation(url, user.audience, filters.partnership, design, outcomes)
st.caption(
    f"Each outcome compares {design.before_months} months before the start with "
    f"{design.after_months} months after it"
    + (f", leaving out {design.exclude_months} ramp-up months" if design.exclude_months else "")
    + ", against comparable areas without a partnership. Change the design under 'Evaluation design'."
)
cards = st.columns(4)
for i, outcome in enumerate(result["outcomes"]):
    with cards[i % 4]:
        verdict_card(outcome)
equity_cards(result["equity"])
charted = [o for o in result["outcomes"] if o.get("series")]
if charted:
    labels = {o["outcome"]: o["label"] for o in charted}
    shown = st.selectbox(
        "Crime group on the chart", list(labels), format_func=labels.__getitem__, key="eval_chart"
    )
    outcome = next(o for o in charted if o["outcome"] == shown)
    chart(
        evaluation_chart(
            outcome["series"],
            f"{outcome['label']}: partnership area against comparison areas",
            outcome["windows"],
            details["start_date"],
        ),
        evaluation_source(outcome),
        key="evaluation_chart",
    )

st.header("Who is in it, and where")
compared = comparison_areas(result)  # the comparison areas of one outcome, named on both maps
places = places_map(url, user, filters.partnership, details["name"], compared)
left, right = st.columns([3, 2])
with left:
    if profile["members"].empty:
        nothing_to_show("No member organisations are recorded for this partnership.")
    else:
        chart(
            partners_by_sector(profile["members"], "Partners by sector"),
            "Source: partnership registry.",
            key="partners_by_sector",
        )
with right:
    table(members_table(profile["members"]), f"{filters.partnership}-members")
    table(areas_table(profile["areas"]), f"{filters.partnership}-areas")

st.header("What residents say")
scores = data.scores(url, user.audience, filters)
published = data.published(url, user.audience, filters)
wording = data.wording(url, user.audience)
columns = st.columns(2)
for i, construct in enumerate(("trust", "satisfaction", "safety", "procedural_justice")):
    rows = scores[scores["construct"] == construct]
    label = metric(construct).label
    with columns[i % 2]:
        aggregate = published[published["construct"] == construct]
        if rows.empty and not aggregate.empty:
            chart(
                published_trend(aggregate, label, construct, details["start_date"], profile["events"]),
                published_source(aggregate, wording.get(construct, [])),
                key=f"published_{construct}",
            )
            continue
        if rows.empty:
            nothing_to_show(
                f"No resident of these areas answered the {label.lower()} questions in this period."
            )
            continue
        chart(
            score_trend(rows, label, construct, details["start_date"], profile["events"]),
            survey_source(rows, wording.get(construct, [])),
            key=f"score_{construct}",
        )

st.header("Who trusts, and who doesn't")
partnership_groups(url, user, filters, details["name"])  # groups: breakdown by group, benchmarks
equity_chart(data.equity_trend(url, user.audience, filters.partnership, design), result["equity"])

st.header("Recorded crime")
measure = st.radio(
    "Show",
    options=["count", "rate_per_1000"],
    format_func={"count": "Counts", "rate_per_1000": "Rate per 1,000 residents"}.__getitem__,
    horizontal=True,
    key="crime_measure",
)
monthly = data.crime(url, user.audience, filters)
if monthly.empty or not filters.crime_groups:
    nothing_to_show("No recorded crime in this partnership's areas for the chosen period and groups.")
elif measure == "rate_per_1000" and monthly["population"].isna().all():
    nothing_to_show("Rates need the areas' population, which is not recorded; showing counts is possible.")
else:
    groups = [CRIME_GROUP_LABELS[g].lower() for g in filters.crime_groups]
    chart(
        crime_trend(
            monthly,
            metric("crime_count" if measure == "count" else "crime_rate").label,
            measure,
            details["start_date"],
            profile["events"],
        ),
        crime_source(monthly, groups, measure),
        key="crime_trend",
    )
crime_rate_map(url, user, filters, places, compared.outcome, key="partnership_rate_map")  # its places edged

st.header("What partners and officers say")
perception_section(url, user.audience, filters)
ratings, comments = profile["ratings"], profile["comments"]
if ratings.empty and comments.empty:
    nothing_to_show("No feedback from partners or officers is recorded in this period.")
else:
    if not ratings.empty:
        table(ratings_table(ratings), f"{filters.partnership}-ratings")
        st.caption(
            "Source: partner and officer feedback forms; overall rating of the partnership, 1 (poor) "
            "to 5 (excellent). Interval: mean +/- 1.96 standard errors; with a handful of replies it is wide."
        )
    if not comments.empty:
        st.markdown(f"**Comments** ({len(comments)}, newest first). Confidential: leadership only.")
        table(comments_table(comments), f"{filters.partnership}-comments")

st.header("What people write")
themes_section(url, user, filters, filters.partnership, details["start_date"])

st.header("You said, we did")
you_said_section(url, user, filters.partnership, design)

st.header("Who decides?")
who_decides_section(url, user, filters.partnership, (filters.start, filters.end))

st.header("Did its initiatives work?")
initiatives_section(url, user, filters.partnership, design)  # initiatives: each judged on its own target
if profile["activity"].empty:
    nothing_to_show("No meetings or activities are recorded in this period.")
else:
    chart(
        activity_bars(profile["activity"], "Meetings held and attendance, by quarter"),
        "Source: partnership activity log.",
        key="activity",
    )
