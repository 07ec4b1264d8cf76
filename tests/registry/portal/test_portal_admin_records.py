"""Admin pages over subscriptions and the suppression audit (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from portal_forms import HTML, alert_text, post_form, sign_in
from sqlalchemy import create_engine

from registry.subscriptions.store import create_subscription, get_subscription

PAGES = ("/admin/subscriptions", "/admin/audit")


@pytest.fixture
def engine(portal_db_store):
    engine = create_engine(portal_db_store.settings.effective_database_url)
    yield engine
    engine.dispose()


def test_only_administrators_see_them(visitor, portal_db_store) -> None:
    for target in PAGES:
        assert visitor.get(target, headers=HTML).status_code == 401
    sign_in(visitor, portal_db_store.tokens["AT_MOI"])
    for target in PAGES:
        refused = visitor.get(target, headers=HTML)
        assert refused.status_code == 403 and "Administrators only" in refused.text
        assert "raw_value" not in refused.text
    visitor.cookies.clear()
    sign_in(visitor, portal_db_store.tokens["admin"])
    home = visitor.get("/admin", headers=HTML).text
    for target in PAGES:
        assert f'href="{target}"' in home
        answer = visitor.get(target, headers=HTML)
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"


def test_an_admin_ends_a_subscription(visitor, portal_db_store, engine) -> None:
    with engine.begin() as conn:
        made = create_subscription(
            conn, owner="portal-test", token_pk=None, dataflow="DF_THB_VICTIMS_PUB",
            url="https://example.org/hook",
        )  # fmt: skip
    sign_in(visitor, portal_db_store.tokens["admin"])
    listing = visitor.get("/admin/subscriptions", headers=HTML).text
    assert made.uid in listing and "https://example.org/hook" in listing
    # A forged form (no CSRF field) changes nothing.
    forged = visitor.post(
        f"/admin/subscriptions/{made.uid}/delete", headers=HTML, follow_redirects=False
    )
    assert forged.status_code == 403
    with engine.connect() as conn:
        assert get_subscription(conn, made.uid) is not None
    answer = post_form(
        visitor, "/admin/subscriptions", f"/admin/subscriptions/{made.uid}/delete", {}
    )
    assert answer.status_code == 303
    after = visitor.get(answer.headers["location"], headers=HTML).text
    assert "was ended" in after
    assert f"<code>{made.uid}</code>" not in after
    with engine.connect() as conn:
        assert get_subscription(conn, made.uid) is None
    delete = f"/admin/subscriptions/{made.uid}/delete"
    again = post_form(visitor, "/admin/subscriptions", delete, {})
    assert again.status_code == 404 and "not a live subscription" in alert_text(again.text)


def _status_total(page: str) -> int:
    found = re.search(r'<p role="status">([\d,]+) cells?', page)
    assert found, page[-1500:]
    return int(found.group(1).replace(",", ""))


def test_the_audit_shows_what_the_api_shows(visitor, portal_db_store) -> None:
    admin = {"Authorization": f"Bearer {portal_db_store.tokens['admin']}"}
    api = visitor.get("/api/audit", headers=admin).json()
    assert api["total"] > 0, "publication should have hidden some cells"
    sign_in(visitor, portal_db_store.tokens["admin"])
    page = visitor.get("/admin/audit", headers=HTML).text
    assert _status_total(page) == api["total"]
    first = api["cells"][0]
    assert f"<code>{first['series_key']}</code>" in page
    reason = sorted(api["reasons"])[0]
    filtered = visitor.get("/admin/audit", params={"reason": reason}, headers=HTML).text
    assert _status_total(filtered) == api["reasons"][reason]
    by_release = visitor.get(
        "/admin/audit", params={"release": first["release"], "applied": "1"}, headers=HTML
    ).text
    in_release = visitor.get("/api/audit", params={"release": first["release"]}, headers=admin)
    assert _status_total(by_release) == in_release.json()["total"]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"release": "abc"}, "is not a release number"),
        ({"dataflow": "DF_THB_VICTIMS"}, "is not a public dataflow"),
        ({"provider": "<b>"}, "is not a data provider"),
        ({"reason": "whim"}, "no cell was audited"),
    ],
)
def test_a_bad_audit_filter_gets_a_message(visitor, portal_db_store, params, message) -> None:
    sign_in(visitor, portal_db_store.tokens["admin"])
    answer = visitor.get("/admin/audit", params=params, headers=HTML)
    assert answer.status_code == 400
    assert message in alert_text(answer.text)
    assert "'<b>'" not in answer.text  # echoed escaped, never as markup
