"""Presentation: one partnership's slides for a board meeting, at a URL a presenter can
bookmark (/present?p=CODE&slide=N). Always the public version: the slides are built
with the public rules when their numbers are fetched, not by hiding parts of a page."""

import streamlit as st

from charts.board import slide_figure
from metrics.publish import csv_bytes
from ui import data
from ui.auth import require
from ui.database import database_url
from ui.frame import inside_frame
from ui.show import board_downloads

inside_frame()
user = require("public", "Present")  # before any data is fetched
url = database_url()
plist = data.partnerships(url, "public")
if plist.empty:
    st.info("There are no partnerships yet. Load a registry to present one.")
    st.stop()
codes = list(plist["code"])
code = st.query_params.get("p", codes[0])
if code not in codes:
    st.error(f"No partnership with the code {code!r}. Pick one from the list below.")
    code = st.selectbox("Partnership", codes, format_func=dict(zip(codes, plist["name"], strict=True)).get)
deck = data.deck(url, "public", code)
total = len(deck.slides)
try:
    number = min(max(int(st.query_params.get("slide", "1")), 1), total)
except ValueError:
    number = 1


def go_to(slide: int) -> None:
    st.query_params.update({"p": code, "slide": str(slide)})


slide = deck.slides[number - 1]
st.plotly_chart(
    # 960 px tall: with the page's top margin the whole slide fits a 1080-line projector
    slide_figure(slide.figure, slide.title, slide.caption, slide.source, number, total, height=960),
    key=f"slide_{code}_{number}",
    config={"displayModeBar": False, "responsive": True},
    theme=None,
)
back, where, forward = st.columns([1, 2, 1], vertical_alignment="center")
back.button(
    "Previous",
    icon=":material/arrow_back:",
    shortcut="Left",
    disabled=number == 1,
    on_click=go_to,
    args=(number - 1,),
    key="slide_previous",
)
where.markdown(f"**{deck.name}**: slide {number} of {total}. Arrow keys move between slides.")
forward.button(
    "Next",
    icon=":material/arrow_forward:",
    shortcut="Right",
    disabled=number == total,
    on_click=go_to,
    args=(number + 1,),
    key="slide_next",
)
st.download_button(
    "This slide's data (CSV)",
    data=csv_bytes(slide.data),
    file_name=f"{code}-slide-{number}-{slide.key}.csv",
    mime="text/csv",
    icon=":material/download:",
    type="tertiary",
    on_click="ignore",
    key="slide_csv",
)
board_downloads(url, code, user, "public")
