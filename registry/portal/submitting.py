"""The partner area's submissions: upload a file, read its receipt and report, list one's own.

The upload form posts the file (multipart, CSRF-protected) and the page hands
it to ``registry.submissions.accepting.submit``, the function behind
``POST /api/submissions``: the same checks, the same log, one code path. The
browser is then sent to the submission's page, accepted or rejected: its
receipt, and the library's validation report (the one ``mosy validate``
gives) rendered, with the rows of a CSV file that its issues name and the
cells they point at. A partner sees its own provider's submissions only; an
administrator sees every one.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response, StreamingResponse

from mosy_sdmx.exceptions import MosyError
from mosy_sdmx.validation.excerpt import csv_excerpt
from mosy_sdmx.validation.issues import ISSUE_TYPES
from registry.data_access import check_may_write, own_submissions, submitting_provider
from registry.deps import (
    BaseUrlDep,
    EngineDep,
    RowId,
    SettingsDep,
    StructureCacheDep,
    current_view,
)
from registry.errors import ApiError
from registry.portal.identity import identify, signed_in
from registry.portal.rendering import render
from registry.portal.sessions import check_csrf, check_origin
from registry.settings import Settings
from registry.store.changes import Actor
from registry.store.tokens import Role
from registry.submissions.accepting import parse_action, submit
from registry.submissions.receipts import check_file_kept, file_removal, message
from registry.submissions.receiving import receive_upload
from registry.submissions.records import (
    Status,
    Submission,
    file_chunks,
    get_submission,
    list_submissions,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(identify)])

PAGE_SIZE = 50
#: Rows of the file shown under a report (the first ones its issues name).
EXCERPT_ROWS = 50
ACTIONS = ("", "Append", "Replace", "Delete")


def partner_context(engine: Engine, settings: Settings, user, structures) -> dict:
    """What the partner home shows of submissions: the upload form's needs, the latest five."""
    own = own_submissions(user.token)
    with engine.connect() as conn:
        _, latest = list_submissions(conn, provider=own, limit=5)
    return {
        "may_submit": user.token.role is not Role.READER,
        "max_upload_mb": settings.max_upload_mb,
        "providers": sorted(structures.providers()),
        "recent": [_summary(s) for s in latest],
    }


def _signed_in_or_401(request: Request):
    user = signed_in(request)
    if user is None:
        raise ApiError(401, "Sign in first", "submissions are for signed-in partners")
    return user


def _text(value) -> str | None:
    if value is None or isinstance(value, UploadFile):
        return None
    return str(value).strip()[:200] or None


@router.post("/partner/upload")
async def partner_upload(
    request: Request,
    engine: EngineDep,
    settings: SettingsDep,
    cache: StructureCacheDep,
    base: BaseUrlDep,
) -> Response:
    """Receive the form's file and submit it; then the submission's page (303)."""
    user = _signed_in_or_401(request)
    check_origin(request)  # before a byte of the file is read
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception as exc:  # a broken multipart body
        raise ApiError(400, "Bad form", f"the form cannot be read: {exc}") from None
    try:
        check_csrf(request, _text(form.get("csrf_token")))
        provider = submitting_provider(user.token, _text(form.get("provider")))
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ApiError(400, "No file chosen", "choose the data file to send, then Send")
        flow, action = _text(form.get("flow")), _text(form.get("action"))
        try:
            asked = parse_action(action)
        except MosyError as exc:
            raise ApiError(400, "Unknown action", exc.detail) from None
        received = await receive_upload(
            upload,
            limit_bytes=settings.max_upload_mb << 20,
            folder=settings.data_dir / "incoming",
            filename=upload.filename,
            media_type=upload.content_type,
        )
    finally:
        await form.close()
    view = await run_in_threadpool(current_view, engine, cache)
    structures = view.structures
    if flow is not None and flow not in structures.message.dataflow:
        received.discard()
        raise ApiError(404, "Unknown dataflow", f"the registry holds no dataflow {flow!r}")

    def may_write(flow_id: str) -> None:
        check_may_write(user.token, structures, provider, flow_id)

    with received:
        submission = await run_in_threadpool(
            lambda: submit(
                engine,
                received,
                structures=structures,
                provider=provider,
                flow=flow,
                action=asked,
                actor=Actor(f"token:{user.token.name}", user.token.pk),
                base_url=base,
                check_flow=may_write,
            )
        )
    return RedirectResponse(f"/partner/submissions/{submission.pk}", status_code=303)


def _visible(request: Request, engine, pk: int) -> Submission:
    user = _signed_in_or_401(request)
    own = own_submissions(user.token)
    with engine.connect() as conn:
        found = get_submission(conn, pk)
    if found is None or (own is not None and found.provider != own):
        raise ApiError(404, "No such submission", f"no submission {pk} of yours")
    return found


@router.get("/partner/submissions")
def partner_submissions(request: Request, engine: EngineDep, page: int = 1) -> Response:
    user = _signed_in_or_401(request)
    own = own_submissions(user.token)
    page = max(1, min(page, 100_000))
    with engine.connect() as conn:
        total, items = list_submissions(
            conn, provider=own, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    context = {
        "items": [_summary(s) for s in items],
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "provider": own,
    }
    return render(request, "partner_submissions.html", context, private=True)


def _summary(submission: Submission) -> dict:
    return {
        "s": submission,
        "message": message(submission),
        "status": submission.status.value,
        "path": f"/partner/submissions/{submission.pk}",
    }


@router.get("/partner/submissions/{submission_id}")
def partner_submission(
    request: Request, submission_id: RowId, engine: EngineDep, settings: SettingsDep
) -> Response:
    """One submission: its receipt, and its validation report rendered."""
    found = _visible(request, engine, submission_id)
    report = found.report
    stats = report.get("stats", {})
    issues = []
    for issue in report.get("issues", []):
        facts = issue.get("facts") or {}
        issues.append(
            {
                "code": issue.get("code", ""),
                "severity": issue.get("severity", ""),
                "message": issue.get("message", ""),
                "where": _where(issue.get("location") or {}),
                "row": (issue.get("location") or {}).get("row"),
                "suggestion": str(facts.get("suggestion", "")).strip(),
            }
        )
    codes = [
        {"code": code, "count": n, "type": ISSUE_TYPES.get(code)}
        for code, n in (stats.get("counts") or {}).items()
    ]
    excerpt = _excerpt(engine, found, report)
    context = {
        **_summary(found),
        "report": report,
        "stats": stats,
        "codes": codes,
        "issues": issues,
        "excerpt": excerpt,
        "marked_index": (
            [[c in row.marked for c in excerpt.columns] for row in excerpt.rows] if excerpt else []
        ),
        "accepted": found.status is not Status.REJECTED,
        "removal": (
            file_removal(found, settings.rejected_file_days)
            if found.file_removed_at is not None
            else None
        ),
    }
    return render(request, "partner_submission.html", context, private=True)


def _where(location: dict) -> str:
    order = ("sheet", "cell", "line", "column", "row", "component", "series_key", "period")
    names = {"series_key": "series"}
    return ", ".join(f"{names.get(k, k)} {location[k]}" for k in order if k in location)


def _excerpt(engine, submission: Submission, report: dict):
    """The file's rows the report names, for a plain CSV upload."""
    name = submission.filename.lower()
    if submission.file_removed_at is not None:
        return None  # the rows went with the file; the report still names them
    if not name.endswith(".csv") or not report.get("issues"):
        return None
    try:
        return csv_excerpt(report, _lines(file_chunks(engine, submission.file_pk)),
                           limit=EXCERPT_ROWS)  # fmt: skip
    except Exception:
        return None


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """The text lines of stored chunks, decoded as they come (UTF-8, BOM dropped)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    rest = ""
    for chunk in chunks:
        text = rest + decoder.decode(chunk)
        lines = text.splitlines(keepends=True)
        rest = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
        yield from lines
    tail = rest + decoder.decode(b"", final=True)
    if tail:
        yield tail


@router.get("/partner/submissions/{submission_id}/file")
def partner_submission_file(
    request: Request, submission_id: RowId, engine: EngineDep, settings: SettingsDep
) -> Response:
    """The original upload, byte for byte (as ``/api/submissions/{id}/file``; 410 once removed)."""
    found = _visible(request, engine, submission_id)
    check_file_kept(found, settings.rejected_file_days)
    return StreamingResponse(
        file_chunks(engine, found.file_pk),
        media_type="application/octet-stream",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Content-Length": str(found.size),
            "Cache-Control": "no-store",
        },
    )


@router.get("/partner/submissions/{submission_id}/report.json")
def partner_submission_report(
    request: Request, submission_id: RowId, engine: EngineDep
) -> Response:
    """The validation report as the library writes it (``mosy validate --format json``)."""
    found = _visible(request, engine, submission_id)
    return Response(
        found.report_json,
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="report-{found.pk}.json"',
            "Cache-Control": "no-store",
        },
    )
