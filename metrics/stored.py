"""The scorecard kept in the database, so that a new app process reads it instead of
evaluating every partnership again (60 partnerships x 7 outcomes is seconds of model
fitting at city scale).

Stored results are keyed by the evaluation design and by the data they were computed
on: `version` is the latest `load_log` id, which every accepted import and every demo
load moves. A load therefore makes earlier results stale without touching them, and
the next request computes the scorecard afresh and replaces them. A database with no
load log (data written some other way) is never served stored results.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict

import pandas as pd
from sqlalchemy import Connection, Engine, delete, func, select
from sqlalchemy.exc import SQLAlchemyError

from db.models import LoadLog, ScorecardResult
from metrics.evaluation import SCORECARD_COLUMNS, Design, scorecard

log = logging.getLogger(__name__)
STORED = [c for c in SCORECARD_COLUMNS if c != "code"]
SUSTAINED_NUMBERS = ("sustained_estimate", "sustained_ci_low", "sustained_ci_high")


def design_key(design: Design) -> str:
    """The design as canonical JSON: equal designs, equal keys."""
    return json.dumps(asdict(design), sort_keys=True, separators=(",", ":"))


def data_version(conn: Connection) -> int | None:
    """The latest load's id, or None when nothing was ever loaded through the log."""
    return conn.execute(select(func.max(LoadLog.id))).scalar()


def read_scorecard(conn: Connection, design: Design, version: int) -> pd.DataFrame | None:
    """The scorecard stored for `design` on data `version`, or None if there is none."""
    s = ScorecardResult
    rows = conn.execute(
        select(s.code, *(getattr(s, c) for c in STORED))
        .where(s.design == design_key(design), s.version == version)
        .order_by(s.position)
    ).all()
    if not rows:
        return None
    frame = pd.DataFrame([tuple(r) for r in rows], columns=SCORECARD_COLUMNS)
    for column in ("estimate", "ci_low", "ci_high", "p_value", *SUSTAINED_NUMBERS):  # NULL back to NaN
        frame[column] = frame[column].astype(float)
    return frame


def write_scorecard(conn: Connection, design: Design, version: int, frame: pd.DataFrame) -> None:
    """Store `frame` for `design` on data `version`, replacing results for other versions."""
    s = ScorecardResult
    key = design_key(design)
    conn.execute(delete(s).where((s.version != version) | (s.design == key)))

    def value(v):
        return None if isinstance(v, float) and math.isnan(v) else v

    rows = [
        {"design": key, "version": version, "position": i, **{c: value(row[c]) for c in SCORECARD_COLUMNS}}
        for i, row in enumerate(frame.to_dict("records"))
    ]
    if rows:
        conn.execute(s.__table__.insert(), rows)


def stored_scorecard(engine: Engine, design: Design) -> pd.DataFrame:
    """The scorecard for `design`: the stored one when it is for the latest load,
    otherwise computed now and stored for the next process. A database that refuses the
    write (a read replica, say) still gets the computed scorecard."""
    with engine.connect() as conn:
        version = data_version(conn)
        if version is not None:
            found = read_scorecard(conn, design, version)
            if found is not None:
                return found
        frame = scorecard(conn, design)
    if version is None:
        return frame
    try:
        with engine.begin() as conn:
            if data_version(conn) == version:  # no load landed while it was computed
                write_scorecard(conn, design, version, frame)
    except SQLAlchemyError as exc:  # e.g. a read-only replica, or another process wrote it first
        log.warning("the scorecard could not be stored: %s", exc)
    return frame
