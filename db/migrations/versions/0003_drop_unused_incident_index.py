"""drop the (area, month, category) index on crime incidents, which no query uses

Every crime chart reads the roll-up (`crime_monthly`). Loads now move the roll-up by
their own difference instead of re-reading incidents, so nothing looks incidents up
by area or month; keeping that index up cost a third of a large load's time.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 02:30:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_crime_incident_area_month", table_name="crime_incident")


def downgrade() -> None:
    op.create_index(
        "ix_crime_incident_area_month", "crime_incident", ["area_id", "occurred_month", "category_id"]
    )
