"""The Common Ground schema: every table the product stores, as SQLAlchemy 2 typed models.

This module is the single source of truth for the schema; Alembic migrations in
`db/migrations/versions` are checked against it by the test suite. Nothing here
queries data. Vocabularies (sectors, constructs, groups ...) are tuples below so
that loaders, the demo generator and the CHECK constraints share one spelling.

The schema is designed for the whole product: areas and their aliases and
neighbours; organisations; partnerships with members, catchment and comparison
areas; item-level surveys plus pre-aggregated vendor results; crime incidents (or
published counts) with a monthly roll-up; initiatives, activities, stakeholder
feedback, chart events; and a load log for data freshness.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# One naming convention so SQLite and PostgreSQL name constraints alike and
# migrations can drop them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

AREA_KINDS = ("beat", "sector", "ward", "neighbourhood", "district", "precinct", "borough", "city")
SECTORS = (
    "school",
    "business",
    "local_government",
    "non_profit",
    "faith",
    "resident_group",
    "media",
    "police",
    "other",
)
PARTNERSHIP_STATUSES = ("planned", "active", "ended")
AREA_ROLES = ("catchment", "comparison")
USER_ROLES = ("public", "leadership", "admin")  # each may do what the ones before it may
CONSTRUCTS = ("trust", "satisfaction", "safety", "procedural_justice", "awareness", "collaboration")
RESPONDENT_TYPES = ("resident", "partner", "officer")
AGGREGATE_STATISTICS = ("mean", "share")
CRIME_GROUPS = ("violent", "property", "asb", "other")
SARA_STAGES = ("scanning", "analysis", "response", "assessment")
ACTIVITY_KINDS = ("meeting", "event", "outreach", "training", "other")
EVENT_KINDS = ("start", "phase", "records", "other")
# what an initiative may target: a crime group, or a resident survey construct
SURVEY_TARGETS = ("trust", "satisfaction", "safety", "procedural_justice")
INITIATIVE_TARGETS = CRIME_GROUPS + SURVEY_TARGETS
# what an initiative plans and delivers, month by month (implementation fidelity)
DELIVERY_KINDS = ("patrol", "meeting", "outreach", "environmental")
# where a community priority came from
PRIORITY_SOURCES = ("survey", "meeting", "consultation", "other")
# who proposed a decision: the police, residents, or a partner organisation's sector
PROPOSERS = ("police", "residents", *(s for s in SECTORS if s != "police"))
DECISION_STATUSES = ("agreed", "done", "dropped")
# who a resident is, for breakdowns and equity gaps: survey_response columns of these names
GROUP_DIMENSIONS = ("age_band", "sex", "race_ethnicity", "education", "income")
# population margins raking weights resident answers to: one dimension, or age band x sex
# jointly ("age_sex", a group written "16-24|female")
MARGIN_DIMENSIONS = ("age_sex", "age_band", "sex", "race_ethnicity", "education", "income")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK that `column` takes one of `values` (fixed vocabularies, not data)."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- places -----------------------------------------------------------------


class Area(Base):
    """A policing or census area (beat, district, borough ...) with its resident population."""

    __tablename__ = "area"
    __table_args__ = (CheckConstraint(_one_of("kind", AREA_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    population: Mapped[int | None] = mapped_column(Integer)
    # Its shape for maps: a GeoJSON geometry (longitude, latitude), simplified for display
    # once, when it is stored (db/boundaries.py), and a point inside it for its label.
    boundary: Mapped[str | None] = mapped_column(Text)
    label_lon: Mapped[float | None] = mapped_column(Float)
    label_lat: Mapped[float | None] = mapped_column(Float)

    parent: Mapped[Area | None] = relationship(remote_side="Area.id")


class AreaAlias(Base):
    """Another spelling of an area's name used by some source ("Westminster" for
    "City of Westminster"), so imports can match it."""

    __tablename__ = "area_alias"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(200), unique=True)
    source: Mapped[str | None] = mapped_column(String(100))


class AreaNeighbour(Base):
    """Two areas sharing a boundary; stored once per direction. Used for displacement buffers."""

    __tablename__ = "area_neighbour"

    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), primary_key=True)
    neighbour_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), primary_key=True)


# --- who --------------------------------------------------------------------


class Organisation(Base):
    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint(_one_of("sector", SECTORS), name="sector"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    sector: Mapped[str] = mapped_column(String(32))


class Partnership(Base):
    __tablename__ = "partnership"
    __table_args__ = (
        CheckConstraint(_one_of("status", PARTNERSHIP_STATUSES), name="status"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    goals: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="active")
    # the equity gap it is judged on: residents of `equity_group` in `equity_dimension`
    # (one of GROUP_DIMENSIONS) against `equity_reference` (NULL: everyone else)
    equity_dimension: Mapped[str | None] = mapped_column(String(32))
    equity_group: Mapped[str | None] = mapped_column(String(64))
    equity_reference: Mapped[str | None] = mapped_column(String(64))


class PartnershipMember(Base):
    __tablename__ = "partnership_member"

    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str | None] = mapped_column(String(100))


class PartnershipArea(Base):
    """An area a partnership serves (`catchment`) or is compared with (`comparison`)."""

    __tablename__ = "partnership_area"
    __table_args__ = (CheckConstraint(_one_of("role", AREA_ROLES), name="role"),)

    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


# --- surveys ----------------------------------------------------------------


class SurveyItem(Base):
    """One question, with its scale. Scores rescale answers to 0-100 with
    `100 * (x - scale_min) / (scale_max - scale_min)`, reversed when `reverse_worded`."""

    __tablename__ = "survey_item"
    __table_args__ = (
        CheckConstraint(_one_of("construct", CONSTRUCTS), name="construct"),
        CheckConstraint("scale_max > scale_min", name="scale_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    wording: Mapped[str] = mapped_column(Text)
    construct: Mapped[str] = mapped_column(String(32))
    scale_min: Mapped[float] = mapped_column(Float)
    scale_max: Mapped[float] = mapped_column(Float)
    reverse_worded: Mapped[bool] = mapped_column(default=False)
    scale_labels: Mapped[str | None] = mapped_column(Text)


class SurveyResponse(Base):
    """One respondent's questionnaire. `quarter_start` (first day of the calendar
    quarter of `responded_on`) is stored at load time so that quarterly grouping
    is the same plain GROUP BY on SQLite and PostgreSQL."""

    __tablename__ = "survey_response"
    __table_args__ = (
        CheckConstraint(_one_of("respondent_type", RESPONDENT_TYPES), name="respondent_type"),
        CheckConstraint("weight > 0", name="weight_positive"),
        Index("ix_survey_response_area_quarter", "area_id", "quarter_start"),
        # evaluation windows select respondents by answer date across all areas
        Index("ix_survey_response_responded_on", "responded_on"),
        # the residents surveyed in catchments, counted from the index alone
        Index("ix_survey_response_area_type_day", "area_id", "respondent_type", "responded_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    respondent_type: Mapped[str] = mapped_column(String(16))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), index=True
    )
    responded_on: Mapped[date] = mapped_column(Date)
    quarter_start: Mapped[date] = mapped_column(Date)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    age_band: Mapped[str | None] = mapped_column(String(16))
    sex: Mapped[str | None] = mapped_column(String(16))
    race_ethnicity: Mapped[str | None] = mapped_column(String(64))
    education: Mapped[str | None] = mapped_column(String(64))
    income: Mapped[str | None] = mapped_column(String(64))
    # `weight` raked to the area's population margins (db.weighting); NULL until raked, and
    # every score then uses `weight` (the design weight) instead
    rake_weight: Mapped[float | None] = mapped_column(Float)


class SurveyOpenAnswer(Base):
    """A respondent's written answer to an open question ("Anything else you want to tell
    us?"). Confidential like feedback comments: leadership only, themes and counts in public."""

    __tablename__ = "survey_open_answer"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), primary_key=True
    )
    question: Mapped[str] = mapped_column(String(64), primary_key=True)
    text: Mapped[str] = mapped_column(Text)


class PopulationMargin(Base):
    """How many residents of an area are in a group (census counts): the targets raking
    weights resident answers to. `group_value` is one of the dimension's groups, or for
    `age_sex` an age band and a sex joined by "|" ("16-24|female")."""

    __tablename__ = "population_margin"
    __table_args__ = (
        CheckConstraint(_one_of("dimension", MARGIN_DIMENSIONS), name="dimension"),
        CheckConstraint("population >= 0", name="population_nonnegative"),
        UniqueConstraint("area_id", "dimension", "group_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    dimension: Mapped[str] = mapped_column(String(32))
    group_value: Mapped[str] = mapped_column(String(140))
    population: Mapped[int] = mapped_column(Integer)


class WeightingRun(Base):
    """The latest raking of one area's resident answers: whether it converged, how many
    weights were trimmed, and the design effect the weights cost (Kish, 1 + CV^2)."""

    __tablename__ = "weighting_run"

    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    respondents: Mapped[int] = mapped_column(Integer)
    dimensions: Mapped[str] = mapped_column(String(200))  # the margins used, comma-separated
    converged: Mapped[bool] = mapped_column()
    iterations: Mapped[int] = mapped_column(Integer)
    trimmed: Mapped[int] = mapped_column(Integer)  # weights cut to the trimming bounds
    design_effect: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)  # why it did not converge, or was not run


class SurveyAnswer(Base):
    __tablename__ = "survey_answer"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_response.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("survey_item.id"), primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class SurveyAggregate(Base):
    """A vendor's published result for an area and period, when item-level answers
    are not available. `value` is on 0-100: a mean score (`statistic='mean'`) or a
    percentage positive (`statistic='share'`). `n` is NULL when the source does
    not report it; the dashboard then says "sample size not reported"."""

    __tablename__ = "survey_aggregate"
    __table_args__ = (
        CheckConstraint(_one_of("statistic", AGGREGATE_STATISTICS), name="statistic"),
        CheckConstraint("value >= 0 AND value <= 100", name="value_0_100"),
        CheckConstraint("n IS NULL OR n > 0", name="n_positive"),
        UniqueConstraint(
            "area_id",
            "item_id",
            "period_start",
            "statistic",
            "group_kind",
            "group_value",
            name="uq_survey_aggregate_natural_key",  # the generated name passes 63 chars
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("survey_item.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    statistic: Mapped[str] = mapped_column(String(8))
    value: Mapped[float] = mapped_column(Float)
    n: Mapped[int | None] = mapped_column(Integer)
    group_kind: Mapped[str] = mapped_column(String(32), default="all")
    group_value: Mapped[str] = mapped_column(String(64), default="all")


# --- crime ------------------------------------------------------------------


class OffenceCategory(Base):
    """A source's own offence code, mapped to one standard group the user can edit."""

    __tablename__ = "offence_category"
    __table_args__ = (
        CheckConstraint(_one_of("crime_group", CRIME_GROUPS), name="crime_group"),
        UniqueConstraint("source", "source_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    source_code: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    crime_group: Mapped[str] = mapped_column(String(16))


class CrimeIncident(Base):
    """One recorded incident, or a published count (`count` > 1) for an area and month.
    `occurred_month` (first of the month of `occurred_on`) is stored at load time."""

    __tablename__ = "crime_incident"
    __table_args__ = (
        CheckConstraint("count >= 0", name="count_nonnegative"),
        UniqueConstraint("source", "source_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str | None] = mapped_column(String(100))
    occurred_on: Mapped[date] = mapped_column(Date)
    occurred_month: Mapped[date] = mapped_column(Date)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("offence_category.id"))
    count: Mapped[int] = mapped_column(Integer, default=1)


class CrimeMonthly(Base):
    """Incidents rolled up to area x month x category; refreshed on every load
    (see `db.rollup`). Every crime chart reads this table, never `crime_incident`."""

    __tablename__ = "crime_monthly"
    __table_args__ = (Index("ix_crime_monthly_month", "month"),)

    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("offence_category.id"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class SurveyMonthly(Base):
    """Resident survey answers rolled up to construct x area x month: the sums a
    weighted mean and a weighted share need, each respondent counted once per construct
    with the mean of their rescaled (0-100) answers. Refreshed on every load (see
    `db.rollup`); every survey score and survey evaluation reads this table. `quarter`
    is the responses' `quarter_start`, kept so scores per quarter need no date maths."""

    __tablename__ = "survey_monthly"
    __table_args__ = (Index("ix_survey_monthly_quarter", "quarter"),)

    construct: Mapped[str] = mapped_column(String(32), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    quarter: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)  # respondents
    sw: Mapped[float] = mapped_column(Float)  # sum of weights
    sw2: Mapped[float] = mapped_column(Float)  # sum of squared weights
    swx: Mapped[float] = mapped_column(Float)  # sum of weight x score
    swx2: Mapped[float] = mapped_column(Float)  # sum of weight x score squared
    swp: Mapped[float] = mapped_column(Float)  # sum of weight x share of answers positive


class SurveyGroupMonthly(Base):
    """`survey_monthly`'s sums again, per group of residents: for each dimension of
    GROUP_DIMENSIONS and each of its groups (respondents with the dimension blank are left
    out). Refreshed with `survey_monthly` (see `db.rollup`); breakdowns and equity gaps
    read it."""

    __tablename__ = "survey_group_monthly"
    __table_args__ = (
        CheckConstraint(_one_of("dimension", GROUP_DIMENSIONS), name="dimension"),
        Index("ix_survey_group_monthly_quarter", "quarter"),
    )

    construct: Mapped[str] = mapped_column(String(32), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    quarter: Mapped[date] = mapped_column(Date, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    group_value: Mapped[str] = mapped_column(String(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    sw: Mapped[float] = mapped_column(Float)
    sw2: Mapped[float] = mapped_column(Float)
    swx: Mapped[float] = mapped_column(Float)
    swx2: Mapped[float] = mapped_column(Float)
    swp: Mapped[float] = mapped_column(Float)


class ScorecardResult(Base):
    """The scorecard (every partnership's verdict per outcome) as computed for one
    evaluation design on the data as of one load (`version`: the latest `load_log` id).
    A process that needs it reads these rows instead of refitting; a newer load makes
    them stale, and the next computation replaces them (see `metrics.stored`)."""

    __tablename__ = "scorecard_result"

    design: Mapped[str] = mapped_column(String(400), primary_key=True)  # the Design as JSON
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # row order of the scorecard
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(100))
    verdict: Mapped[str] = mapped_column(String(32))
    estimate: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    scale: Mapped[str | None] = mapped_column(String(32))
    sentence: Mapped[str] = mapped_column(Text)
    p_value: Mapped[float | None] = mapped_column(Float)
    sustained_verdict: Mapped[str | None] = mapped_column(String(32))
    sustained_estimate: Mapped[float | None] = mapped_column(Float)
    sustained_ci_low: Mapped[float | None] = mapped_column(Float)
    sustained_ci_high: Mapped[float | None] = mapped_column(Float)


# --- implementation and context --------------------------------------------


class Initiative(Base):
    """A problem the partnership works through the SARA cycle.

    A *targeted* initiative also names where and at what it is aimed (its
    `initiative_area` and `initiative_outcome` rows) and may state a measurable goal:
    `goal_change` in `goal_outcome` within `goal_months` of `started_on` (a relative
    change for a crime group, -0.2 for "down 20%"; points on 0-100 for a survey
    construct). It is then evaluated on its own target (metrics.initiatives).
    `goal_met` is what a person typed: a claim, shown as such wherever a measured answer
    exists."""

    __tablename__ = "initiative"
    __table_args__ = (
        CheckConstraint(_one_of("stage", SARA_STAGES), name="stage"),
        CheckConstraint(_one_of("goal_outcome", INITIATIVE_TARGETS), name="goal_outcome"),
        CheckConstraint("goal_months IS NULL OR goal_months >= 1", name="goal_months_positive"),
        CheckConstraint(
            "planned_end IS NULL OR started_on IS NULL OR planned_end >= started_on", name="planned_ordered"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    response_type: Mapped[str | None] = mapped_column(String(100))
    stage: Mapped[str] = mapped_column(String(16))
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    goal: Mapped[str | None] = mapped_column(Text)
    goal_met: Mapped[bool | None] = mapped_column()
    planned_end: Mapped[date | None] = mapped_column(Date)
    goal_outcome: Mapped[str | None] = mapped_column(String(32))
    goal_change: Mapped[float | None] = mapped_column(Float)
    goal_months: Mapped[int | None] = mapped_column(Integer)


class InitiativeArea(Base):
    """An area a targeted initiative works in: some of its partnership's areas, or a
    hotspot of its own (any area, imported at the grain the hotspot needs)."""

    __tablename__ = "initiative_area"

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True
    )
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True, index=True)


class InitiativeOutcome(Base):
    """What a targeted initiative is aimed at: a crime group or a survey construct."""

    __tablename__ = "initiative_outcome"
    __table_args__ = (CheckConstraint(_one_of("outcome", INITIATIVE_TARGETS), name="outcome"),)

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True
    )
    outcome: Mapped[str] = mapped_column(String(32), primary_key=True)


class InitiativeDelivery(Base):
    """Planned against delivered activities of one kind in one month (`month` is its
    first day): what implementation fidelity is measured from."""

    __tablename__ = "initiative_delivery"
    __table_args__ = (
        CheckConstraint(_one_of("kind", DELIVERY_KINDS), name="kind"),
        CheckConstraint("planned >= 0 AND delivered >= 0", name="counts_nonnegative"),
    )

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    planned: Mapped[int] = mapped_column(Integer)
    delivered: Mapped[int] = mapped_column(Integer)


class Priority(Base):
    """A community priority ("you said"): a short public title written by the
    partnership (never a resident's own words), where it came from, and how many raised
    it. `theme` links it to the survey open-answer codebook (metrics.themes); `outcome`
    to what would show it changing."""

    __tablename__ = "priority"
    __table_args__ = (
        CheckConstraint(_one_of("source", PRIORITY_SOURCES), name="source"),
        CheckConstraint(_one_of("outcome", INITIATIVE_TARGETS), name="outcome"),
        CheckConstraint("raised_by IS NULL OR raised_by >= 0", name="raised_by_nonnegative"),
        UniqueConstraint("partnership_id", "title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    raised_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(32))
    raised_by: Mapped[int | None] = mapped_column(Integer)  # how many people raised it


class PriorityResponse(Base):
    """An initiative that responded to a priority ("we did")."""

    __tablename__ = "priority_response"

    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id", ondelete="CASCADE"), primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Decision(Base):
    """A decision recorded at a partnership meeting: who proposed it, and what became of
    it. Follow-through is a decision done by its due date."""

    __tablename__ = "decision"
    __table_args__ = (
        CheckConstraint(_one_of("proposed_by", PROPOSERS), name="proposed_by"),
        CheckConstraint(_one_of("status", DECISION_STATUSES), name="status"),
        CheckConstraint("done_on IS NULL OR status = 'done'", name="done_only_when_done"),
        CheckConstraint("due_on IS NULL OR due_on >= decided_on", name="due_after_decided"),
        UniqueConstraint("partnership_id", "decided_on", "summary"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    decided_on: Mapped[date] = mapped_column(Date)  # the meeting's date
    summary: Mapped[str] = mapped_column(String(300))
    proposed_by: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)


class Activity(Base):
    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ACTIVITY_KINDS), name="kind"),
        CheckConstraint("attendance IS NULL OR attendance >= 0", name="attendance_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    attendance: Mapped[int | None] = mapped_column(Integer)
    decisions_made: Mapped[int | None] = mapped_column(Integer)


class Feedback(Base):
    """What a partner, officer or resident said. `comment` is partner-confidential:
    leadership only, never shown in a public view."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint(_one_of("source", RESPONDENT_TYPES), name="source"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_1_5"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)


class Event(Base):
    """A dated event drawn on time-series charts: an initiative phase, a records
    system change. `partnership_id` NULL means it applies to every chart."""

    __tablename__ = "event"
    __table_args__ = (CheckConstraint(_one_of("kind", EVENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), index=True
    )
    occurred_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))


class LoadLog(Base):
    """One load of one table (demo generation or an import): what, how many, when."""

    __tablename__ = "load_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64))
    # what the mapping meant, and the import rules' version (db.importing.run.mapping_fingerprint);
    # NULL for loads logged before it was kept, which count as made with a different mapping
    mapping_fingerprint: Mapped[str | None] = mapped_column(String(64))
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_skipped: Mapped[int] = mapped_column(Integer, default=0)
    loaded_by: Mapped[str | None] = mapped_column(String(200))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- who may see what, and who did what ------------------------------------


class AppUser(Base):
    """A verified email (from the identity provider) and the role it has. Anyone signed
    in without a row here, and anyone not signed in, is `public`."""

    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint(_one_of("role", USER_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    role: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[str | None] = mapped_column(String(320))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


AUDIT_OUTCOMES = ("ok", "refused", "failed")


class AuditEvent(Base):
    """One thing someone did: signed in or out, viewed a page, exported, imported, changed
    a user or the registry. Append-only: triggers refuse UPDATE and DELETE (migration 0005).
    `at` is UTC. Hash-chained (migration 0010, db.audit_chain): `prev_hash` is the previous
    row's `row_hash`, unique, so two rows can never claim the same predecessor."""

    __tablename__ = "audit_event"
    __table_args__ = (CheckConstraint(_one_of("outcome", AUDIT_OUTCOMES), name="outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    # a verified email, "local user", "cli:NAME" or "anonymous"
    actor: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32), index=True)
    object: Mapped[str] = mapped_column(String(400))
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    row_hash: Mapped[str] = mapped_column(String(64))


class UserSession(Base):
    """A signed-in session of a leadership or admin user, held in the database so that the
    idle lock and the sign-in limit hold across browser tabs and app processes. A session
    is one sign-in at the identity provider (email + the token's issue time)."""

    __tablename__ = "user_session"
    __table_args__ = (UniqueConstraint("email", "signed_in_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    signed_in_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    last_seen: Mapped[datetime] = mapped_column(DateTime)  # UTC
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_why: Mapped[str | None] = mapped_column(String(32))  # signed out | locked (idle) | expired
