"""scorecard rows keep the p-value (for the false discovery rate across the scorecard)
and the sustained view's verdict (the latest months against the months before the start)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = (
    ("p_value", sa.Float()),
    ("sustained_verdict", sa.String(32)),
    ("sustained_estimate", sa.Float()),
    ("sustained_ci_low", sa.Float()),
    ("sustained_ci_high", sa.Float()),
)


def upgrade() -> None:
    # Stored results were computed by the older evaluation: drop them, the next request recomputes.
    op.execute(sa.text("DELETE FROM scorecard_result"))
    with op.batch_alter_table("scorecard_result") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scorecard_result") as batch:
        for name, _ in COLUMNS:
            batch.drop_column(name)
