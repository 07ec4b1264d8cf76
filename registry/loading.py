"""The one load path: read any data file, validate it, store it atomically.

``mosy-registry data load``, ``serve --demo`` and (next) authenticated
submissions over HTTP all call ``load_file``: the library reads the file
(any format it reads, gzip and zip included) and validates it against the
structures the registry holds, with the provider's constraints; rejected
data stores nothing and comes back with the library's report; accepted data
is stored in one transaction (``registry.store.observations.store_dataset``),
so a failure half-way, or a killed process, leaves the store as it was.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine

from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.exceptions import MosyError, ParseError, StructureError
from mosy_sdmx.io import read_data
from mosy_sdmx.structures import StructureSet
from mosy_sdmx.validation import Report, validate
from mosy_sdmx.validation.api import error_report, unexpected_error_text
from mosy_sdmx.validation.checks import all_checks
from registry.publication.releases import announce, record_release
from registry.store.changes import Actor
from registry.store.observations import FlowRef, LoadResult, store_dataset
from registry.store.structures import StructureCache

#: Checks that apply to a Delete data set: its rows name what to delete, so
#: values, attributes and additivity are not required, but codes must exist.
_DELETE_CHECKS = ("codelists", "provider", "provider-scope", "constraints", "time-periods")


@dataclass
class LoadOutcome:
    """A load's answer: the validation report, and what was stored if it was accepted."""

    report: Report
    result: LoadResult | None = None
    action: Action | None = None
    #: The release the load recorded (None: it changed nothing, or was not stored).
    release_pk: int | None = None

    @property
    def accepted(self) -> bool:
        return self.result is not None


def delete_checks() -> list[str]:
    codes = [code for chk in all_checks() if chk.name in _DELETE_CHECKS for code in chk.codes]
    return [*codes, "unknown-component"]


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_file(
    engine: Engine,
    path: str | Path,
    *,
    flow: str,
    provider: str,
    action: Action | str | None = None,
    actor: Actor,
    structures: StructureSet | None = None,
    format: str | None = None,
    source_name: str | None = None,
) -> LoadOutcome:
    """Read, validate and store one data file for ``provider`` in dataflow ``flow``.

    ``action`` (append, replace, delete) overrides the one the file states;
    a file without one (SDMX-CSV 1.0, ``Information``) replaces. Structures
    default to those the registry holds. Raises only for a store that cannot
    be written (database errors); everything about the data is in the report.
    """
    path = Path(path)
    if structures is None:
        with engine.connect() as conn:
            structures = StructureCache().get(conn).structures
    checked = read_checked(
        path,
        structures=structures,
        flow=flow,
        provider=provider,
        action=action,
        format=format,
        source_name=source_name,
    )
    if not checked.valid:
        return checked.outcome()
    with engine.begin() as conn:
        outcome = store_checked(
            conn,
            checked,
            structures=structures,
            provider=provider,
            actor=actor,
            checksum=file_checksum(path),
        )
    announce(outcome.release_pk)
    return outcome


@dataclass
class Checked:
    """A file read and validated, not yet stored: what ``store_checked`` stores."""

    report: Report
    dataset: Dataset | None = None
    action: Action | None = None
    flow: str | None = None
    source_name: str | None = None

    @property
    def valid(self) -> bool:
        return self.dataset is not None and self.report.valid

    def outcome(self, result: LoadResult | None = None) -> LoadOutcome:
        return LoadOutcome(self.report, result, self.action)


def read_checked(
    path: str | Path,
    *,
    structures: StructureSet,
    flow: str | None,
    provider: str,
    action: Action | str | None = None,
    format: str | None = None,
    source_name: str | None = None,
) -> Checked:
    """Read a data file and validate it for ``provider``; nothing is stored.

    Without ``flow`` the dataflow is the one the message names. An
    unreadable file gives an unusable report (``report.unusable``).
    """
    read = read_unchecked(
        path, structures=structures, flow=flow, format=format, source_name=source_name
    )
    if isinstance(read, Checked):
        return read
    dataset, flow_id = read
    return check_dataset(
        dataset,
        structures=structures,
        flow=flow_id,
        provider=provider,
        action=action,
        source_name=read_name(path, source_name),
    )


def read_name(path: str | Path, source_name: str | None) -> str:
    """What messages call a file: the name its sender gave it, else its own."""
    return source_name or Path(path).name


def read_unchecked(
    path: str | Path,
    *,
    structures: StructureSet,
    flow: str | None,
    format: str | None = None,
    source_name: str | None = None,
) -> tuple[Dataset, str] | Checked:
    """Read a data file, not yet validated: the Dataset and its dataflow's id, or (when
    it cannot be read) a Checked with the report that says why."""
    path = Path(path)
    name = read_name(path, source_name)
    try:
        with open(path, "rb") as raw, _Named(raw, name) as stream:
            dataset = read_data(stream, structures, format, flow=flow)
        if flow is None:
            flow = dataflow_of(dataset)
    except MosyError as exc:
        return Checked(error_report(exc, source=name), source_name=name)
    except OSError as exc:
        error = ParseError("Cannot open the file", exc.strerror or "I/O error")
        return Checked(error_report(error, source=name), source_name=name)
    except Exception as exc:  # a reader bug still gives a report, never a traceback
        error = ParseError("The input could not be read", unexpected_error_text(exc))
        return Checked(error_report(error, source=name), source_name=name)
    return dataset, flow


class _Named(io.BufferedReader):
    """A file read under another name: messages name the file as the sender knows it,
    not the registry's temporary copy."""

    def __init__(self, raw, name: str) -> None:
        super().__init__(raw.raw if hasattr(raw, "raw") else raw)
        self._display = name

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._display


def dataflow_of(dataset: Dataset) -> str:
    """The id of the dataflow a dataset was read against (StructureError if it names none)."""
    layout = dataset.layout
    if layout is None:
        raise StructureError("No dataflow", "the message names no dataflow: say which one")
    try:
        return FlowRef.of_layout(layout).id
    except StructureError:
        raise StructureError(
            "No dataflow",
            f"the message names {layout.dsd_id}, not a dataflow: say which dataflow it is for",
        ) from None


def check_dataset(
    dataset: Dataset,
    *,
    structures: StructureSet,
    flow: str,
    provider: str,
    action: Action | str | None = None,
    source_name: str | None = None,
) -> Checked:
    """Validate a Dataset already read, for ``provider`` in ``flow``, with its action."""
    try:
        act = Action.parse(action if action is not None else dataset.action)
    except MosyError as exc:
        return Checked(error_report(exc, source=source_name), flow=flow, source_name=source_name)
    if act is Action.INFORMATION:
        act = Action.REPLACE
    options = {"pick": delete_checks()} if act is Action.DELETE else {}
    report = validate(dataset, structures, provider, flow=flow, **options)
    return Checked(report, dataset, act, flow, source_name)


def store_checked(
    conn: Connection,
    checked: Checked,
    *,
    structures: StructureSet,
    provider: str,
    actor: Actor,
    checksum: str | None = None,
    submission: str | None = None,
) -> LoadOutcome:
    """Store validated data inside the caller's transaction, with its release.

    The caller ``announce``s ``release_pk`` after its commit.
    """
    assert checked.valid and checked.dataset is not None and checked.flow is not None
    result = store_dataset(
        conn,
        checked.dataset,
        layout=structures.layout(checked.flow),
        provider=provider,
        action=checked.action,
        actor=actor,
        source=checked.source_name,
        checksum=checksum,
    )
    outcome = checked.outcome(result)
    outcome.release_pk = record_release(conn, result, submission=submission)
    return outcome


def load_dataset(
    engine: Engine,
    dataset: Dataset,
    *,
    flow: str,
    provider: str,
    action: Action | str | None = None,
    actor: Actor,
    structures: StructureSet,
    source_name: str | None = None,
    checksum: str | None = None,
) -> LoadOutcome:
    """Validate a Dataset already read and store it (the second half of ``load_file``)."""
    checked = check_dataset(
        dataset,
        structures=structures,
        flow=flow,
        provider=provider,
        action=action,
        source_name=source_name,
    )
    if not checked.valid:
        return checked.outcome()
    with engine.begin() as conn:
        outcome = store_checked(
            conn, checked, structures=structures, provider=provider, actor=actor, checksum=checksum
        )
    announce(outcome.release_pk)
    return outcome
