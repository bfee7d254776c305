"""groups, equity gaps, representative weights and what people say (issue 19)

- survey_response gains education, income and rake_weight (the design weight raked to
  population margins; NULL until raked);
- partnership gains the equity gap it is judged on (dimension, group, reference);
- new tables: population_margin (census counts by area and group), weighting_run (the
  latest raking per area), survey_open_answer (written answers), survey_group_monthly
  (the survey roll-up per group of residents).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

GROUP_DIMENSIONS = ("age_band", "sex", "race_ethnicity", "education", "income")
MARGIN_DIMENSIONS = ("age_sex", "age_band", "sex", "race_ethnicity", "education", "income")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("survey_response") as batch:
        batch.add_column(sa.Column("education", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("income", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("rake_weight", sa.Float(), nullable=True))
    with op.batch_alter_table("partnership") as batch:
        batch.add_column(sa.Column("equity_dimension", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("equity_group", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("equity_reference", sa.String(length=64), nullable=True))
    op.create_table(
        "survey_open_answer",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_response.id"],
            name="fk_survey_open_answer_response_id_survey_response",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "question", name="pk_survey_open_answer"),
    )
    op.create_table(
        "population_margin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("group_value", sa.String(length=140), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.CheckConstraint(_one_of("dimension", MARGIN_DIMENSIONS), name="ck_population_margin_dimension"),
        sa.CheckConstraint("population >= 0", name="ck_population_margin_population_nonnegative"),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name="fk_population_margin_area_id_area", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_population_margin"),
        sa.UniqueConstraint(
            "area_id", "dimension", "group_value", name="uq_population_margin_area_id_dimension_group_value"
        ),
    )
    op.create_index("ix_population_margin_area_id", "population_margin", ["area_id"])
    op.create_table(
        "weighting_run",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("dimensions", sa.String(length=200), nullable=False),
        sa.Column("converged", sa.Boolean(), nullable=False),
        sa.Column("iterations", sa.Integer(), nullable=False),
        sa.Column("trimmed", sa.Integer(), nullable=False),
        sa.Column("design_effect", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name="fk_weighting_run_area_id_area", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("area_id", name="pk_weighting_run"),
    )
    op.create_table(
        "survey_group_monthly",
        sa.Column("construct", sa.String(length=32), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("quarter", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=32), nullable=False),
        sa.Column("group_value", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sw", sa.Float(), nullable=False),
        sa.Column("sw2", sa.Float(), nullable=False),
        sa.Column("swx", sa.Float(), nullable=False),
        sa.Column("swx2", sa.Float(), nullable=False),
        sa.Column("swp", sa.Float(), nullable=False),
        sa.CheckConstraint(_one_of("dimension", GROUP_DIMENSIONS), name="ck_survey_group_monthly_dimension"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name="fk_survey_group_monthly_area_id_area"),
        sa.PrimaryKeyConstraint(
            "construct", "area_id", "month", "quarter", "dimension", "group_value", name="pk_survey_group_monthly"
        ),
    )
    op.create_index("ix_survey_group_monthly_quarter", "survey_group_monthly", ["quarter"])
    op.get_context().config.attributes["rebuild_survey_rollup"] = True  # db.migrate.upgrade


def downgrade() -> None:
    op.drop_index("ix_survey_group_monthly_quarter", table_name="survey_group_monthly")
    op.drop_table("survey_group_monthly")
    op.drop_table("weighting_run")
    op.drop_index("ix_population_margin_area_id", table_name="population_margin")
    op.drop_table("population_margin")
    op.drop_table("survey_open_answer")
    with op.batch_alter_table("partnership") as batch:
        batch.drop_column("equity_reference")
        batch.drop_column("equity_group")
        batch.drop_column("equity_dimension")
    with op.batch_alter_table("survey_response") as batch:
        batch.drop_column("rake_weight")
        batch.drop_column("income")
        batch.drop_column("education")
