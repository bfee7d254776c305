"""One partnership's profile: who is in it, where it works, what it has done.

Small registry tables read whole for one partnership (tens of rows); activity
counts are aggregated per quarter in SQL.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, and_, case, func, or_, select

from db.dialect import quarter_start
from db.models import (
    Activity,
    Area,
    Event,
    Feedback,
    Initiative,
    Organisation,
    Partnership,
    PartnershipArea,
    PartnershipMember,
)
from metrics.filters import Filters
from metrics.stats import weighted_mean


def partnership_list(conn: Connection) -> pd.DataFrame:
    """Every partnership. Columns: code, name, start_date, end_date, status; sorted by name."""
    q = select(
        Partnership.code, Partnership.name, Partnership.start_date, Partnership.end_date, Partnership.status
    ).order_by(Partnership.name)
    return pd.DataFrame(conn.execute(q).all(), columns=["code", "name", "start_date", "end_date", "status"])


def partnership_details(conn: Connection, code: str) -> dict | None:
    """Name, description, goals, dates and status of one partnership, or None if unknown."""
    p = Partnership
    q = select(p.code, p.name, p.description, p.goals, p.start_date, p.end_date, p.status).where(
        p.code == code
    )
    row = conn.execute(q).mappings().first()
    return None if row is None else dict(row)


def members(conn: Connection, code: str) -> pd.DataFrame:
    """Member organisations. Columns: organisation, sector, role; sorted by sector, name."""
    q = (
        select(Organisation.name, Organisation.sector, PartnershipMember.role)
        .join(PartnershipMember, PartnershipMember.organisation_id == Organisation.id)
        .join(Partnership, Partnership.id == PartnershipMember.partnership_id)
        .where(Partnership.code == code)
        .order_by(Organisation.sector, Organisation.name)
    )
    return pd.DataFrame(conn.execute(q).all(), columns=["organisation", "sector", "role"])


def areas(conn: Connection, code: str) -> pd.DataFrame:
    """Catchment and comparison areas. Columns: role, code, name, kind, population."""
    q = (
        select(PartnershipArea.role, Area.code, Area.name, Area.kind, Area.population)
        .join(Area, Area.id == PartnershipArea.area_id)
        .join(Partnership, Partnership.id == PartnershipArea.partnership_id)
        .where(Partnership.code == code)
        .order_by(PartnershipArea.role, Area.name)
    )
    return pd.DataFrame(conn.execute(q).all(), columns=["role", "code", "name", "kind", "population"])


def initiatives(conn: Connection, code: str) -> pd.DataFrame:
    """Initiatives through the SARA cycle. Columns: name, response_type, stage,
    started_on, ended_on, goal, goal_met; oldest first."""
    q = (
        select(
            Initiative.name,
            Initiative.response_type,
            Initiative.stage,
            Initiative.started_on,
            Initiative.ended_on,
            Initiative.goal,
            Initiative.goal_met,
        )
        .join(Partnership, Partnership.id == Initiative.partnership_id)
        .where(Partnership.code == code)
        .order_by(Initiative.started_on, Initiative.name)
    )
    columns = ["name", "response_type", "stage", "started_on", "ended_on", "goal", "goal_met"]
    return pd.DataFrame(conn.execute(q).all(), columns=columns)


def activity_by_quarter(conn: Connection, filters: Filters, code: str) -> pd.DataFrame:
    """Meetings and other activities per quarter within the period.

    Columns: quarter (date), meetings (count), meeting_attendance (sum),
    other_activities (count: events, outreach, training), other_attendance (sum),
    decisions (sum of decisions made).
    """
    a = Activity
    q_start = quarter_start(a.occurred_on)
    is_meeting = a.kind == "meeting"
    q = (
        select(
            q_start.label("quarter"),
            func.sum(case((is_meeting, 1), else_=0)),
            func.coalesce(func.sum(case((is_meeting, a.attendance), else_=0)), 0),
            func.sum(case((is_meeting, 0), else_=1)),
            func.coalesce(func.sum(case((is_meeting, 0), else_=a.attendance)), 0),
            func.coalesce(func.sum(a.decisions_made), 0),
        )
        .join(Partnership, Partnership.id == a.partnership_id)
        .where(Partnership.code == code, a.occurred_on >= filters.start, a.occurred_on <= filters.end)
        .group_by(q_start)
        .order_by(q_start)
    )
    columns = [
        "quarter",
        "meetings",
        "meeting_attendance",
        "other_activities",
        "other_attendance",
        "decisions",
    ]
    frame = pd.DataFrame(conn.execute(q).all(), columns=columns)
    frame["quarter"] = pd.to_datetime(frame["quarter"])
    return frame


def events(conn: Connection, filters: Filters, code: str | None) -> pd.DataFrame:
    """Dated events to draw on time series: this partnership's and city-wide ones.

    Columns: occurred_on (date), kind, label; within the period, oldest first.
    """
    own = Event.partnership_id.in_(select(Partnership.id).where(Partnership.code == code))
    q = (
        select(Event.occurred_on, Event.kind, Event.label)
        .where(
            or_(Event.partnership_id.is_(None), own),
            and_(Event.occurred_on >= filters.start, Event.occurred_on <= filters.end),
        )
        .order_by(Event.occurred_on)
    )
    frame = pd.DataFrame(conn.execute(q).all(), columns=["occurred_on", "kind", "label"])
    frame["occurred_on"] = pd.to_datetime(frame["occurred_on"])
    return frame


def feedback_ratings(conn: Connection, filters: Filters, code: str) -> pd.DataFrame:
    """How partners and officers rate the partnership (1 to 5) within the period, by who
    said it. Columns: source, n, mean, ci_low, ci_high (95%, from stats.weighted_mean with
    equal weights, i.e. mean +/- 1.96 s / sqrt(n)); sources with no rating are absent."""
    f = Feedback
    q = (
        select(f.source, func.count(f.rating), func.sum(f.rating), func.sum(f.rating * f.rating))
        .join(Partnership, Partnership.id == f.partnership_id)
        .where(Partnership.code == code, f.received_on >= filters.start, f.received_on <= filters.end)
        .where(f.rating.is_not(None))
        .group_by(f.source)
        .order_by(f.source)
    )
    rows = []
    for source, n, total, squares in conn.execute(q):
        est = weighted_mean(int(n), float(n), float(n), float(total), float(squares))
        rows.append(
            {"source": source, "n": est.n, "mean": est.estimate, "ci_low": est.ci_low, "ci_high": est.ci_high}
        )
    return pd.DataFrame(rows, columns=["source", "n", "mean", "ci_low", "ci_high"])


def feedback_comments(conn: Connection, filters: Filters, code: str, limit: int = 200) -> pd.DataFrame:
    """Partner-confidential comments within the period, newest first (leadership only).
    Columns: received_on, source, rating, comment."""
    f = Feedback
    q = (
        select(f.received_on, f.source, f.rating, f.comment)
        .join(Partnership, Partnership.id == f.partnership_id)
        .where(Partnership.code == code, f.received_on >= filters.start, f.received_on <= filters.end)
        .where(f.comment.is_not(None), f.comment != "")
        .order_by(f.received_on.desc(), f.id.desc())
        .limit(limit)
    )
    return pd.DataFrame(conn.execute(q).all(), columns=["received_on", "source", "rating", "comment"])
