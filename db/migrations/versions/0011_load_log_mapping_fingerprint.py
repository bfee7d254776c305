"""the load log keeps each import's mapping fingerprint: the same file imported again with a
corrected mapping is imported again, not refused as already imported

Rows logged before keep NULL, which counts as "a different mapping".

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("load_log") as batch:
        batch.add_column(sa.Column("mapping_fingerprint", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("load_log") as batch:
        batch.drop_column("mapping_fingerprint")
