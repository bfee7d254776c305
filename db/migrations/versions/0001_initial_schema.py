"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 23:32:06.472800
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('beat', 'sector', 'ward', 'neighbourhood', 'district', 'precinct', 'borough', 'city')", name=op.f('ck_area_kind')),
    sa.ForeignKeyConstraint(['parent_id'], ['area.id'], name=op.f('fk_area_parent_id_area')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area')),
    sa.UniqueConstraint('code', name=op.f('uq_area_code'))
    )
    op.create_table('load_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('rows_inserted', sa.Integer(), nullable=False),
    sa.Column('rows_updated', sa.Integer(), nullable=False),
    sa.Column('rows_skipped', sa.Integer(), nullable=False),
    sa.Column('loaded_by', sa.String(length=200), nullable=True),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_load_log'))
    )
    op.create_table('offence_category',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('source_code', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('crime_group', sa.String(length=16), nullable=False),
    sa.CheckConstraint("crime_group IN ('violent', 'property', 'asb', 'other')", name=op.f('ck_offence_category_crime_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offence_category')),
    sa.UniqueConstraint('source', 'source_code', name=op.f('uq_offence_category_source_source_code'))
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.String(length=32), nullable=False),
    sa.CheckConstraint("sector IN ('school', 'business', 'local_government', 'non_profit', 'faith', 'resident_group', 'media', 'police', 'other')", name=op.f('ck_organisation_sector')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('name', name=op.f('uq_organisation_name'))
    )
    op.create_table('partnership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('goals', sa.Text(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'active', 'ended')", name=op.f('ck_partnership_status')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_partnership_dates_ordered')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnership')),
    sa.UniqueConstraint('code', name=op.f('uq_partnership_code'))
    )
    op.create_table('survey_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('wording', sa.Text(), nullable=False),
    sa.Column('construct', sa.String(length=32), nullable=False),
    sa.Column('scale_min', sa.Float(), nullable=False),
    sa.Column('scale_max', sa.Float(), nullable=False),
    sa.Column('reverse_worded', sa.Boolean(), nullable=False),
    sa.Column('scale_labels', sa.Text(), nullable=True),
    sa.CheckConstraint("construct IN ('trust', 'satisfaction', 'safety', 'procedural_justice', 'awareness', 'collaboration')", name=op.f('ck_survey_item_construct')),
    sa.CheckConstraint('scale_max > scale_min', name=op.f('ck_survey_item_scale_ordered')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_item')),
    sa.UniqueConstraint('code', name=op.f('uq_survey_item_code'))
    )
    op.create_table('activity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('attendance', sa.Integer(), nullable=True),
    sa.Column('decisions_made', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('meeting', 'event', 'outreach', 'training', 'other')", name=op.f('ck_activity_kind')),
    sa.CheckConstraint('attendance IS NULL OR attendance >= 0', name=op.f('ck_activity_attendance_nonnegative')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_activity_partnership_id_partnership'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activity'))
    )
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('area_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_area_alias_area_id_area'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_alias')),
    sa.UniqueConstraint('alias', name=op.f('uq_area_alias_alias'))
    )
    with op.batch_alter_table('area_alias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_alias_area_id'), ['area_id'], unique=False)

    op.create_table('area_neighbour',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('neighbour_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_area_neighbour_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['neighbour_id'], ['area.id'], name=op.f('fk_area_neighbour_neighbour_id_area'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('area_id', 'neighbour_id', name=op.f('pk_area_neighbour'))
    )
    op.create_table('crime_incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=True),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('occurred_month', sa.Date(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.CheckConstraint('count >= 0', name=op.f('ck_crime_incident_count_nonnegative')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_crime_incident_area_id_area')),
    sa.ForeignKeyConstraint(['category_id'], ['offence_category.id'], name=op.f('fk_crime_incident_category_id_offence_category')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crime_incident')),
    sa.UniqueConstraint('source', 'source_id', name=op.f('uq_crime_incident_source_source_id'))
    )
    with op.batch_alter_table('crime_incident', schema=None) as batch_op:
        batch_op.create_index('ix_crime_incident_area_month', ['area_id', 'occurred_month', 'category_id'], unique=False)

    op.create_table('crime_monthly',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_crime_monthly_area_id_area')),
    sa.ForeignKeyConstraint(['category_id'], ['offence_category.id'], name=op.f('fk_crime_monthly_category_id_offence_category')),
    sa.PrimaryKeyConstraint('area_id', 'month', 'category_id', name=op.f('pk_crime_monthly'))
    )
    with op.batch_alter_table('crime_monthly', schema=None) as batch_op:
        batch_op.create_index('ix_crime_monthly_month', ['month'], unique=False)

    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=True),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.CheckConstraint("kind IN ('start', 'phase', 'records', 'other')", name=op.f('ck_event_kind')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_event_partnership_id_partnership'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.CheckConstraint("source IN ('resident', 'partner', 'officer')", name=op.f('ck_feedback_source')),
    sa.CheckConstraint('rating IS NULL OR (rating >= 1 AND rating <= 5)', name=op.f('ck_feedback_rating_1_5')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_feedback_partnership_id_partnership'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback'))
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('initiative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('response_type', sa.String(length=100), nullable=True),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('goal', sa.Text(), nullable=True),
    sa.Column('goal_met', sa.Boolean(), nullable=True),
    sa.CheckConstraint("stage IN ('scanning', 'analysis', 'response', 'assessment')", name=op.f('ck_initiative_stage')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_initiative_partnership_id_partnership'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_initiative'))
    )
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_initiative_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('partnership_area',
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.CheckConstraint("role IN ('catchment', 'comparison')", name=op.f('ck_partnership_area_role')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_partnership_area_area_id_area')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_partnership_area_partnership_id_partnership'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partnership_id', 'area_id', 'role', name=op.f('pk_partnership_area'))
    )
    with op.batch_alter_table('partnership_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partnership_area_area_id'), ['area_id'], unique=False)

    op.create_table('partnership_member',
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_partnership_member_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_partnership_member_partnership_id_partnership'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('partnership_id', 'organisation_id', name=op.f('pk_partnership_member'))
    )
    op.create_table('survey_aggregate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('statistic', sa.String(length=8), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=True),
    sa.Column('group_kind', sa.String(length=32), nullable=False),
    sa.Column('group_value', sa.String(length=64), nullable=False),
    sa.CheckConstraint("statistic IN ('mean', 'share')", name=op.f('ck_survey_aggregate_statistic')),
    sa.CheckConstraint('n IS NULL OR n > 0', name=op.f('ck_survey_aggregate_n_positive')),
    sa.CheckConstraint('value >= 0 AND value <= 100', name=op.f('ck_survey_aggregate_value_0_100')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_survey_aggregate_area_id_area')),
    sa.ForeignKeyConstraint(['item_id'], ['survey_item.id'], name=op.f('fk_survey_aggregate_item_id_survey_item')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_aggregate')),
    sa.UniqueConstraint('area_id', 'item_id', 'period_start', 'statistic', 'group_kind', 'group_value', name='uq_survey_aggregate_natural_key')
    )
    op.create_table('survey_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=True),
    sa.Column('respondent_type', sa.String(length=16), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('partnership_id', sa.Integer(), nullable=True),
    sa.Column('responded_on', sa.Date(), nullable=False),
    sa.Column('quarter_start', sa.Date(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('age_band', sa.String(length=16), nullable=True),
    sa.Column('sex', sa.String(length=16), nullable=True),
    sa.Column('race_ethnicity', sa.String(length=64), nullable=True),
    sa.CheckConstraint("respondent_type IN ('resident', 'partner', 'officer')", name=op.f('ck_survey_response_respondent_type')),
    sa.CheckConstraint('weight > 0', name=op.f('ck_survey_response_weight_positive')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_survey_response_area_id_area')),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], name=op.f('fk_survey_response_partnership_id_partnership'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_response')),
    sa.UniqueConstraint('source_id', name=op.f('uq_survey_response_source_id'))
    )
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.create_index('ix_survey_response_area_quarter', ['area_id', 'quarter_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_response_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('survey_answer',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['survey_item.id'], name=op.f('fk_survey_answer_item_id_survey_item')),
    sa.ForeignKeyConstraint(['response_id'], ['survey_response.id'], name=op.f('fk_survey_answer_response_id_survey_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id', 'item_id', name=op.f('pk_survey_answer'))
    )



def downgrade() -> None:

    op.drop_table('survey_answer')
    with op.batch_alter_table('survey_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_response_partnership_id'))
        batch_op.drop_index('ix_survey_response_area_quarter')

    op.drop_table('survey_response')
    op.drop_table('survey_aggregate')
    op.drop_table('partnership_member')
    with op.batch_alter_table('partnership_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partnership_area_area_id'))

    op.drop_table('partnership_area')
    with op.batch_alter_table('initiative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_initiative_partnership_id'))

    op.drop_table('initiative')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_partnership_id'))

    op.drop_table('feedback')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_partnership_id'))

    op.drop_table('event')
    with op.batch_alter_table('crime_monthly', schema=None) as batch_op:
        batch_op.drop_index('ix_crime_monthly_month')

    op.drop_table('crime_monthly')
    with op.batch_alter_table('crime_incident', schema=None) as batch_op:
        batch_op.drop_index('ix_crime_incident_area_month')

    op.drop_table('crime_incident')
    op.drop_table('area_neighbour')
    with op.batch_alter_table('area_alias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_area_alias_area_id'))

    op.drop_table('area_alias')
    with op.batch_alter_table('activity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_partnership_id'))

    op.drop_table('activity')
    op.drop_table('survey_item')
    op.drop_table('partnership')
    op.drop_table('organisation')
    op.drop_table('offence_category')
    op.drop_table('load_log')
    op.drop_table('area')

