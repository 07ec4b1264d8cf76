"""Typed dependencies: what a route handler may ask for.

Handlers declare ``conn: ConnectionDep`` or ``view: StructuresDep`` instead of
reading ``request.app.state``: only this module, ``app`` and ``app_state``
touch it (``tests/registry/test_deps.py`` holds the rest of the package to
that). Tests swap what lies behind them by building the app with other
settings. ``AdminDep`` refuses anything but a valid admin token (401 without
or with a bad token, 403 with another role). What a provider's token may
write and read is decided in ``registry.data_access``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy import Connection, Engine
from starlette.concurrency import run_in_threadpool

from registry.errors import ApiError
from registry.settings import Settings
from registry.store.revisions import now
from registry.store.structures import StructureCache, StructureView
from registry.store.tokens import Role, Token, find_token

# Dependencies without I/O are ``async def`` so that FastAPI runs them on the
# event loop: a sync dependency costs a hop to the thread pool, on every request.


async def get_settings(request: Request) -> Settings:
    return settings_of(request)


def settings_of(request: Request) -> Settings:
    """The app's settings, for code outside a handler's signature (the portal's session keys)."""
    return request.app.state.settings


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]


def get_connection(engine: EngineDep) -> Iterator[Connection]:
    """A connection for the request's reads; writers open ``engine.begin()`` themselves."""
    with engine.connect() as conn:
        yield conn


ConnectionDep = Annotated[Connection, Depends(get_connection)]

#: A row number in a URL path (a submission, a release, a token): the store's integer
#: keys are 32-bit, so a larger number is a 400, not a database error.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


async def get_structure_cache(request: Request) -> StructureCache:
    return request.app.state.structure_cache


StructureCacheDep = Annotated[StructureCache, Depends(get_structure_cache)]


async def get_base_url(request: Request, settings: SettingsDep) -> str:
    """Where the registry is reached: MOSY_PUBLIC_URL, else the URL the request came in on."""
    return base_url_of(request, settings)


def base_url_of(request: Request, settings: Settings) -> str:
    """``get_base_url`` for code that has the settings already (no trailing slash)."""
    return settings.public_url or str(request.base_url).rstrip("/")


BaseUrlDep = Annotated[str, Depends(get_base_url)]


def current_view(engine: Engine, cache: StructureCache) -> StructureView:
    """The structures at the current revision (blocking: call it in a worker thread).

    On PostgreSQL the reads run without a transaction of their own (each statement
    sees the latest commit, as under READ COMMITTED anyway): one round trip per
    request instead of BEGIN, SELECT and ROLLBACK.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        return cache.get(conn)


async def get_structures(engine: EngineDep, cache: StructureCacheDep) -> StructureView:
    """The stored structures at the current revision: one indexed read, one thread hop."""
    return await run_in_threadpool(current_view, engine, cache)


StructuresDep = Annotated[StructureView, Depends(get_structures)]


def bearer_token(request: Request, conn: ConnectionDep) -> Token:
    """The valid token of ``Authorization: Bearer ...``; ApiError 401 otherwise."""
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="mosy-registry"'}
    if not header:
        raise ApiError(
            401,
            "Authentication required",
            "send a token as 'Authorization: Bearer <token>' "
            "(an administrator creates one with 'mosy-registry token create')",
            headers=challenge,
        )
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(
            401,
            "Bad credentials",
            "the Authorization header must be 'Bearer <token>'",
            headers=challenge,
        )
    token = find_token(conn, secret.strip())
    if token is None:
        raise ApiError(401, "Unknown token", "the token is not known here", headers=challenge)
    refusal = token.refusal(now())
    if refusal:
        raise ApiError(
            401,
            "Token refused",
            f"{refusal}; ask an administrator for a new one",
            headers=challenge,
        )
    return token


TokenDep = Annotated[Token, Depends(bearer_token)]


def admin_token(token: TokenDep) -> Token:
    if token.role is not Role.ADMIN:
        raise ApiError(
            403,
            "Administrators only",
            f"token {token.name!r} has role {token.role}; structure maintenance needs an "
            "admin token",
        )
    return token


AdminDep = Annotated[Token, Depends(admin_token)]
