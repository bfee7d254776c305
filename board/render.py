"""Charts drawn to pictures by kaleido, in one Chromium for the whole server process.

Starting Chromium takes seconds and each picture then a fraction of one, so the browser
is started on first use and kept; a lock lets one picture be drawn at a time, because
the export and the Present page may ask from different sessions at once.
"""

from __future__ import annotations

import atexit
import threading
import warnings

import plotly.graph_objects as go
import plotly.io as pio

from charts.theme import TEMPLATE_NAME

_lock = threading.Lock()
_started = False


def _stop() -> None:
    import kaleido

    kaleido.stop_sync_server(silence_warnings=True)


def picture(fig: go.Figure, width: int, height: int, fmt: str = "png") -> bytes:
    """`fig` drawn at `width` x `height` pixels as png or svg."""
    global _started
    fig = go.Figure(fig).update_layout(template=TEMPLATE_NAME, width=width, height=height)
    with _lock:
        if not _started:
            import kaleido

            kaleido.start_sync_server(silence_warnings=True)
            atexit.register(_stop)
            _started = True
        with warnings.catch_warnings():  # plotly notes that a running server ignores kaleido options
            warnings.simplefilter("ignore", UserWarning)
            return pio.to_image(fig, format=fmt, width=width, height=height)
