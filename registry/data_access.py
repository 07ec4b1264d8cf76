"""Who may read and write which data: the registry's one module of access rules.

Reading: public (``_PUB``) dataflows for anyone. Restricted dataflows hold
the providers' raw figures, confidential values included: an administrator's
token reads them all, a provider's token (any role) only its own data in the
dataflows of its provision agreements, and a request without a token nothing
(401). The data and availability answers call ``data_reader`` before they
touch the store.

Writing (submissions): a ``submitter`` token writes for its own provider,
only the dataflows of its provision agreements (the library's validator
then holds the data to the agreement's constraints); an ``admin`` token
writes for the provider it names; a ``reader`` token writes nothing.
Submissions are read by their provider's tokens and by administrators.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection
from starlette.requests import Request

from mosy_sdmx.rest.data import DataQuery
from mosy_sdmx.structures import StructureSet
from registry.deps import bearer_token
from registry.errors import ApiError
from registry.store.tokens import Role, Token


def is_public(structures: StructureSet, flow_id: str) -> bool:
    return structures.is_public(flow_id)


def provider_flows(structures: StructureSet, provider: str) -> set[str]:
    """Dataflows a provider has provision agreements for."""
    return {
        pa.structure_usage.id
        for pa in structures.message.provisionagreement.values()
        if pa.data_provider is not None
        and pa.structure_usage is not None
        and pa.data_provider.id == provider
    }


def data_reader(
    request: Request, conn: Connection, structures: StructureSet, flow_id: str, query: DataQuery
) -> DataQuery:
    """The query as this caller may run it (a provider's narrowed to its own data).

    Raises ApiError 401 without a valid token for a restricted dataflow, 403
    for a provider without a provision agreement for it.
    """
    if is_public(structures, flow_id):
        return query
    if not request.headers.get("authorization"):
        raise ApiError(
            401,
            "Restricted dataflow",
            f"{flow_id} holds providers' unpublished data; its public form is "
            f"{_public_hint(structures, flow_id)}; or send a token as "
            "'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": 'Bearer realm="mosy-registry"'},
        )
    token = bearer_token(request, conn)
    if token.role is Role.ADMIN:
        return query
    provider = token.provider or ""
    if flow_id not in provider_flows(structures, provider):
        raise ApiError(
            403,
            "Not your dataflow",
            f"provider {provider} has no provision agreement for {flow_id}; "
            "read its public form instead",
        )
    if query.providers and set(query.providers) != {provider}:
        raise ApiError(
            403,
            "Not your data",
            f"token {token.name!r} reads the data of {provider} only, not of "
            + ", ".join(p for p in query.providers if p != provider),
        )
    return replace(query, providers=(provider,))


def _public_hint(structures: StructureSet, flow_id: str) -> str:
    public = [
        f
        for f, flow in structures.message.dataflow.items()
        if any(a.id == "DERIVED_FROM" and str(a.title) == flow_id for a in flow.annotations)
    ]
    return " and ".join(sorted(public)) if public else "not published"


def check_may_submit(token: Token) -> None:
    """ApiError 403 for a token that never submits (a reader's): checked before any upload."""
    if token.role is Role.READER:
        raise ApiError(
            403,
            "Reader tokens cannot submit",
            f"token {token.name!r} has role reader; submitting needs a submitter token of "
            f"{token.provider} (an administrator creates one with 'mosy-registry token create "
            f"--provider {token.provider} --role submitter')",
        )


def submitting_provider(token: Token, asked: str | None) -> str:
    """The provider a token submits for (``asked``: the one an admin names).

    ApiError 403 for a reader token or a provider other than the token's own,
    400 for an admin token that names none.
    """
    check_may_submit(token)
    if token.role is Role.ADMIN:
        if not asked:
            raise ApiError(
                400,
                "Provider missing",
                "an admin token submits for a data provider it names: send 'provider' "
                "(form field or query parameter), e.g. provider=AT_MOI",
            )
        return asked
    provider = token.provider or ""
    if asked and asked != provider:
        raise ApiError(
            403,
            "Not your provider",
            f"token {token.name!r} submits for {provider} only, not for {asked}",
        )
    return provider


def check_may_write(token: Token, structures: StructureSet, provider: str, flow_id: str) -> None:
    """ApiError 403 unless ``provider`` has a provision agreement for ``flow_id``.

    Public dataflows are written by publication only, never submitted to.
    Administrators pass otherwise: the validator reports a provider without one.
    """
    if is_public(structures, flow_id):
        raise ApiError(
            403,
            "Public dataflow",
            f"{flow_id} is computed from the providers' data by publication; submit to "
            + (_source_hint(structures, flow_id) or "the restricted dataflow it derives from"),
        )
    if token.role is Role.ADMIN:
        return
    if flow_id not in provider_flows(structures, provider):
        allowed = ", ".join(sorted(provider_flows(structures, provider))) or "none"
        raise ApiError(
            403,
            "Not your dataflow",
            f"provider {provider} has no provision agreement for {flow_id}; "
            f"it submits to: {allowed}",
        )


def own_submissions(token: Token) -> str | None:
    """The provider whose submissions a token reads; None: every provider's (admin)."""
    return None if token.role is Role.ADMIN else (token.provider or "")


def _source_hint(structures: StructureSet, flow_id: str) -> str:
    flow = structures.message.dataflow.get(flow_id)
    for annotation in getattr(flow, "annotations", ()):
        if annotation.id == "DERIVED_FROM":
            return str(annotation.title)
    return ""
