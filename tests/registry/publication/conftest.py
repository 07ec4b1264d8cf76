"""Publication fixtures: a store this test may write to, with its parsed structures."""

from __future__ import annotations

import pytest

from registry.db.engine import make_engine
from registry.store.structures import StructureCache


@pytest.fixture
def store(fresh_settings):
    """(engine, structures) of a fresh store; the engine is disposed after the test."""
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.connect() as conn:
        structures = StructureCache().get(conn).structures
    yield engine, structures
    engine.dispose()
