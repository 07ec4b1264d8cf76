"""One router per resource; ``ROUTERS`` is what ``create_app`` mounts, in order.

A new resource (data, availability, submissions, portal pages) is a new
module here with an ``APIRouter`` named ``router``, added to ``ROUTERS``.
Order matters: ``/sdmx/2.1/{resource}/...`` (SDMX REST 1.5.0 structure
queries) matches any first segment, so every other ``/sdmx/2.1/...`` route
(schema, data, availability) comes before ``structure``.
"""

from __future__ import annotations

from registry.routers import health, maintenance, schema, structure, unimplemented

ROUTERS = [
    health.router,
    schema.router,
    unimplemented.router,
    maintenance.router,
    structure.router,
]
