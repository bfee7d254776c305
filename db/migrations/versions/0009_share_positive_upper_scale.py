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

    # the roll-up is filled from the answers stored by the code of the newest revision, once
    # the migrations are done (db.migrate.upgrade): this revision's code may not be that
    op.get_context().config.attributes["rebuild_survey_rollup"] = True


def downgrade() -> None:
    pass  # the roll-up is rebuilt by whichever rule the code of that revision has
