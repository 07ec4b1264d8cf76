"""Content negotiation: an ``Accept`` header (or ``format=``) to a format we write.

SDMX REST names formats by media type with a version parameter
(``application/vnd.sdmx.structure+xml;version=2.1``). Each API generation
offers the same formats with a different default: SDMX-ML 2.1 under
``/sdmx/2.1`` (SDMX REST 1.5.0), SDMX-ML 3.0 under ``/sdmx/3.0`` (2.1.0).
Browsers cannot set headers, so ``format=`` (a format name) wins over
``Accept``. A request nothing can satisfy is a 406 that lists what is offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import Request

from mosy_sdmx.formats import StructureFormat
from registry.errors import ApiError


@dataclass(frozen=True, slots=True)
class Offer:
    """A representation a route can produce."""

    name: str  # the format name, as ``format=`` takes it
    media_type: str
    aliases: tuple[str, ...] = ()

    @property
    def base(self) -> str:
        return self.media_type.split(";")[0]

    @property
    def version(self) -> str | None:
        for part in self.media_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key == "version":
                return value
        return None


ML21 = Offer(
    StructureFormat.SDMX_ML_21.value, StructureFormat.SDMX_ML_21.media_type, ("sdmx-ml", "xml")
)
ML30 = Offer(StructureFormat.SDMX_ML_30.value, StructureFormat.SDMX_ML_30.media_type)
JSON20 = Offer(
    StructureFormat.SDMX_JSON_20.value,
    StructureFormat.SDMX_JSON_20.media_type,
    ("sdmx-json", "json"),
)
#: Structure formats in each API generation's order of preference (first = default).
STRUCTURE_OFFERS = {"v1": (ML21, ML30, JSON20), "v2": (ML30, JSON20, ML21)}

SCHEMA21 = Offer("xsd-2.1", "application/vnd.sdmx.schema+xml;version=2.1", ("xsd",))
SCHEMA30 = Offer("xsd-3.0", "application/vnd.sdmx.schema+xml;version=3.0.0")
#: Schema queries answer an XSD by default, or the constrained DSD as a structure message.
SCHEMA_OFFERS = {
    "v1": (SCHEMA21, ML21, JSON20, SCHEMA30, ML30),
    "v2": (SCHEMA30, ML30, JSON20, SCHEMA21, ML21),
}

_GENERIC_XML = ("application/xml", "text/xml")
_GENERIC_JSON = ("application/json",)


@dataclass(frozen=True, slots=True)
class _Range:
    base: str
    version: str | None
    q: float


def parse_accept(header: str) -> list[_Range]:
    """Media ranges by preference (q, then order), q=0 dropped."""
    ranges: list[tuple[float, int, _Range]] = []
    for index, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        base = fields[0].lower()
        if not base:
            continue
        version, q = None, 1.0
        for field in fields[1:]:
            key, _, value = field.partition("=")
            key, value = key.strip().lower(), value.strip().strip('"')
            if key == "version":
                version = value
            elif key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranges.append((-q, index, _Range(base, version, q)))
    return [r for _, _, r in sorted(ranges, key=lambda t: (t[0], t[1]))]


def _version_matches(asked: str | None, offered: str | None) -> bool:
    """``2.1`` matches ``2.1``; ``3.0`` matches ``3.0.0``; ``3.0.0+`` any 3.x.y >= 3.0.0."""
    if asked is None or offered is None:
        return True
    if asked.endswith("+"):
        floor = _parts(asked.rstrip("+"))
        have = _parts(offered)
        return have[:1] == floor[:1] and have >= floor
    a, o = _parts(asked), _parts(offered)
    width = max(len(a), len(o))
    return a + (0,) * (width - len(a)) == o + (0,) * (width - len(o))


def _parts(version: str) -> tuple[int, ...]:
    out = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)


def choose(offers: Sequence[Offer], accept: str | None, format_param: str | None) -> Offer:
    """The offer to answer with; ApiError 406 if none fits."""
    if format_param:
        key = format_param.strip().lower()
        for offer in offers:
            if key in (offer.name, offer.media_type.lower(), *offer.aliases):
                return offer
        raise ApiError(
            406,
            "Format not available",
            f"format={format_param!r} is not offered here; use one of "
            + ", ".join(o.name for o in offers),
            context={"offered": [o.name for o in offers]},
        )
    if not accept or not accept.strip():
        return offers[0]
    for wanted in parse_accept(accept):
        if wanted.base in ("*/*", "application/*") or wanted.base in _GENERIC_XML:
            if wanted.base in _GENERIC_XML:
                xml = [o for o in offers if o.base.endswith("+xml")]
                if xml:
                    return xml[0]
            return offers[0]
        if wanted.base in _GENERIC_JSON:
            json_offers = [o for o in offers if o.base.endswith("+json")]
            if json_offers:
                return json_offers[0]
            continue
        for offer in offers:
            if offer.base == wanted.base and _version_matches(wanted.version, offer.version):
                return offer
    raise ApiError(
        406,
        "Not acceptable",
        f"none of the media types in Accept: {accept[:200]} is offered here; offered: "
        + ", ".join(o.media_type for o in offers),
        context={"offered": [o.media_type for o in offers]},
    )


def api_of(path: str) -> str | None:
    """'v1' for ``/sdmx/2.1/...``, 'v2' for ``/sdmx/3.0/...``, None elsewhere."""
    if path.startswith("/sdmx/2.1"):
        return "v1"
    if path.startswith("/sdmx/3.0"):
        return "v2"
    return None


def error_format(request: Request) -> tuple[str, str, str]:
    """(kind, media type, version or schema) of an error answer to ``request``.

    SDMX routes answer in SDMX: SDMX-JSON when the client prefers JSON, else
    SDMX-ML of the route's generation. A browser asking for a page (not the
    JSON API under ``/api``) gets an HTML page; anything else the JSON envelope.
    """
    api = api_of(request.url.path)
    if api is None:
        from registry.portal.rendering import wants_html

        if wants_html(request) and not request.url.path.startswith("/api/"):
            return ("html", "text/html", "")
        return ("json", "application/json", "")
    accept = request.headers.get("accept", "")
    wants_json = request.query_params.get("format", "").lower().find("json") >= 0
    for wanted in parse_accept(accept)[:1]:
        wants_json = wants_json or wanted.base.endswith("json")
    if wants_json:
        schema = "https://json.sdmx.org/2.0.0/sdmx-json-structure-schema.json"
        return ("sdmx-json", JSON20.media_type, schema)
    version = "2.1" if api == "v1" else "3.0"
    return ("sdmx-ml", "application/xml", version)
