"""Representative weights in the database: rake each area's resident answers to its
population margins (metrics.weighting), store the weights in `survey_response.rake_weight`
and how it went in `weighting_run`, and refresh the survey roll-ups for the months whose
weights changed. No Streamlit.

Raking pools an area's residents over every month they answered in (the census describes
the area, not a quarter), so answers from a new wave move the weights of earlier ones a
little. An area without margins, or whose raking did not converge, keeps its design
weights (`rake_weight` NULL: every score uses COALESCE(rake_weight, weight)). Called after
every survey_responses and population_margins import, in the import's transaction, and
when the demo city is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, insert, select, update

from db.models import Area, PopulationMargin, SurveyResponse, WeightingRun
from db.rollup import refresh_survey_monthly
from metrics.weighting import design_effect, rake

NO_MARGINS = "no population margins"
# a stored weight within this (relative) of the new one is left as it is
UNCHANGED = 1e-9
WRITE_BATCH = 1_000  # response ids in one UPDATE's IN list
RESPONDENT_GROUPS = ("age_band", "sex", "race_ethnicity", "education", "income")


@dataclass(frozen=True)
class AreaWeighting:
    """How raking one area went: what `weighting_run` stores, with the area's code and name."""

    area_id: int
    code: str
    name: str
    respondents: int
    dimensions: str
    converged: bool
    iterations: int
    trimmed: int
    design_effect: float | None
    note: str


def _respondents(conn: Connection, area_id: int) -> pd.DataFrame:
    """The area's resident respondents, by id: design weight, stored raked weight, the
    month they answered in, and their groups, with `age_sex` ("16-24|female", '' when
    either is blank)."""
    r = SurveyResponse
    rows = conn.execute(
        select(r.id, r.weight, r.rake_weight, r.responded_on, *(getattr(r, g) for g in RESPONDENT_GROUPS))
        .where(r.area_id == area_id, r.respondent_type == "resident")
        .order_by(r.id)
    ).all()
    columns = ["id", "weight", "rake_weight", "responded_on", *RESPONDENT_GROUPS]
    frame = pd.DataFrame([tuple(row) for row in rows], columns=columns)  # plain tuples: 5x faster
    both = frame["age_band"].fillna("").str.strip().ne("") & frame["sex"].fillna("").str.strip().ne("")
    frame["age_sex"] = np.where(both, frame["age_band"].fillna("") + "|" + frame["sex"].fillna(""), "")
    return frame


def _margins(conn: Connection, area_id: int) -> dict[str, dict[str, float]]:
    m = PopulationMargin
    margins: dict[str, dict[str, float]] = {}
    query = select(m.dimension, m.group_value, m.population).where(m.area_id == area_id).order_by(m.id)
    for dimension, group, population in conn.execute(query):
        margins.setdefault(dimension, {})[group] = float(population)
    return margins


def _changed(old: pd.Series, new: np.ndarray | None) -> np.ndarray:
    """Which stored weights (NULL as NaN) differ from `new` (None: all NULL)."""
    stored = old.to_numpy(dtype=float)
    if new is None:
        return ~np.isnan(stored)
    return np.isnan(stored) | (np.abs(stored - new) > UNCHANGED * np.abs(new))


def _write_weights(conn: Connection, ids: np.ndarray, weights: np.ndarray | None) -> None:
    """Set `rake_weight` of the responses `ids` to `weights` (None: NULL). Respondents in the
    same groups with the same design weight share a weight, so an area's few hundred answers
    hold a few dozen distinct weights: one UPDATE per weight (and per WRITE_BATCH ids) rather
    than one per answer, which PostgreSQL takes ten times longer over."""
    table = SurveyResponse.__table__
    by_weight: dict[float | None, list[int]] = {}
    for id_, weight in zip(
        ids.tolist(), [None] * len(ids) if weights is None else weights.tolist(), strict=True
    ):
        by_weight.setdefault(weight, []).append(id_)
    for weight, chosen in by_weight.items():
        for start in range(0, len(chosen), WRITE_BATCH):
            batch = chosen[start : start + WRITE_BATCH]
            conn.execute(update(table).where(table.c.id.in_(batch)).values(rake_weight=weight))


def rake_area(conn: Connection, area_id: int) -> tuple[AreaWeighting, set[date]] | None:
    """Rake one area's residents and write their weights and its `weighting_run` row, in
    the caller's transaction. Returns (how it went, the months whose weights changed), or
    None for an area without resident respondents."""
    frame = _respondents(conn, area_id)
    if frame.empty:
        conn.execute(delete(WeightingRun).where(WeightingRun.area_id == area_id))
        return None
    code, name = conn.execute(select(Area.code, Area.name).where(Area.id == area_id)).one()
    margins = _margins(conn, area_id)
    if not margins:
        new, run = (
            None,
            {
                "respondents": len(frame),
                "dimensions": "",
                "converged": False,
                "iterations": 0,
                "trimmed": 0,
                "design_effect": design_effect(frame["weight"].to_numpy(dtype=float)),
                "note": NO_MARGINS,
            },
        )
    else:
        result = rake(frame, margins)
        new = result.weights if result.converged else None
        run = {
            "respondents": len(frame),
            "dimensions": ", ".join(result.dimensions),
            "converged": result.converged,
            "iterations": result.iterations,
            "trimmed": result.trimmed,
            "design_effect": result.design_effect,
            "note": result.note or None,
        }
    changed = _changed(frame["rake_weight"], new)
    if changed.any():
        _write_weights(conn, frame["id"].to_numpy()[changed], None if new is None else new[changed])
    months = {d.replace(day=1) for d in frame["responded_on"][changed]}
    if not np.isfinite(run["design_effect"] or np.nan):
        run["design_effect"] = None
    conn.execute(delete(WeightingRun).where(WeightingRun.area_id == area_id))
    conn.execute(insert(WeightingRun).values(area_id=area_id, **run))
    return AreaWeighting(area_id, code, name, **run), months


def rake_areas(
    conn: Connection, area_ids: Iterable[int] | None = None, refresh: bool = True
) -> list[AreaWeighting]:
    """Rake every area with resident respondents (or only `area_ids`), one at a time, in the
    caller's transaction, and (unless `refresh` is False, for a caller that rebuilds them
    itself) refresh the survey roll-ups for the months whose weights changed. Returns how
    each area went, by area code. With `area_ids` None, `weighting_run` rows of areas that
    no longer have residents are removed."""
    r = SurveyResponse
    with_residents = (
        select(r.area_id).where(r.respondent_type == "resident", r.area_id.is_not(None)).distinct()
    )
    every = area_ids is None
    wanted = sorted(conn.execute(with_residents).scalars()) if every else sorted(set(area_ids))
    done: list[AreaWeighting] = []
    months: set[date] = set()
    for area_id in wanted:
        outcome = rake_area(conn, area_id)
        if outcome is not None:
            done.append(outcome[0])
            months |= outcome[1]
    if every:
        conn.execute(delete(WeightingRun).where(WeightingRun.area_id.not_in(wanted or [-1])))
    if months and refresh:
        refresh_survey_monthly(conn, months)
    return sorted(done, key=lambda a: a.code)


def summary(done: list[AreaWeighting]) -> str:
    """One line for an import report: how many areas were raked, and which were not."""
    if not done:
        return "weights: no area has resident respondents to rake"
    raked = [a for a in done if a.converged]
    failed = [a for a in done if not a.converged and a.note != NO_MARGINS]
    bare = [a for a in done if a.note == NO_MARGINS]
    text = f"weights: {len(raked)} of {len(done)} area(s) raked to their population margins"
    if failed:
        text += f"; design weights kept where raking failed: {', '.join(a.code for a in failed[:10])}"
    if bare:
        text += f"; {len(bare)} area(s) have no population margins (design weights)"
    return text


def weighting_runs(conn: Connection) -> pd.DataFrame:
    """The latest raking of every area, by area code: columns code, name, respondents,
    dimensions, converged, iterations, trimmed, design_effect, note, ran_at."""
    w, a = WeightingRun, Area
    rows = conn.execute(
        select(
            a.code,
            a.name,
            w.respondents,
            w.dimensions,
            w.converged,
            w.iterations,
            w.trimmed,
            w.design_effect,
            w.note,
            w.ran_at,
        )
        .join(a, a.id == w.area_id)
        .order_by(a.code)
    ).all()
    columns = [
        "code",
        "name",
        "respondents",
        "dimensions",
        "converged",
        "iterations",
        "trimmed",
        "design_effect",
        "note",
        "ran_at",
    ]
    return pd.DataFrame(rows, columns=columns)
