"""One router per resource; ``ROUTERS`` is what ``create_app`` mounts, in order.

A new resource (data, availability, submissions, portal pages) is a new
module here with an ``APIRouter`` named ``router``, added to ``ROUTERS``.
"""

from __future__ import annotations

from registry.routers import health

ROUTERS = [health.router]
