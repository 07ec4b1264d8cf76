"""Public pages: home, the structure browser and the data explorer.

They read what the SDMX API reads (the structure view, the observation
store through ``registry.store.data_queries``) and link to the API's URLs,
so that a visitor learns the API by using the pages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from registry.deps import ConnectionDep, EngineDep, StructuresDep
from registry.portal.identity import identify, identify_now
from registry.portal.rendering import LANGUAGE_COOKIE, LANGUAGES, language, localised, render
from registry.store.activity import last_changes, latest_releases
from registry.store.observations import FlowRef

router = APIRouter(include_in_schema=False, dependencies=[Depends(identify)])


def home_page(
    request: Request, view: StructuresDep, conn: ConnectionDep, engine: EngineDep
) -> Response:
    """What MoSy is, the dataflows with their last release, the latest releases."""
    identify_now(request, engine)
    structures = view.structures
    changed = last_changes(conn)
    lang = language(request)
    flows = []
    names = {}
    for flow_id, flow in sorted(structures.dataflows.items()):
        ref = FlowRef(flow.maintainer.id, flow_id, str(flow.version))
        public = structures.is_public(flow_id)
        names[flow_id] = _name(flow, lang)
        flows.append(
            {
                "id": flow_id,
                "agency": ref.agency,
                "version": ref.version,
                "name": names[flow_id],
                "public": public,
                "released": changed.get(ref) if public else None,
            }
        )
    public_ids = [f["id"] for f in flows if f["public"]]
    releases = [
        {"at": r.at, "flow": r.flow.id, "flow_name": names[r.flow.id], "summary": r.summary}
        for r in latest_releases(conn, public_ids)
        if r.flow.id in names
    ]
    return render(request, "home.html", {"flows": flows, "releases": releases})


def _name(artefact, lang: str) -> str:
    return localised(artefact.name, lang) or artefact.id


@router.get("/language")
def choose_language(lang: str = "en", next: str = "/") -> Response:
    """Remember the chosen language in a cookie and go back (no script needed)."""
    target = next if _is_local(next) else "/"
    answer = RedirectResponse(target, status_code=303)
    if lang in LANGUAGES:
        answer.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax")
    return answer


def _is_local(target: str) -> bool:
    """A path on this site only: no scheme, no host, no ``//`` (no open redirect)."""
    parts = urlsplit(target)
    return (
        target.startswith("/")
        and not target.startswith("//")
        and not parts.scheme
        and not parts.netloc
        and "\\" not in target
    )
