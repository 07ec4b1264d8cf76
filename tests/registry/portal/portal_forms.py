"""Filling the portal's forms as a browser would: the CSRF field from the page."""

from __future__ import annotations

import re
from html import unescape

HTML = {"Accept": "text/html"}


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return unescape(found.group(1))


def sign_in(client, secret: str, **headers):
    """Open the sign-in page, send the token with the page's CSRF field; the answer."""
    page = client.get("/partner", headers=HTML).text
    return client.post(
        "/partner/sign-in",
        data={"token": secret, "csrf_token": csrf_of(page)},
        headers={**HTML, **headers},
        follow_redirects=False,
    )


def post_form(client, page_url: str, action: str, data: dict, **kw):
    page = client.get(page_url, headers=HTML).text
    return client.post(
        action,
        data={**data, "csrf_token": csrf_of(page)},
        headers=HTML,
        follow_redirects=False,
        **kw,
    )


def alert_text(page: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)</div>', page, re.S)
    return unescape(re.sub(r"<[^>]+>|\s+", " ", found.group(1))).strip() if found else ""
