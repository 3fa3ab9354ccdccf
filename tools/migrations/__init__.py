"""Alembic revisions of the records database (applied by `tools.database.migrate`)."""
