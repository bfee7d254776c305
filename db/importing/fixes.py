"""The mapping changes a refusal names: the exact line a person adds to a mapping to fix a
problem, worded once here for every kind that refuses the same way (crime, partnerships,
the small record kinds)."""

from __future__ import annotations

import difflib
import json

from db.importing.mapping import Mapping, toml_string
from db.importing.report import MAX_SHOWN_VALUE


def shown(value: str) -> str:
    """`value` as a suggestion quotes it: a huge cell by its start, as the problem shows it."""
    return value if len(value) <= MAX_SHOWN_VALUE else value[:MAX_SHOWN_VALUE] + "..."


def _toml_list(values: list[str]) -> str:
    return json.dumps(values, ensure_ascii=False)


def skip_fix(mapping: Mapping, field: str, value: str) -> str:
    """The [skip] line that leaves rows with `value` out (counted in the report)."""
    listed = [*mapping.skip.get(field, ()), shown(value)]
    return f"leave its rows out with [skip] {field} = {_toml_list(listed)}"


def present_fix(mapping: Mapping, column: str) -> str:
    """The change that leaves rows with `column` blank out (counted in the report)."""
    present = [*mapping.rows.get("present", ()), column]
    return f"leave rows without one out with [rows] present = {_toml_list(present)}"


def unknown_area_fix(mapping: Mapping, text: str, suggestion: str) -> str:
    """An area lookup's `suggestion` for an unknown area `text`, then the mapping changes:
    an alias, or leaving the rows out."""
    fix = suggestion
    if "[area_aliases]" not in fix:
        alias = f'{toml_string(shown(text))} = "an area\'s name or code"'
        fix += f"; or say which area it is under [area_aliases]: {alias}"
    return f"{fix}; or {skip_fix(mapping, 'area', text)}"


def values_fix(field: str, text: str, choices: tuple[str, ...]) -> str:
    """The [values] line that makes a file's own word `text` one of a choice field's words:
    the closest word, else the first."""
    close = difflib.get_close_matches(text.casefold(), choices, n=1, cutoff=0.4)
    word = close[0] if close else choices[0]
    line = f"{toml_string(shown(text))} = {toml_string(word)}"
    return f"translate it in the mapping: [values.{field}] {line} (or another of those words)"


def groups_fix(code: str, groups: tuple[str, ...]) -> str:
    """The [groups] line that puts an offence category `code` in a group, naming every group."""
    others = ", ".join(toml_string(g) for g in groups[1:])
    return f"add {toml_string(shown(code))} = {toml_string(groups[0])} (or {others}) under [groups]"
