"""Per-application caches kept on ``app.state``, made on first use.

Each app (so each database) has its own: tests build several apps in one
process. Made under a lock, so that two threads asking at once share one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from starlette.applications import Starlette
from starlette.requests import Request

T = TypeVar("T")

_LOCK = threading.Lock()


def state_cache(request_or_app: Request | Starlette, name: str, factory: Callable[[], T]) -> T:
    """``app.state.<name>``, made by ``factory()`` the first time it is asked for."""
    app = request_or_app.app if isinstance(request_or_app, Request) else request_or_app
    value = getattr(app.state, name, None)
    if value is None:
        with _LOCK:
            value = getattr(app.state, name, None)
            if value is None:
                value = factory()
                setattr(app.state, name, value)
    return value
