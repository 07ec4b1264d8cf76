"""``/health``: is the service up, on which schema, at which structure revision."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from mosy_sdmx import __version__
from registry.deps import ConnectionDep, EngineDep, SettingsDep, StructuresDep
from registry.portal.public import home_page
from registry.portal.rendering import wants_html

router = APIRouter(tags=["service"])


@router.get(
    "/",
    summary="Where to start",
    response_model=None,
    responses={200: {"content": {"text/html": {}}, "description": "Links, or the home page"}},
)
def root(
    request: Request, view: StructuresDep, conn: ConnectionDep, engine: EngineDep
) -> dict[str, Any] | Response:
    """Links to the API's entry points; a browser (Accept: text/html) gets the portal's home."""
    if wants_html(request):
        return home_page(request, view, conn, engine)
    return {
        "name": "MoSy SDMX registry",
        "version": __version__,
        "links": {
            "docs": "/docs",
            "openapi": "/openapi.json",
            "health": "/health",
            "portal": "/structures",
            "dataflows_sdmx_2_1": "/sdmx/2.1/dataflow",
            "dataflows_sdmx_3_0": "/sdmx/3.0/structure/dataflow",
        },
    }


@router.get("/health", summary="Service status")
def health(view: StructuresDep, conn: ConnectionDep, settings: SettingsDep) -> dict[str, Any]:
    """Up, the version, the database kind, and what the store holds."""
    return {
        "status": "ok",
        "version": __version__,
        "database": conn.dialect.name,
        "structures": {
            "revision": view.revision.number,
            "updated_at": view.revision.updated_at.isoformat(),
            "artefacts": len(view.graph.artefacts),
        },
        "dataflows": sorted(view.structures.dataflows),
    }
