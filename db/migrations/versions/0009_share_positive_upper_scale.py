""""positive" survey answers are those more than 60% of the way from the worst answer to
the best (4-5 of 1-5, 7-10 of 0-10), no longer the top two boxes of every scale (9-10 of
0-10): the roll-up's sums of positive answers are rebuilt from the answers stored

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 11:10:00
"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from alembic import op

    from db.rollup import refresh_survey_monthly

    refresh_survey_monthly(op.get_bind())


def downgrade() -> None:
    pass  # the roll-up is rebuilt by whichever rule the code of that revision has
