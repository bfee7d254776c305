"""The filters every metric takes: a frozen, hashable value so results can be cached by it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from db.models import CRIME_GROUPS


@dataclass(frozen=True)
class Filters:
    """What the user chose: a period, optionally one partnership, and crime groups.

    `start` and `end` are inclusive dates; monthly and quarterly figures keep the
    months and quarters that begin inside the period.
    """

    start: date
    end: date
    partnership: str | None = None
    crime_groups: tuple[str, ...] = CRIME_GROUPS

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        unknown = set(self.crime_groups) - set(CRIME_GROUPS)
        if unknown:
            raise ValueError(f"unknown crime group(s): {', '.join(sorted(unknown))}")
