"""the monthly survey roll-up and the stored scorecard

`survey_monthly` holds the sums every survey score needs per construct, area and month,
so that no page reads the item-level answers (1.4 million rows at city scale).
`scorecard_result` keeps the scorecard computed for a design on the data as of a load,
so that a new app process reads it instead of refitting every partnership.
The roll-up is filled from the answers already stored.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_monthly",
        sa.Column("construct", sa.String(length=32), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("quarter", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sw", sa.Float(), nullable=False),
        sa.Column("sw2", sa.Float(), nullable=False),
        sa.Column("swx", sa.Float(), nullable=False),
        sa.Column("swx2", sa.Float(), nullable=False),
        sa.Column("swp", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_survey_monthly_area_id_area")),
        sa.PrimaryKeyConstraint("construct", "area_id", "month", "quarter", name=op.f("pk_survey_monthly")),
    )
    op.create_index(op.f("ix_survey_monthly_quarter"), "survey_monthly", ["quarter"])
    op.create_table(
        "scorecard_result",
        sa.Column("design", sa.String(length=400), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.String(length=10), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("verdict", sa.String(length=32), nullable=False),
        sa.Column("estimate", sa.Float(), nullable=True),
        sa.Column("ci_low", sa.Float(), nullable=True),
        sa.Column("ci_high", sa.Float(), nullable=True),
        sa.Column("scale", sa.String(length=32), nullable=True),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("design", "version", "code", "outcome", name=op.f("pk_scorecard_result")),
    )
    # the roll-up is filled from the answers stored by the code of the newest revision, once
    # the migrations are done (db.migrate.upgrade): this revision's code may not be that
    op.get_context().config.attributes["rebuild_survey_rollup"] = True


def downgrade() -> None:
    op.drop_table("scorecard_result")
    op.drop_index(op.f("ix_survey_monthly_quarter"), table_name="survey_monthly")
    op.drop_table("survey_monthly")
