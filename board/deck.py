"""A partnership's slides for a board meeting, built from the database in one place so
the presentation page, the PDF packet and the PowerPoint deck say the same thing.

The audience decides the rules when the numbers are fetched (metrics.publish): `public`
(the default) hides small counts and small survey cells and never carries comments;
`leadership` shows every number with its n. Slides: title, where it works (a map, where
its areas have shapes: board.map_slide), trust, satisfaction, feeling safe, crime by
group, trust by group, the trust gap (where the registry names one), what residents write
about (where any wrote), how partners, officers and residents see it (leadership, unless
the count rule of metrics.perception allows it), "did it work?", did its initiatives work
(where one names a target: board.initiative_slides), activities, "you said, we did" (where
priorities are recorded) and "who decides?" (where decisions are; board.voice_slides), about
the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Connection

from board.initiative_slides import initiatives_slide
from board.map_slide import map_slide
from board.slide import Slide
from board.voice_slides import voice_slides
from charts.board import attendance_bars, before_after_bars, projected, verdict_table
from charts.captions import board_caption, published_source, survey_source
from charts.figures import partners_by_sector, published_trend, score_trend
from charts.groups import group_dots_projected
from charts.perception import perception_gap
from charts.themes import theme_bars
from metrics import partnership as profile
from metrics import perception as perception_metrics
from metrics.coverage import data_period, last_loaded
from metrics.equity import SIDES, gap_story, points_text, shown_gaps, verdict_shown
from metrics.evaluation import Design, evaluate
from metrics.filters import Filters
from metrics.formatting import count, day_label, month_label, months_span, quarter_label
from metrics.groups import (
    DIMENSION_LABELS,
    breakdown_sentence,
    group_scores,
    latest_published,
    public_groups,
    published_groups,
    who,
)
from metrics.multiple import with_q_values
from metrics.publish import LEADERSHIP, PUBLIC, Rules, count_text, shown_counts, survey_cell
from metrics.registry import CRIME_GROUP_LABELS, metric
from metrics.stats import Z95
from metrics.stored import data_version, read_scorecard
from metrics.survey import item_wording, published_scores, survey_scores
from metrics.themes import summary as theme_summary
from metrics.verdict import CALLED, VERDICTS, effect_short

AUDIENCES = ("public", "leadership")
SURVEY_SLIDES = ("trust", "satisfaction", "safety")
ABOUT_SOURCES = {  # load-log kinds (imports and the demo) -> what the room is told
    "crime": "recorded crime",
    "crime_incident": "recorded crime",
    "survey_responses": "resident survey",
    "survey_response": "resident survey",
    "survey_aggregates": "published survey results",
    "survey_aggregate": "published survey results",
    "partnerships": "partnership registry",
    "partnership": "partnership registry",
    "activities": "activity log",
    "activity": "activity log",
}


@dataclass
class Deck:
    code: str
    name: str
    audience: str
    period: tuple[date, date]
    slides: list[Slide]


def rules_for(audience: str) -> Rules:
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    return PUBLIC if audience == "public" else LEADERSHIP


def build_deck(
    conn: Connection, code: str, audience: str = "public", design: Design | None = None
) -> Deck | None:
    """The deck for partnership `code`, or None when there is no such partnership."""
    rules = rules_for(audience)
    design = design or Design()
    details = profile.partnership_details(conn, code)
    if details is None:
        return None
    period = data_period(conn) or (details["start_date"], details["start_date"])
    filters = Filters(period[0], period[1], code, tuple(CRIME_GROUP_LABELS))
    result = evaluate(conn, code, design=design)
    outcomes = {o["outcome"]: o for o in result["outcomes"]}
    events = profile.events(conn, filters, code)
    start = details["start_date"]

    slides = [_title_slide(conn, details)]
    if where := map_slide(conn, code, details["name"], period, rules):  # none where no area has a shape
        slides.append(where)
    wording = item_wording(conn)
    scores = survey_scores(conn, filters, SURVEY_SLIDES)
    published = published_scores(conn, filters, SURVEY_SLIDES)
    for construct in SURVEY_SLIDES:
        slides.append(
            _survey_slide(construct, scores, published, outcomes[construct], start, events, wording, rules)
        )
    slides.append(_crime_slide(outcomes, start, rules))
    pair = next(((g["group"], g.get("reference")) for g in result["equity"].get("gaps", ())), None)
    slides.append(trust_by_group_slide(conn, filters, details["name"], rules, pair))  # groups
    if result["equity"]["set"]:  # a partnership whose registry names no gap has no slide for it
        slides.append(equity_slide(result["equity"], rules))
    if themes := _themes_slide(conn, code, period, start, rules):  # none where no resident wrote
        slides.append(themes)
    perception = _perception_slide(conn, filters, rules)
    if perception is not None:  # leadership; the public only when the count rule allows it
        slides.append(perception)
    chance = _may_be_chance(conn, code, design)
    slides.append(_verdict_slide(result["outcomes"], design, chance, trust_gap_row(result["equity"], rules)))
    if initiatives := initiatives_slide(conn, result["initiatives"], design, rules):  # none untargeted
        slides.append(initiatives)
    slides.append(_activity_slide(conn, filters, code, rules))
    slides += voice_slides(conn, code, result["initiatives"], rules)  # where priorities, decisions exist
    slides.append(_about_slide(conn, period, audience))
    return Deck(code, details["name"], audience, period, slides)


def _title_slide(conn: Connection, details: dict) -> Slide:
    members = profile.members(conn, details["code"])
    places = profile.areas(conn, details["code"])
    served = places[places["role"] == "catchment"]["name"].tolist()
    sectors = members["sector"].nunique()
    caption = (
        f"{details['name']}: {len(members)} organisations from {sectors} sectors, working together "
        f"since {details['start_date']:%B %Y}" + (f" in {', '.join(served)}." if served else ".")
    )
    figure = None
    if len(members):
        figure = projected(partners_by_sector(members, details["name"]))
        figure.update_xaxes(title_text="Partner organisations, by sector")
    data = (
        members.groupby("sector").size().rename("organisations").reset_index()
        if len(members)
        else pd.DataFrame()
    )
    return Slide("title", details["name"], caption, "Source: partnership registry.", figure, data)


def _survey_slide(construct, scores, published, outcome, start, events, wording, rules) -> Slide:
    label = metric(construct).label
    rows = scores[scores["construct"] == construct].copy()
    flagged: list[str] = []
    if not rows.empty:
        verdicts = [
            survey_cell(m, n, se, rules) for m, n, se in zip(rows["mean"], rows["n"], rows["se"], strict=True)
        ]
        rows = rows[[value is not None for value, _ in verdicts]]
        flagged = [
            quarter_label(q)
            for q, (_, flag) in zip(rows["quarter"], [v for v in verdicts if v[0] is not None], strict=True)
            if flag
        ]
    caption = board_caption(outcome, start)
    columns = ["quarter", "mean", "ci_low", "ci_high", "n"]
    if not rows.empty:
        detail = survey_source(rows, wording.get(construct, []))
        if len(flagged) > 3:
            detail += f" {len(flagged)} quarters had fewer than 60 answers: read them with care."
        elif flagged:
            detail += f" Fewer than 60 answers (read with care): {', '.join(flagged)}."
        if rules.public:
            detail += " Quarters with fewer than 30 answers are not shown."
        latest = rows.loc[rows["quarter"].idxmax()]
        source = (
            f"Source: resident survey, {quarter_label(rows['quarter'].min())} to "
            f"{quarter_label(rows['quarter'].max())}: {count(rows['n'].sum())} answers, "
            f"n = {count(latest['n'])} in the latest quarter. Band: 95% interval."
        )
        figure = projected(score_trend(rows, label, construct, start, events, labelled=True))
        data = rows[columns].reset_index(drop=True)
        return Slide(construct, label, caption, source, figure, data, detail)
    aggregate = published[published["construct"] == construct]
    if not aggregate.empty:
        figure = projected(published_trend(aggregate, label, construct, start, events, labelled=True))
        detail = published_source(aggregate, wording.get(construct, []))
        source = (
            f"Source: published survey results, {quarter_label(aggregate['period'].min())} to "
            f"{quarter_label(aggregate['period'].max())}; sample size not reported, so no interval."
            if aggregate["n"].isna().any()
            else f"Source: published survey results, {quarter_label(aggregate['period'].min())} to "
            f"{quarter_label(aggregate['period'].max())}: {count(aggregate['n'].sum())} answers."
        )
        data = aggregate[["period", "statistic", "value", "n"]].reset_index(drop=True)
        return Slide(construct, label, caption, source, figure, data, detail)
    return Slide(construct, label, f"No resident of these areas answered the {label.lower()} questions.", "")


def _crime_slide(outcomes: dict, start: date, rules: Rules) -> Slide:
    crime = [outcomes[g] for g in CRIME_GROUP_LABELS if g in outcomes and outcomes[g].get("treated")]
    title = "Recorded crime, before and after the start"
    if not crime:
        return Slide("crime", title, "No recorded crime in this partnership's areas.", "")
    labels = [o["label"] for o in crime]
    before = [o["treated"]["before"] for o in crime]
    after = [o["treated"]["after"] for o in crime]
    # no total across groups is published, so each small count alone is hidden
    shown_before, before_text = shown_counts(before, rules, with_total=False)
    shown_after, after_text = shown_counts(after, rules, with_total=False)
    texts = (before_text, after_text)
    months = crime[0]["windows"]["months_each"]
    changes = [
        f"{o['label'].lower()} from {b} to {a}"
        for o, b, a in zip(crime, before_text, after_text, strict=True)
    ]
    spiked = [o["label"].lower() for o in crime if o.get("regression_to_the_mean")]
    caption = (
        f"In the {months} months before the partnership began in {start:%B %Y} and the {months} months "
        f"after, recorded crime in its area went: {'; '.join(changes)}. "
        + (
            f"Just before it began, {' and '.join(spiked)} ran well above normal, so part of any fall "
            "since may be a return to normal. "
            if spiked
            else ""
        )
        + "Whether that is more than chance is on the next slide."
    )
    w = crime[0]["windows"]
    source = (
        f"Source: recorded crime by month of occurrence; before: {months_span(*w['before'])}; "
        f"after: {months_span(*w['after'])}."
    )
    detail = f"Areas: {', '.join(crime[0]['treated']['areas'])}." + (
        " Counts from 1 to 10 are shown as 'fewer than 11'." if rules.public else ""
    )
    figure = before_after_bars(labels, shown_before, shown_after, texts, title)
    data = pd.DataFrame({"crime group": labels, "before": texts[0], "after": texts[1]})
    return Slide("crime", title, caption, source, figure, data, detail)


def _themes_slide(
    conn: Connection, code: str, period: tuple[date, date], start: date, rules: Rules
) -> Slide | None:
    """What residents write about: comments per theme since the start, largest first
    (public: counts of 11 or more, smaller ones 'fewer than 11'), and in the caption the
    first year after the start against the latest for the largest themes whose two counts
    may be shown; never a comment, never sentiment."""
    title = "What residents write about"
    found = theme_summary(conn, code, period[0], period[1], start, rules, who=("resident",))
    if found["since_start_window"] is None:
        return None
    shown = found["since_start"].sort_values("latest", ascending=False, na_position="last", kind="stable")
    shown = shown.reset_index(drop=True)
    figure = projected(theme_bars(shown, None, f"Comments from {found['since_start_window']}", title))
    figure.update_xaxes(title_text=f"Comments, {found['since_start_window']}")
    small = shown.loc[shown["all_small"], "theme"].tolist()
    detail = "Themes from the dashboard's list of themes; a comment may speak to several. " + (
        f"Written about fewer than 11 times: {', '.join(small)}. " if small else ""
    )
    first, latest = found["windows"]
    both = found["shown"].dropna(subset=["first", "latest"])
    order = {theme: i for i, theme in enumerate(shown["theme"])}
    both = both.sort_values("theme", key=lambda t: t.map(order), kind="stable")
    caption = found["since_start_sentence"]
    if first and not both.empty:
        changes = [
            f"{t} {int(f):,} to {int(n):,}"
            for t, f, n in zip(both["theme"], both["first"], both["latest"], strict=True)
        ]
        detail += f"Comments from {first}, against those from {latest}: {'; '.join(changes)}. "
        caption += " " + _theme_change_sentence(both.head(THEMES_IN_CAPTION))
    if rules.public:
        detail += "Counts from 1 to 10 are shown as 'fewer than 11'; no comment is shown."
    source = "Source: residents' written survey answers in the partnership's areas, counted by theme."
    data = pd.DataFrame({"theme": shown["theme"], "comments": shown["latest_text"]})
    return Slide("themes", title, caption, source, figure, data, detail.strip())


THEMES_IN_CAPTION = 3  # the largest themes whose change is said on the slide; the rest in its notes


def _theme_change_sentence(both: pd.DataFrame) -> str:
    """'Speeding and traffic: 24 comments in the first year after the start, 61 in the
    latest; burglary: 39 then 27.' from counts the audience may see (`public_counts`)."""
    parts = []
    rows = zip(both["theme"], both["first"], both["latest"], strict=True)
    for i, (theme, first, latest) in enumerate(rows):
        if i == 0:
            parts.append(
                f"{theme[:1].upper()}{theme[1:]}: {int(first):,} comments in the first year after the start, "
                f"{int(latest):,} in the latest"
            )
        else:
            parts.append(f"{theme}: {int(first):,} then {int(latest):,}")
    return "; ".join(parts) + "."


def equity_slide(equity: dict, rules: Rules) -> Slide:
    """'The trust gap': the registry's gap in trust before and after the start, in the
    partnership's areas and the comparison areas, and whether it narrowed. Public rules: a
    gap from fewer than 50 answers in a group is not shown, nor a change made from one."""
    title = "The trust gap"
    gap = next((g for g in equity.get("gaps", ()) if g["outcome"] == "trust"), None)
    if not equity.get("set") or gap is None:
        return Slide("equity", title, "No equity gap is set for this partnership in the registry.", "")
    cells = shown_gaps(gap, rules)
    if not cells["shown"].any():
        caption = f"{gap['label']}: too few answers from each group to show it" + (
            f" (fewer than {rules.group_hide_below} in a group)." if rules.public else "."
        )
        if gap["verdict"] == "Not enough data" and not rules.public:
            caption = gap["sentence"]
        return Slide("equity", title, caption, "Source: resident survey.", data=cells)
    sides = [name for _, name in SIDES if (cells["side"] == name).any() and gap.get(_side_key(name))]
    values = {(r.side, r.window): (r.gap if r.shown else None) for r in cells.itertuples()}
    texts = tuple([_gap_text(values[s, w]) for s in sides] for w in ("before", "after"))
    change = _verdict_sentence(gap) if verdict_shown(gap, rules) else ""
    caption = f"{gap_story(gap, rules)} {change}".strip()
    w = gap["windows"]
    source = (
        f"Source: resident survey; gap = {gap.get('reference') or 'everyone else'} minus {gap['group']} "
        f"residents' trust (0-100); before: {months_span(*w['before'])}; after: {months_span(*w['after'])}"
        f"{_gap_answers(gap, cells)}."
    )
    figure = before_after_bars(
        sides, [values[s, "before"] for s in sides], [values[s, "after"] for s in sides], texts, title
    )
    figure.update_yaxes(title_text="Gap in trust (points)", rangemode="normal")
    detail = f"Method: {gap.get('method') or 'none'}." + (
        f" Gaps from fewer than {rules.group_hide_below} answers in a group are not shown."
        if rules.public
        else ""
    )
    return Slide("equity", title, caption, source, figure, cells, detail)


def _verdict_sentence(gap: dict) -> str:
    """'Improved: the gap in trust between Black and White residents narrowed by 11 points
    (between 7 and 15) against comparable areas.': the verdict word first, once."""
    sentence = gap["sentence"]
    if sentence.startswith(gap["verdict"]):
        return sentence
    return f"{gap['verdict']}: {sentence[:1].lower()}{sentence[1:]}"


def _gap_answers(gap: dict, cells: pd.DataFrame) -> str:
    """'; answers (Black, White): partnership area 504 and 535 before, 579 and 514 after; ...'
    from the gaps `shown_gaps` shows; a hidden gap's n is not said."""
    groups = f"{gap['group']}, {gap.get('reference') or 'everyone else'}"
    parts = []
    for _, side in SIDES:
        shown = cells[(cells["side"] == side) & cells["shown"]]
        said = [f"{count(r.n_focus)} and {count(r.n_reference)} {r.window}" for r in shown.itertuples()]
        if said:
            parts.append(f"{side.lower()} {', '.join(said)}")
    return f"; answers ({groups}): {'; '.join(parts)}" if parts else ""


def trust_gap_row(equity: dict, rules: Rules) -> dict | None:
    """The registry's trust gap as a row of 'Did it work?' ('Black-White trust gap',
    Improved, 'narrowed 11 (7 to 15)'), or None when no gap is set or the rules hide its
    verdict (public: a gap from fewer than 50 answers in a group)."""
    gap = next((g for g in equity.get("gaps", ()) if g["outcome"] == "trust"), None)
    if not equity.get("set") or gap is None:
        return None
    if not verdict_shown(gap, rules) and (rules.public or gap.get("effect")):
        return None
    effect = gap.get("effect")
    change = "No estimate"
    if effect and gap["verdict"] != "Not enough data":
        low, high = sorted((-effect["ci"][1], -effect["ci"][0]))  # on the 'narrowed by' scale
        word = "narrowed" if effect["estimate"] < 0 else "widened"
        if round(effect["estimate"]) == 0:
            word = "no change"
        sign = 1 if effect["estimate"] < 0 else -1
        ends = sorted((sign * low, sign * high))
        change = f"{word} {abs(effect['estimate']):.0f} ({ends[0]:.0f} to {ends[1]:.0f})"
    label = f"{gap['group']}-{gap.get('reference') or 'everyone else'} trust gap"
    return {
        "label": label,
        "verdict": gap["verdict"],
        "latest": "",
        "change": change,
        "may be chance": False,
        "sentence": _verdict_sentence(gap) if gap.get("effect") else gap["sentence"],
    }


def _gap_text(gap: float | None) -> str:
    """'8 points', '-3 points' (the focus group above), or 'not shown'."""
    if gap is None:
        return "not shown"
    return ("-" if round(gap) < 0 else "") + points_text(gap)


def _side_key(name: str) -> str:
    return next(key for key, label in SIDES if label == name)


def _may_be_chance(conn: Connection, code: str, design: Design) -> set[str] | None:
    """This partnership's calls (Improved or Worsened) that do not hold once every
    partnership's verdicts are judged together (false discovery rate 5%, as the Overview
    marks them), from the stored scorecard; None when none is stored for the latest data."""
    version = data_version(conn)
    card = read_scorecard(conn, design, version) if version is not None else None
    if card is None:
        return None
    judged = with_q_values(card)
    mine = judged[(judged["code"] == code) & judged["verdict"].isin(CALLED) & ~judged["stands"]]
    return set(mine["outcome"])


def _verdict_slide(
    outcomes: list[dict], design: Design, chance: set[str] | None = None, gap_row: dict | None = None
) -> Slide:
    """'Did it work?': a row per outcome and, where `gap_row` is given, the trust gap's."""
    rows = []
    for o in outcomes:
        effect = o.get("effect")
        if o["verdict"] == "Not enough data" or not effect:
            change = "No estimate"
        else:
            change = effect_short(effect)
        later = (o.get("sustained") or {}).get("verdict", "")
        marked = bool(chance) and o["outcome"] in chance
        rows.append(
            {
                "label": o["label"],
                "verdict": o["verdict"],
                "latest": later,
                "change": change,
                "may be chance": marked,
            }
        )
    tally = pd.Series([r["verdict"] for r in rows]).value_counts()
    parts = [f"{tally.get(v, 0)} {v.lower()}" for v in VERDICTS if tally.get(v, 0)]
    first = f"first {design.after_months} months"
    caption = f"In the {first} after the start, of {len(rows)} outcomes: {', '.join(parts)}."
    gap_said = ""
    if gap_row is not None:
        said = {**gap_row}
        gap_said = said.pop("sentence")
        caption += f" {gap_said}"
        rows.append(said)
    caption += " A verdict is clear only when the whole 95% interval lies on one side of no change."
    if any(r["may be chance"] for r in rows):
        caption += (
            " * May be chance: with this many verdicts across all partnerships, some clear ones are "
            "expected even where nothing changed."
        )
    source = (
        "Method: each outcome against comparable areas (difference in differences); crime in %, "
        "surveys in points out of 100; 95% intervals in brackets."
    )
    detail = (
        f"{design.before_months} months before the start against the {first} after it, and against "
        f"the latest {design.after_months} months of data. "
        + " ".join(f"{o['label']}: {o['sentence']}" for o in outcomes)
        + (f" {rows[-1]['label']}: {gap_said}" if gap_said else "")
    )
    figure = verdict_table(rows, "Did it work?", design.after_months)
    return Slide("verdicts", "Did it work?", caption, source, figure, pd.DataFrame(rows), detail)


def _perception_slide(conn: Connection, filters: Filters, rules: Rules) -> Slide | None:
    """Partners', officers' and residents' view of the shared questions, or None when there
    is none or the count rule (metrics.perception.publishable) hides it from this audience."""
    got = perception_metrics.perception(conn, filters, rules)
    view = got["views"]
    if view.empty:
        return None
    title = "How partners, officers and residents see it"
    whole = got["gaps"]
    whole = whole[whole["year"].isna()].sort_values("versus", key=lambda v: v != "resident", kind="stable")
    sentences = [perception_metrics.gap_sentence(row) for row in whole.itertuples(index=False)]
    caption = " ".join(sentences[:2])
    figure = projected(perception_gap(view, title))
    figure.update_layout(margin={"l": 330})
    data = view[view["year"].isna()].drop(columns="year")
    rule = (
        "Shown in public only when every kind of respondent has at least "
        f"{perception_metrics.public_minimum(PUBLIC)} answers in every year."
    )
    detail = " ".join([*sentences[2:], rule])
    return Slide(
        "perception", title, caption, perception_metrics.source_line(view, got["items"]), figure, data, detail
    )


def _activity_slide(conn: Connection, filters: Filters, code: str, rules: Rules) -> Slide:
    title = "People at the partnership's meetings"
    activity = profile.activity_by_quarter(conn, filters, code)
    if activity.empty:
        return Slide(
            "activity", title, "No meetings are recorded for this partnership.", "Source: activity log."
        )
    attendance = activity["meeting_attendance"].astype(int).tolist()
    # the total is published in the caption, so a lone small quarter takes another with it
    shown, texts = shown_counts(attendance, rules, with_total=True)
    texts = ["" if v == 0 else t for v, t in zip(attendance, texts, strict=True)]
    quarters = [quarter_label(q) for q in activity["quarter"]]
    meetings, people = int(activity["meetings"].sum()), int(sum(attendance))
    if len(quarters) > 12:  # too many bars to label each; the numbers are in the slide's data
        texts_on_bars = [""] * len(texts)
    else:
        texts_on_bars = texts
    caption = (
        f"The partnership held {count_text(meetings, rules)} meetings from {quarters[0]} to "
        f"{quarters[-1]}, with {count_text(people, rules)} attendances in all."
    )
    source = "Source: partnership activity log; people at meetings, counted per quarter."
    figure = attendance_bars(list(pd.to_datetime(activity["quarter"])), shown, texts_on_bars, title)
    data = pd.DataFrame({"quarter": quarters, "people attending": texts})
    return Slide("activity", title, caption, source, figure, data)


def _about_slide(conn: Connection, period: tuple[date, date], audience: str) -> Slide:
    loaded = last_loaded(conn)
    named = ABOUT_SOURCES
    latest: dict[str, pd.Timestamp] = {}
    for kind, at in zip(loaded["kind"], loaded["loaded_at"], strict=True):
        if kind in named:
            latest[named[kind]] = max(latest.get(named[kind], pd.Timestamp(at)), pd.Timestamp(at))
    sources = "; ".join(f"{what} last loaded {day_label(at)}" for what, at in latest.items())
    rules = (
        "Public view: counts from 1 to 10 are shown as 'fewer than 11'; survey estimates from fewer than 30 "
        "answers are not shown and those from fewer than 60 are flagged; no comments or names are shown."
        if audience == "public"
        else "Leadership view: every number is shown with its n. Do not project this version in public."
    )
    caption = (
        f"Data from {month_label(period[0])} to {month_label(period[1])}. Survey scores are weighted means "
        f"on 0-100 with 95% intervals; crime is recorded crime by month of occurrence. {rules}"
    )
    return Slide("about", "About the data", caption, f"Sources: {sources}." if sources else "")


# --- groups: "Trust by group" ---------------------------------------------------------

GROUP_SLIDE_MONTHS = 12


def trust_by_group_slide(
    conn: Connection,
    filters: Filters,
    name: str,
    rules: Rules,
    pair: tuple[str, str | None] | None = None,
) -> Slide:
    """Trust by race or ethnicity among residents of the partnership's areas over the
    latest 12 months of data; a published breakdown as published when there are no answers.
    `pair`: the registry's gap (focus group, reference group), said in the caption too."""
    months = filters.end.year * 12 + filters.end.month - GROUP_SLIDE_MONTHS
    window = (max(filters.start, date(months // 12, months % 12 + 1, 1)), filters.end)
    latest = Filters(window[0], window[1], filters.partnership, filters.crime_groups)
    breakdown = group_scores(conn, latest, "race_ethnicity", ("trust",))
    published = pd.DataFrame()
    if breakdown.empty:
        published = latest_published(published_groups(conn, latest, "race_ethnicity", ("trust",)))
        published = published[published["statistic"] == "mean"]
    return groups_slide(breakdown, rules, name, "race_ethnicity", window, published, pair)


def groups_slide(
    breakdown: pd.DataFrame,
    rules: Rules,
    name: str,
    dimension: str,
    window: tuple[date, date],
    published: pd.DataFrame | None = None,
    pair: tuple[str, str | None] | None = None,
) -> Slide:
    """The "Trust by group" slide from a trust breakdown (`metrics.groups.group_scores` rows
    for one partnership and dimension): groups under `rules`' threshold are named in the
    caption, never drawn or listed in the slide's data."""
    label = metric("trust").label
    title = f"{label} by {DIMENSION_LABELS[dimension].lower()}"
    span = months_span(*window)
    shown = public_groups(breakdown, rules)
    hidden = shown.hidden_text
    if published is not None and not published.empty:
        rows = published[["group", "value"]].reset_index(drop=True)
        period = month_label(published["period"].max())
        caption = breakdown_sentence(rows, label, dimension)
        source = f"Source: published survey results for {name}'s areas, {period}; sample size not reported."
        figure = group_dots_projected(rows, title, "trust")
        return Slide("groups", title, caption, source, figure, rows, "Values as the source published them.")
    if shown.groups.empty:
        caption = (
            f"No group of residents in {name}'s areas is large enough to show ({span}). {hidden}"
            if hidden
            else f"No resident of {name}'s areas gave their {DIMENSION_LABELS[dimension].lower()} ({span})."
        )
        return Slide("groups", title, caption.strip(), f"Source: resident survey, {span}.")
    rows = shown.groups
    said = (breakdown_sentence(rows, label, dimension), _pair_sentence(rows, dimension, pair), hidden)
    caption = " ".join(part for part in said if part)
    source = (
        f"Source: resident survey, {span}: {count(rows['n'].sum())} answers shown. Dot: weighted mean "
        "on 0-100; bar: 95% interval."
        + (f" Groups with fewer than {rules.group_hide_below} answers are not shown." if rules.public else "")
    )
    figure = group_dots_projected(rows, title, "trust")
    data = rows[["group", "n", "mean", "ci_low", "ci_high", "flag"]].reset_index(drop=True)
    return Slide("groups", title, caption, source, figure, data)


def _pair_sentence(rows: pd.DataFrame, dimension: str, pair: tuple[str, str | None] | None) -> str:
    """'The gap this partnership follows: Black residents' trust is 3 points below White
    residents' (between 0 and 6).' from the shown groups' rows; '' when there is no pair,
    its reference is everyone else, or either group is not shown."""
    if pair is None or pair[1] is None:
        return ""
    focus, reference = (rows[rows["group"] == g] for g in pair)
    if focus.empty or reference.empty:
        return ""
    f, r = focus.iloc[0], reference.iloc[0]
    gap = float(r["mean"] - f["mean"])
    text = f"The gap this partnership follows: {who(dimension, pair[0])}' trust is "
    text += "level with" if round(gap) == 0 else f"{points_text(gap)} {'below' if gap > 0 else 'above'}"
    text += f" {who(dimension, pair[1])}'"
    se = (f["se"] ** 2 + r["se"] ** 2) ** 0.5
    if pd.isna(se):
        return text + "."
    sign = 1 if gap >= 0 else -1
    low, high = sorted((sign * (gap - Z95 * se), sign * (gap + Z95 * se)))
    return text + f" (between {low:.0f} and {high:.0f})" + (", which may be chance." if low <= 0 else ".")
