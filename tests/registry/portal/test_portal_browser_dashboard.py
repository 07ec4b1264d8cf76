"""The dashboard and the map in a real browser: charts drawn by the shipped ECharts
without a console error under the page's CSP, axe-clean, and the same pages
without JavaScript (tables only)."""

from __future__ import annotations

import io

import pandas as pd
from portal_browser import axe_violations, describe_violations, screenshot_path

CHARTS = ("victims", "rates", "exploitation", "sex", "age", "citizenship")


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)


def test_the_dashboard_draws_every_chart_beside_its_table(page) -> None:
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/dashboard")
    for name in CHARTS:
        chart = page.locator(f"#chart-{name}")
        chart.locator("canvas").first.wait_for()
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box["width"] > 300 and box["height"] > 200
        assert page.locator(f"#chart-{name} ~ .table-wrap table").count() == 1
    assert_accessible(page)
    page.get_by_label("Year of the breakdowns").select_option("2018")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**year=2018**")
    assert page.get_by_role("heading", name="Victims by sex, 2018").is_visible()
    page.locator("#chart-sex canvas").first.wait_for()
    with page.expect_download() as info:
        page.locator("#chart-sex-heading ~ .downloads").get_by_role("link", name="CSV").click()
    frame = pd.read_csv(info.value.path(), dtype=str, keep_default_na=False)
    assert set(frame["SEX"]) == {"M", "F", "UNK"} and len(frame) > 0
    assert_accessible(page)


def test_the_map_of_europe(page) -> None:
    page.goto("/dashboard/map")
    svg = page.locator("svg.choropleth")
    assert svg.is_visible()
    assert svg.locator("path").count() > 40
    austria = page.locator('svg.choropleth a[href="/explore/DF_THB_RATES_PUB?REF_AREA=AT"]')
    assert "per million" in austria.get_attribute("aria-label")
    austria.focus()  # countries with a figure are reachable by keyboard
    assert austria.evaluate("el => el === document.activeElement")
    assert page.locator("table.indicator-table tbody tr").count() == 2
    assert_accessible(page)
    page.get_by_label("Year").select_option("2016")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**year=2016**")
    assert page.get_by_role("heading", name="Victims per million inhabitants, 2016").is_visible()
    assert_accessible(page)


def test_the_dashboard_without_javascript(browser, portal_server, request) -> None:
    context = browser.new_context(base_url=portal_server.url, java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto("/dashboard")
        assert not tab.locator("#chart-victims").is_visible()  # no empty chart boxes
        assert tab.locator("table.indicator-table").count() == len(CHARTS)
        answer = tab.request.get(
            tab.locator("#chart-victims-heading ~ .downloads a", has_text="CSV").get_attribute(
                "href"
            )
        )
        assert answer.ok
        frame = pd.read_csv(io.BytesIO(answer.body()), dtype=str)
        assert {"REF_AREA", "TIME_PERIOD", "VICTIMS", "OBS_STATUS"} <= set(frame.columns)
        tab.goto("/dashboard/map")
        assert tab.locator("svg.choropleth path.c0, svg.choropleth path.c1").count() >= 1
        tab.screenshot(path=str(screenshot_path(request.node.name)), full_page=True)
    finally:
        context.close()
