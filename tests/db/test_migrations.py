"""The schema comes from Alembic migrations and matches the models, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from db.migrate import current_revision, head_revision, upgrade
from db.models import Base


def test_upgrade_from_empty_creates_every_table(empty_engine):
    assert current_revision(empty_engine) is None
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert set(Base.metadata.tables) <= set(inspect(empty_engine).get_table_names())


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations disagree; write a migration: {diff}"


def test_upgrade_twice_changes_nothing(engine):
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_constraints_are_named_alike_on_both_databases(engine):
    uniques = {u["name"] for u in inspect(engine).get_unique_constraints("survey_aggregate")}
    assert "uq_survey_aggregate_natural_key" in uniques
    checks = {c["name"] for c in inspect(engine).get_check_constraints("organisation")}
    assert "ck_organisation_sector" in checks
