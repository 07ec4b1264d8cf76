"""Who is looking at a page: the portal's dependencies for signed-in areas."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from registry.deps import EngineDep
from registry.errors import ApiError
from registry.portal.sessions import SESSION_COOKIE, PortalUser, current_user


async def identify(request: Request, engine: EngineDep) -> None:
    """Put the signed-in user (or None) and the reason a session ended on ``request.state``.

    Costs nothing for visitors without a session cookie; one indexed read otherwise.
    """
    request.state.portal_user = None
    request.state.session_ended = None
    if SESSION_COOKIE not in request.cookies:
        return
    user, ended = await run_in_threadpool(current_user, request, engine)
    request.state.portal_user = user
    request.state.session_ended = ended


def identify_now(request: Request, engine: Engine) -> None:
    """``identify`` for handlers already in a worker thread (the home page at ``/``)."""
    request.state.portal_user = None
    request.state.session_ended = None
    if SESSION_COOKIE in request.cookies:
        user, ended = current_user(request, engine)
        request.state.portal_user = user
        request.state.session_ended = ended


def signed_in(request: Request) -> PortalUser | None:
    return getattr(request.state, "portal_user", None)


def require_admin(request: Request) -> PortalUser:
    user = signed_in(request)
    if user is None:
        raise ApiError(401, "Sign in first", "the admin area needs an administrator's token")
    if not user.is_admin:
        raise ApiError(
            403,
            "Administrators only",
            f"you are signed in as {user.name} ({user.token.role}); the admin area needs an "
            "administrator's token",
        )
    return user
