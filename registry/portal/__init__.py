"""The web portal: server-rendered pages over the same store and library as the API.

Pages are Jinja2 templates (``templates/``) rendered by small routers, one
per area: ``public`` (home, structure browser, data explorer), ``partner``
(sign-in, templates, uploads, own submissions), ``dashboard`` (indicator
charts, tables and the map of Europe) and ``admin``. Every asset is
a file of ``static/``, served at ``/static``; nothing is fetched from
elsewhere at run time, and every page works without JavaScript.

A new area is a module with an ``APIRouter`` named ``router``, appended to
``PAGE_ROUTERS`` (the dashboard mounts itself at ``/dashboard`` that way).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from starlette.staticfiles import StaticFiles

from registry.portal import (
    admin,
    admin_records,
    dashboard,
    explorer,
    partner,
    public,
    structures,
    submitting,
)

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static"

#: The portal's routers, in the order they are mounted.
PAGE_ROUTERS: list[APIRouter] = [
    public.router,
    structures.router,
    explorer.router,
    dashboard.router,
    partner.router,
    submitting.router,
    admin.router,
    admin_records.router,
]


def mount_static(app: FastAPI) -> None:
    """Serve the portal's shipped assets (CSS, scripts, fonts, geometry) at ``/static``."""
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC_DIR), name="static")
