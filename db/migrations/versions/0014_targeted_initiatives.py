"""targeted initiatives, their delivery, community priorities and decisions (issue 21)

- initiative gains a planned end and a measurable goal (outcome, change, months);
- initiative_area and initiative_outcome: where and at what a targeted initiative is aimed;
- initiative_delivery: planned against delivered activities per month (fidelity);
- priority and priority_response: "you said, we did";
- decision: decisions recorded per meeting, who proposed them and what became of them.

Initiatives imported before have no target, and keep working as before.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 02:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# the vocabularies as they were at this revision (db.models may grow them later)
TARGETS = ("violent", "property", "asb", "other", "trust", "satisfaction", "safety", "procedural_justice")
DELIVERY_KINDS = ("patrol", "meeting", "outreach", "environmental")
PRIORITY_SOURCES = ("survey", "meeting", "consultation", "other")
PROPOSERS = (
    "police",
    "residents",
    "school",
    "business",
    "local_government",
    "non_profit",
    "faith",
    "resident_group",
    "media",
    "other",
)
DECISION_STATUSES = ("agreed", "done", "dropped")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("initiative") as batch:
        batch.add_column(sa.Column("planned_end", sa.Date(), nullable=True))
        batch.add_column(sa.Column("goal_outcome", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("goal_change", sa.Float(), nullable=True))
        batch.add_column(sa.Column("goal_months", sa.Integer(), nullable=True))
        batch.create_check_constraint("goal_outcome", _one_of("goal_outcome", TARGETS))
        batch.create_check_constraint("goal_months_positive", "goal_months IS NULL OR goal_months >= 1")
        batch.create_check_constraint(
            "planned_ordered", "planned_end IS NULL OR started_on IS NULL OR planned_end >= started_on"
        )
    op.create_table(
        "initiative_area",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name="fk_initiative_area_area_id_area"),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name="fk_initiative_area_initiative_id_initiative",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("initiative_id", "area_id", name="pk_initiative_area"),
    )
    op.create_index("ix_initiative_area_area_id", "initiative_area", ["area_id"])
    op.create_table(
        "initiative_outcome",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.CheckConstraint(_one_of("outcome", TARGETS), name="ck_initiative_outcome_outcome"),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name="fk_initiative_outcome_initiative_id_initiative",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("initiative_id", "outcome", name="pk_initiative_outcome"),
    )
    op.create_table(
        "initiative_delivery",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.CheckConstraint(_one_of("kind", DELIVERY_KINDS), name="ck_initiative_delivery_kind"),
        sa.CheckConstraint(
            "planned >= 0 AND delivered >= 0", name="ck_initiative_delivery_counts_nonnegative"
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name="fk_initiative_delivery_initiative_id_initiative",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("initiative_id", "month", "kind", name="pk_initiative_delivery"),
    )
    op.create_table(
        "priority",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("theme", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("raised_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(_one_of("outcome", TARGETS), name="ck_priority_outcome"),
        sa.CheckConstraint(_one_of("source", PRIORITY_SOURCES), name="ck_priority_source"),
        sa.CheckConstraint("raised_by IS NULL OR raised_by >= 0", name="ck_priority_raised_by_nonnegative"),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name="fk_priority_partnership_id_partnership",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_priority"),
        sa.UniqueConstraint("partnership_id", "title", name="uq_priority_partnership_id_title"),
    )
    op.create_index("ix_priority_partnership_id", "priority", ["partnership_id"])
    op.create_table(
        "priority_response",
        sa.Column("priority_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name="fk_priority_response_initiative_id_initiative",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["priority_id"], ["priority.id"], name="fk_priority_response_priority_id_priority", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("priority_id", "initiative_id", name="pk_priority_response"),
    )
    op.create_index("ix_priority_response_initiative_id", "priority_response", ["initiative_id"])
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("proposed_by", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.CheckConstraint("done_on IS NULL OR status = 'done'", name="ck_decision_done_only_when_done"),
        sa.CheckConstraint(_one_of("proposed_by", PROPOSERS), name="ck_decision_proposed_by"),
        sa.CheckConstraint(_one_of("status", DECISION_STATUSES), name="ck_decision_status"),
        sa.CheckConstraint("due_on IS NULL OR due_on >= decided_on", name="ck_decision_due_after_decided"),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnership.id"],
            name="fk_decision_partnership_id_partnership",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_decision"),
        sa.UniqueConstraint(
            "partnership_id", "decided_on", "summary", name="uq_decision_partnership_id_decided_on_summary"
        ),
    )
    op.create_index("ix_decision_partnership_id", "decision", ["partnership_id"])


def downgrade() -> None:
    op.drop_index("ix_decision_partnership_id", table_name="decision")
    op.drop_table("decision")
    op.drop_index("ix_priority_response_initiative_id", table_name="priority_response")
    op.drop_table("priority_response")
    op.drop_index("ix_priority_partnership_id", table_name="priority")
    op.drop_table("priority")
    op.drop_table("initiative_delivery")
    op.drop_table("initiative_outcome")
    op.drop_index("ix_initiative_area_area_id", table_name="initiative_area")
    op.drop_table("initiative_area")
    with op.batch_alter_table("initiative") as batch:
        batch.drop_constraint("planned_ordered", type_="check")
        batch.drop_constraint("goal_months_positive", type_="check")
        batch.drop_constraint("goal_outcome", type_="check")
        batch.drop_column("goal_months")
        batch.drop_column("goal_change")
        batch.drop_column("goal_outcome")
        batch.drop_column("planned_end")
