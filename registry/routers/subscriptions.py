"""``/api/subscriptions``: HTTP callbacks told of each release (SDMX registry subscriptions).

As in the SDMX registry model, a subscription names who subscribes, the
dataflow (or ``*``: every public dataflow), the events (``release``: new
observations; ``revision``: values changed or deleted) and where to send the
notification (an HTTP POST of JSON). An administrator or a reader token may
subscribe; a reader only to public dataflows. Each owner sees and ends only
its own subscriptions (an administrator, all).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.responses import JSONResponse, Response

from registry.db.tables import notifications
from registry.deps import (
    BaseUrlDep,
    ConnectionDep,
    EngineDep,
    SettingsDep,
    StructuresDep,
    TokenDep,
)
from registry.errors import ApiError, problems
from registry.store.tokens import Role, Token
from registry.subscriptions.callbacks import refused_callback
from registry.subscriptions.store import (
    ANY_FLOW,
    EVENTS,
    Subscription,
    create_subscription,
    delete_subscription,
    delivery_counts,
    get_subscription,
    list_subscriptions,
)

router = APIRouter(tags=["subscriptions"])
_REFUSED = problems(
    e401="No valid token.",
    e403="Not a reader or administrator token, or a restricted dataflow for a reader.",
)
_ONE = {**_REFUSED, **problems(e404="No such subscription among this token's own.")}


class SubscriptionRequest(BaseModel):
    dataflow: str = Field(description="A dataflow id, or * for every public dataflow.")
    url: str = Field(description="Where to POST notifications (http or https).", max_length=2000)
    events: list[str] = Field(default=list(EVENTS), description="release and/or revision.")


def _subscriber(token: Token) -> Token:
    if token.role not in (Role.ADMIN, Role.READER):
        raise ApiError(
            403,
            "Readers and administrators only",
            f"token {token.name!r} has role {token.role}; subscribe with a reader token "
            "('mosy-registry token create --role reader')",
        )
    return token


def _check_url(url: str, *, allow_private: bool) -> str:
    url = url.strip()
    if urlsplit(url).username or urlsplit(url).password:
        raise ApiError(422, "Bad callback URL", "the URL must not carry credentials")
    refusal = refused_callback(url, allow_private=allow_private)
    if refusal is not None:
        raise ApiError(422, "Bad callback URL", refusal)
    return url


def _own(token: Token, subscription: Subscription | None, uid: str) -> Subscription:
    if subscription is None or (token.role is not Role.ADMIN and subscription.token_pk != token.pk):
        raise ApiError(404, "No such subscription", f"you have no subscription {uid}")
    return subscription


@router.post(
    "/api/subscriptions",
    status_code=201,
    summary="Subscribe to releases",
    responses={
        **_REFUSED,
        **problems(e422="Unknown dataflow or events, or a callback URL that may not be called."),
    },
)
def subscribe(
    request_body: Annotated[SubscriptionRequest, Body()],
    token: TokenDep,
    engine: EngineDep,
    view: StructuresDep,
    settings: SettingsDep,
    base: BaseUrlDep,
) -> JSONResponse:
    """Register an HTTP callback; each release of the dataflow is POSTed to it."""
    token = _subscriber(token)
    structures = view.structures
    flow = request_body.dataflow.strip()
    if flow != ANY_FLOW and flow not in structures.dataflows:
        raise ApiError(
            422, "Unknown dataflow", f"no dataflow {flow!r}; use a dataflow id or * for all"
        )
    if flow != ANY_FLOW and not structures.is_public(flow) and token.role is not Role.ADMIN:
        raise ApiError(
            403,
            "Public dataflows only",
            f"{flow} is restricted; readers subscribe to public (_PUB) dataflows",
        )
    events = tuple(dict.fromkeys(e.strip().lower() for e in request_body.events))
    unknown = [e for e in events if e not in EVENTS]
    if not events or unknown:
        raise ApiError(422, "Unknown events", f"events are {' and '.join(EVENTS)}")
    url = _check_url(request_body.url, allow_private=settings.callback_private)
    with engine.begin() as conn:
        sub = create_subscription(
            conn,
            owner=token.name,
            token_pk=token.pk,
            dataflow=flow,
            url=url,
            events=events,
            base_url=base,
        )
    return JSONResponse(
        sub.to_dict(), status_code=201, headers={"Location": f"/api/subscriptions/{sub.uid}"}
    )


@router.get("/api/subscriptions", summary="Your subscriptions", responses=_REFUSED)
def subscriptions_list(token: TokenDep, conn: ConnectionDep) -> dict[str, Any]:
    token = _subscriber(token)
    mine = list_subscriptions(conn, token_pk=None if token.role is Role.ADMIN else token.pk)
    return {"subscriptions": [s.to_dict() for s in mine]}


@router.get(
    "/api/subscriptions/{uid}", summary="One subscription and its deliveries", responses=_ONE
)
def subscription_one(uid: str, token: TokenDep, conn: ConnectionDep) -> dict[str, Any]:
    sub = _own(_subscriber(token), get_subscription(conn, uid), uid)
    recent = conn.execute(
        select(
            notifications.c.pk,
            notifications.c.release_pk,
            notifications.c.status,
            notifications.c.attempts,
            notifications.c.last_error,
        )
        .where(notifications.c.subscription_pk == sub.pk)
        .order_by(notifications.c.pk.desc())
        .limit(20)
    ).all()
    return sub.to_dict() | {
        "deliveries": delivery_counts(conn, sub.pk),
        "recent": [
            {"notification": n, "release": r, "status": s, "attempts": a, "error": e}
            for n, r, s, a, e in recent
        ],
    }


@router.delete(
    "/api/subscriptions/{uid}", status_code=204, summary="End a subscription", responses=_ONE
)
def unsubscribe(uid: str, token: TokenDep, engine: EngineDep) -> Response:
    with engine.begin() as conn:
        _own(_subscriber(token), get_subscription(conn, uid), uid)
        delete_subscription(conn, uid)
    return Response(status_code=204)
