"""What an import found: problems with their line, column, value and rule, and the counts.

A refused import keeps the first `KEPT_PROBLEMS` problems and counts every one by rule,
exactly, so a person sees the size of each fix and a file of ten million bad rows costs
no more memory than one of a thousand.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

MAX_SHOWN_VALUE = 80  # a 1 MB cell is reported by its start, not pasted whole
MAX_KEPT_VALUE = 200  # what a kept problem holds of its value
KEPT_PROBLEMS = 1_000
EXAMPLES_PER_RULE = 5  # problems of each rule shown first when a report is printed
MAPPING_RULE = "mapping: "  # how the rule of a problem with the mapping itself starts


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based line in the file (the header is line 1); 0 for the file as a whole
    column: str
    value: str
    rule: str
    suggestion: str = ""

    def __str__(self) -> str:
        value = self.value if len(self.value) <= MAX_SHOWN_VALUE else self.value[:MAX_SHOWN_VALUE] + "..."
        if not self.line and self.rule.startswith(MAPPING_RULE):  # a key of the mapping, not the file
            key = f", key {self.column!r}" if self.column else ""
            text = f"mapping{key}, value {value!r}: {self.rule.removeprefix(MAPPING_RULE)}"
        else:
            where = f"line {self.line}" if self.line else "file"
            text = f"{where}, column {self.column!r}, value {value!r}: {self.rule}"
        return f"{text} ({self.suggestion})" if self.suggestion else text


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_RULE = "text starting with =, +, -, @, tab or carriage return (a spreadsheet formula)"
NUL_RULE = "text holding a NUL byte (\\x00), which a database cannot store"


def formula_like(value: str) -> bool:
    """True for text a spreadsheet would run as a formula (=, +, -, @, tab or CR first),
    except numbers: -12.5 is a number, not a formula."""
    if not value.startswith(FORMULA_STARTS):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


def text_rule(value: str, limit: int | None = None) -> str:
    """The rule `value` breaks as text to store (a formula, a NUL byte, longer than the
    column's `limit` characters), or '' when it may be stored as it is."""
    if formula_like(value):
        return FORMULA_RULE
    if "\x00" in value:
        return NUL_RULE
    if limit is not None and len(value) > limit:
        return f"longer than the column's limit of {limit:,} characters"
    return ""


def text_limit(model, column: str) -> int | None:
    """The length limit of `model`'s text column (None for unlimited text)."""
    return getattr(model.__table__.c[column].type, "length", None)


class Problems(list):
    """The first `keep` problems, and an exact count of every problem by rule."""

    def __init__(self, problems=(), keep: int = KEPT_PROBLEMS, counts: dict[str, int] | None = None):
        super().__init__()
        self.keep = keep
        self.counts: Counter = Counter()
        self.extend(problems)
        self.counts.update(counts or {})

    def append(self, problem: Problem) -> None:
        self.counts[problem.rule] += 1
        if len(self) < self.keep:
            if len(problem.value) > MAX_KEPT_VALUE:
                problem = replace(problem, value=problem.value[:MAX_KEPT_VALUE] + "...")
            super().append(problem)

    def extend(self, problems) -> None:
        for problem in problems:
            self.append(problem)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __reduce__(self):  # pickled whole (an import's report comes back from a child process)
        return (_problems, (list(self), self.keep, dict(self.counts)))


def _problems(kept: list[Problem], keep: int, counts: dict[str, int]) -> Problems:
    problems = Problems(keep=keep)
    list.extend(problems, kept)
    problems.counts.update(counts)
    return problems


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
    duplicates_kept: int = 0  # duplicates = "keep": exact duplicate rows written as they came
    # rows whose key (an incident id; an area, offence and month; an area code) came earlier in the
    # file, what that key is called, into how many distinct keys they fell, and what became of them
    repeats: int = 0
    repeated_key: str = "incident id"
    repeated_into: int = 0
    repeats_policy: str = "sum"  # sum (counts added) | first (the first row kept)
    # offence categories this import moved to another group: (source code, old group, new group)
    regrouped: list[tuple[str, str, str]] = field(default_factory=list)
    skipped_on_purpose: int = 0  # rows the mapping's [skip] or [rows] leaves out
    skips: Counter = field(default_factory=Counter)  # "[skip] area" -> rows it left out
    already_imported: bool = False
    dry_run: bool = False
    read_by_columns: bool = False  # a clean incident file, read the quick way (crime_columnar)
    problems: Problems = field(default_factory=Problems)
    notes: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.problems

    @property
    def problem_count(self) -> int:
        """Every problem found, including those beyond the first KEPT_PROBLEMS kept."""
        return self.problems.total if isinstance(self.problems, Problems) else len(self.problems)

    def summary(self) -> dict[str, int]:
        """Problems per rule, exact (counted beyond the ones kept)."""
        if isinstance(self.problems, Problems):
            return dict(self.problems.counts)
        return dict(Counter(p.rule for p in self.problems))

    def kept_note(self) -> str:
        """'the first 1,000 of N problems are listed' when not every problem was kept, else ''."""
        kept, total = len(self.problems), self.problem_count
        if kept >= total:
            return ""
        return f"The first {kept:,} of {total:,} problems are kept and listed; the counts per rule are exact."

    def regrouped_text(self) -> list[str]:
        """'offence 'X' moved from property to violent', one per category moved."""
        verb = "would move" if self.dry_run else "moved"
        return [f"offence {code!r} {verb} from {old} to {new}" for code, old, new in self.regrouped]

    def repeats_text(self) -> str:
        """What the rows repeating an earlier key became, in words, or '' when none did."""
        n = self.repeats
        if not n:
            return ""
        if self.repeated_key == "area code":
            return f"{_counted(n, 'repeated area code')} (rows naming an area already read) left out"
        if self.repeated_key == "incident id":
            rows = f"{_counted(n, 'row')} {'repeats' if n == 1 else 'repeat'} an earlier incident id"
            into = _counted(self.repeated_into, "incident")
        else:  # a wide file: a count per area, offence and month
            rows = (
                f"{_counted(n, 'count')} {'repeats' if n == 1 else 'repeat'} an earlier {self.repeated_key}"
            )
            into = _counted(self.repeated_into, "cell")
        if self.repeats_policy == "first":
            return f"{rows} (left out: the first row of each of {into} kept)"
        return f"{rows} (summed into {into})"

    def skip(self, field_name: str, rows: int = 1) -> None:
        """Count `rows` the mapping's [skip] entry for `field_name` left out."""
        self.skipped_on_purpose += rows
        self.skips[f"[skip] {field_name}"] += rows

    def examples(self, limit: int = 50) -> list[Problem]:
        """At most `limit` problems to show, in the file's order, with up to EXAMPLES_PER_RULE
        of each rule first: a file refused for a thousand unknown areas and a date format
        shows the date format's fix too, not fifty lines of the same area's."""
        per_rule: Counter = Counter()
        first = []
        for problem in self.problems:
            if per_rule[problem.rule] < EXAMPLES_PER_RULE:
                per_rule[problem.rule] += 1
                first.append(problem)
        taken = set(first)
        rest = [p for p in self.problems if p not in taken] if len(first) < limit else []
        chosen = set(first[:limit] + rest[: limit - len(first)])
        return [p for p in self.problems if p in chosen][:limit]

    def text(self, limit: int = 50) -> str:
        """The report as a person reads it on the command line or the Data page."""
        if self.problems:
            total = self.problem_count
            lines = [f"REFUSED {self.file_name}: {total:,} problem(s); nothing was written."]
            lines += [f"  {count:,} x {rule}" for rule, count in self.summary().items()]
            if self.kept_note():
                lines.append(f"  {self.kept_note()}")
            shown = self.examples(limit)
            lines += [f"  - {p}" for p in shown]
            if total > len(shown):
                lines.append(f"  ... and {total - len(shown):,} more")
            return "\n".join(lines)
        if self.already_imported:
            return (
                f"{self.file_name} was already imported with this mapping (same SHA-256, same mapping); "
                "nothing changed."
            )
        verb = "would write" if self.dry_run else "imported"
        lines = [
            f"{verb} {self.file_name} ({self.kind}): {self.rows_read:,} rows read, "
            f"{self.inserted:,} inserted, {self.updated:,} updated, {self.skipped:,} unchanged"
            + (
                f", {_counted(self.duplicates_dropped, 'exact duplicate row')} dropped"
                if self.duplicates_dropped
                else ""
            )
            + (
                f", {_counted(self.duplicates_kept, 'exact duplicate row')} kept"
                if self.duplicates_kept
                else ""
            )
            + (f", {self.repeats_text()}" if self.repeats else "")
            + (
                f", {self.skipped_on_purpose:,} rows left out by the mapping's [skip] or [rows]"
                if self.skipped_on_purpose
                else ""
            )
            + "."
        ]
        lines += [f"  {move}" for move in self.regrouped_text()]
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  note: {_counted(n, 'row')} left out by {rule}" for rule, n in self.skips.items()]
        return "\n".join(lines)


def _counted(n: int, thing: str) -> str:
    """'1 incident', '2,406 incidents'."""
    return f"{n:,} {thing}" if n == 1 else f"{n:,} {thing}s"
