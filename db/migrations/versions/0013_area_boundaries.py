"""areas keep their shape for maps: a simplified GeoJSON boundary and a label point

Areas imported before have none (NULL) and are drawn as "no boundary" until a
boundaries file is imported.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 23:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("area") as batch:
        batch.add_column(sa.Column("boundary", sa.Text(), nullable=True))
        batch.add_column(sa.Column("label_lon", sa.Float(), nullable=True))
        batch.add_column(sa.Column("label_lat", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("area") as batch:
        batch.drop_column("label_lat")
        batch.drop_column("label_lon")
        batch.drop_column("boundary")
