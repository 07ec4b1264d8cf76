"""SDMX data registrations: one per accepted submission, for its provision agreement.

The SDMX registry model registers a data source (here: the submission's
original file, at its download URL) for the provision agreement of the
provider and dataflow, with the time it was last updated. The registration
is written inside the submission's transaction (``registry.submissions``), so it
exists exactly when the submission does; the release the submission made
names it, and so do the notifications sent for that release.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from mosy_sdmx.registrations import Registration, provision_agreement_urn
from mosy_sdmx.structures import StructureSet
from registry.db.tables import registrations, releases
from registry.store.revisions import _aware
from registry.store.structures import StructureCache

_CACHE = StructureCache()
ANY = "*"


@dataclass(frozen=True, slots=True)
class StoredRegistration:
    id: str
    provider: str
    submission: int | None
    agreement: tuple[str, str, str]
    flow: tuple[str, str, str]
    structure: tuple[str, str, str]
    data_source: str
    last_updated: datetime

    def sdmx(self) -> Registration:
        return Registration(
            id=self.id,
            provision_agreement=provision_agreement_urn(*self.agreement),
            data_source=self.data_source,
            last_updated=self.last_updated,
        )


def _maintainable(artefact) -> tuple[str, str, str]:
    agency = artefact.maintainer.id if artefact.maintainer is not None else "MOSY"
    return agency, artefact.id, str(artefact.version)


def register(
    conn: Connection,
    structures: StructureSet,
    *,
    provider: str,
    flow: str,
    data_source: str,
    at: datetime,
    submission: int | None = None,
    loads: Sequence[int] = (),
) -> str | None:
    """Register ``data_source`` for the provider's agreement on ``flow``; its id (None: no PA)."""
    agreement = next(
        (
            pa
            for pa in structures.message.provisionagreement.values()
            if pa.data_provider is not None
            and pa.structure_usage is not None
            and pa.data_provider.id == provider
            and pa.structure_usage.id == flow
        ),
        None,
    )
    if agreement is None:
        return None
    dataflow = structures.dataflow(flow)
    dsd = dataflow.structure
    reg_id = uuid.uuid4().hex
    conn.execute(
        insert(registrations).values(
            id=reg_id,
            provider=provider,
            submission=submission,
            agreement_agency=_maintainable(agreement)[0],
            agreement_id=agreement.id,
            agreement_version=_maintainable(agreement)[2],
            flow_agency=_maintainable(dataflow)[0],
            flow_id=dataflow.id,
            flow_version=_maintainable(dataflow)[2],
            structure_agency=_maintainable(dsd)[0],
            structure_id=dsd.id,
            structure_version=_maintainable(dsd)[2],
            data_source=data_source,
            last_updated=at,
        )
    )
    if loads:
        for row in conn.execute(
            select(releases.c.pk, releases.c.summary).where(releases.c.load_pk.in_(list(loads)))
        ).all():
            summary = json.loads(row.summary) if row.summary else {}
            summary["registration"] = {"id": reg_id, "data_source": data_source}
            conn.execute(
                update(releases)
                .where(releases.c.pk == row.pk)
                .values(summary=json.dumps(summary), submission=str(submission))
            )
    return reg_id


def register_accepted(
    conn: Connection, accepted, structures: StructureSet | None = None
) -> str | None:
    """Register an accepted submission (``registry.submissions.accepting`` calls it in
    the submission's transaction); the registration's id.

    ``structures``: those the submission was validated with (default: the
    stored ones, which costs a structure load in a process that has none cached).
    """
    return register(
        conn,
        structures if structures is not None else _CACHE.get(conn).structures,
        provider=accepted.provider,
        flow=accepted.flow_id,
        data_source=accepted.download_url,
        at=accepted.at,
        submission=accepted.id,
        loads=accepted.load_ids,
    )


def _values(column, values: Sequence[str] | None):
    if not values or ANY in values or "~" in values:  # "~": the latest, every one here
        return None
    return column.in_(list(values))


def find_registrations(
    conn: Connection,
    *,
    ids: Sequence[str] | None = None,
    providers: Sequence[str] | None = None,
    provider_agencies: Sequence[str] | None = None,
    context: str | None = None,
    agencies: Sequence[str] | None = None,
    resources: Sequence[str] | None = None,
    versions: Sequence[str] | None = None,
    updated_after: datetime | None = None,
    updated_before: datetime | None = None,
    only_provider: str | None = None,
) -> list[StoredRegistration]:
    """Registrations matching a REST 2.x registration query (``*`` or None: any)."""
    r = registrations.c
    conditions = []
    columns = {
        "provisionagreement": (r.agreement_agency, r.agreement_id, r.agreement_version),
        "dataflow": (r.flow_agency, r.flow_id, r.flow_version),
        "datastructure": (r.structure_agency, r.structure_id, r.structure_version),
    }
    if context in columns:
        for column, values in zip(columns[context], (agencies, resources, versions), strict=True):
            conditions.append(_values(column, values))
    conditions += [_values(r.id, ids), _values(r.provider, providers)]
    if provider_agencies and ANY not in provider_agencies and "MOSY" not in provider_agencies:
        conditions.append(r.pk.is_(None))  # every provider is in MOSY's provider scheme
    if only_provider is not None:
        conditions.append(r.provider == only_provider)
    if updated_after is not None:
        conditions.append(r.last_updated > updated_after)
    if updated_before is not None:
        conditions.append(r.last_updated < updated_before)
    query = select(registrations).where(*(c for c in conditions if c is not None))
    return [
        StoredRegistration(
            id=row.id,
            provider=row.provider,
            submission=row.submission,
            agreement=(row.agreement_agency, row.agreement_id, row.agreement_version),
            flow=(row.flow_agency, row.flow_id, row.flow_version),
            structure=(row.structure_agency, row.structure_id, row.structure_version),
            data_source=row.data_source,
            last_updated=_aware(row.last_updated),
        )
        for row in conn.execute(query.order_by(r.last_updated, r.pk))
    ]
