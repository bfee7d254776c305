"""Publishing safely: the public rules of domain.md section 6, as plain functions.

Every public output (the presentation, the board packet, its CSVs) passes its numbers
through these functions when they are fetched, so nothing unsafe reaches a page to be
hidden there. Leadership outputs skip them and show every number with its n.

- counts: a count from 1 to SMALL_COUNT (10) is never shown; 0 is. When a group of
  cells is published with its total, one suppressed cell could be worked out from the
  total and the others, so the smallest other cell is suppressed too (complementary
  suppression); if the total itself would then give the pair's sum away, nothing is lost
  because two unknowns cannot be separated.
- rates: a rate whose numerator is 20 or fewer is flagged as unstable.
- survey cells: an estimate from fewer than 30 respondents is hidden; 30 to 59, or a
  relative standard error of 30% or more, is flagged.
- demographic breakdowns: a group with fewer than 50 respondents is hidden.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SMALL_COUNT = 10  # counts 1..SMALL_COUNT are suppressed
UNSTABLE_NUMERATOR = 20
SURVEY_HIDE_BELOW = 30
SURVEY_FLAG_BELOW = 60
SURVEY_FLAG_RSE = 0.30
GROUP_HIDE_BELOW = 50
FEWER_THAN = f"fewer than {SMALL_COUNT + 1}"


@dataclass(frozen=True)
class Rules:
    """The thresholds in force; public by default. Leadership uses `Rules.none()`."""

    small_count: int = SMALL_COUNT
    unstable_numerator: int = UNSTABLE_NUMERATOR
    survey_hide_below: int = SURVEY_HIDE_BELOW
    survey_flag_below: int = SURVEY_FLAG_BELOW
    survey_flag_rse: float = SURVEY_FLAG_RSE
    group_hide_below: int = GROUP_HIDE_BELOW
    public: bool = True

    @staticmethod
    def none() -> Rules:
        """No suppression (leadership): every number shown with its n."""
        return Rules(0, 0, 0, 0, math.inf, 0, public=False)


PUBLIC = Rules()
LEADERSHIP = Rules.none()


def is_small(count: int | None, rules: Rules = PUBLIC) -> bool:
    return count is not None and 1 <= count <= rules.small_count


def suppress_counts(
    counts: Sequence[int | None], rules: Rules = PUBLIC, with_total: bool = True
) -> list[int | None]:
    """`counts` with small ones replaced by None. With `with_total` (the group's total is
    published too), a lone suppressed cell takes the smallest other non-zero cell with it,
    so it cannot be worked out by subtraction."""
    out = [None if is_small(c, rules) else c for c in counts]
    hidden = [i for i, c in enumerate(out) if c is None and counts[i] is not None]
    if with_total and len(hidden) == 1:
        others = [(c, i) for i, c in enumerate(out) if c not in (None, 0) and i not in hidden]
        if others:
            out[min(others)[1]] = None
    return out


NOT_SHOWN = "not shown"  # a cell hidden so that a small one cannot be worked out


def shown_counts(
    counts: Sequence[int], rules: Rules = PUBLIC, with_total: bool = True
) -> tuple[list[int | None], list[str]]:
    """(values to draw, None where hidden; labels): a small count reads 'fewer than 11', a
    count hidden only to protect it reads 'not shown', every other count is written out."""
    shown = suppress_counts(counts, rules, with_total)
    labels = [
        f"{c:,}" if s is not None else (FEWER_THAN if is_small(c, rules) else NOT_SHOWN)
        for c, s in zip(counts, shown, strict=True)
    ]
    return shown, labels


def count_text(count: int | None, rules: Rules = PUBLIC) -> str:
    """'1,234', '0', or 'fewer than 11' for a suppressed count."""
    if count is None:
        return FEWER_THAN if rules.public else "unknown"
    if is_small(count, rules):
        return FEWER_THAN
    return f"{count:,}"


def survey_cell(
    mean: float | None, n: float | None, se: float | None = None, rules: Rules = PUBLIC
) -> tuple[float | None, str]:
    """(the estimate, or None when hidden; a flag: '', 'small sample' or 'unstable').
    An unknown n (published aggregates) is neither hidden nor flagged here: callers say
    'sample size not reported'."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return None, ""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return mean, ""
    if n < rules.survey_hide_below:
        return None, "hidden: fewer than 30 answers"
    rse = se / mean if se is not None and mean else 0.0
    if n < rules.survey_flag_below or rse >= rules.survey_flag_rse:
        return mean, "small sample: read with care"
    return mean, ""


def group_visible(n: float | None, rules: Rules = PUBLIC) -> bool:
    """Whether a demographic group's estimate may be shown."""
    return n is not None and not (isinstance(n, float) and math.isnan(n)) and n >= rules.group_hide_below


def rate_flag(numerator: int | None, rules: Rules = PUBLIC) -> str:
    return (
        "unstable: 20 or fewer offences"
        if numerator is not None and numerator <= rules.unstable_numerator
        else ""
    )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe; other
    values are left alone (a negative number stays a number)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(frame) -> bytes:
    """A table as UTF-8 CSV (with a byte-order mark, so spreadsheets read it as UTF-8)
    whose cells cannot start a spreadsheet formula."""
    safe = frame.map(spreadsheet_safe)
    safe.columns = [spreadsheet_safe(str(c)) for c in frame.columns]
    return safe.to_csv(index=False).encode("utf-8-sig")
