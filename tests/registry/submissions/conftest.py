from __future__ import annotations

import pytest
from submission_data import make_desk


@pytest.fixture
def desk(fresh_settings, tmp_path):
    made = make_desk(fresh_settings, tmp_path / "files")
    yield made
    made.engine.dispose()
