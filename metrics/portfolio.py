"""The portfolio: one row per partnership, for leadership's overview.

Combines the registry (partners, areas), the latest resident survey scores and
the recent crime direction. Every survey figure keeps its `n`.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from db.models import Area, Organisation, Partnership, PartnershipArea, PartnershipMember, SurveyResponse
from metrics.crime import crime_change
from metrics.filters import Filters
from metrics.survey import latest_scores, published_scores, survey_scores


def _registry(conn: Connection) -> pd.DataFrame:
    members = (
        select(
            PartnershipMember.partnership_id,
            func.count().label("partners"),
            func.count(func.distinct(Organisation.sector)).label("sectors"),
        )
        .join(Organisation, Organisation.id == PartnershipMember.organisation_id)
        .group_by(PartnershipMember.partnership_id)
        .subquery()
    )
    places = (
        select(
            PartnershipArea.partnership_id,
            func.count().label("areas"),
            func.sum(Area.population).label("population"),
        )
        .join(Area, Area.id == PartnershipArea.area_id)
        .where(PartnershipArea.role == "catchment")
        .group_by(PartnershipArea.partnership_id)
        .subquery()
    )
    q = (
        select(
            Partnership.code,
            Partnership.name,
            Partnership.start_date,
            Partnership.end_date,
            Partnership.status,
            func.coalesce(members.c.partners, 0),
            func.coalesce(members.c.sectors, 0),
            func.coalesce(places.c.areas, 0),
            places.c.population,
        )
        .outerjoin(members, members.c.partnership_id == Partnership.id)
        .outerjoin(places, places.c.partnership_id == Partnership.id)
        .order_by(Partnership.name)
    )
    columns = [
        "code",
        "name",
        "start_date",
        "end_date",
        "status",
        "partners",
        "sectors",
        "areas",
        "population",
    ]
    return pd.DataFrame(conn.execute(q).all(), columns=columns)


STATUSES = ("not yet begun", "active", "ended")  # as of a day, in the order a partnership passes them


def status_on(day: date, start: date, end: date | None, recorded: str) -> str:
    """A partnership's status on `day`: 'not yet begun' (it starts after `day`), 'ended'
    (its end date is before `day`) or 'active'. The registry's own status (as of today)
    counts only where the dates cannot tell: a partnership still 'planned' today had not
    begun on any earlier day either, and one 'ended' with no end date is taken as ended."""
    if start > day or recorded == "planned":
        return "not yet begun"
    if (end is not None and end < day) or (end is None and recorded == "ended"):
        return "ended"
    return "active"


def portfolio(conn: Connection, filters: Filters) -> pd.DataFrame:
    """One row per partnership, sorted by name (never ranked). The portfolio always
    holds every partnership: `filters.partnership` is ignored here.

    Columns: code, name, start_date, end_date, status (on the period's last day, see
    `status_on`: 'not yet begun', 'active' or 'ended'), partners, sectors, areas, population,
    trust, trust_margin, trust_n, trust_quarter, satisfaction, satisfaction_margin,
    satisfaction_n, satisfaction_quarter (latest quarter in the period; missing
    when no residents answered), {trust,satisfaction}_published_{value,period,
    statistic,n} (the latest published figure in the period, for partnerships whose
    areas a vendor reports on), crime_before, crime_after, crime_change_pct,
    crime_direction (last 12 months of the period against the 12 before).
    """
    frame = _registry(conn)
    frame["status"] = [
        status_on(filters.end, start, end, recorded)
        for start, end, recorded in zip(frame["start_date"], frame["end_date"], frame["status"], strict=True)
    ]
    everyone = Filters(filters.start, filters.end, None, filters.crime_groups)
    latest = latest_scores(survey_scores(conn, everyone, ("trust", "satisfaction")))
    for construct in ("trust", "satisfaction"):
        part = latest[latest["construct"] == construct].set_index("partnership")
        # mapped through dicts: an empty Series of dates cannot be a mapper (pandas 3)
        frame[construct] = frame["code"].map(part["mean"].to_dict())
        frame[f"{construct}_margin"] = frame["code"].map((part["ci_high"] - part["mean"]).to_dict())
        frame[f"{construct}_n"] = frame["code"].map(part["n"].to_dict()).astype("Int64")
        frame[f"{construct}_quarter"] = pd.to_datetime(frame["code"].map(part["quarter"].to_dict()))
    published = published_scores(conn, everyone, ("trust", "satisfaction")).sort_values("period")
    for construct in ("trust", "satisfaction"):  # what a vendor published, where no one was asked here
        last = published[published["construct"] == construct].groupby("partnership").last()
        for field in ("value", "period", "statistic", "n"):
            frame[f"{construct}_published_{field}"] = frame["code"].map(last[field].to_dict())
    change = crime_change(conn, everyone).set_index("partnership")
    frame["crime_before"] = frame["code"].map(change["before"].to_dict()).astype("Int64")
    frame["crime_after"] = frame["code"].map(change["after"].to_dict()).astype("Int64")
    frame["crime_change_pct"] = frame["code"].map(change["change_pct"].to_dict())
    frame["crime_direction"] = frame["code"].map(change["direction"].to_dict())
    return frame


def residents_surveyed(conn: Connection, filters: Filters) -> int:
    """Residents of any partnership's catchment who answered a survey in the period."""
    catchment = select(PartnershipArea.area_id).where(PartnershipArea.role == "catchment")
    q = select(func.count()).where(
        and_(
            SurveyResponse.respondent_type == "resident",
            SurveyResponse.area_id.in_(catchment),
            SurveyResponse.responded_on >= filters.start,
            SurveyResponse.responded_on <= filters.end,
        )
    )
    return int(conn.execute(q).scalar_one())
