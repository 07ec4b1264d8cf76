"""The admin area: providers and their agreements, tokens (create, revoke), the
structure change log; subscriptions and the suppression audit where the store
keeps them. Each page calls the store functions the CLI and the API call.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from mosy_sdmx.structures.references import ref_of
from registry.deps import EngineDep, RowId, StructuresDep
from registry.portal.identity import identify, require_admin, signed_in
from registry.portal.links import artefact_path
from registry.portal.partner import provider_flows
from registry.portal.rendering import language, localised, render
from registry.portal.sessions import check_csrf
from registry.store.changes import list_changes
from registry.store.revisions import now
from registry.store.tokens import Role, create_token, list_tokens, revoke_token

router = APIRouter(include_in_schema=False, dependencies=[Depends(identify)])

MAX_NAME = 100


def _admin_or_sign_in(request: Request) -> Response | None:
    """The sign-in page for visitors; None for administrators (others get a 403 page)."""
    if signed_in(request) is None:
        return render(
            request,
            "sign_in.html",
            {
                "problem": request.state.session_ended
                or "The admin area needs an administrator's token: sign in first.",
                "token_value": "",
            },
            status=401,
        )
    require_admin(request)
    return None


@router.get("/admin")
def admin_home(request: Request) -> Response:
    return _admin_or_sign_in(request) or render(request, "admin/home.html")


@router.get("/admin/providers")
def admin_providers(request: Request, view: StructuresDep) -> Response:
    if (page := _admin_or_sign_in(request)) is not None:
        return page
    structures = view.structures
    lang = language(request)
    providers = []
    for provider_id, provider in sorted(structures.providers().items()):
        flows = []
        for flow_id in provider_flows(structures, provider_id):
            allowed = structures.allowed_codes(flow_id, provider_id)
            flows.append(
                {
                    "id": flow_id,
                    "path": artefact_path(ref_of(structures.dataflow(flow_id))),
                    "constraints": {
                        k: sorted(v)
                        for k, v in sorted(allowed.items())
                        if k in ("REF_AREA", "DATA_SOURCE")
                    },
                }
            )
        providers.append(
            {
                "id": provider_id,
                "name": localised(provider.name, lang) or provider_id,
                "country": structures.provider_country(provider_id),
                "type": structures.provider_type(provider_id),
                "flows": flows,
            }
        )
    return render(request, "admin/providers.html", {"providers": providers}, private=True)


def _tokens_page(request: Request, view, engine, *, status: int = 200, **extra) -> Response:
    with engine.connect() as conn:
        tokens = list_tokens(conn)
    moment = now()
    rows = [{"token": t, "state": t.refusal(moment) or "active"} for t in reversed(tokens)]
    context = {
        "tokens": rows,
        "roles": [r.value for r in Role],
        "providers": sorted(view.structures.providers()),
        "created": None,
        "problems": [],
        "values": {},
        **extra,
    }
    return render(request, "admin/tokens.html", context, status=status, private=True)


@router.get("/admin/tokens")
def admin_tokens(request: Request, view: StructuresDep, engine: EngineDep) -> Response:
    return _admin_or_sign_in(request) or _tokens_page(request, view, engine)


@router.post("/admin/tokens")
def admin_create_token(
    request: Request,
    view: StructuresDep,
    engine: EngineDep,
    csrf_token: str = Form(""),
    name: str = Form(""),
    role: str = Form(""),
    provider: str = Form(""),
    expires_days: str = Form(""),
) -> Response:
    check_csrf(request, csrf_token)
    if (page := _admin_or_sign_in(request)) is not None:
        return page
    values = {"name": name, "role": role, "provider": provider, "expires_days": expires_days}
    problems = []
    name = name.strip()[:MAX_NAME]
    if not name:
        problems.append("Name: give the token a name that tells it apart (e.g. pt-nrem-2026).")
    try:
        role_value = Role(role)
    except ValueError:
        problems.append("Role: choose admin, submitter or reader.")
        role_value = None
    provider = provider.strip()
    if role_value is not None and role_value is not Role.ADMIN and not provider:
        problems.append(f"Data provider: a {role_value} token acts for a data provider; pick one.")
    if provider and provider not in view.structures.providers():
        problems.append(f"Data provider: {provider!r} is not a data provider of the registry.")
    if role_value is Role.ADMIN and provider:
        problems.append("Data provider: an admin token acts for every provider; leave it empty.")
    days = None
    if expires_days.strip():
        if not expires_days.strip().isdigit() or not 1 <= int(expires_days) <= 3650:
            problems.append("Expires after: a whole number of days from 1 to 3650, or empty.")
        else:
            days = int(expires_days)
    if problems:
        return _tokens_page(request, view, engine, status=400, problems=problems, values=values)
    with engine.begin() as conn:
        token, secret = create_token(
            conn,
            name=name,
            role=role_value,
            provider=provider or None,
            expires_in=timedelta(days=days) if days else None,
        )
    return _tokens_page(
        request, view, engine, status=201, created={"token": token, "secret": secret}
    )


@router.post("/admin/tokens/{pk}/revoke")
def admin_revoke_token(
    request: Request, pk: RowId, view: StructuresDep, engine: EngineDep, csrf_token: str = Form("")
) -> Response:
    check_csrf(request, csrf_token)
    if (page := _admin_or_sign_in(request)) is not None:
        return page
    with engine.begin() as conn:
        done = revoke_token(conn, pk=pk)
    if not done:
        return _tokens_page(
            request,
            view,
            engine,
            status=404,
            problems=[f"Token {pk} is not an active token; nothing was changed."],
        )
    return RedirectResponse(f"/admin/tokens?revoked={pk}", status_code=303)


@router.get("/admin/changes")
def admin_changes(request: Request, engine: EngineDep, scope: str = "") -> Response:
    if (page := _admin_or_sign_in(request)) is not None:
        return page
    scope = scope.strip()[:200]
    with engine.connect() as conn:
        changes = list_changes(conn, scope=scope or None, limit=200)
    return render(request, "admin/changes.html", {"changes": changes, "scope": scope}, private=True)
