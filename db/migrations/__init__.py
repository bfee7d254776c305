"""Alembic migrations for the Common Ground schema (run through `db.migrate`)."""
