"""The structure and schema query grammar of SDMX REST 1.5.0 and 2.x."""

from __future__ import annotations

import pytest

from mosy_sdmx.exceptions import InvalidQueryError
from mosy_sdmx.rest.query import parse_schema_query, parse_structure_query


def test_v1_lists_keywords_and_aliases() -> None:
    query = parse_structure_query(
        "v1", "contentconstraint", "MOSY+SDMX", "all", "latest", None, {"detail": "allstubs"}
    )
    assert query.type == "dataconstraint"
    assert query.agencies == ("MOSY", "SDMX") and query.ids == ()
    assert query.detail == "allstubs"
    assert query.render() == "/contentconstraint/MOSY+SDMX/all/latest?detail=allstubs"


def test_v2_wildcards_and_references() -> None:
    query = parse_structure_query(
        "v2", "dataflow", "*", "DF_A,DF_B", "1.+.0", None, {"references": "descendants,codelist"}
    )
    assert query.ids == ("DF_A", "DF_B") and query.versions[0].kind == "stable"
    assert query.references == ("descendants", "codelist")
    assert query.render() == "/structure/dataflow/*/DF_A,DF_B/1.+.0?references=descendants,codelist"


def test_a_query_renders_in_the_other_generation() -> None:
    v1 = parse_structure_query("v1", "codelist", "MOSY", "CL_GEO", "latest", "PT+EL")
    assert v1.render("v2") == "/structure/codelist/MOSY/CL_GEO/~/PT,EL"
    v2 = parse_structure_query("v2", "hierarchy", "MOSY")
    assert v2.render("v1") == "/hierarchicalcodelist/MOSY/all/latest"


def test_defaults_are_all_and_latest() -> None:
    query = parse_structure_query("v2", "codelist")
    assert query.agencies == () and query.ids == () and query.versions[0].text == "~"


@pytest.mark.parametrize(
    ("args", "params", "says"),
    [
        (("v2", "codelists"), {}, "not an SDMX REST structure resource"),
        (("v1", "dataconstraint"), {}, "not an SDMX REST structure resource"),
        (("v2", "codelist", "MO SY"), {}, "not a valid agency id"),
        (("v2", "codelist", "MOSY", "CL/GEO"), {}, "not a valid artefact id"),
        (("v2", "codelist", "MOSY", "CL_GEO", "1..0"), {}, "not a version query"),
        (("v2", "dataflow", "MOSY", "DF", "1.0", "X"), {}, "item schemes only"),
        (("v2", "codelist"), {"detail": "some"}, "use one of full"),
        (("v1", "codelist"), {"detail": "raw"}, "use one of full"),
        (("v2", "codelist"), {"references": "cousins"}, "use one of none"),
        (("v1", "codelist"), {"references": "ancestors"}, "use one of none"),
        (("v2", "codelist"), {"startPeriod": "2020"}, "not a parameter of structure queries"),
    ],
)
def test_bad_queries_say_what_to_change(args, params, says) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        parse_structure_query(*args, params=params)
    assert says in caught.value.detail


def test_schema_queries() -> None:
    query = parse_schema_query(
        "v1",
        "provisionagreement",
        "MOSY",
        "PA_X",
        None,
        {"dimensionAtObservation": "AllDimensions"},
    )
    assert query.version.kind == "latest" and query.dimension_at_observation == "AllDimensions"
    with pytest.raises(InvalidQueryError, match="schema"):
        parse_schema_query("v2", "codelist", "MOSY", "CL", "1.0")
    with pytest.raises(InvalidQueryError, match="one version"):
        parse_schema_query("v2", "dataflow", "MOSY", "DF", "*")
