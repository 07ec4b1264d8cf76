"""The public pages, the partner and the admin area in a real browser (Chromium):
navigation by mouse and keyboard, downloads, accessibility (axe-core, WCAG 2.1 AA),
and the same pages with JavaScript switched off."""

from __future__ import annotations

import pandas as pd
import pytest
from portal_browser import axe_violations, describe_violations, screenshot_path
from portal_data import PUBLIC_FLOW


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_browsing_from_home_to_a_code_of_a_codelist(page) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Structures").click()
    page.get_by_label("Search codes and names").fill("Österreich")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/structures?q=*")
    assert_accessible(page)
    page.locator('table a[href*="/codelist/MOSY/CL_GEO/"]', has_text="AT").first.click()
    page.wait_for_url("**/structures/codelist/**#item-AT")
    row = page.locator("#item-AT")
    assert row.locator('td[lang="de"]').inner_text() == "Österreich"
    assert_accessible(page)


def test_the_structure_of_a_dataflow_and_its_api_links(page) -> None:
    page.goto(f"/structures/dataflow/MOSY/{PUBLIC_FLOW}/1.0.0")
    assert_accessible(page)
    assert page.get_by_role("link", name="explore the data").is_visible()
    page.locator("dl.facts a[href^='/structures/datastructure/']").click()
    assert page.get_by_role("heading", name="Components").is_visible()
    assert_accessible(page)
    api = page.locator(".api-links a", has_text="SDMX-ML 3.0").first.get_attribute("href")
    answer = page.request.get(api)
    assert answer.ok and "structure+xml" in answer.headers["content-type"]


def test_filtering_the_explorer_and_downloading_the_csv(page) -> None:
    page.goto(f"/explore/{PUBLIC_FLOW}")
    assert_accessible(page)
    page.get_by_label("Reference area").select_option("AT")
    page.get_by_label("From").fill("2018")
    page.get_by_label("To").fill("2020")
    page.get_by_role("button", name="Show the data").click()
    page.wait_for_url("**REF_AREA=AT**")
    status = page.locator("#table-heading ~ p[role=status]").inner_text()
    total = int(status.split(" ")[0].replace(",", ""))
    cells = page.locator("table.data tbody tr td:nth-child(2)").all_inner_texts()
    assert cells and set(cells) == {"AT"}
    with page.expect_download() as info:
        page.get_by_role("link", name="SDMX-CSV 2.0").click()
    download = info.value
    frame = pd.read_csv(download.path(), dtype=str)
    assert len(frame) == total
    assert set(frame["REF_AREA"]) == {"AT"}
    assert set(frame["TIME_PERIOD"]) == {"2018", "2019", "2020"}
    assert_accessible(page)


def test_sorting_and_paging_with_the_keyboard(page) -> None:
    page.goto(f"/explore/{PUBLIC_FLOW}?size=25")
    header = page.locator("table.data thead a", has_text="OBS_VALUE")
    header.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=OBS_VALUE**")
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("OBS_VALUE")
    next_page = page.get_by_role("link", name="Next")
    next_page.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2**")
    assert "page 2 of" in page.locator("#table-heading ~ p[role=status]").inner_text()


def test_a_selection_without_data_says_so(page) -> None:
    page.goto(f"/explore/{PUBLIC_FLOW}?REF_AREA=FR")
    assert "No observations match this selection" in page.locator("[role=status]").inner_text()
    page.goto(f"/explore/{PUBLIC_FLOW}?start=yesterday")
    assert "is not a period" in page.get_by_role("alert").inner_text()


def test_a_partner_signs_in_and_downloads_a_template(page, portal_store) -> None:
    page.goto("/partner")
    assert_accessible(page)
    page.get_by_label("Token").fill(portal_store.tokens["AT_MOI"])
    page.get_by_label("Token").press("Enter")
    page.wait_for_url("**/partner")
    assert "Signed in as" in page.locator(".signed-in").inner_text()
    cookie = next(c for c in page.context.cookies() if c["name"] == "mosy_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("mosy_session") < 0  # not readable by scripts
    assert_accessible(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel template of DF_THB_VICTIMS").click()
    assert info.value.suggested_filename == "DF_THB_VICTIMS-AT_MOI.xlsx"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/partner?signed_out=1")
    assert page.get_by_label("Token").is_visible()


def test_an_expired_token_gets_a_message(page, portal_store) -> None:
    page.goto("/partner")
    page.get_by_label("Token").fill(portal_store.tokens["expired"])
    page.get_by_role("button", name="Sign in").click()
    assert "expired" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Token").get_attribute("aria-invalid") == "true"


def test_an_admin_creates_a_token(page, portal_store) -> None:
    page.goto("/partner")
    page.get_by_label("Token").fill(portal_store.tokens["admin"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin")
    page.get_by_role("link", name="Tokens").first.click()
    assert_accessible(page)
    page.get_by_label("Name").fill("browser-made")
    page.get_by_label("Role").select_option("reader")
    page.get_by_label("Data provider").select_option("BG_NREM")
    page.get_by_role("button", name="Create the token").click()
    secret = page.get_by_label("The new token").input_value()
    assert secret.startswith("mosy_")
    assert_accessible(page)
    for target in ("/admin/providers", "/admin/changes", "/admin/subscriptions", "/admin/audit"):
        page.goto(target)
        assert_accessible(page)


@pytest.fixture
def no_script_page(browser, portal_server, request):
    context = browser.new_context(base_url=portal_server.url, java_script_enabled=False)
    tab = context.new_page()
    yield tab
    tab.screenshot(path=str(screenshot_path(request.node.name)), full_page=True)
    context.close()


def test_browsing_and_downloads_work_without_javascript(no_script_page, portal_store) -> None:
    page = no_script_page
    page.goto(f"/explore/{PUBLIC_FLOW}")
    page.get_by_label("Sex").select_option("F")
    page.get_by_role("button", name="Show the data").click()
    page.wait_for_url("**SEX=F**")
    assert set(page.locator("table.data tbody tr td:nth-child(5)").all_inner_texts()) == {"F"}
    with page.expect_download() as info:
        page.get_by_role("link", name="SDMX-CSV 1.0").click()
    frame = pd.read_csv(info.value.path(), dtype=str)
    assert set(frame["SEX"]) == {"F"}
    page.goto("/partner")
    page.get_by_label("Token").fill(portal_store.tokens["AT_MOI"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/partner")
    assert "AT_MOI" in page.locator("main").inner_text()
