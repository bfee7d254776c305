"""Presentation: one partnership's slides for a board meeting, at a URL a presenter can
bookmark (/present?p=CODE&slide=N). Always the public version: the slides are built
with the public rules when their numbers are fetched, not by hiding parts of a page.

Each slide is a 1920x1080 picture (the same one the packet and the PNG export carry),
sized to fit the window (ui/slides.py), with the buttons under it: nothing to scroll,
from a 1280x720 laptop to a 4K screen."""

import streamlit as st

from db.users import may
from metrics.publish import csv_bytes
from ui import data
from ui.auth import account_controls, require
from ui.database import database_url
from ui.frame import inside_frame, presenting
from ui.show import board_downloads
from ui.slides import SLIDE_KEY, fit_slides_to_the_window

inside_frame()
user = require("public", "Present")  # before any data is fetched
fit_slides_to_the_window()
url = database_url()
plist = data.partnerships(url, "public")
if plist.empty:
    st.info("There are no partnerships yet. Load a registry to present one.")
    st.stop()
codes = list(plist["code"])
names = dict(zip(codes, plist["name"], strict=True))
code = st.query_params.get("p", codes[0])
if code not in codes:
    st.error("There is no partnership with the code in this link. Pick one:")
    code = st.selectbox("Partnership", codes, format_func=names.get)
version = data.version(url)
deck = data.deck(url, "public", code, version)
total = len(deck.slides)
try:
    number = min(max(int(st.query_params.get("slide", "1")), 1), total)
except ValueError:
    number = 1


def go_to(slide: int) -> None:
    st.query_params.update({"p": code, "slide": str(slide)})


slide = deck.slides[number - 1]
with st.container(key=SLIDE_KEY), st.spinner("Drawing the slide..."):
    # a picture for the room: nobody can hover on a wall, and a stray click zooms nothing
    st.image(data.slide_picture(url, "public", code, number, version), width="stretch")
with st.container(horizontal=True, vertical_alignment="center", key="slide_navigation"):
    st.button(
        "Previous",
        icon=":material/arrow_back:",
        shortcut="Left",
        disabled=number == 1,
        on_click=go_to,
        args=(number - 1,),
        key="slide_previous",
    )
    st.button(
        "Next",
        icon=":material/arrow_forward:",
        shortcut="Right",
        disabled=number == total,
        on_click=go_to,
        args=(number + 1,),
        key="slide_next",
    )
    st.markdown(f"Slide {number} of {total}. Arrow keys move between slides.", width="content")
    with st.popover("Downloads", icon=":material/download:"):
        st.download_button(
            "This slide's data (CSV)",
            data=csv_bytes(slide.data),
            file_name=f"{code}-slide-{number}-{slide.key}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key="slide_csv",
        )
        board_downloads(url, code, user, "public")
    if may(user.role, "leadership"):
        st.page_link("pages/overview.py", label="Back to the dashboard", icon=":material/dashboard:")
    if presenting() or not may(user.role, "leadership"):  # else the frame draws them in the sidebar
        account_controls(user, st)
