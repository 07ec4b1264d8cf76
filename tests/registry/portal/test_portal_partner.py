"""The partner area: signing in, sessions, CSRF, templates (SQLite and PostgreSQL)."""

from __future__ import annotations

import io

import openpyxl
from portal_forms import HTML, alert_text, csrf_of, post_form, sign_in
from sqlalchemy import create_engine

from registry.store.tokens import Role, create_token, revoke_token


def test_the_sign_in_form_carries_a_csrf_token_and_its_cookie(visitor) -> None:
    page = visitor.get("/partner", headers=HTML)
    assert page.status_code == 200
    assert csrf_of(page.text)
    cookie = page.headers["set-cookie"].lower()
    assert "mosy_csrf=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert 'type="password"' in page.text and '<label for="token">' in page.text


def test_a_valid_token_opens_a_session_cookie(visitor, portal_db_store) -> None:
    answer = sign_in(visitor, portal_db_store.tokens["AT_MOI"])
    assert answer.status_code == 303 and answer.headers["location"] == "/partner"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "mosy_session=" in c)
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered
    assert "secure" not in lowered  # plain HTTP here
    assert portal_db_store.tokens["AT_MOI"] not in cookie
    home = visitor.get("/partner", headers=HTML)
    assert "for data provider <strong>AT_MOI</strong>" in home.text
    assert home.headers["cache-control"] == "no-store"
    assert "/partner/templates/DF_THB_VICTIMS.xlsx" in home.text


def test_the_session_cookie_is_secure_over_tls(portal_db_store, portal_client) -> None:
    from fastapi.testclient import TestClient

    with TestClient(portal_client.app, base_url="https://testserver") as tls:
        answer = sign_in(tls, portal_db_store.tokens["AT_MOI"])
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "mosy_session=" in c)
    assert "secure" in cookie.lower()


def test_wrong_and_expired_tokens_get_a_message_and_no_session(visitor, portal_db_store) -> None:
    for secret, words in [
        ("mosy_not-a-real-token", "not known here"),
        (portal_db_store.tokens["expired"], "expired"),
        ("", "Enter your token"),
    ]:
        answer = sign_in(visitor, secret)
        assert answer.status_code == 401
        assert words in alert_text(answer.text)
        assert "mosy_session" not in answer.headers.get("set-cookie", "")
        assert "Traceback" not in answer.text


def test_a_forged_form_is_refused(visitor, portal_db_store) -> None:
    secret = portal_db_store.tokens["AT_MOI"]
    no_token = visitor.post("/partner/sign-in", data={"token": secret}, headers=HTML)
    assert no_token.status_code == 403 and "security token is missing" in no_token.text
    page = visitor.get("/partner", headers=HTML).text
    wrong = visitor.post(
        "/partner/sign-in", data={"token": secret, "csrf_token": "forged"}, headers=HTML
    )
    assert wrong.status_code == 403 and "does not match" in wrong.text
    elsewhere = visitor.post(
        "/partner/sign-in",
        data={"token": secret, "csrf_token": csrf_of(page)},
        headers={**HTML, "Origin": "https://evil.example"},
    )
    assert elsewhere.status_code == 403 and "another site" in elsewhere.text
    assert "mosy_session" not in str(visitor.cookies)


def test_a_revoked_token_ends_its_session(visitor, portal_db_store) -> None:
    engine = create_engine(portal_db_store.settings.effective_database_url)
    with engine.begin() as conn:
        token, secret = create_token(
            conn, name="short-lived", role=Role.SUBMITTER, provider="AT_MOI"
        )
    assert sign_in(visitor, secret).status_code == 303
    assert "Signed in as" in visitor.get("/partner", headers=HTML).text
    with engine.begin() as conn:
        revoke_token(conn, pk=token.pk)
    engine.dispose()
    page = visitor.get("/partner", headers=HTML).text
    assert "Your session ended: the token was revoked" in page
    assert 'action="/partner/sign-in"' in page


def test_signing_out_ends_the_session(visitor, portal_db_store) -> None:
    sign_in(visitor, portal_db_store.tokens["AT_MOI"])
    answer = post_form(visitor, "/partner", "/partner/sign-out", {})
    assert answer.status_code == 303
    assert 'action="/partner/sign-in"' in visitor.get("/partner", headers=HTML).text


def test_templates_of_ones_own_dataflows_only(visitor, portal_db_store) -> None:
    assert visitor.get("/partner/templates/DF_THB_VICTIMS.xlsx", headers=HTML).status_code == 401
    sign_in(visitor, portal_db_store.tokens["AT_MOI"])
    excel = visitor.get("/partner/templates/DF_THB_VICTIMS.xlsx")
    assert excel.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(excel.content))
    assert book.sheetnames
    csv = visitor.get("/partner/templates/DF_THB_VICTIMS.csv")
    assert csv.status_code == 200 and "REF_AREA" in csv.text.splitlines()[0]
    refused = visitor.get("/partner/templates/DF_THB_VICTIMS_PUB.csv", headers=HTML)
    assert refused.status_code == 403 and "no provision agreement" in refused.text
