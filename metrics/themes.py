"""What people write: themes, sentiment and language of free-text comments, read in bulk.

The text comes from one small query (`comments`): a partnership's feedback comments
(partners, officers, residents) and the written answers of residents of its catchment
areas, within a period; a few thousand rows at most, never the incident table. Everything
else is a pure function of those rows:

- `read` sorts each comment into blank, English or another language (a cheap rule: the
  share of its words that are English stopwords, VADER lexicon words or codebook terms),
  finds the codebook's themes in the English ones, and scores their sentiment with VADER;
- `theme_counts`, `change_since_start`, `sentiment`, `examples` summarise them;
- `topics` finds themes in the data itself (TF-IDF and NMF, deterministic): suggestions
  for the codebook, for leadership;
- `public_counts` and `public_sentence` apply the public rules (metrics.publish): counts of
  1 to 10 read "fewer than 11", and no text, example or sentiment ever leaves.

The codebook is a TOML file shipped in this package (codebook.toml), or the file named by
the COMMONGROUND_CODEBOOK environment variable.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sqlalchemy import Connection, and_, or_, select

from db.models import Feedback, Partnership, PartnershipArea, SurveyOpenAnswer, SurveyResponse
from metrics.publish import PUBLIC, Rules, count_text, is_small

CODEBOOK_ENV = "COMMONGROUND_CODEBOOK"
BLANK, ENGLISH, OTHER_LANGUAGE = "blank", "English", "another language"
ENGLISH_SHARE = 0.3  # a comment is English when at least this share of its words are known English
NEGATIVE_BELOW, POSITIVE_ABOVE = -0.05, 0.05  # VADER's own thresholds on the compound score
WINDOW = 4  # quarters: the first four from the start against the latest four
TOPICS = 6
EXAMPLES = 3
COLUMNS = ["written_on", "quarter", "who", "text"]


@dataclass(frozen=True)
class Codebook:
    """Theme name -> its terms (whole words, phrases, or stems ending in *), and where it was read."""

    themes: dict[str, tuple[str, ...]]
    path: str

    @property
    def names(self) -> list[str]:
        return list(self.themes)


def load_codebook(path: str | Path | None = None) -> Codebook:
    """The codebook at `path`, else at $COMMONGROUND_CODEBOOK, else the one shipped here.
    Raises ValueError naming the file and what is wrong with it."""
    chosen = path or os.environ.get(CODEBOOK_ENV) or ""
    if chosen:
        where = str(chosen)
        try:
            text = Path(chosen).read_text(encoding="utf-8")
        except OSError as error:
            raise ValueError(f"codebook {where}: cannot be read ({error.strerror})") from error
    else:
        shipped = resources.files("metrics") / "codebook.toml"
        where, text = "metrics/codebook.toml", shipped.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"codebook {where}: not valid TOML ({error})") from error
    themes = data.get("themes")
    if not isinstance(themes, dict) or not themes:
        raise ValueError(f'codebook {where}: no [themes."name"] tables with terms = [...]')
    out = {}
    for name, spec in themes.items():
        terms = spec.get("terms") if isinstance(spec, dict) else None
        if (
            not isinstance(terms, list)
            or not terms
            or not all(isinstance(t, str) and words(t) for t in terms)
        ):
            raise ValueError(f'codebook {where}: theme "{name}" needs terms = ["word", "a phrase", "stem*"]')
        out[name] = tuple(terms)
    return Codebook(out, where)


def words(text: str) -> list[str]:
    """The words of `text` as matching sees them: case and accents dropped, apostrophes
    removed ("didn't" -> "didnt"), split at anything else that is not a letter or digit."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"['\u2019]", "", plain)
    return re.findall(r"[^\W_]+", plain)


@cache
def _patterns(themes: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, re.Pattern]]:
    """One regular expression per theme over a comment's words joined by single spaces."""
    out = []
    for name, terms in themes:
        parts = []
        for term in terms:
            stem = term.rstrip().endswith("*")
            phrase = r"\ ".join(re.escape(w) for w in words(term))
            parts.append(phrase + (r"\w*" if stem else ""))
        out.append((name, re.compile(r"(?<!\S)(?:" + "|".join(parts) + r")(?!\S)")))
    return out


def match_themes(text: str, codebook: Codebook) -> tuple[str, ...]:
    """The codebook's themes `text` speaks to, in codebook order (several, or none)."""
    joined = " ".join(words(text))
    return tuple(
        name for name, pattern in _patterns(tuple(codebook.themes.items())) if pattern.search(joined)
    )


@cache
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@cache
def _english_words(codebook_terms: frozenset[str]) -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    lexicon = {w for w in _analyzer().lexicon if w.isalpha()}
    return frozenset(ENGLISH_STOP_WORDS) | lexicon | codebook_terms


def language(text: str | None, codebook: Codebook) -> str:
    """BLANK (nothing but spaces, digits or punctuation), ENGLISH, or OTHER_LANGUAGE."""
    tokens = [w for w in words(text or "") if not w.isdigit()]
    if not tokens:
        return BLANK
    known = _english_words(
        frozenset(w for terms in codebook.themes.values() for t in terms for w in words(t))
    )
    share = sum(w in known for w in tokens) / len(tokens)
    return ENGLISH if share >= ENGLISH_SHARE else OTHER_LANGUAGE


def compound(text: str) -> float:
    """VADER's compound score, from -1 (most negative) to +1 (most positive)."""
    return float(_analyzer().polarity_scores(text)["compound"])


def comments(conn: Connection, code: str | None, start: date, end: date) -> pd.DataFrame:
    """Comments written from `start` to `end` (inclusive): partnership `code`'s feedback
    comments and the written answers of residents of its catchment areas (and of anyone
    answering for it); every partnership's and every resident's when `code` is None.
    Columns: written_on, quarter (its first day), who (resident, partner, officer), text."""
    fb = (
        select(Feedback.received_on, Feedback.source, Feedback.comment)
        .join(Partnership, Partnership.id == Feedback.partnership_id)
        .where(Feedback.received_on >= start, Feedback.received_on <= end, Feedback.comment.is_not(None))
    )
    r = SurveyResponse
    oa = (
        select(r.responded_on, r.respondent_type, SurveyOpenAnswer.text)
        .join(r, r.id == SurveyOpenAnswer.response_id)
        .where(r.responded_on >= start, r.responded_on <= end)
    )
    if code is not None:
        fb = fb.where(Partnership.code == code)
        pid = select(Partnership.id).where(Partnership.code == code).scalar_subquery()
        catchment = select(PartnershipArea.area_id).where(
            and_(PartnershipArea.partnership_id == pid, PartnershipArea.role == "catchment")
        )
        oa = oa.where(
            or_(r.partnership_id == pid, and_(r.respondent_type == "resident", r.area_id.in_(catchment)))
        )
    else:
        oa = oa.where(r.respondent_type == "resident")
    rows = [*conn.execute(fb).all(), *conn.execute(oa).all()]
    frame = pd.DataFrame(rows, columns=["written_on", "who", "text"])
    frame["written_on"] = pd.to_datetime(frame["written_on"]).dt.date
    frame["quarter"] = [date(d.year, 3 * ((d.month - 1) // 3) + 1, 1) for d in frame["written_on"]]
    return frame[COLUMNS].sort_values("written_on", kind="stable").reset_index(drop=True)


def read(frame: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """`frame` (comments' columns) with language, themes (a tuple per comment; empty unless
    English) and compound (VADER; NaN unless English)."""
    out = frame.copy()
    out["language"] = [language(t, codebook) for t in out["text"]]
    english = out["language"] == ENGLISH
    out["themes"] = [
        match_themes(t, codebook) if e else () for t, e in zip(out["text"], english, strict=True)
    ]
    out["compound"] = [compound(t) if e else np.nan for t, e in zip(out["text"], english, strict=True)]
    return out


def tallies(comments_read: pd.DataFrame) -> dict[str, int]:
    """How many comments were read: English, another language, blank; and with a theme."""
    by = comments_read["language"].value_counts()
    themed = int((comments_read["themes"].map(len) > 0).sum()) if len(comments_read) else 0
    return {ENGLISH: int(by.get(ENGLISH, 0)), OTHER_LANGUAGE: int(by.get(OTHER_LANGUAGE, 0)),
            BLANK: int(by.get(BLANK, 0)), "with a theme": themed}  # fmt: skip


def _exploded(comments_read: pd.DataFrame) -> pd.DataFrame:
    themed = comments_read[comments_read["language"] == ENGLISH]
    return themed.explode("themes").dropna(subset=["themes"]).rename(columns={"themes": "theme"})


def theme_counts(comments_read: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Per theme and quarter: comments (English comments speaking to it; 0 written out) and
    read (English comments that quarter). Columns: theme, quarter, comments, read."""
    english = comments_read[comments_read["language"] == ENGLISH]
    quarters = sorted(english["quarter"].unique())
    grid = pd.MultiIndex.from_product([codebook.names, quarters], names=["theme", "quarter"])
    counts = _exploded(comments_read).groupby(["theme", "quarter"]).size().reindex(grid, fill_value=0)
    out = counts.rename("comments").reset_index()
    out["read"] = out["quarter"].map(english.groupby("quarter").size()).fillna(0).astype(int)
    return out


def _quarter_of(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def _add_quarters(q: date, n: int) -> date:
    months = q.year * 12 + q.month - 1 + 3 * n
    return date(months // 12, months % 12 + 1, 1)


@dataclass(frozen=True)
class Change:
    """Theme counts in the first WINDOW quarters from the start against the latest WINDOW.
    `table` columns: theme, first, latest, first_read, latest_read, share_ratio, p_value
    (first and first_* are NaN when the windows would overlap or the start is outside the data)."""

    first: tuple[date, date] | None  # first and last quarter of each window
    latest: tuple[date, date] | None
    table: pd.DataFrame


def change_since_start(counts: pd.DataFrame, start: date | None) -> Change:
    """Whether each theme's share of comments changed since the start: counts in each
    window, and a Poisson-style test (conditional on the two windows' total for the theme,
    the first window's count is binomial with the first window's share of comments read)."""
    names = list(dict.fromkeys(counts["theme"]))
    if counts.empty or counts["read"].sum() == 0:
        return Change(None, None, pd.DataFrame({"theme": names}))
    last_q = max(counts.loc[counts["read"] > 0, "quarter"])
    latest = (_add_quarters(last_q, -(WINDOW - 1)), last_q)
    first = None
    if start is not None:
        first_q = _quarter_of(start)
        if _add_quarters(first_q, WINDOW - 1) < latest[0]:
            first = (first_q, _add_quarters(first_q, WINDOW - 1))
    rows = []
    for theme in names:
        mine = counts[counts["theme"] == theme]
        row = {"theme": theme}
        for label, window in (("first", first), ("latest", latest)):
            inside = mine[(mine["quarter"] >= window[0]) & (mine["quarter"] <= window[1])] if window else None
            row[label] = int(inside["comments"].sum()) if window else np.nan
            row[f"{label}_read"] = int(inside["read"].sum()) if window else np.nan
        row["share_ratio"], row["p_value"] = np.nan, np.nan
        if first and row["first_read"] and row["latest_read"]:
            shares = (row["first"] / row["first_read"], row["latest"] / row["latest_read"])
            if shares[0]:
                row["share_ratio"] = shares[1] / shares[0]
            if row["first"] + row["latest"]:
                p = row["first_read"] / (row["first_read"] + row["latest_read"])
                row["p_value"] = binomtest(row["first"], row["first"] + row["latest"], p).pvalue
        rows.append(row)
    return Change(first, latest, pd.DataFrame(rows))


def since_start(counts: pd.DataFrame, begun: date | None) -> Change:
    """Each theme's comments from the start's quarter to the last (all of them without a
    start), as a Change whose only window is `latest`: for a slide with one bar a theme."""
    kept = counts if begun is None else counts[counts["quarter"] >= _quarter_of(begun)]
    kept = kept[kept["read"] > 0]
    if kept.empty:
        return Change(None, None, pd.DataFrame({"theme": list(dict.fromkeys(counts["theme"]))}))
    sums = kept.groupby("theme", sort=False)[["comments", "read"]].sum()
    table = pd.DataFrame(
        {
            "theme": sums.index,
            "first": np.nan,
            "latest": sums["comments"].to_numpy(),
            "latest_read": sums["read"],
        }
    ).reset_index(drop=True)
    return Change(None, (min(kept["quarter"]), max(kept["quarter"])), table)


def sentiment(comments_read: pd.DataFrame, codebook: Codebook, rules: Rules = PUBLIC) -> pd.DataFrame:
    """Per theme, over the comments given: scored (English comments), negative and
    positive (shares, by VADER's thresholds), mean compound. A theme with fewer than 11
    scored comments gets no shares under public rules. Columns: theme, scored, negative,
    positive, mean."""
    rows = []
    exploded = _exploded(comments_read)
    for theme in codebook.names:
        scores = exploded.loc[exploded["theme"] == theme, "compound"].dropna()
        n = len(scores)
        hidden = n == 0 or (rules.public and n <= rules.small_count)
        rows.append(
            {
                "theme": theme,
                "scored": n,
                "negative": np.nan if hidden else float((scores < NEGATIVE_BELOW).mean()),
                "positive": np.nan if hidden else float((scores > POSITIVE_ABOVE).mean()),
                "mean": np.nan if hidden else float(scores.mean()),
            }
        )
    return pd.DataFrame(rows)


def sentiment_by_quarter(comments_read: pd.DataFrame) -> pd.DataFrame:
    """Per theme and quarter (leadership): scored, negative, positive (shares)."""
    exploded = _exploded(comments_read).dropna(subset=["compound"])
    grouped = exploded.groupby(["theme", "quarter"])["compound"]
    return pd.DataFrame(
        {
            "scored": grouped.size(),
            "negative": grouped.apply(lambda s: float((s < NEGATIVE_BELOW).mean())),
            "positive": grouped.apply(lambda s: float((s > POSITIVE_ABOVE).mean())),
        }
    ).reset_index()


def topics(comments_read: pd.DataFrame, k: int | None = None, top_words: int = 4) -> pd.DataFrame:
    """Themes the comments suggest by themselves (English ones; leadership): TF-IDF and
    NMF with a fixed random_state, so the same comments give the same topics. k is TOPICS,
    fewer for few comments (one per 15), none under 20 comments. Columns: topic (1..k),
    words (its top words, the name it is known by), comments (those it fits best)."""
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [" ".join(words(t)) for t in comments_read.loc[comments_read["language"] == ENGLISH, "text"]]
    empty = pd.DataFrame(columns=["topic", "words", "comments"])
    if len(texts) < 20:
        return empty
    k = k or min(TOPICS, len(texts) // 15)
    vectorizer = TfidfVectorizer(stop_words="english", min_df=2, max_df=0.9)
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # every word a stopword, or in too many or too few comments
        return empty
    k = min(k, matrix.shape[1])
    if k < 1:
        return empty
    model = NMF(n_components=k, init="nndsvda", random_state=0, max_iter=500)
    with warnings.catch_warnings():
        # a topic is a suggestion to read, not an estimate: an unconverged fit is still one
        warnings.simplefilter("ignore", ConvergenceWarning)
        weights = model.fit_transform(matrix)
    vocabulary = vectorizer.get_feature_names_out()
    best = np.bincount(weights.argmax(axis=1), minlength=k)
    rows = [
        {
            "topic": i + 1,
            "words": ", ".join(vocabulary[j] for j in np.argsort(-component, kind="stable")[:top_words]),
            "comments": int(best[i]),
        }
        for i, component in enumerate(model.components_)
    ]
    return pd.DataFrame(rows).sort_values("comments", ascending=False, kind="stable").reset_index(drop=True)


def examples(comments_read: pd.DataFrame, codebook: Codebook, n: int = EXAMPLES) -> pd.DataFrame:
    """Up to `n` comments per theme, newest first: leadership only, never public.
    Columns: theme, written_on, who, text."""
    exploded = _exploded(comments_read).sort_values("written_on", ascending=False, kind="stable")
    out = exploded.groupby("theme", sort=False).head(n)
    order = {name: i for i, name in enumerate(codebook.names)}
    out = out.assign(_order=out["theme"].map(order)).sort_values(
        ["_order", "written_on"], ascending=[True, False]
    )
    return out[["theme", "written_on", "who", "text"]].reset_index(drop=True)


def public_counts(change: Change, rules: Rules = PUBLIC) -> pd.DataFrame:
    """Each theme's counts in the two windows as the audience may see them: first and
    latest (None where hidden), first_text and latest_text ('fewer than 11' for 1 to 10),
    and all_small (no count of the theme may be shown). No total is published beside them,
    so each small count is hidden alone. Columns: theme, first, latest, first_text,
    latest_text, all_small."""
    rows = []
    for record in change.table.to_dict("records"):
        row = {"theme": record["theme"]}
        for label in ("first", "latest"):
            value = record.get(label, np.nan)
            if value is None or (isinstance(value, float) and np.isnan(value)):
                row[label], row[f"{label}_text"] = None, ""
                continue
            value = int(value)
            row[label] = None if is_small(value, rules) else value
            row[f"{label}_text"] = count_text(value, rules)
        values = [record.get(label) for label in ("first", "latest")]
        known = [int(v) for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
        row["all_small"] = (
            bool(known)
            and all(is_small(v, rules) or v == 0 for v in known)
            and any(is_small(v, rules) for v in known)
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=["theme", "first", "latest", "first_text", "latest_text", "all_small"])


def public_sentence(shown: pd.DataFrame, change: Change, who: str = "people") -> str:
    """One plain sentence on what people wrote about most lately, from counts the audience
    may see (public_counts' output): no text, no count from 1 to 10."""
    if change.latest is None or shown.empty:
        return "No written comments in this period."
    visible = shown.dropna(subset=["latest"])
    visible = visible[visible["latest"] > 0].sort_values("latest", ascending=False, kind="stable")
    span = _window_words(change.latest)
    if visible.empty:
        return f"No theme was written about 11 or more times {span}."
    top = visible.iloc[0]
    sentence = (
        f"{span[0].upper()}{span[1:]}, {who} wrote most about {top['theme']} ({int(top['latest']):,} comments"
    )
    if change.first is not None and top["first"] is not None and not pd.isna(top["first"]):
        sentence += f", against {int(top['first']):,} {_window_words(change.first)}"
    elif change.first is not None and top["first_text"]:
        sentence += f", against {top['first_text']} {_window_words(change.first)}"
    return sentence + ")."


def _span(window: tuple[date, date]) -> str:
    """'Q4 2025 to Q3 2026'."""

    def label(q: date) -> str:
        return f"Q{(q.month - 1) // 3 + 1} {q.year}"

    return f"{label(window[0])} to {label(window[1])}"


def _window_words(window: tuple[date, date]) -> str:
    return f"from {_span(window)}"


def summary(
    conn: Connection,
    code: str | None,
    start: date,
    end: date,
    begun: date | None,
    rules: Rules = PUBLIC,
    who: tuple[str, ...] = ("resident", "partner", "officer"),
    codebook: Codebook | None = None,
) -> dict:
    """Everything the themes section, slide and packet show, for partnership `code` (None:
    city-wide) from `start` to `end`, the partnership having begun on `begun`; comments by
    `who` only. Under public rules: counts (public_counts), the sentence and the windows,
    nothing else. Under leadership rules also: tallies, the change test, sentiment (whole
    period, and per theme and quarter), topics and examples."""
    codebook = codebook or load_codebook()
    raw = comments(conn, code, start, end)
    done = read(raw[raw["who"].isin(who)], codebook)
    counts = theme_counts(done, codebook)
    change = change_since_start(counts, begun)
    shown = public_counts(change, rules)
    total = since_start(counts, begun)
    total_shown = public_counts(total, rules)
    out = {
        "since_start": total_shown,
        "since_start_sentence": public_sentence(
            total_shown, total, "residents" if who == ("resident",) else "people"
        ),
        "since_start_window": _span(total.latest) if total.latest else None,
        "shown": shown,
        "sentence": public_sentence(shown, change),
        "first": change.first,
        "latest": change.latest,
        "windows": (
            _span(change.first) if change.first else None,
            _span(change.latest) if change.latest else None,
        ),
    }
    if rules.public:
        return out
    return out | {
        "tallies": tallies(done),
        "change": change.table,
        "counts": counts,
        "sentiment": sentiment(done, codebook, rules),
        "sentiment_by_quarter": sentiment_by_quarter(done),
        "topics": topics(done),
        "examples": examples(done, codebook),
        "codebook": codebook.path,
    }
