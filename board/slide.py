"""One slide of a board deck: what the room sees (title, chart, caption, source line) and
what the packet and the speaker's notes say in full. Every slide builder returns one."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go


@dataclass
class Slide:
    key: str
    title: str
    caption: str  # one or two plain sentences, written from the numbers
    source: str  # one short line on the slide: data source, period, n
    figure: go.Figure | None = None
    data: pd.DataFrame = field(default_factory=pd.DataFrame)  # what the chart draws
    detail: str = ""  # the full source: items, areas, method; in the packet and the speaker's notes

    @property
    def notes(self) -> str:
        """Everything said about the slide's numbers: the short line and its detail."""
        return " ".join(part for part in (self.source, self.detail) if part)
