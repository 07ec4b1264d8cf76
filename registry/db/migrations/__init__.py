"""Alembic migrations of the registry's database (run by ``registry.db.migrate``)."""
