"""The accept path: on PostgreSQL the data is validated while it is stored, and a
report with errors still stores nothing; on SQLite the checks come first."""

from __future__ import annotations

import hashlib
import threading

import pytest
from submission_data import FLOW

from registry.store.changes import Actor
from registry.submissions import accepting
from registry.submissions.receiving import Received
from registry.submissions.records import Status

TABLES = ("observations", "data_series", "data_loads", "releases", "registrations")


def _received(path) -> Received:
    content = path.read_bytes()
    return Received(path, len(content), hashlib.sha256(content).hexdigest(), path.name, "text/csv")


def _submit(desk, path):
    return accepting.submit(
        desk.engine,
        _received(path),
        structures=desk.structures,
        provider="AT_MOI",
        flow=FLOW,
        action=None,
        actor=Actor("tests"),
        base_url="http://registry",
    )


def _counts(desk) -> dict[str, int]:
    return {table: desk.count(table) for table in TABLES}


def test_validation_overlaps_the_store_on_postgresql_only(desk, monkeypatch) -> None:
    storing = threading.Event()
    seen: dict[str, object] = {}
    store, check = accepting.store_dataset, accepting.check_dataset

    def store_dataset(*args, **kwargs):
        storing.set()
        return store(*args, **kwargs)

    def check_dataset(*args, **kwargs):
        # Checks that run first never see the store start; checks that overlap it do.
        seen["overlapped"] = storing.wait(timeout=0 if seen.get("sqlite") else 10)
        seen["thread"] = threading.current_thread() is not threading.main_thread()
        return check(*args, **kwargs)

    seen["sqlite"] = desk.engine.dialect.name == "sqlite"
    monkeypatch.setattr(accepting, "store_dataset", store_dataset)
    monkeypatch.setattr(accepting, "check_dataset", check_dataset)
    submission = _submit(desk, desk.victims_file())
    assert submission.status is Status.ACCEPTED
    postgresql = desk.engine.dialect.name == "postgresql"
    assert seen["overlapped"] is postgresql and seen["thread"] is postgresql


def test_a_report_with_errors_rolls_back_what_was_being_stored(desk) -> None:
    before = _counts(desk)
    outside = desk.victims_file(REF_AREA="BG")  # outside AT_MOI's constraint
    submission = _submit(desk, outside)
    assert submission.status is Status.REJECTED
    assert submission.report["valid"] is False and submission.errors > 0
    assert _counts(desk) == before
    assert desk.count("submissions") == 1 and desk.count("submission_files") == 1


@pytest.mark.parametrize("period", ["2020-13", "not a period"])
def test_data_the_store_cannot_take_gets_the_report_not_an_error(desk, period) -> None:
    """The store refuses a period that is no period; its report says why (422)."""
    before = _counts(desk)
    submission = _submit(desk, desk.victims_file(TIME_PERIOD=period))
    assert submission.status is Status.REJECTED
    codes = {issue["code"] for issue in submission.report["issues"]}
    assert codes and submission.errors > 0, codes
    assert _counts(desk) == before


def test_a_valid_file_after_a_rejected_one_is_stored_whole(desk) -> None:
    _submit(desk, desk.victims_file(REF_AREA="BG"))
    path = desk.victims_file()
    submission = _submit(desk, path)
    assert submission.status is Status.ACCEPTED
    assert submission.counts["added"] == submission.counts["rows"] > 100
    assert desk.count("observations") == submission.counts["rows"]
    assert submission.release_pk is not None and submission.registration
