"""Text from the data or from the address, shown as the words it is.

Streamlit reads Markdown in titles, captions, alerts, buttons and labels: links, images,
LaTeX, colour directives and bare addresses would all come alive from a partnership's
name or an imported description, and a viewer's browser would fetch an image from
wherever the text said. `plain()` escapes every character Markdown (and Streamlit's
extensions to it) gives a meaning, so the text reads exactly as written. Direction
overrides are dropped, so a name cannot show its characters in another order than
they are stored. Every value that did not come from this code goes through it before a
Markdown-reading element draws it.
"""

from __future__ import annotations

import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping
# them all also stops Streamlit's own syntax (:red[...], :material/icon:, $LaTeX$).
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")
# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069).
_DIRECTION = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Bare addresses are turned into links after escapes are read (GFM's autolink literals
# work on the parsed text), so an invisible word joiner breaks the patterns they look
# for: "://", "www." and the "@" of an email address.
_JOINER = "\u2060"
_ADDRESS = re.compile(r"(://|(?i:www)(?=\.)|@)")


def plain(value: object) -> str:
    """`value` as text that any Markdown-reading element shows literally."""
    text = _DIRECTION.sub("", str(value))
    text = _ADDRESS.sub(lambda found: _joined(found.group(0)), text)
    return _PUNCTUATION.sub(r"\\\1", text)


def _joined(pattern: str) -> str:
    return f":{_JOINER}//" if pattern == "://" else f"{_JOINER}{pattern}"
