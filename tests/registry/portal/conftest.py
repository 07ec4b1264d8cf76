"""Portal fixtures: one SQLite store with public data and tokens, one real server on a
free port, one headless Chromium, all shared by the session; a fresh browser
context (cookies, storage) per test.

Each browser test gets ``page``: its console errors and uncaught exceptions
fail the test, and a full-page screenshot is saved when it ends
(``portal_browser.SCREENSHOTS``). The pages' server-side behaviour on both
databases is tested with the registry's ``client`` fixtures, not here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from portal_browser import aborted_on_purpose, chromium_path, screenshot_path
from portal_data import PortalStore, make_portal_store
from registry_servers import ThreadServer

from registry.app import create_app


@pytest.fixture(scope="session")
def portal_store(tmp_path_factory) -> PortalStore:
    return make_portal_store(tmp_path_factory.mktemp("portal"))


@pytest.fixture(scope="session")
def portal_db_store(databases, tmp_path_factory) -> PortalStore:
    """The same store on the session's database kind (SQLite and PostgreSQL)."""
    return make_portal_store(tmp_path_factory.mktemp("portal-db"), databases.new())


@pytest.fixture(scope="session")
def portal_client(portal_db_store) -> Iterator[TestClient]:
    with TestClient(create_app(portal_db_store.settings)) as client:
        yield client


@pytest.fixture(scope="session")
def portal_server(portal_store) -> Iterator[ThreadServer]:
    with ThreadServer(portal_store.settings) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, portal_server, request) -> Iterator[object]:
    """A page in a fresh context on the portal server; JavaScript errors fail the test."""
    context = browser.new_context(
        base_url=portal_server.url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []

    def on_console(message) -> None:
        # A page answered 4xx on purpose (a refused form) is logged as "Failed to load
        # resource"; failed scripts, styles and images are caught by on_response instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def on_response(response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            errors.append(f"{response.status} for {response.url}")

    def on_failed(request) -> None:
        if not aborted_on_purpose(request):
            errors.append(f"failed: {request.url} ({request.failure})")

    tab.on("console", on_console)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("response", on_response)
    tab.on("requestfailed", on_failed)
    tab.console_errors = errors
    yield tab
    try:
        tab.screenshot(path=str(screenshot_path(request.node.name)), full_page=True)
    finally:
        context.close()
    assert not errors, f"JavaScript console errors: {errors}"


@pytest.fixture
def visitor(portal_client) -> Iterator[TestClient]:
    """The session's portal client with no cookies (no session, no CSRF cookie) before and
    after the test."""
    portal_client.cookies.clear()
    yield portal_client
    portal_client.cookies.clear()
