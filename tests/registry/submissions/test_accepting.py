"""The accept path: a report with errors stores nothing, data the store could not take
is answered with the report, and a valid file after a rejected one is stored whole."""

from __future__ import annotations

import hashlib

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


def test_a_report_with_errors_stores_nothing(desk) -> None:
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
