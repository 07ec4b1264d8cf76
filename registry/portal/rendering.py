"""Rendering pages: the Jinja2 environment, the language of a request, security headers.

Every page goes through ``render``: it adds what the base template needs
(navigation, the chosen language, the CSRF field), and the headers every
HTML answer carries: a Content-Security-Policy that allows only the
registry's own scripts and styles, no framing, no sniffing, and no caching
of pages that show a signed-in partner's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from mosy_sdmx import __version__
from registry.portal.sessions import csrf_token, set_csrf_cookie

#: Languages the interface offers; codelists' names follow where they hold them.
LANGUAGES = {"en": "English", "fr": "Français", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "mosy_lang"

#: (path, label) of the main navigation; the dashboard is its own area.
NAVIGATION = (
    ("/", "Home"),
    ("/structures", "Structures"),
    ("/explore", "Data"),
    ("/dashboard", "Dashboard"),
    ("/partner", "Partner area"),
    ("/admin", "Admin"),
)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

environment = Environment(
    loader=PackageLoader("registry.portal", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
#: (path, label) of admin pages added by other modules (subscriptions, suppression audit).
ADMIN_SECTIONS: list[tuple[str, str]] = []

environment.globals.update(
    version=__version__,
    navigation=NAVIGATION,
    languages=LANGUAGES,
    admin_extra_sections=ADMIN_SECTIONS,
)


def static_url(name: str) -> str:
    """The URL of a shipped asset, with the version so that an upgrade is never stale."""
    return f"/static/{name}?v={__version__}"


environment.globals["static_url"] = static_url


def language(request: Request) -> str:
    """The page's language: ``?lang=``, then the cookie, then Accept-Language, then English."""
    asked = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def localised(text: Any, lang: str) -> str:
    """An SDMX InternationalString in ``lang``, else English, else any language held."""
    if text is None:
        return ""
    values = getattr(text, "localizations", None)
    if values is None:
        return str(text)
    for tag in (lang, DEFAULT_LANGUAGE):
        if values.get(tag):
            return values[tag]
    return next(iter(values.values()), "")


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    private: bool = False,
) -> HTMLResponse:
    """The page ``template`` rendered for ``request`` with the base template's needs."""
    lang = language(request)
    values = {
        "request": request,
        "lang": lang,
        "path": request.url.path,
        "current": _section(request.url.path),
        "name_of": lambda text: localised(text, lang),
        "csrf_token": csrf_token(request),
        "signed_in": getattr(request.state, "portal_user", None),
        **(context or {}),
    }
    body = environment.get_template(template).render(values)
    answer = HTMLResponse(body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})
    set_csrf_cookie(request, answer)
    private = private or getattr(request.state, "portal_user", None) is not None
    answer.headers["Cache-Control"] = "no-store" if private else "no-cache"
    answer.headers["Vary"] = "Accept-Language, Cookie"
    return answer


def _section(path: str) -> str:
    """The navigation entry a path belongs to (for ``aria-current``)."""
    best = "/"
    for target, _ in NAVIGATION:
        if target != "/" and (path == target or path.startswith(target + "/")):
            best = target
    return best


def wants_html(request: Request) -> bool:
    """Whether the client prefers an HTML page (a browser) to JSON."""
    accept = request.headers.get("accept", "")
    first = accept.split(",")[0].split(";")[0].strip().lower()
    return first in ("text/html", "application/xhtml+xml")


def error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    """A readable error page: the title, what to do, and the request id to quote."""
    return render(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "detail": detail,
            "request_id": getattr(request.state, "request_id", None),
        },
        status=status,
    )
