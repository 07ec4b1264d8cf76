"""Per-application caches: one per app, made once even when threads ask at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from starlette.applications import Starlette
from starlette.requests import Request

from registry.app_state import state_cache


def _request(app: Starlette) -> Request:
    return Request({"type": "http", "app": app, "headers": [], "method": "GET", "path": "/"})


def test_one_cache_per_app_and_name_whether_asked_by_request_or_app() -> None:
    first, second = Starlette(), Starlette()
    made = state_cache(_request(first), "things", dict)
    assert state_cache(first, "things", dict) is made
    assert state_cache(_request(first), "things", list) is made  # the factory runs once
    assert state_cache(second, "things", dict) is not made
    assert state_cache(first, "others", dict) is not made


def test_threads_asking_at_once_share_one_cache() -> None:
    app = Starlette()
    calls = []
    lock = threading.Lock()

    def slow_factory() -> object:
        with lock:
            calls.append(1)
        time.sleep(0.05)
        return object()

    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: state_cache(app, "slow", slow_factory), range(8)))
    assert len(calls) == 1
    assert all(value is got[0] for value in got)
