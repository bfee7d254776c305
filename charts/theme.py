"""The one look of every Common Ground chart: readable on a projector, colour-blind safe.

Colours are the Okabe-Ito palette (Okabe and Ito 2008), safe for the common
forms of colour blindness; every colour in the app comes from here.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
INK = "#1A1A1A"
GRID = "#D9D9D9"
MUTED = "#595959"  # 7:1 contrast on white: readable for secondary text

SERIES_COLOURS = [
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
]
CRIME_GROUP_COLOURS = {
    "violent": OKABE_ITO["vermillion"],
    "property": OKABE_ITO["blue"],
    "asb": OKABE_ITO["orange"],
    "other": OKABE_ITO["reddish_purple"],
}
CONSTRUCT_COLOURS = {
    "trust": OKABE_ITO["blue"],
    "satisfaction": OKABE_ITO["bluish_green"],
    "safety": OKABE_ITO["reddish_purple"],
    "procedural_justice": OKABE_ITO["orange"],
}
# Map classes. ColorBrewer schemes chosen as colour-blind safe (Brewer, colorbrewer2.org):
# Blues for a score (low to high), purple-orange around "near the city" for a rate.
SEQUENTIAL_5 = ("#EFF3FF", "#BDD7E7", "#6BAED6", "#3182BD", "#08519C")
DIVERGING_5 = ("#5E3C99", "#B2ABD2", "#F7F7F7", "#FDB863", "#E66101")
NO_DATA = "#BDBDBD"  # grey, hatched: never a colour of the scale
OUTSIDE = "#F0F0F0"  # areas drawn for context only
SAND = "#DCCFA8"  # a neutral that is not the no-data grey: "unclear" is not alarming
START_LINE = OKABE_ITO["black"]
EVENT_LINE = MUTED

TEMPLATE_NAME = "commonground"


def band_fill(hex_colour: str, opacity: float = 0.18) -> str:
    """An rgba() of one of the palette's colours, for interval bands."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{opacity})"


def _template() -> go.layout.Template:
    return go.layout.Template(
        layout=go.Layout(
            font={"family": "DejaVu Sans, Arial, sans-serif", "size": 18, "color": INK},
            title={"font": {"size": 24}, "x": 0, "xanchor": "left"},
            colorway=SERIES_COLOURS,
            paper_bgcolor="white",
            plot_bgcolor="white",
            xaxis={
                "showgrid": False,
                "linecolor": INK,
                "linewidth": 2,
                "ticks": "outside",
                "tickfont": {"size": 16},
                "title": {"font": {"size": 18}},
            },
            yaxis={
                "gridcolor": GRID,
                "zeroline": False,
                "linecolor": INK,
                "tickfont": {"size": 16},
                "title": {"font": {"size": 18}},
            },
            # legend under the plot, so it never collides with the title
            legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "font": {"size": 16}},
            margin={"l": 70, "r": 30, "t": 60, "b": 90},
            hoverlabel={"font": {"size": 16}},
        ),
        data={"scatter": [go.Scatter(line={"width": 3}, marker={"size": 8})]},
    )


pio.templates[TEMPLATE_NAME] = _template()


VERDICT_COLOURS = {
    "Improved": OKABE_ITO["bluish_green"],
    "Worsened": OKABE_ITO["vermillion"],
    "No clear change": OKABE_ITO["blue"],
    "Inconclusive": OKABE_ITO["orange"],
    "Too early to tell": OKABE_ITO["reddish_purple"],
}


# On a map a verdict fills a whole area: "Inconclusive" is a neutral sand there (orange beside
# vermillion is hard to tell apart with deuteranopia, and reads as an alarm it is not).
MAP_VERDICT_COLOURS = {**VERDICT_COLOURS, "Inconclusive": SAND}


def verdict_fill(verdict: str) -> str:
    """A light tint per verdict for table cells; black text stays readable on each."""
    return band_fill(VERDICT_COLOURS.get(verdict, MUTED), 0.22)


def text_on(hex_colour: str) -> str:
    """Black or white, whichever reads better on this fill (WCAG relative luminance)."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return INK if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.18 else "#FFFFFF"
