"""Signing in to the portal: a token once, then a signed session cookie; CSRF tokens.

A partner pastes the bearer token an administrator gave them; the portal
checks it as the API does (``registry.store.tokens``) and answers with a
session cookie holding the token's row number and the time of sign-in,
signed with HMAC-SHA256. The cookie is HttpOnly, SameSite=Lax, Secure when
the request came over TLS, and lasts ``SESSION_HOURS``; every request
re-reads the token, so a revoked or expired token ends its sessions at once.

Every form carries a CSRF token: the HMAC of a random per-browser cookie
(``mosy_csrf``, HttpOnly, SameSite=Strict), checked on each POST together
with the Origin header when the browser sends one. A forged form (another
site, or no token) is refused with 403 and a readable page.

The signing key is ``MOSY_SESSION_SECRET`` when set (several hosts), else a
random key kept in the data directory (``session.key``, created once, read
by every worker of that directory).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response

from registry.app_state import state_cache
from registry.deps import settings_of
from registry.errors import ApiError
from registry.store.revisions import now
from registry.store.tokens import Role, Token, find_token, get_token

SESSION_COOKIE = "mosy_session"
CSRF_COOKIE = "mosy_csrf"
CSRF_FIELD = "csrf_token"
SESSION_HOURS = 8


class SignInError(Exception):
    """Why a sign-in failed, in words for the page."""


@dataclass(frozen=True)
class PortalUser:
    """Who is signed in: the token's facts (never its secret)."""

    token: Token

    @property
    def name(self) -> str:
        return self.token.name

    @property
    def provider(self) -> str | None:
        return self.token.provider

    @property
    def is_admin(self) -> bool:
        return self.token.role is Role.ADMIN


def signing_key(request: Request) -> bytes:
    """The key sessions and CSRF tokens are signed with (made once per process)."""
    return state_cache(request, "portal_key", lambda: _load_key(settings_of(request)))


def _load_key(settings) -> bytes:
    given = getattr(settings, "session_secret", None) or os.environ.get("MOSY_SESSION_SECRET")
    if given:
        return hashlib.sha256(given.encode()).digest()
    folder = Path(settings.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "session.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as handle:
        key = secrets.token_bytes(32)
        handle.write(key.hex())
    return key


def _sign(key: bytes, payload: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(key, payload, hashlib.sha256).digest()).decode()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


# -- sessions --------------------------------------------------------------------------------


def sign_in(engine: Engine, secret: str) -> Token:
    """The token whose secret this is, if it may be used now; SignInError otherwise."""
    secret = secret.strip()
    if not secret:
        raise SignInError("Enter your token: it starts with mosy_ and was given to you once.")
    with engine.connect() as conn:
        token = find_token(conn, secret)
    if token is None:
        raise SignInError(
            "This token is not known here. Check that you copied all of it, "
            "or ask an administrator for a new one."
        )
    refusal = token.refusal(now())
    if refusal:
        raise SignInError(
            f"This token cannot be used: {refusal}. Ask an administrator for a new one."
        )
    return token


def start_session(request: Request, response: Response, token: Token) -> None:
    payload = base64.urlsafe_b64encode(
        json.dumps({"t": token.pk, "at": int(time.time())}).encode()
    ).decode()
    value = f"{payload}.{_sign(signing_key(request), payload.encode())}"
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        secure=_secure(request),
        samesite="lax",
        path="/",
    )


def end_session(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, secure=_secure(request), samesite="lax"
    )


def current_user(request: Request, engine: Engine) -> tuple[PortalUser | None, str | None]:
    """The signed-in user, and why a session that was there ended (for the page)."""
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        return None, None
    payload, _, signature = value.partition(".")
    expected = _sign(signing_key(request), payload.encode())
    if not signature or not hmac.compare_digest(signature, expected):
        return None, "Your session is not valid any more; sign in again."
    try:
        facts = json.loads(base64.urlsafe_b64decode(payload.encode()))
        pk, started = int(facts["t"]), int(facts["at"])
    except (ValueError, KeyError, TypeError):
        return None, "Your session is not valid any more; sign in again."
    if time.time() - started > SESSION_HOURS * 3600:
        return None, f"Your session ended after {SESSION_HOURS} hours; sign in again."
    with engine.connect() as conn:
        try:
            token = get_token(conn, pk)
        except Exception:  # the row is gone (NoResultFound): the session is over
            return None, "Your token is not known any more; sign in with a new one."
    refusal = token.refusal(now())
    if refusal:
        return None, f"Your session ended: {refusal}. Ask an administrator for a new token."
    return PortalUser(token), None


# -- CSRF ------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The form token of this browser; a new browser cookie is set by ``render``."""
    existing = getattr(request.state, "csrf_token", None)
    if existing:
        return existing
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or len(cookie) > 100:
        cookie = secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = cookie
    token = _sign(signing_key(request), b"csrf:" + cookie.encode())
    request.state.csrf_token = token
    return token


def set_csrf_cookie(request: Request, response: Response) -> None:
    cookie = getattr(request.state, "new_csrf_cookie", None)
    if cookie:
        response.set_cookie(
            CSRF_COOKIE, cookie, httponly=True, secure=_secure(request), samesite="strict", path="/"
        )


def check_origin(request: Request) -> None:
    """Refuse a POST whose Origin header names another site (403); none is allowed."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise _forged("the form was sent from another site")


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form that did not come from this site's own page (403)."""
    check_origin(request)
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted:
        raise _forged("the form's security token is missing")
    expected = _sign(signing_key(request), b"csrf:" + cookie.encode())
    if not hmac.compare_digest(submitted, expected):
        raise _forged("the form's security token does not match")


def _forged(why: str) -> ApiError:
    return ApiError(
        403,
        "Form refused",
        f"{why}. Reload the page and send the form again; nothing was changed.",
        code="csrf",
    )
