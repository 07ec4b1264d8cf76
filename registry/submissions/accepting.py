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

On PostgreSQL the data is validated in a worker thread WHILE it is being
stored: the database does most of a large load's work in its own process,
so the library's checks (0.8 s of CPU for 1M observations) cost no time
to the 201. Nothing is committed before the report says the data is valid;
invalid data rolls the transaction back and is logged as rejected, exactly
as if it had been validated first. SQLite's inserts hold the GIL between
rows, so there the checks run first, as they always did.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, update

from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.exceptions import MosyError
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


class _Rejected(Exception):
    def __init__(self, checked: Checked) -> None:
        self.checked = checked


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

    def check() -> Checked:
        return check_dataset(
            dataset,
            structures=structures,
            flow=flow_id,
            provider=provider,
            action=action,
            source_name=received.filename,
        )

    stored_action = _stored_action(action, dataset)
    try:
        if stored_action is None or engine.dialect.name != "postgresql":
            checked = check()
            if not checked.valid:
                return _log_rejected(engine, checked, received, provider, actor, action)
            assert checked.action is not None
            read_as = (dataset, flow_id, checked.action)
            return _accept(
                engine,
                read_as,
                lambda: checked,
                received,
                structures,
                provider,
                actor,
                action,
                base_url,
            )
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="validate") as pool:
            pending = pool.submit(check)
            read_as = (dataset, flow_id, stored_action)
            return _accept(
                engine,
                read_as,
                pending.result,
                received,
                structures,
                provider,
                actor,
                action,
                base_url,
            )
    except _Rejected as rejected:
        return _log_rejected(engine, rejected.checked, received, provider, actor, action)
    except _Duplicate as duplicate:
        return _log_duplicate(engine, duplicate.original, received, actor, action)


def _stored_action(action: Action | None, dataset: Dataset) -> Action | None:
    """The action the data will be stored with (None: not one the library accepts,
    which its report will say)."""
    try:
        act = Action.parse(action if action is not None else dataset.action)
    except MosyError:
        return None
    return Action.REPLACE if act is Action.INFORMATION else act


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
    read: tuple[Dataset, str, Action],
    validated: Callable[[], Checked],
    received: Received,
    structures: StructureSet,
    provider: str,
    actor: Actor,
    action: Action | None,
    base_url: str,
) -> Submission:
    """Store ``read`` (dataset, dataflow id, action) and, once ``validated()`` gives a
    valid report, its log row, file, release and registration: one transaction.

    Raises _Rejected if the report has errors and _Duplicate if the same file was
    the last accepted: both roll back everything written here.
    """
    dataset, flow_id, act = read
    layout = structures.layout(flow_id)
    with write_transaction(engine) as conn:
        lock_flow(conn, FlowRef.of_layout(layout))  # serialises writers; the check is exact
        original = _unchanged_since(conn, provider, flow_id, received.checksum, action)
        if original is not None:
            raise _Duplicate(original)
        try:
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
        except Exception:
            checked = validated()  # data the store cannot take: the report says why
            if not checked.valid:
                raise _Rejected(checked) from None
            raise
        checked = validated()
        if not checked.valid:
            raise _Rejected(checked)
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
