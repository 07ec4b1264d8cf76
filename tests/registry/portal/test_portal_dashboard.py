"""The dashboard and its map on SQLite and PostgreSQL (``portal_client``: published data).

The figures are checked against the public data as the SDMX API serves it,
not against the code that made them; hidden cells must stay hidden, and the
dashboard must read public dataflows only, once per release.
"""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pandas as pd
import pytest

import registry.portal.dashboard_data as dashboard_data
from registry.store.observations import FlowRef
from registry.store.revisions import bump_revision

HTML = {"Accept": "text/html"}
CHARTS = ("victims", "rates", "exploitation", "sex", "age", "citizenship")


def public_csv(client, flow: str, key: str = "*") -> pd.DataFrame:
    answer = client.get(f"/sdmx/3.0/data/dataflow/MOSY/{flow}/1.0.0/{key}?format=csvfile")
    assert answer.status_code == 200, answer.text[:300]
    return pd.read_csv(io.BytesIO(answer.content), dtype=str, keep_default_na=False)


def download(client, path: str) -> pd.DataFrame:
    answer = client.get(path)
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-disposition"].startswith("attachment;")
    return pd.read_csv(io.BytesIO(answer.content), dtype=str, keep_default_na=False)


def section(page: str, name: str) -> str:
    opening = f'<section class="indicator" aria-labelledby="chart-{name}-heading">'
    found = re.search(re.escape(opening) + "(.*?)</section>", page, re.S)
    assert found, name
    return found.group(1)


def table_cells(html: str) -> dict[str, list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>")[0]
    out = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        code = re.search(r'<span class="id">([^<]+)</span>', row).group(1)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        out[code] = [re.sub(r"<[^>]+>", "", c).strip() for c in cells]
    return out


def test_every_chart_has_its_table_and_downloads(portal_client) -> None:
    page = portal_client.get("/dashboard", headers=HTML)
    assert page.status_code == 200
    html = page.text
    for name in CHARTS:
        part = section(html, name)
        assert f'id="chart-{name}"' in part and "<table" in part
        assert f'href="/dashboard/figures/{name}.csv?source=BORD"' in part
        assert f'href="/dashboard/figures/{name}.json?source=BORD"' in part
    charts = json.loads(
        unescape(re.search(r'id="dashboard-charts">(.*?)</script>', html, re.S).group(1))
    )
    assert [c["id"] for c in charts] == [*CHARTS]
    # The page's scripts are the shipped ones only, under the usual policy.
    assert re.findall(r'<script src="([^"?]+)', html) == [
        "/static/vendor/echarts/echarts.min.js",
        "/static/dashboard.js",
    ]
    assert "script-src 'self';" in page.headers["content-security-policy"]
    for asset in ("vendor/echarts/echarts.min.js", "vendor/echarts/LICENSE", "dashboard.js"):
        assert portal_client.get(f"/static/{asset}").status_code == 200


def test_victims_by_country_are_the_published_totals(portal_client) -> None:
    published = public_csv(portal_client, "DF_THB_VICTIMS_PUB", "A..BORD.PER_VICT.T.TOTAL.TOTAL._T")
    assert len(published) > 0
    figures = download(portal_client, "/dashboard/figures/victims.csv?source=BORD")
    expected = published[["REF_AREA", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"]]
    got = figures[["REF_AREA", "TIME_PERIOD", "VICTIMS", "OBS_STATUS"]]
    got = got.rename(columns={"VICTIMS": "OBS_VALUE"})
    pd.testing.assert_frame_equal(
        got.sort_values(["REF_AREA", "TIME_PERIOD"]).reset_index(drop=True),
        expected.sort_values(["REF_AREA", "TIME_PERIOD"]).reset_index(drop=True),
    )
    # The page's table holds the same figures.
    cells = table_cells(section(portal_client.get("/dashboard", headers=HTML).text, "victims"))
    row = published[(published["REF_AREA"] == "AT") & (published["TIME_PERIOD"] == "2020")]
    years = sorted(set(published["TIME_PERIOD"]))
    assert cells["AT"][years.index("2020")] == f"{int(row['OBS_VALUE'].iloc[0]):,}"


def test_the_rates_are_those_of_the_rates_dataflow(portal_client) -> None:
    published = public_csv(portal_client, "DF_THB_RATES_PUB")
    rates = download(portal_client, "/dashboard/figures/rates.csv?source=BORD")
    assert len(rates) == len(published) > 0
    mine = dict(zip(rates["REF_AREA"] + rates["TIME_PERIOD"], rates["RATE"], strict=True))
    for area, period, value in zip(
        published["REF_AREA"], published["TIME_PERIOD"], published["OBS_VALUE"], strict=True
    ):
        assert float(mine[area + period]) == pytest.approx(float(value))


def test_hidden_cells_stay_hidden_and_are_never_zero(portal_client) -> None:
    published = public_csv(portal_client, "DF_THB_VICTIMS_PUB", "A..BORD.PER_VICT.T.TOTAL.TOTAL.")
    hidden = published[published["OBS_STATUS"] == "Q"]
    assert len(hidden) > 0, "the portal store should publish some hidden cells"
    area, year, form = hidden.iloc[0][["REF_AREA", "TIME_PERIOD", "EXPLOIT"]]
    path = f"/dashboard/figures/exploitation.csv?source=BORD&year={year}"
    figures = download(portal_client, path)
    cell = figures[(figures["REF_AREA"] == area) & (figures["EXPLOIT"] == form)].iloc[0]
    assert cell["COUNT"] == "" and cell["SHARE"] == ""
    assert cell["OBS_STATUS"] == "Q" and cell["CONF_STATUS"] == "C"
    data = json.loads(portal_client.get(f"/dashboard/figures/exploitation.json?year={year}").text)
    same = [c for c in data["cells"] if c["REF_AREA"] == area and c["EXPLOIT"] == form]
    assert same[0]["COUNT"] is None and same[0]["SHARE"] is None
    page = portal_client.get("/dashboard", params={"year": year}, headers=HTML).text
    part = section(page, "exploitation")
    forms = re.findall(r'<abbr title="([A-Z_]+)">', part.split("</thead>")[0])
    shown = table_cells(part)[area][forms.index(form)]
    assert shown == "c"
    assert "not published (confidential)" in part


def test_the_dashboard_reads_public_dataflows_only_and_once_per_release(
    portal_client, monkeypatch
) -> None:
    read: list[str] = []
    real = dashboard_data.current_frame

    def spy(conn, flow, provider, layout, *args, **kw):
        read.append(flow.id)
        return real(conn, flow, provider, layout, *args, **kw)

    monkeypatch.setattr(dashboard_data, "current_frame", spy)
    portal_client.app.state.dashboard_cache = None
    assert portal_client.get("/dashboard", headers=HTML).status_code == 200
    assert read and all(flow.endswith("_PUB") for flow in read)
    first = len(read)
    for path in ("/dashboard", "/dashboard/map", "/dashboard/figures/sex.csv"):
        assert portal_client.get(path, headers=HTML).status_code == 200
    assert len(read) == first  # cached: nothing read again
    engine = portal_client.app.state.engine
    with engine.begin() as conn:  # what a release does to the public flow
        bump_revision(conn, FlowRef("MOSY", "DF_THB_VICTIMS_PUB", "1.0.0").scope)
    assert portal_client.get("/dashboard", headers=HTML).status_code == 200
    assert len(read) == 2 * first


def test_the_map_colours_each_country_with_a_figure(portal_client) -> None:
    page = portal_client.get("/dashboard/map", headers=HTML)
    assert page.status_code == 200
    html = page.text
    published = public_csv(portal_client, "DF_THB_RATES_PUB")
    year = max(published["TIME_PERIOD"])
    assert f"Victims per million inhabitants, {year}" in html
    for area in sorted(set(published["REF_AREA"])):
        link = re.search(
            rf'<a href="/explore/DF_THB_RATES_PUB\?REF_AREA={area}" aria-label="[^"]+">\s*'
            r'<path d="M[^"]+" class="area (c\d)">',
            html,
        )
        assert link, area
    assert html.count('class="area nodata"') > 30  # the rest of Europe, grey
    rows = table_cells(html)
    value = published[(published["REF_AREA"] == "AT") & (published["TIME_PERIOD"] == year)]
    assert rows["AT"][0] == f"{float(value['OBS_VALUE'].iloc[0]):,.1f}"
    older = portal_client.get("/dashboard/map", params={"year": "2016"}, headers=HTML).text
    assert "Victims per million inhabitants, 2016" in older


@pytest.mark.parametrize(
    "query, message",
    [
        ("source=XX", "Data source &#39;XX&#39; has no public data"),
        ("year=1066", "Year &#39;1066&#39; has no public data"),
        ("year=%3Cscript%3E", "Year &#39;&lt;script&gt;&#39; has no public data"),
    ],
)
def test_a_bad_choice_gets_a_message(portal_client, query, message) -> None:
    for path in ("/dashboard", "/dashboard/map"):
        answer = portal_client.get(f"{path}?{query}", headers=HTML)
        assert answer.status_code == 400
        assert 'role="alert"' in answer.text and message in answer.text
        assert "<script>" not in answer.text


def test_downloads_of_what_does_not_exist(portal_client) -> None:
    assert portal_client.get("/dashboard/figures/nothing.csv").status_code == 404
    assert portal_client.get("/dashboard/figures/victims.xml").status_code == 404
    bad = portal_client.get("/dashboard/figures/victims.csv?source=XX")
    assert bad.status_code == 400 and "Traceback" not in bad.text


def test_an_empty_registry_says_nothing_was_released(client) -> None:
    page = client.get("/dashboard", headers=HTML)
    assert page.status_code == 200
    assert "No public data has been released yet" in page.text
    assert client.get("/dashboard/map", headers=HTML).status_code == 200
    assert client.get("/dashboard/figures/victims.csv").status_code == 404
