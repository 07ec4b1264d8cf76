"""The registry's database: engine, tables and Alembic migrations.

SQLite (embedded default) and PostgreSQL differ only in the URL; the schema is
created and upgraded by the migrations in ``migrations/``, never by
``metadata.create_all`` in the service.
"""
