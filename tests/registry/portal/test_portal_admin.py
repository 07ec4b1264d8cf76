"""The admin area: who may enter, tokens, providers, the change log (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from html import unescape

from portal_forms import HTML, alert_text, post_form, sign_in
from sqlalchemy import create_engine

from registry.store.tokens import find_token


def test_visitors_are_asked_to_sign_in_and_partners_refused(visitor, portal_db_store) -> None:
    page = visitor.get("/admin", headers=HTML)
    assert page.status_code == 401 and 'action="/partner/sign-in"' in page.text
    sign_in(visitor, portal_db_store.tokens["AT_MOI"])
    for target in ("/admin", "/admin/tokens", "/admin/providers", "/admin/changes"):
        refused = visitor.get(target, headers=HTML)
        assert refused.status_code == 403, target
        assert "Administrators only" in refused.text


def test_an_admin_lands_in_the_admin_area(visitor, portal_db_store) -> None:
    answer = sign_in(visitor, portal_db_store.tokens["admin"])
    assert answer.headers["location"] == "/admin"
    home = visitor.get("/admin", headers=HTML).text
    for target in ("/admin/providers", "/admin/tokens", "/admin/changes"):
        assert f'href="{target}"' in home


def test_creating_a_token_shows_it_once_and_it_works(visitor, portal_db_store) -> None:
    sign_in(visitor, portal_db_store.tokens["admin"])
    answer = post_form(
        visitor,
        "/admin/tokens",
        "/admin/tokens",
        {
            "name": "bg-nrem-portal",
            "role": "submitter",
            "provider": "BG_NREM",
            "expires_days": "30",
        },
    )
    assert answer.status_code == 201
    secret = unescape(re.search(r'id="new-secret" readonly value="([^"]+)"', answer.text)[1])
    engine = create_engine(portal_db_store.settings.effective_database_url)
    with engine.connect() as conn:
        token = find_token(conn, secret)
    engine.dispose()
    assert token is not None and token.provider == "BG_NREM" and token.expires_at is not None
    listing = visitor.get("/admin/tokens", headers=HTML).text
    assert "bg-nrem-portal" in listing and secret not in listing


def test_a_token_form_with_missing_fields_creates_nothing(visitor, portal_db_store) -> None:
    sign_in(visitor, portal_db_store.tokens["admin"])
    before = visitor.get("/admin/tokens", headers=HTML).text.count("<tr>")
    answer = post_form(
        visitor,
        "/admin/tokens",
        "/admin/tokens",
        {"name": "", "role": "submitter", "provider": "", "expires_days": "soon"},
    )
    assert answer.status_code == 400
    problems = alert_text(answer.text)
    assert "Name:" in problems and "Data provider:" in problems and "Expires after:" in problems
    assert visitor.get("/admin/tokens", headers=HTML).text.count("<tr>") == before


def test_revoking_a_token_from_the_page(visitor, portal_db_store) -> None:
    sign_in(visitor, portal_db_store.tokens["admin"])
    created = post_form(
        visitor,
        "/admin/tokens",
        "/admin/tokens",
        {"name": "to-revoke", "role": "reader", "provider": "AT_MOI"},
    )
    number = re.search(r"Token (\d+) \(<strong>to-revoke", created.text)[1]
    answer = post_form(visitor, "/admin/tokens", f"/admin/tokens/{number}/revoke", {})
    assert answer.status_code == 303
    listing = visitor.get(answer.headers["location"], headers=HTML).text
    row = re.search(rf"<td>{number}</td>.*?</tr>", listing, re.S)[0]
    assert "the token was revoked" in row
    again = post_form(visitor, "/admin/tokens", f"/admin/tokens/{number}/revoke", {})
    assert again.status_code == 404 and "nothing was changed" in again.text


def test_providers_show_their_agreements_and_constraints(visitor, portal_db_store) -> None:
    sign_in(visitor, portal_db_store.tokens["admin"])
    page = visitor.get("/admin/providers", headers=HTML).text
    row = re.search(r"<span class=\"id\">AT_MOI</span>.*?</tr>", page, re.S)[0]
    assert "DF_THB_VICTIMS" in row and "REF_AREA: AT" in row


def test_the_change_log_lists_structure_changes(visitor, portal_db_store) -> None:
    sign_in(visitor, portal_db_store.tokens["admin"])
    page = visitor.get("/admin/changes", params={"scope": "structures"}, headers=HTML).text
    assert "dataflow=MOSY:DF_THB_VICTIMS(1.0.0)" in page
