"""Submitting through the partner area, on SQLite and PostgreSQL: the upload form, the
receipt, the rendered report, one's own submissions and their downloads."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from fastapi.testclient import TestClient
from portal_data import victims_file
from portal_forms import HTML, alert_text, csrf_of, sign_in

from registry.app import create_app


def upload(client, path, **fields):
    page = client.get("/partner", headers=HTML).text
    with path.open("rb") as handle:
        return client.post(
            "/partner/upload",
            data={"csrf_token": csrf_of(page), **fields},
            files={"file": (path.name, handle, "text/csv")},
            headers=HTML,
            follow_redirects=False,
        )


@pytest.fixture
def partner(visitor, portal_db_store):
    sign_in(visitor, portal_db_store.tokens["AT_MOI"])
    return visitor


def test_the_partner_home_has_the_upload_form(partner) -> None:
    page = partner.get("/partner", headers=HTML).text
    assert 'enctype="multipart/form-data"' in page and 'id="upload-form"' in page
    assert 'name="csrf_token"' in page and '<option value="DF_THB_VICTIMS">' in page
    assert "/static/upload.js" in page
    assert 'href="/partner/submissions"' in page


def test_a_valid_file_gets_its_receipt(partner, tmp_path) -> None:
    path = victims_file(tmp_path)
    answer = upload(partner, path, flow="DF_THB_VICTIMS")
    assert answer.status_code == 303
    target = answer.headers["location"]
    assert re.fullmatch(r"/partner/submissions/\d+", target)
    page = partner.get(target, headers=HTML)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    assert re.search(r"Submission \d+: (accepted|duplicate)", html)
    assert hashlib.sha256(path.read_bytes()).hexdigest() in html
    assert "<strong>VALID</strong>" in html
    original = partner.get(f"{target}/file")
    assert original.status_code == 200 and original.content == path.read_bytes()
    report = json.loads(partner.get(f"{target}/report.json").text)
    assert report["valid"] is True
    listing = partner.get("/partner/submissions", headers=HTML).text
    assert f'href="{target}"' in listing and path.name in listing


def test_an_invalid_file_gets_its_report_with_rows_and_cells(partner, tmp_path) -> None:
    path = victims_file(tmp_path, bad=True)
    answer = upload(partner, path)
    assert answer.status_code == 303
    target = answer.headers["location"]
    html = partner.get(target, headers=HTML).text
    assert re.search(r"Submission \d+: rejected", html)
    assert "nothing was stored" in alert_text(html)
    assert "<strong>INVALID</strong>" in html
    assert "unknown-code" in html
    # The suggestion of the library's report, and the rows of the file with their cells marked.
    assert "Did you mean BORD" in html
    rows = dict(re.findall(r'<tr id="row-(\d+)" class="highlight">(.*?)</tr>', html, re.S))
    assert set(rows) == {"4", "8"}
    assert re.search(r'<td class="marked"><mark>AU</mark>', rows["4"])
    assert re.search(r'<td class="marked"><mark>bord</mark>', rows["8"])
    report = json.loads(partner.get(f"{target}/report.json").text)
    assert report["valid"] is False and report["stats"]["counts"]["unknown-code"] == 2


def test_another_providers_submission_is_not_shown(partner, portal_db_store, tmp_path) -> None:
    answer = upload(partner, victims_file(tmp_path, bad=True))
    target = answer.headers["location"]
    partner.cookies.clear()
    assert partner.get(target, headers=HTML).status_code == 401
    sign_in(partner, portal_db_store.tokens["admin"])
    assert partner.get(target, headers=HTML).status_code == 200  # an admin sees every one
    assert partner.get("/partner/submissions/999999", headers=HTML).status_code == 404


def test_a_forged_form_or_no_file_stores_nothing(partner, tmp_path) -> None:
    before = partner.get("/partner/submissions", headers=HTML).text
    count = int(re.search(r'<p role="status">([\d,]+) submission', before)[1].replace(",", ""))
    path = victims_file(tmp_path)
    with path.open("rb") as handle:
        forged = partner.post(
            "/partner/upload",
            data={"csrf_token": "forged"},
            files={"file": (path.name, handle, "text/csv")},
            headers=HTML,
        )
    assert forged.status_code == 403 and "Form refused" in forged.text
    page = partner.get("/partner", headers=HTML).text
    empty = partner.post(
        "/partner/upload", data={"csrf_token": csrf_of(page)}, files={}, headers=HTML
    )
    assert empty.status_code == 400 and "Traceback" not in empty.text
    not_data = tmp_path / "notes.csv"
    not_data.write_text("hello\n")
    unreadable = upload(partner, not_data)
    assert unreadable.status_code == 303  # logged as rejected, with its report
    after = partner.get("/partner/submissions", headers=HTML).text
    total = int(re.search(r'<p role="status">([\d,]+) submission', after)[1].replace(",", ""))
    assert total == count + 1
    assert "rejected" in partner.get(unreadable.headers["location"], headers=HTML).text


def test_a_visitor_cannot_upload(visitor, tmp_path) -> None:
    path = victims_file(tmp_path)
    with path.open("rb") as handle:
        answer = visitor.post("/partner/upload", files={"file": (path.name, handle)}, headers=HTML)
    assert answer.status_code == 401


def test_the_upload_form_has_the_upload_limit_not_the_body_limit(portal_db_store) -> None:
    """A data file between MOSY_MAX_BODY_MB and MOSY_MAX_UPLOAD_MB is an upload like any
    other; one over the upload limit is refused before it is stored."""
    settings = portal_db_store.settings.model_copy(update={"max_body_mb": 1, "max_upload_mb": 2})
    with TestClient(create_app(settings)) as client:
        sign_in(client, portal_db_store.tokens["AT_MOI"])
        page = client.get("/partner", headers=HTML).text

        def send(size: int):
            return client.post(
                "/partner/upload",
                data={"csrf_token": csrf_of(page), "flow": "DF_THB_VICTIMS"},
                files={"file": ("big.csv", b"x" * size, "text/csv")},
                headers=HTML,
                follow_redirects=False,
            )

        assert send(3 << 19).status_code == 303  # 1.5 MiB: read, then rejected as data
        assert send(3 << 20).status_code == 413  # 3 MiB: over the upload limit


def test_a_removed_file_is_said_so_instead_of_a_dead_link(partner, portal_db_store, tmp_path):
    """After MOSY_REJECTED_FILE_DAYS the page keeps the receipt and report, says when the
    file went, and offers no download that could only answer 410."""
    from datetime import timedelta

    from sqlalchemy import update

    from registry.db.engine import make_engine
    from registry.db.tables import submissions
    from registry.store.revisions import now
    from registry.submissions.retention import purge_rejected_files

    target = upload(partner, victims_file(tmp_path, bad=True)).headers["location"]
    pk = int(target.rsplit("/", 1)[1])
    assert f'href="{target}/file"' in partner.get(target, headers=HTML).text
    engine = make_engine(portal_db_store.settings.effective_database_url, pool_size=1)
    try:
        with engine.begin() as conn:  # older than any other submission of the session's store
            conn.execute(
                update(submissions)
                .where(submissions.c.pk == pk)
                .values(received_at=now() - timedelta(days=1000))
            )
        purge_rejected_files(engine, 900)
    finally:
        engine.dispose()

    html = partner.get(target, headers=HTML).text
    assert 'id="file-removed"' in html and f"removed on {now().date().isoformat()}" in html
    assert "MOSY_REJECTED_FILE_DAYS=90 days" in html and "validation report are kept" in html
    assert f'href="{target}/file"' not in html and f'href="{target}/report.json"' in html
    assert "unknown-code" in html  # the report is still rendered
    gone = partner.get(f"{target}/file", headers=HTML)
    assert gone.status_code == 410 and "removed on" in gone.text
    listing = partner.get("/partner/submissions", headers=HTML).text
    assert f'href="{target}/file"' not in listing and "file removed on" in listing
