"""The portal in a real browser: the home page, navigation, languages, accessibility."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from portal_browser import aborted_on_purpose, axe_violations, describe_violations, screenshot_path
from portal_data import PUBLIC_FLOW


def test_home_lists_the_dataflows_and_links_every_area(page) -> None:
    page.goto("/")
    assert page.title().startswith("Home")
    nav = page.get_by_role("navigation", name="Main")
    for label, target in [
        ("Structures", "/structures"),
        ("Data", "/explore"),
        ("Dashboard", "/dashboard"),
        ("Partner area", "/partner"),
        ("Admin", "/admin"),
    ]:
        assert nav.get_by_role("link", name=label, exact=True).get_attribute("href") == target
    assert page.get_by_role("link", name="Home").get_attribute("aria-current") == "page"
    explore = page.locator(f'a[href="/explore/{PUBLIC_FLOW}"]').first
    assert explore.is_visible()
    assert page.locator("#releases-heading + ul.releases li").count() >= 1
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_keyboard_users_skip_to_the_content(page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_the_chosen_language_sticks_and_sets_the_page_language(page) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    page.wait_for_url("**/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.goto("/")  # the cookie remembers it
    assert page.locator("html").get_attribute("lang") == "fr"


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/structures",
        "/structures/codelist/MOSY/CL_GEO/1.0.0",
        "/explore/" + PUBLIC_FLOW,
        "/partner",
        "/dashboard",
        "/dashboard/map",
    ],
)
def test_pages_are_readable_on_a_phone(phone, target) -> None:
    phone.goto(target)
    # Nothing wider than the screen but the tables' own scrolling boxes.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    name = "phone" + target.replace("/", "_")
    phone.screenshot(path=str(screenshot_path(name)), full_page=True)


@pytest.fixture(scope="module")
def phone(browser, portal_server):
    context = browser.new_context(
        base_url=portal_server.url, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(
    "url, kind, failure, ignored",
    [
        ("http://h/static/favicon.svg?v=1", "other", "net::ERR_ABORTED", True),
        ("http://h/dashboard/figures/sex.csv", "document", "net::ERR_ABORTED", True),
        ("http://h/static/portal.css?v=1", "stylesheet", "net::ERR_ABORTED", False),
        ("http://h/static/favicon.svg?v=1", "other", "net::ERR_CONNECTION_REFUSED", False),
        ("http://h/static/dashboard.js", "script", "net::ERR_FAILED", False),
    ],
)
def test_only_requests_the_browser_gave_up_are_not_failures(url, kind, failure, ignored) -> None:
    request = SimpleNamespace(url=url, resource_type=kind, failure=failure)
    assert aborted_on_purpose(request) is ignored
