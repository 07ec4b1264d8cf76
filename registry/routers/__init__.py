"""One router per resource; ``ROUTERS`` is what ``create_app`` mounts, in order.

A new resource (data, availability, submissions, portal pages) is a new
module here with an ``APIRouter`` named ``router``, added to ``ROUTERS``.
The structure routes come first: they are what harvesters poll most, and
their first segment only matches structure resource names, so they take
nothing from ``/sdmx/2.1/data/...`` or ``/schema/...``. The fallback that
answers unknown resource names with the list of known ones comes last.
"""

from __future__ import annotations

from registry.routers import (
    availability,
    data,
    data_maintenance,
    feeds,
    health,
    maintenance,
    portal,
    publication,
    registrations,
    schema,
    structure,
    submissions,
    subscriptions,
    unimplemented,
)

ROUTERS = [
    structure.router,
    schema.router,
    data.router,
    availability.router,
    maintenance.router,
    data_maintenance.router,
    publication.router,
    feeds.router,
    submissions.router,
    subscriptions.router,
    registrations.router,
    unimplemented.router,
    health.router,
    portal.router,
    structure.fallback,
]
