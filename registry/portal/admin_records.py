"""Admin pages over what the registry keeps for others: subscriptions and the suppression audit.

Subscriptions are listed with their deliveries and can be ended (the store's
``delete_subscription``, as ``DELETE /api/subscriptions/{id}`` does). The
suppression audit is ``/api/audit``'s query (``registry.publication.audit``)
with its raw values: administrators only, never cached by a browser.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from registry.deps import EngineDep, StructuresDep
from registry.portal.admin import _admin_or_sign_in
from registry.portal.identity import identify
from registry.portal.rendering import ADMIN_SECTIONS, render
from registry.portal.sessions import check_csrf
from registry.publication.audit import audit_cells
from registry.subscriptions.store import delete_subscription, delivery_counts, list_subscriptions

router = APIRouter(include_in_schema=False, dependencies=[Depends(identify)])

AUDIT_PAGE = 100
for _section in (("/admin/subscriptions", "Subscriptions"), ("/admin/audit", "Suppression audit")):
    if _section not in ADMIN_SECTIONS:
        ADMIN_SECTIONS.append(_section)


def _subscriptions_page(request: Request, engine, *, status: int = 200, problems=()) -> Response:
    with engine.connect() as conn:
        rows = [
            {"subscription": s, "deliveries": delivery_counts(conn, s.pk)}
            for s in list_subscriptions(conn)
        ]
    context = {"subscriptions": rows, "problems": list(problems)}
    return render(request, "admin/subscriptions.html", context, status=status, private=True)


@router.get("/admin/subscriptions")
def admin_subscriptions(request: Request, engine: EngineDep) -> Response:
    return _admin_or_sign_in(request) or _subscriptions_page(request, engine)


@router.post("/admin/subscriptions/{uid}/delete")
def admin_delete_subscription(
    request: Request, uid: str, engine: EngineDep, csrf_token: str = Form("")
) -> Response:
    check_csrf(request, csrf_token)
    if (page := _admin_or_sign_in(request)) is not None:
        return page
    uid = uid[:64]
    with engine.begin() as conn:
        done = delete_subscription(conn, uid)
    if not done:
        problem = f"Subscription {uid} is not a live subscription; nothing was changed."
        return _subscriptions_page(request, engine, status=404, problems=[problem])
    return RedirectResponse(f"/admin/subscriptions?deleted={uid}", status_code=303)


@router.get("/admin/audit")
def admin_audit(request: Request, view: StructuresDep, engine: EngineDep) -> Response:
    if (page := _admin_or_sign_in(request)) is not None:
        return page
    params = request.query_params
    structures = view.structures
    flows = sorted(f for f in structures.dataflows if structures.is_public(f))
    providers = sorted(structures.providers())
    problems = []
    chosen = {
        "dataflow": params.get("dataflow") or None,
        "provider": params.get("provider") or None,
        "reason": params.get("reason") or None,
        "release": params.get("release", "").strip() or None,
        # A form leaves an unticked box out; a first visit shows the current cells.
        "current": params.get("current") == "on" or "applied" not in params,
    }
    if chosen["dataflow"] and chosen["dataflow"] not in flows:
        problems.append(f"Dataflow: {chosen['dataflow']!r} is not a public dataflow.")
        chosen["dataflow"] = None
    if chosen["provider"] and chosen["provider"] not in providers:
        problems.append(f"Data provider: {chosen['provider']!r} is not a data provider.")
        chosen["provider"] = None
    release = None
    if chosen["release"]:
        if chosen["release"].isdigit() and len(chosen["release"]) < 10:
            release = int(chosen["release"])
        else:
            problems.append(f"Release: {chosen['release']!r} is not a release number.")
            chosen["release"] = None
    page_number = params.get("page", "1")
    page_number = int(page_number) if page_number.isdigit() and len(page_number) < 7 else 1
    page_number = max(1, page_number)
    with engine.connect() as conn:
        reasons = sorted(audit_cells(conn, limit=1, current=False)["reasons"])
        if chosen["reason"] and chosen["reason"] not in reasons:
            problems.append(f"Reason: no cell was audited for {chosen['reason']!r}.")
            chosen["reason"] = None
        found = audit_cells(
            conn,
            dataflow=chosen["dataflow"],
            provider=chosen["provider"],
            release=release,
            reason=chosen["reason"],
            current=chosen["current"],
            limit=AUDIT_PAGE,
            offset=(page_number - 1) * AUDIT_PAGE,
        )
    pages = max(1, -(-found["total"] // AUDIT_PAGE))
    query = [(k, v) for k, v in params.multi_items() if k != "page"]
    context = {
        "flows": flows,
        "providers": providers,
        "reasons": reasons,
        "chosen": chosen,
        "found": found,
        "page": page_number,
        "pages": pages,
        "query": query,
        "problems": problems,
    }
    return render(
        request, "admin/audit.html", context, status=400 if problems else 200, private=True
    )
