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
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from mosy_sdmx.dataset import Action, Dataset
from mosy_sdmx.exceptions import MosyError, ParseError
from mosy_sdmx.io import read_data
from mosy_sdmx.structures import StructureSet
from mosy_sdmx.validation import Report, validate
from mosy_sdmx.validation.api import error_report, unexpected_error_text
from mosy_sdmx.validation.checks import all_checks
from registry.publication.releases import record_release
from registry.store.changes import Actor
from registry.store.observations import LoadResult, store_dataset
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
    name = source_name or path.name
    if structures is None:
        with engine.connect() as conn:
            structures = StructureCache().get(conn).structures
    try:
        dataset = read_data(path, structures, format, flow=flow)
    except MosyError as exc:
        return LoadOutcome(error_report(exc, source=name))
    except OSError as exc:
        return LoadOutcome(
            error_report(
                ParseError("Cannot open the file", exc.strerror or "I/O error"), source=name
            )
        )
    except Exception as exc:  # a reader bug still gives a report, never a traceback
        error = ParseError("The input could not be read", unexpected_error_text(exc))
        return LoadOutcome(error_report(error, source=name))
    return load_dataset(
        engine,
        dataset,
        flow=flow,
        provider=provider,
        action=action,
        actor=actor,
        structures=structures,
        source_name=name,
        checksum=file_checksum(path),
    )


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
    act = Action.parse(action if action is not None else dataset.action)
    if act is Action.INFORMATION:
        act = Action.REPLACE
    options = {"pick": delete_checks()} if act is Action.DELETE else {}
    report = validate(dataset, structures, provider, flow=flow, **options)
    if not report.valid:
        return LoadOutcome(report, action=act)
    layout = structures.layout(flow)
    with engine.begin() as conn:
        result = store_dataset(
            conn,
            dataset,
            layout=layout,
            provider=provider,
            action=act,
            actor=actor,
            source=source_name,
            checksum=checksum,
        )
        record_release(conn, result)
    return LoadOutcome(report, result, act)
