"""index survey responses by answer date, for evaluation windows

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 00:40:00
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_survey_response_responded_on", "survey_response", ["responded_on"])


def downgrade() -> None:
    op.drop_index("ix_survey_response_responded_on", table_name="survey_response")
