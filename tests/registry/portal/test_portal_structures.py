"""The structure browser, on SQLite and PostgreSQL (``client``: the THB structures)."""

from __future__ import annotations

import re
from html import unescape

HTML = {"Accept": "text/html"}


def _links(page: str, prefix: str) -> list[str]:
    return [unescape(u) for u in re.findall(rf'href="({re.escape(prefix)}[^"]*)"', page)]


def test_the_index_lists_every_kind_of_artefact(client) -> None:
    page = client.get("/structures", headers=HTML)
    assert page.status_code == 200
    for heading in ("Dataflows", "Data structures", "Codelists", "Concept schemes"):
        assert f">{heading} <" in page.text
    assert "/structures/codelist/MOSY/CL_GEO/1.0.0" in page.text
    assert "/structures/dataflow/MOSY/DF_THB_VICTIMS_PUB/1.0.0" in page.text


def test_dataflow_to_structure_to_codelist(client) -> None:
    flow = client.get("/structures/dataflow/MOSY/DF_THB_VICTIMS_PUB/1.0.0", headers=HTML).text
    assert "/structures/datastructure/MOSY/DSD_THB_PERSONS/1.0.0" in flow
    assert 'href="/explore/DF_THB_VICTIMS_PUB"' in flow
    dsd = client.get("/structures/datastructure/MOSY/DSD_THB_PERSONS/1.0.0", headers=HTML).text
    assert "REF_AREA" in dsd and "/structures/codelist/MOSY/CL_GEO/1.0.0" in dsd
    assert "Time dimension" in dsd and "OBS_STATUS" in dsd


def test_a_codelist_shows_every_language_it_holds(client) -> None:
    page = client.get("/structures/codelist/MOSY/CL_GEO/1.0.0", headers=HTML).text
    row = re.search(r'<tr id="item-AT">.*?</tr>', page, re.S).group(0)
    assert '<td lang="en">Austria</td>' in row
    assert '<td lang="de">Österreich</td>' in row
    assert '<td lang="fr">Autriche</td>' in row


def test_every_rest_link_answers_in_its_format(client) -> None:
    page = client.get("/structures/datastructure/MOSY/DSD_THB_PERSONS/1.0.0", headers=HTML).text
    section = page.split('id="api-heading"', 1)[1].split("</section>", 1)[0]
    links = _links(section, "/sdmx/")
    assert len(links) == 5
    types = set()
    for link in links:
        answer = client.get(link)
        assert answer.status_code == 200, link
        types.add(answer.headers["content-type"].split(";")[0])
    assert {
        "application/vnd.sdmx.structure+xml",
        "application/vnd.sdmx.structure+json",
    } <= types


def test_search_finds_codes_by_a_name_in_any_language(client) -> None:
    page = client.get("/structures", params={"q": "Österreich"}, headers=HTML).text
    assert "/structures/codelist/MOSY/CL_GEO/1.0.0#item-AT" in page
    assert re.search(r"\d+ results? for “Österreich”", page)


def test_a_search_without_results_says_so(client) -> None:
    page = client.get("/structures", params={"q": "no-such-thing-here"}, headers=HTML)
    assert page.status_code == 200
    assert "Nothing matches" in page.text


def test_a_hostile_search_is_escaped_and_cut(client) -> None:
    page = client.get("/structures", params={"q": "<script>x</script>" * 50}, headers=HTML)
    assert page.status_code == 200
    assert "<script>x" not in page.text
    assert "&lt;script&gt;x" in page.text


def test_an_unknown_artefact_is_a_readable_404(client) -> None:
    page = client.get("/structures/codelist/MOSY/CL_NOPE/1.0", headers=HTML)
    assert page.status_code == 404
    assert "no codelist MOSY:CL_NOPE(1.0)" in page.text
    assert "Traceback" not in page.text
