"""The stored scorecard: what a new process reads instead of evaluating every
partnership again. It must be the scorecard, and never outlive the data it was made from."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, insert, select, update

from db.engine import make_engine
from db.migrate import upgrade
from db.models import LoadLog, ScorecardResult
from metrics.evaluation import Design, scorecard
from metrics.stored import stored_scorecard
from tests.tiny_city import fill_tiny


def _loaded(engine, kind: str = "crime_incident") -> None:
    with engine.begin() as conn:
        conn.execute(insert(LoadLog), {"kind": kind, "rows_inserted": 1, "loaded_by": "test"})


def _stored_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ScorecardResult)).scalar_one()


def test_the_stored_scorecard_is_the_computed_one_row_for_row(engine):
    fill_tiny(engine)
    _loaded(engine)
    first = stored_scorecard(engine, Design())  # computed, then stored
    assert _stored_rows(engine) == len(first) > 0
    again = stored_scorecard(engine, Design())  # read back
    with engine.connect() as conn:
        fresh = scorecard(conn, Design())
    pd.testing.assert_frame_equal(again, fresh, check_exact=False, rtol=1e-12)
    assert again["estimate"].isna().any()  # a verdict without an estimate survives as NaN


def test_a_second_process_reads_the_stored_rows_instead_of_evaluating(engine):
    fill_tiny(engine)
    _loaded(engine)
    stored_scorecard(engine, Design())
    with engine.begin() as conn:  # mark the stored rows, to see where the answer comes from
        conn.execute(update(ScorecardResult).values(sentence="read from the store"))
    served = stored_scorecard(engine, Design())
    assert set(served["sentence"]) == {"read from the store"}


def test_a_new_load_makes_the_stored_scorecard_stale(engine):
    fill_tiny(engine)
    _loaded(engine)
    stored_scorecard(engine, Design())
    with engine.begin() as conn:
        conn.execute(update(ScorecardResult).values(sentence="stale"))
    _loaded(engine, "survey_response")
    served = stored_scorecard(engine, Design())
    assert "stale" not in set(served["sentence"])
    with engine.connect() as conn:
        versions = conn.execute(select(ScorecardResult.version).distinct()).scalars().all()
    assert len(versions) == 1  # the stale rows were replaced, not kept beside the new


def test_each_design_is_stored_apart(engine):
    fill_tiny(engine)
    _loaded(engine)
    default = stored_scorecard(engine, Design())
    short = stored_scorecard(engine, Design(before_months=6, after_months=6))
    assert _stored_rows(engine) == len(default) + len(short)
    with engine.connect() as conn:
        pd.testing.assert_frame_equal(short, scorecard(conn, Design(before_months=6, after_months=6)))


def test_data_written_outside_the_load_log_is_never_served_from_the_store(engine):
    fill_tiny(engine)  # no load_log row: nothing says when the data changed
    stored_scorecard(engine, Design())
    assert _stored_rows(engine) == 0


def test_a_read_only_database_still_gets_its_scorecard(tmp_path):
    """A dashboard on a read replica cannot store; it computes and serves anyway."""
    path = tmp_path / "replica.sqlite"
    writable = make_engine(f"sqlite:///{path}")
    upgrade(writable)
    fill_tiny(writable)
    _loaded(writable)
    writable.dispose()
    replica = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    served = stored_scorecard(replica, Design())
    assert len(served) > 0
    assert served["verdict"].notna().all()
    assert _stored_rows(replica) == 0
