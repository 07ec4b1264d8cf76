"""What a submitter is told: the receipt of a submission, with its links.

Links are relative to the registry's base URL (``MOSY_PUBLIC_URL``, or the
address the request came to), so they work behind a proxy too.
"""

from __future__ import annotations

from typing import Any

from registry.errors import ApiError
from registry.submissions.records import Status, Submission


def links(submission: Submission, base_url: str) -> dict[str, str]:
    own = f"{base_url}/api/submissions/{submission.pk}"
    out = {"self": own, "report": f"{own}/report"}
    if submission.file_removed_at is None:  # no link that could only answer 410
        out["file"] = f"{own}/file"
    if submission.status is not Status.REJECTED:
        out["data"] = f"{own}/data"
    if submission.duplicate_of is not None:
        out["original"] = f"{base_url}/api/submissions/{submission.duplicate_of}"
    if submission.release_pk is not None:
        out["release"] = f"{base_url}/api/releases/{submission.release_pk}"
    if submission.registration is not None:
        out["registration"] = f"{base_url}/sdmx/3.0/registration/id/{submission.registration}"
    return out


def message(submission: Submission) -> str:
    counts = submission.counts
    if submission.status is Status.DUPLICATE:
        return (
            f"nothing changed: this file repeats submission {submission.duplicate_of}, "
            "and no data has changed since"
        )
    if submission.status is Status.REJECTED:
        return (
            f"rejected: {submission.errors} error(s); nothing was stored. "
            "Correct the file and submit it again"
        )
    if not (counts["added"] or counts["changed"] or counts["deleted"]):
        return f"accepted: {counts['rows']} row(s), all identical to the stored data"
    return (
        f"accepted: {counts['added']} added, {counts['changed']} changed, "
        f"{counts['deleted']} deleted, {counts['unchanged']} unchanged"
    )


def warning_issues(submission: Submission) -> list[dict[str, Any]]:
    return [i for i in submission.report.get("issues", []) if i.get("severity") == "warning"]


def receipt(submission: Submission, base_url: str) -> dict[str, Any]:
    """The receipt (201/200): who, what, when, counts, warnings, links."""
    return {
        "id": submission.pk,
        "status": submission.status.value,
        "message": message(submission),
        "provider": submission.provider,
        "dataflow": submission.flow,
        "action": submission.action,
        "received_at": submission.received_at.isoformat(),
        "actor": submission.actor,
        "file": {
            "name": submission.filename,
            "media_type": submission.media_type,
            "size": submission.size,
            "checksum": f"sha256:{submission.checksum}",
        },
        "counts": dict(submission.counts),
        "warnings": warning_issues(submission),
        "duplicate_of": submission.duplicate_of,
        "file_removed_at": (
            submission.file_removed_at.isoformat() if submission.file_removed_at else None
        ),
        "release": submission.release_pk,
        "registration": submission.registration,
        "links": links(submission, base_url),
    }


def file_removal(submission: Submission, days: int) -> str:
    """Why a submission's file is gone; ``days``: the retention period now configured."""
    assert submission.file_removed_at is not None
    period = (
        f"MOSY_REJECTED_FILE_DAYS={days} days"
        if days > 0
        else "the retention period of rejected files (MOSY_REJECTED_FILE_DAYS)"
    )
    return (
        f"the file of rejected submission {submission.pk} (received "
        f"{submission.received_at:%Y-%m-%d}) was removed on "
        f"{submission.file_removed_at:%Y-%m-%d} after {period}; the checksum "
        f"(sha256:{submission.checksum}) and the validation report are kept"
    )


def check_file_kept(submission: Submission, days: int) -> None:
    """Raise 410 Gone for a file the retention of rejected files has removed."""
    if submission.file_removed_at is not None:
        raise ApiError(410, "File removed", file_removal(submission, days), code="file-removed")
