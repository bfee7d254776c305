"""When an area name a file uses is close enough to a known one to suggest it.

Similar spelling is not the same place: 'West Garfield Park' and 'East Garfield Park'
differ by one letter and are two Chicago community areas; 'Near North' and 'Near West' are
two police districts. So a known name is suggested only when it has the same words:

- the same name written differently (case, accents, punctuation, "&" for "and", "the",
  spaces: 'Kensington & Chelsea', 'Grandview Woodland'): "same", confident enough for a
  ready-to-run alias command;
- the same words but for a qualifier in front ('City of Westminster' and 'Westminster';
  but 'City of London' is not London), or a slip of the keyboard inside a word of five
  letters or more ('Lewisam', 'Kensignton'): "close", to be checked by a person.

Words shorter than five letters and words with digits must match exactly, so 'West Town'
is not 'West Lawn' and one LSOA code is not suggested for another. The real pairs, and the
near misses of different places, this was tuned on are in tests/db/test_area_suggestions.py.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

QUALIFIERS = (("city", "of"), ("royal", "borough", "of"), ("london", "borough", "of"), ("borough", "of"))
DROPPED_WORDS = {"the", "and"}
SAME_WORDS = {"saint": "st", "mount": "mt"}
TYPO_MIN_LETTERS = 5  # shorter words must match exactly: "West" / "East", "Town" / "Lawn"


def name_words(name: str) -> tuple[str, ...]:
    """The words of an area name that say which place it is, for comparing spellings."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = re.sub(r"['\u2019`]", "", text.replace("&", " and ").replace("+", " and "))
    words = re.sub(r"[\W_]+", " ", text).split()
    return tuple(SAME_WORDS.get(w, w) for w in words if w not in DROPPED_WORDS)


def _unqualified(words: tuple[str, ...]) -> tuple[str, ...]:
    for qualifier in QUALIFIERS:
        if words[: len(qualifier)] == qualifier and len(words) > len(qualifier):
            return words[len(qualifier) :]
    return words


def _rigid(word: str) -> bool:
    """A word that must match exactly: short, or holding a digit (codes, numbers)."""
    return len(word) < TYPO_MIN_LETTERS or any(c.isdigit() for c in word)


def _shape(words: tuple[str, ...]) -> tuple:
    """What two names that differ only by typos share: their number of words and their rigid words."""
    return len(words), tuple((i, w) for i, w in enumerate(words) if _rigid(w))


def _edits(a: str, b: str) -> int:
    """Letters to change, add, remove or swap with a neighbour to turn `a` into `b`."""
    before, previous = list(range(len(b) + 1)), list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        before, previous = previous, current
    return previous[-1]


def _typo(a: str, b: str) -> bool:
    """Whether two words differ only as a slip of the keyboard: one letter (two in words of
    eight letters or more) changed, added, removed or swapped."""
    if a == b:
        return True
    if _rigid(a) or _rigid(b) or abs(len(a) - len(b)) > 2:
        return False
    return _edits(a, b) <= (1 if max(len(a), len(b)) < 8 else 2)


def closeness(value: str, name: str) -> str:
    """How close a known area `name` is to a file's `value`: "same", "close" or "" (see above)."""
    a, b = name_words(value), name_words(name)
    if not a or not b:
        return ""
    if a == b or "".join(a) == "".join(b):
        return "same"
    a, b = _unqualified(a), _unqualified(b)
    if a == b or "".join(a) == "".join(b):
        return "close"
    if len(a) == len(b) and all(_typo(x, y) for x, y in zip(a, b, strict=True)):
        return "close"
    return ""


class NameIndex:
    """Known area names, indexed so a file's value is compared with the few that could be
    close rather than with every one (an English force has thousands of LSOAs)."""

    def __init__(self, names: list[str]):
        self.by_words: dict[str, list[str]] = defaultdict(list)  # the words run together
        self.by_shape: dict[tuple, list[str]] = defaultdict(list)
        for name in names:
            words = name_words(name)
            if not words:
                continue
            self.by_words["".join(words)].append(name)
            bare = _unqualified(words)
            if bare != words:
                self.by_words["".join(bare)].append(name)
            self.by_shape[_shape(bare)].append(name)

    def match(self, value: str) -> tuple[list[str], list[str]]:
        """(names that are the same name written differently, names that are close)."""
        words = name_words(value)
        if not words:
            return [], []
        bare = _unqualified(words)
        candidates = dict.fromkeys(self.by_words.get("".join(words), []))
        candidates |= dict.fromkeys(self.by_words.get("".join(bare), []))
        candidates |= dict.fromkeys(self.by_shape.get(_shape(bare), []))
        found: dict[str, list[str]] = {"same": [], "close": []}
        for name in candidates:
            how = closeness(value, name)
            if how:
                found[how].append(name)
        return found["same"], found["close"]
