"""Releases (public) and the disclosure audit (administrators only).

``/api/releases`` lists what each published release changed in the public
dataflows; an administrator also sees the restricted side (the load, the
status, a failure). ``/api/audit`` shows what disclosure control hid or
rounded, with the raw values and reasons that the public flag deliberately
does not tell: never to anyone but an administrator.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from registry.deps import AdminDep, ConnectionDep, RowId, bearer_token
from registry.errors import ApiError, problems
from registry.publication.audit import audit_cells
from registry.publication.releases import PUBLISHED, Release, get_release, list_releases
from registry.store.tokens import Role

router = APIRouter(tags=["publication"])


def _is_admin(request: Request, conn) -> bool:
    if not request.headers.get("authorization"):
        return False
    return bearer_token(request, conn).role is Role.ADMIN


def release_view(release: Release, *, admin: bool = False) -> dict[str, Any]:
    changes = {
        flow: {k: change.get(k, 0) for k in ("added", "changed", "deleted")}
        for flow, change in release.public_changes.items()
    }
    out: dict[str, Any] = {
        "id": release.pk,
        "kind": release.kind,
        "at": release.at.isoformat(),
        "published": release.published_at.isoformat() if release.published_at else None,
        "provider": release.provider,
        "changes": changes,
        "links": {"self": f"/api/releases/{release.pk}"},
    }
    if release.submission:
        out["submission"] = release.submission
    if admin:
        out["restricted"] = {
            "dataflow": str(release.flow),
            "load": release.summary.get("load"),
            "status": release.status,
            "public": release.public_changes,
            "tables": release.summary.get("tables"),
        }
    return out


@router.get("/api/releases", summary="Published releases, newest first")
def releases_list(
    request: Request,
    conn: ConnectionDep,
    dataflow: Annotated[str | None, Query(description="A public dataflow id.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    admin = _is_admin(request, conn)
    found = list_releases(conn, status=PUBLISHED, public_flow=dataflow, limit=limit)
    if not admin:
        found = [r for r in found if r.public_changes]
    return {"releases": [release_view(r, admin=admin) for r in found]}


@router.get(
    "/api/releases/{release_id}",
    summary="One release",
    responses=problems(e404="No published release of that number."),
)
def release_one(request: Request, release_id: RowId, conn: ConnectionDep) -> dict[str, Any]:
    admin = _is_admin(request, conn)
    release = get_release(conn, release_id)
    if release is None or (
        not admin and (release.status != PUBLISHED or not release.public_changes)
    ):
        raise ApiError(404, "No such release", f"no published release {release_id}")
    return release_view(release, admin=admin)


@router.get(
    "/api/audit",
    summary="Disclosure audit (administrators only)",
    responses=problems(e401="No valid token.", e403="Not an administrator token."),
)
def audit(
    admin: AdminDep,
    conn: ConnectionDep,
    dataflow: Annotated[str | None, Query(description="Public dataflow id.")] = None,
    provider: str | None = None,
    release: int | None = None,
    reason: str | None = None,
    current: Annotated[bool, Query(description="Only the latest publication's cells.")] = True,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Every cell hidden, rounded, withheld or reshaped, with its raw value and reason."""
    return audit_cells(
        conn,
        dataflow=dataflow,
        provider=provider,
        release=release,
        reason=reason,
        current=current,
        limit=limit,
        offset=offset,
    )
