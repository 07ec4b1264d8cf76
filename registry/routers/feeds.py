"""Atom feeds of releases and revisions: ``/feeds/releases`` and ``/feeds/dataflow/{id}``.

One entry per published release that changed public data, newest first:
its kind (release or revision) as the category, what changed in words, a
link to exactly the changed data (``updatedAfter``) and to the release.
Only public dataflows have feeds; restricted data is never described here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from lxml import etree
from starlette.responses import Response

from registry.deps import BaseUrlDep, ConnectionDep, StructuresDep
from registry.errors import ApiError
from registry.publication.releases import PUBLISHED, Release, list_releases

router = APIRouter(tags=["feeds"])
ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
ENTRIES = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _el(parent, name: str, text: str | None = None, **attrs: str):
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
    if text is not None:
        element.text = text
    return element


def _stamp(moment: datetime | None) -> str:
    return (moment or _EPOCH).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _words(change: dict) -> str:
    return (
        f"{change.get('added', 0)} observations added, {change.get('changed', 0)} changed, "
        f"{change.get('deleted', 0)} deleted"
    )


def atom_feed(
    base: str, self_path: str, title: str, releases: list[Release], flow: str | None = None
) -> bytes:
    """An Atom 1.0 document (RFC 4287) of ``releases`` (only ``flow``'s changes when given)."""
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    _el(feed, "id", f"{base}{self_path}")
    _el(feed, "title", title)
    _el(feed, "updated", _stamp(releases[0].published_at if releases else None))
    author = _el(feed, "author")
    _el(author, "name", "MoSy SDMX registry")
    _el(feed, "link", rel="self", href=f"{base}{self_path}", type="application/atom+xml")
    _el(feed, "generator", "mosy-registry")
    for release in releases:
        changes = release.public_changes
        if flow is not None:
            changes = {flow: changes[flow]} if flow in changes else {}
        if not changes:
            continue
        since = _stamp(release.at)
        entry = _el(feed, "entry")
        _el(entry, "id", f"{base}/api/releases/{release.pk}" + (f"#{flow}" if flow else ""))
        kind = "Revision" if release.kind == "revision" else "Release"
        _el(entry, "title", f"{kind} of {', '.join(sorted(changes))} ({release.provider})")
        _el(entry, "updated", _stamp(release.published_at))
        _el(entry, "published", _stamp(release.published_at))
        _el(entry, "category", term=release.kind, label=kind)
        _el(entry, "link", rel="related", href=f"{base}/api/releases/{release.pk}")
        lines = []
        for flow_id, change in sorted(changes.items()):
            href = f"{base}/sdmx/3.0/data/dataflow/*/{flow_id}/*/*?updatedAfter={since}"
            _el(entry, "link", rel="alternate", href=href, title=f"{flow_id}: what changed")
            lines.append(f"{flow_id}: {_words(change)}.")
        _el(entry, "summary", " ".join(lines), type="text")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8")


def _answer(body: bytes) -> Response:
    return Response(body, media_type=MEDIA_TYPE, headers={"Cache-Control": "no-cache"})


@router.get(
    "/feeds/releases",
    summary="Atom feed of every public release and revision",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}},
)
def feed_all(conn: ConnectionDep, base: BaseUrlDep) -> Response:
    releases = [
        r for r in list_releases(conn, status=PUBLISHED, limit=ENTRIES * 4) if r.public_changes
    ][:ENTRIES]
    body = atom_feed(base, "/feeds/releases", "MoSy THB data releases", releases)
    return _answer(body)


@router.get(
    "/feeds/dataflow/{flow_id}",
    summary="Atom feed of one public dataflow's releases and revisions",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}}, 404: {}},
)
def feed_flow(flow_id: str, conn: ConnectionDep, view: StructuresDep, base: BaseUrlDep) -> Response:
    structures = view.structures
    if flow_id not in structures.dataflows or not structures.is_public(flow_id):
        public = sorted(f for f in structures.dataflows if structures.is_public(f))
        raise ApiError(
            404, "No such feed", f"feeds exist for public dataflows: {', '.join(public)}"
        )
    releases = list_releases(conn, status=PUBLISHED, public_flow=flow_id, limit=ENTRIES)
    title = f"MoSy THB data releases: {flow_id}"
    body = atom_feed(base, f"/feeds/dataflow/{flow_id}", title, releases, flow_id)
    return _answer(body)
