"""The public pages' server side, on SQLite and PostgreSQL (``data_client``: victims
figures of two providers in the restricted DF_THB_VICTIMS)."""

from __future__ import annotations

import re

import pytest

HTML = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}


def test_a_browser_gets_the_home_page_and_an_api_client_the_links(data_client) -> None:
    page = data_client.get("/", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "DF_THB_VICTIMS_PUB" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert data_client.get("/").json()["links"]["docs"] == "/docs"


def test_restricted_loads_are_not_announced_as_public_releases(data_client) -> None:
    page = data_client.get("/", headers=HTML).text
    releases = page.split('id="releases-heading"', 1)[1]
    # The loads of DF_THB_VICTIMS are announced by what publication made of them.
    links = re.findall(r'href="/explore/([A-Z_]+)"', releases)
    assert links and set(links) <= {"DF_THB_VICTIMS_PUB", "DF_THB_RATES_PUB"}
    row = re.search(
        r"<tr>\s*<th scope=\"row\"><a href=\"[^\"]*/DF_THB_VICTIMS/.*?</tr>", page, re.S
    )
    assert row is not None and "Restricted to its providers" in row.group(0)


def test_a_browser_gets_errors_as_pages_and_api_clients_as_json(data_client) -> None:
    page = data_client.get("/no/such/page", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in page.text and "Traceback" not in page.text
    api = data_client.get("/no/such/page")
    assert api.status_code == 404 and api.json()["code"] == "not-found"
    sdmx = data_client.get("/sdmx/2.1/dataflow/MOSY/NOPE", headers=HTML)
    assert sdmx.headers["content-type"].startswith("application/xml")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/structures", "/structures"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ],
)
def test_choosing_a_language_goes_back_to_a_local_page_only(data_client, target, expected) -> None:
    answer = data_client.get(
        "/language", params={"lang": "de", "next": target}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == expected
    assert "mosy_lang=de" in answer.headers["set-cookie"]
    assert "httponly" in answer.headers["set-cookie"].lower()


def test_the_language_comes_from_the_cookie_or_accept_language(data_client) -> None:
    german = data_client.get("/", headers={**HTML, "Accept-Language": "de-AT,de;q=0.9"})
    assert '<html lang="de">' in german.text
    data_client.cookies.set("mosy_lang", "fr")
    try:
        assert '<html lang="fr">' in data_client.get("/", headers=HTML).text
    finally:
        data_client.cookies.clear()


def test_the_stylesheet_is_shipped_and_served(data_client) -> None:
    css = data_client.get("/static/portal.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in css.text
