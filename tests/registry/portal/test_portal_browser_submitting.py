"""Submitting in a real browser: sign in, send a valid and an invalid file through the
page (with the progress script, and without JavaScript), read the receipt and the report."""

from __future__ import annotations

import re

from portal_browser import axe_violations, describe_violations, screenshot_path
from portal_data import victims_file


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def sign_in(page, secret: str) -> None:
    page.goto("/partner")
    page.get_by_label("Token").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/partner")


def test_a_partner_sends_a_valid_and_an_invalid_file(page, portal_store, tmp_path) -> None:
    sign_in(page, portal_store.tokens["AT_MOI"])
    assert_accessible(page)
    page.get_by_label("Data file", exact=True).set_input_files(str(victims_file(tmp_path)))
    page.get_by_label("Dataflow", exact=True).select_option("DF_THB_VICTIMS")
    page.get_by_role("button", name="Send the file").click()
    page.wait_for_url(re.compile(r".*/partner/submissions/\d+$"))
    heading = page.get_by_role("heading", level=1).inner_text()
    assert re.match(r"Submission \d+: (accepted|duplicate)", heading)
    assert page.get_by_text("VALID", exact=True).is_visible()
    assert_accessible(page)
    page.screenshot(path=str(screenshot_path("submission_receipt")), full_page=True)

    page.goto("/partner")
    bad = victims_file(tmp_path, bad=True)
    page.get_by_label("Data file", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Send the file").click()
    page.wait_for_url(re.compile(r".*/partner/submissions/\d+$"))
    assert "rejected" in page.get_by_role("heading", level=1).inner_text()
    assert "nothing was stored" in page.get_by_role("alert").inner_text()
    marked = page.locator("table.excerpt td.marked")
    assert [text.split()[0] for text in marked.all_inner_texts()] == ["AU", "bord"]
    assert page.get_by_text("Did you mean BORD", exact=False).first.is_visible()
    page.get_by_role("link", name=re.compile(r"row 4")).first.click()
    assert page.evaluate("location.hash") == "#row-4"
    assert_accessible(page)

    page.get_by_role("link", name="Submissions").first.click()
    page.wait_for_url("**/partner/submissions")
    assert page.locator("table tbody tr").count() >= 2
    assert_accessible(page)
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"^File")).first.click()
    assert info.value.suggested_filename == "victims-bad.csv"


def test_sending_a_file_without_javascript(browser, portal_server, portal_store, tmp_path):
    context = browser.new_context(base_url=portal_server.url, java_script_enabled=False)
    tab = context.new_page()
    try:
        sign_in(tab, portal_store.tokens["AT_MOI"])
        bad = victims_file(tmp_path, bad=True)
        tab.get_by_label("Data file", exact=True).set_input_files(str(bad))
        tab.get_by_role("button", name="Send the file").click()
        tab.wait_for_url(re.compile(r".*/partner/submissions/\d+$"))
        assert "rejected" in tab.get_by_role("heading", level=1).inner_text()
        tab.screenshot(path=str(screenshot_path("submission_report_no_js")), full_page=True)
    finally:
        context.close()
