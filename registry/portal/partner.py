"""The partner area: sign in with a token, download the templates of one's own
dataflows, upload files, read one's submissions (receipts and reports).

Uploads go through ``registry.submitting.submit``, the function behind
``POST /api/submissions``: the same checks, the same log, one code path.
"""

from __future__ import annotations

import io

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from mosy_sdmx.exceptions import MosyError
from mosy_sdmx.structures.references import ref_of
from mosy_sdmx.templates import write_template
from registry.deps import EngineDep, SettingsDep, StructuresDep
from registry.errors import ApiError
from registry.portal.identity import identify, signed_in
from registry.portal.links import artefact_path
from registry.portal.rendering import language, localised, render
from registry.portal.sessions import (
    SignInError,
    check_csrf,
    end_session,
    sign_in,
    start_session,
)
from registry.portal.submitting import partner_context

router = APIRouter(include_in_schema=False, dependencies=[Depends(identify)])

TEMPLATE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def provider_flows(structures, provider: str) -> list[str]:
    """The dataflows a provider reports, by its provision agreements."""
    flows = {
        pa.structure_usage.id
        for pa in structures.message.provisionagreement.values()
        if pa.data_provider is not None
        and pa.structure_usage is not None
        and pa.data_provider.id == provider
    }
    return sorted(flows)


@router.get("/partner")
def partner_home(
    request: Request, view: StructuresDep, engine: EngineDep, settings: SettingsDep
) -> Response:
    user = signed_in(request)
    if user is None:
        return render(
            request,
            "sign_in.html",
            {"problem": request.state.session_ended, "token_value": ""},
            status=200,
        )
    lang = language(request)
    flows = []
    if user.provider:
        for flow_id in provider_flows(view.structures, user.provider):
            flow = view.structures.dataflow(flow_id)
            flows.append(
                {
                    "id": flow_id,
                    "name": localised(flow.name, lang) or flow_id,
                    "path": artefact_path(ref_of(flow)),
                }
            )
    context = {
        "user": user,
        "flows": flows,
        **partner_context(engine, settings, user, view.structures),
    }
    return render(request, "partner.html", context)


@router.post("/partner/sign-in")
def partner_sign_in(
    request: Request,
    engine: EngineDep,
    token: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    check_csrf(request, csrf_token)
    try:
        found = sign_in(engine, token[:500])
    except SignInError as exc:
        return render(request, "sign_in.html", {"problem": str(exc), "token_value": ""}, status=401)
    target = "/admin" if found.role.value == "admin" else "/partner"
    answer = RedirectResponse(target, status_code=303)
    start_session(request, answer, found)
    return answer


@router.post("/partner/sign-out")
def partner_sign_out(request: Request, csrf_token: str = Form("")) -> Response:
    check_csrf(request, csrf_token)
    answer = RedirectResponse("/partner?signed_out=1", status_code=303)
    end_session(request, answer)
    return answer


@router.get("/partner/templates/{flow_id}.{fmt}")
async def partner_template(request: Request, flow_id: str, fmt: str, view: StructuresDep):
    """The Excel or CSV template of one of the partner's own dataflows."""
    user = signed_in(request)
    if user is None:
        raise ApiError(401, "Sign in first", "templates are for signed-in partners")
    if fmt not in TEMPLATE_TYPES:
        raise ApiError(404, "No such template", "templates come as .xlsx or .csv")
    allowed = provider_flows(view.structures, user.provider) if user.provider else []
    if flow_id not in allowed and not user.is_admin:
        raise ApiError(
            403,
            "Not one of your dataflows",
            f"{user.provider or user.name} has no provision agreement for {flow_id}",
        )

    def build() -> bytes:
        buffer = io.BytesIO()
        write_template(
            buffer, flow=flow_id, provider=user.provider, structures=view.structures, format=fmt
        )
        return buffer.getvalue()

    try:
        body = await run_in_threadpool(build)
    except MosyError as exc:
        raise ApiError(404, "No such template", f"{exc.title}: {exc.detail}") from None
    name = f"{flow_id}-{user.provider or 'template'}.{fmt}"
    return Response(
        body,
        media_type=TEMPLATE_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
