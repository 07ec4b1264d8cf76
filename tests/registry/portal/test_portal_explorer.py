"""The data explorer, on SQLite and PostgreSQL (``portal_client``: public victims data)."""

from __future__ import annotations

import io
import re
from html import unescape

import pandas as pd
import pytest
from portal_data import PUBLIC_FLOW

HTML = {"Accept": "text/html"}
PAGE = f"/explore/{PUBLIC_FLOW}"


def _total(page: str) -> int:
    found = re.search(r'<p role="status">([\d,]+) observations?', page)
    assert found, page[-2000:]
    return int(found.group(1).replace(",", ""))


def _rows(page: str) -> list[list[str]]:
    body = page.split("<tbody>", 2)[-1].split("</tbody>")[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        rows.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells])
    return rows


def _download(page: str, label: str) -> str:
    found = re.search(rf'<a href="([^"]+)" download>{re.escape(label)}</a>', page)
    assert found, label
    return unescape(found.group(1))


def test_only_public_dataflows_are_explored(portal_client) -> None:
    index = portal_client.get("/explore", headers=HTML).text
    assert f'href="{PAGE}"' in index
    assert 'href="/explore/DF_THB_VICTIMS"' not in index
    refused = portal_client.get("/explore/DF_THB_VICTIMS", headers=HTML)
    assert refused.status_code == 404
    assert "not a public dataflow" in refused.text


def test_the_table_counts_what_the_download_holds(portal_client, portal_db_store) -> None:
    page = portal_client.get(PAGE, headers=HTML).text
    assert _total(page) == portal_db_store.public_rows
    csv = portal_client.get(_download(page, "SDMX-CSV 2.0"))
    assert csv.status_code == 200
    frame = pd.read_csv(io.BytesIO(csv.content), dtype=str)
    assert len(frame) == portal_db_store.public_rows


def test_a_selection_filters_the_table_and_its_downloads(portal_client) -> None:
    page = portal_client.get(
        PAGE, params={"REF_AREA": "AT", "start": "2018", "end": "2020"}, headers=HTML
    ).text
    total = _total(page)
    rows = _rows(page)
    assert rows and all(r[1] == "AT" and r[8] in ("2018", "2019", "2020") for r in rows)
    link = _download(page, "SDMX-CSV 2.0")
    assert "/1.0.0/*.AT.*.*.*.*.*.*?" in link and "c[TIME_PERIOD]=ge:2018+le:2020" in link
    frame = pd.read_csv(io.BytesIO(portal_client.get(link).content), dtype=str)
    assert len(frame) == total
    assert set(frame["REF_AREA"]) == {"AT"}
    assert set(frame["TIME_PERIOD"]) == {"2018", "2019", "2020"}


def test_several_codes_of_a_dimension_become_a_component_filter(portal_client) -> None:
    page = portal_client.get(
        PAGE, params=[("REF_AREA", "AT"), ("REF_AREA", "BG"), ("SEX", "F")], headers=HTML
    ).text
    link = _download(page, "SDMX-CSV 1.0")
    assert "c[REF_AREA]=AT,BG" in link
    frame = pd.read_csv(io.BytesIO(portal_client.get(link).content), dtype=str)
    assert set(frame["REF_AREA"]) == {"AT", "BG"} and set(frame["SEX"]) == {"F"}
    assert len(frame) == _total(page)


def test_every_download_format_answers(portal_client) -> None:
    page = portal_client.get(PAGE, params={"REF_AREA": "BG", "start": "2023"}, headers=HTML).text
    links = re.findall(r'<a href="([^"]+)" download>', page)
    assert len(links) == 7
    for link in links:
        answer = portal_client.get(unescape(link))
        assert answer.status_code == 200, link
        assert "attachment" in answer.headers["content-disposition"]


def test_sorting_by_value_and_by_a_dimension(portal_client) -> None:
    page = portal_client.get(
        PAGE, params={"sort": "OBS_VALUE", "order": "desc", "size": "200"}, headers=HTML
    ).text
    values = [float(r[9].replace(",", "")) for r in _rows(page) if r[9] != "not shown"]
    assert values == sorted(values, reverse=True)
    assert 'aria-sort="descending"' in page
    by_area = _rows(
        portal_client.get(PAGE, params={"sort": "REF_AREA", "order": "desc"}, headers=HTML).text
    )
    assert by_area[0][1] == "BG"


def test_pages_follow_each_other(portal_client, portal_db_store) -> None:
    first = _rows(portal_client.get(PAGE, params={"size": "25"}, headers=HTML).text)
    second = _rows(portal_client.get(PAGE, params={"size": "25", "page": "2"}, headers=HTML).text)
    assert len(first) == len(second) == 25
    assert first != second
    last = portal_client.get(PAGE, params={"size": "25", "page": "99999"}, headers=HTML).text
    pages = -(-portal_db_store.public_rows // 25)
    assert f"page {pages} of {pages}" in last


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "last year"}, "is not a period"),
        ({"start": "2022", "end": "2019"}, "is after To"),
        ({"REF_AREA": "XX"}, "XX is not a code of REF_AREA"),
        ({"sort": "NOPE"}, "cannot sort by"),
    ],
)
def test_bad_selections_get_a_message_not_an_error(portal_client, params, message) -> None:
    page = portal_client.get(PAGE, params=params, headers=HTML)
    assert page.status_code == 400
    assert 'role="alert"' in page.text and message in unescape(page.text)
    assert "Traceback" not in page.text


def test_a_selection_with_no_data_says_so(portal_client) -> None:
    page = portal_client.get(PAGE, params={"REF_AREA": "FR"}, headers=HTML)
    assert page.status_code == 200
    assert "No observations match this selection" in page.text
