"""What an import found: every problem with its line, column, value and rule, and the counts.

A refused import lists all problems, not just the first; `summary()` counts the
rows affected per rule so a person can see the size of each fix.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_SHOWN_VALUE = 80  # a 10 MB cell is reported by its start, not pasted whole


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based line in the file (the header is line 1); 0 for the file as a whole
    column: str
    value: str
    rule: str
    suggestion: str = ""

    def __str__(self) -> str:
        value = self.value if len(self.value) <= MAX_SHOWN_VALUE else self.value[:MAX_SHOWN_VALUE] + "..."
        where = f"line {self.line}" if self.line else "file"
        text = f"{where}, column {self.column!r}, value {value!r}: {self.rule}"
        return f"{text} ({self.suggestion})" if self.suggestion else text


FORMULA_STARTS = ("=", "+", "-", "@")


def formula_like(value: str) -> bool:
    """True for text a spreadsheet would run as a formula (=, +, - or @ first), except numbers."""
    if not value.startswith(FORMULA_STARTS):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


class ImportRefused(Exception):
    """The file cannot be imported as it is; nothing was written. `problems` says why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(str(p) for p in problems[:3]))


@dataclass
class Report:
    """The outcome of one import (or dry run)."""

    kind: str
    file_name: str
    sha256: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates_dropped: int = 0
    skipped_on_purpose: int = 0  # rows the mapping's [skip] leaves out
    already_imported: bool = False
    dry_run: bool = False
    read_by_columns: bool = False  # a clean incident file, read the quick way (crime_columnar)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems

    def summary(self) -> dict[str, int]:
        """Rows affected per rule."""
        return dict(Counter(p.rule for p in self.problems))

    def text(self, limit: int = 50) -> str:
        """The report as a person reads it on the command line or the Data page."""
        if self.problems:
            lines = [f"REFUSED {self.file_name}: {len(self.problems)} problem(s); nothing was written."]
            lines += [f"  {count} x {rule}" for rule, count in self.summary().items()]
            lines += [f"  - {p}" for p in self.problems[:limit]]
            if len(self.problems) > limit:
                lines.append(f"  ... and {len(self.problems) - limit} more")
            return "\n".join(lines)
        if self.already_imported:
            return f"{self.file_name} was already imported (same SHA-256); nothing changed."
        verb = "would write" if self.dry_run else "imported"
        lines = [
            f"{verb} {self.file_name} ({self.kind}): {self.rows_read:,} rows read, "
            f"{self.inserted:,} inserted, {self.updated:,} updated, {self.skipped:,} unchanged"
            + (
                f", {self.duplicates_dropped:,} exact duplicate rows dropped"
                if self.duplicates_dropped
                else ""
            )
            + (
                f", {self.skipped_on_purpose:,} rows left out by the mapping's [skip] or [rows]"
                if self.skipped_on_purpose
                else ""
            )
            + "."
        ]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)
