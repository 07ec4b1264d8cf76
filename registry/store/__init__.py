"""Everything the registry keeps, as SQL: one module per kind of state.

Functions take a SQLAlchemy ``Connection`` (the caller owns the transaction)
and keyword arguments; nothing here knows HTTP or FastAPI.
"""
