"""The one submission path: validate, then store everything in one transaction, or nothing.

``submit`` reads and validates the upload with the library (through
``registry.loading``, the registry's one load path, with the provider's
constraints); rejected data is logged with its report and stores nothing.
Accepted data, its log row, the original file, its release and its SDMX
registration are written in ONE transaction: a failure or a killed process
anywhere leaves the store as it was.

Resubmitting the file last accepted for a provider and dataflow, with the
same action, when no other load has touched that data since, changes
nothing: it is logged as a ``duplicate`` of the first and nothing else is
written. The check is made again under the dataflow's write lock, so two
identical submissions at the same moment store once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, update

from mosy_sdmx.dataset import Action
from mosy_sdmx.structures import StructureSet
from mosy_sdmx.validation import Report
from registry.db.tables import submissions
from registry.loading import Checked, check_dataset, read_unchecked
from registry.publication.releases import announce, record_release
from registry.registrations import register_accepted
from registry.store.changes import Actor
from registry.store.observations import FlowRef, lock_flow, store_dataset
from registry.store.revisions import now
from registry.store.wal import write_transaction
from registry.submissions.receiving import Received
from registry.submissions.records import (
    Status,
    Submission,
    get_submission,
    insert_submission,
    last_accepted,
    last_load,
    store_file,
)


@dataclass
class AcceptedSubmission:
    """What a registration needs of an accepted submission (``register_accepted``)."""

    id: int
    provider: str
    flow_id: str
    download_url: str
    at: datetime
    load_ids: list[int]


class _Duplicate(Exception):
    def __init__(self, original: Submission) -> None:
        self.original = original


def parse_action(value: str | None) -> Action | None:
    """The action a submitter asked for (None: the file's own); ParseError if unknown."""
    if value is None or not value.strip():
        return None
    action = Action.parse(value)
    return Action.REPLACE if action is Action.INFORMATION else action


def submit(
    engine: Engine,
    received: Received,
    *,
    structures: StructureSet,
    provider: str,
    flow: str | None,
    action: Action | None,
    actor: Actor,
    base_url: str,
    check_flow=None,
) -> Submission:
    """Validate ``received`` for ``provider`` and store it atomically; the logged submission.

    ``flow`` None: the dataflow the message names. ``check_flow(flow)`` is
    called once the dataflow is known, before anything is validated or
    logged (the caller's authorisation; it raises to refuse).
    """
    if flow is not None:
        if check_flow is not None:
            check_flow(flow)
        with engine.connect() as conn:
            original = _unchanged_since(conn, provider, flow, received.checksum, action)
        if original is not None:
            return _log_duplicate(engine, original, received, actor, action)
    read = read_unchecked(
        received.path, structures=structures, flow=flow, source_name=received.filename
    )
    if isinstance(read, Checked):  # unreadable: the report says why
        return _log_rejected(engine, read, received, provider, actor, action)
    dataset, flow_id = read
    if flow is None and check_flow is not None:
        check_flow(flow_id)

    checked = check_dataset(
        dataset,
        structures=structures,
        flow=flow_id,
        provider=provider,
        action=action,
        source_name=received.filename,
    )
    if not checked.valid:
        return _log_rejected(engine, checked, received, provider, actor, action)
    try:
        return _accept(engine, checked, received, structures, provider, actor, action, base_url)
    except _Duplicate as duplicate:
        return _log_duplicate(engine, duplicate.original, received, actor, action)


def _unchanged_since(
    conn: Connection, provider: str, flow: str, checksum: str, action: Action | None
) -> Submission | None:
    """The accepted submission these bytes repeat, if nothing touched the data since."""
    last = last_accepted(conn, provider, flow)
    if last is None or last.checksum != checksum:
        return None
    if action is not None and last.action != action.value:
        return None
    if action is None and last.requested_action is not None:
        return None  # the first one overrode the file's action; this one does not
    if last.load_pk is None or last_load(conn, provider, flow) != last.load_pk:
        return None
    return last


def _row(
    received: Received, provider: str, actor: Actor, requested: Action | None, **values
) -> dict:
    return {
        "provider": provider,
        "requested_action": requested.value if requested else None,
        "actor": actor.name,
        "token_pk": actor.token_pk,
        "received_at": now(),
        "checksum": received.checksum,
        "size": received.size,
        "filename": received.filename,
        "media_type": received.media_type,
        **values,
    }


def _report_counts(report: Report) -> dict[str, int]:
    stats = report.stats or {}
    return {"warnings": int(stats.get("warnings", 0)), "errors": int(stats.get("errors", 0))}


def _accept(
    engine: Engine,
    checked: Checked,
    received: Received,
    structures: StructureSet,
    provider: str,
    actor: Actor,
    action: Action | None,
    base_url: str,
) -> Submission:
    """Store valid data, its log row, file, release and registration: one transaction.

    Raises _Duplicate (rolling back) if the same file was the last accepted.
    """
    assert checked.dataset is not None and checked.flow is not None
    assert checked.action is not None
    dataset, flow_id, act = checked.dataset, checked.flow, checked.action
    layout = structures.layout(flow_id)
    with write_transaction(engine) as conn:
        lock_flow(conn, FlowRef.of_layout(layout))  # serialises writers; the check is exact
        original = _unchanged_since(conn, provider, flow_id, received.checksum, action)
        if original is not None:
            raise _Duplicate(original)
        result = store_dataset(
            conn,
            dataset,
            layout=layout,
            provider=provider,
            action=act,
            actor=actor,
            source=received.filename,
            checksum=received.checksum,
        )
        pk = insert_submission(
            conn,
            **_row(
                received,
                provider,
                actor,
                action,
                flow=flow_id,
                action=act.value,
                status=Status.ACCEPTED.value,
                report=checked.report.to_json(indent=None),
                **_report_counts(checked.report),
            ),
        )
        release_pk = record_release(conn, result, submission=str(pk))
        store_file(conn, pk, received.path)
        registration = register_accepted(
            conn,
            AcceptedSubmission(
                id=pk,
                provider=provider,
                flow_id=flow_id,
                download_url=f"{base_url}/api/submissions/{pk}/file",
                at=result.at,
                load_ids=[result.load_pk],
            ),
            structures,
        )
        conn.execute(
            update(submissions)
            .where(submissions.c.pk == pk)
            .values(
                rows=result.rows,
                added=result.added,
                changed=result.changed,
                deleted=result.deleted,
                unchanged=result.unchanged,
                load_pk=result.load_pk,
                release_pk=release_pk,
                registration=registration,
            )
        )
        submission = get_submission(conn, pk)
    assert submission is not None
    announce(release_pk)
    return submission


def _log_rejected(
    engine: Engine,
    checked: Checked,
    received: Received,
    provider: str,
    actor: Actor,
    action: Action | None,
) -> Submission:
    """Log a refused submission and keep its file; the data store is not touched."""
    with engine.begin() as conn:
        pk = insert_submission(
            conn,
            **_row(
                received,
                provider,
                actor,
                action,
                flow=checked.flow,
                action=checked.action.value if checked.action else None,
                status=Status.REJECTED.value,
                report=checked.report.to_json(indent=None),
                rows=int((checked.report.stats or {}).get("observations", 0) or 0),
                **_report_counts(checked.report),
            ),
        )
        store_file(conn, pk, received.path)
        submission = get_submission(conn, pk)
    assert submission is not None
    return submission


def _log_duplicate(
    engine: Engine, original: Submission, received: Received, actor: Actor, action: Action | None
) -> Submission:
    """Log a resubmission that changes nothing; its bytes are the original's."""
    report = json.loads(original.report_json)
    with engine.begin() as conn:
        pk = insert_submission(
            conn,
            **_row(
                received,
                original.provider,
                actor,
                action,
                flow=original.flow,
                action=original.action,
                status=Status.DUPLICATE.value,
                report=json.dumps(report, ensure_ascii=False),
                rows=original.counts["rows"],
                unchanged=original.counts["rows"],
                warnings=original.warnings,
                duplicate_of=original.pk,
            ),
        )
        submission = get_submission(conn, pk)
    assert submission is not None
    return submission
