"""The SDMX REST data query grammar: both generations, filters, and binding to a dataflow."""

from __future__ import annotations

import pytest

from mosy_sdmx.exceptions import InvalidQueryError, StructureNotFoundError
from mosy_sdmx.rest.data import Condition, bind, parse_data_query, parse_filter
from mosy_sdmx.structures import builtin_structures


@pytest.fixture(scope="module")
def layout():
    return builtin_structures().layout("DF_THB_VICTIMS")


def test_v1_flow_ref_key_and_provider() -> None:
    q = parse_data_query(
        "v1",
        flow_ref="MOSY,DF_THB_VICTIMS,1.0.0",
        key="A.PT+ES......",
        provider_ref="MOSY,PT_NREM+ES_NREM",
        params={"startPeriod": "2020", "endPeriod": "2022-Q2", "detail": "dataonly"},
    )
    assert (q.agency, q.id, q.version) == ("MOSY", "DF_THB_VICTIMS", "1.0.0")
    assert q.keys == (
        (frozenset({"A"}), frozenset({"PT", "ES"}), None, None, None, None, None, None),
    )
    assert q.providers == ("PT_NREM", "ES_NREM")
    assert (q.start_period, q.end_period, q.detail) == ("2020", "2022-Q2", "dataonly")


def test_v2_keys_and_filters_as_the_spec_tabulates() -> None:
    q = parse_data_query(
        "v2",
        context="dataflow",
        agency="MOSY",
        resource_id="DF_THB_VICTIMS",
        version="1.0.0",
        key="A.PT.*.*.*.*.*.*,A.ES.*.*.*.*.*.*",
        params={"c[SEX]": "F,M", "c[TIME_PERIOD]": "ge:2020+le:2022", "c[X]": "ne:A,B"},
    )
    assert len(q.keys) == 2
    sex, time, x = q.filters
    assert sex.simple_codes() == {"F", "M"}
    assert time.alternatives == ((Condition("ge", "2020"), Condition("le", "2022")),)
    assert x.alternatives == ((Condition("ne", "A"),), (Condition("eq", "B"),))


def test_rendered_queries_parse_back() -> None:
    q = parse_data_query(
        "v2", context="dataflow", agency="MOSY", resource_id="DF_THB_VICTIMS", version="1.0.0",
        key="A.PT.*.*.*.*.*.*", params={"c[SEX]": "F,M", "lastNObservations": "2"},
    )  # fmt: skip
    path, _, query = q.render().partition("?")
    parts = path.split("/")
    params = dict(p.split("=", 1) for p in query.split("&"))
    again = parse_data_query(
        "v2", context=parts[2], agency=parts[3], resource_id=parts[4], version=parts[5],
        key=parts[6], params=params,
    )  # fmt: skip
    assert again == q
    assert q.render("v1").startswith("/data/MOSY,DF_THB_VICTIMS,1.0.0/A.PT......")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"startPeriod": "2023-Q5"}, "startPeriod"),
        ({"startPeriod": "2024", "endPeriod": "2020"}, "after endPeriod"),
        ({"firstNObservations": "0"}, "firstNObservations"),
        ({"lastNObservations": "99999999999"}, "lastNObservations"),
        ({"detail": "everything"}, "detail"),
        ({"c[SEX]": "xx:F"}, "operator"),
        ({"c[SEX]": ""}, "no value"),
        ({"colour": "red"}, "colour"),
        ({"updatedAfter": "last week"}, "updatedAfter"),
    ],
)
def test_bad_parameters_are_named(params, message) -> None:
    with pytest.raises(InvalidQueryError, match=message):
        parse_data_query("v1", flow_ref="DF_THB_VICTIMS", key="all", params=params)


def test_bad_flow_refs_and_keys(layout) -> None:
    with pytest.raises(InvalidQueryError, match="flow reference"):
        parse_data_query("v1", flow_ref="A,B,C,D")
    with pytest.raises(InvalidQueryError, match="code in the key"):
        parse_data_query("v1", flow_ref="DF_THB_VICTIMS", key="A.P<T......")
    with pytest.raises(InvalidQueryError, match="too long"):
        parse_data_query("v1", flow_ref="DF_THB_VICTIMS", key="A" * 5000)


def test_binding_checks_positions_codes_and_components(layout) -> None:
    short = parse_data_query("v1", flow_ref="DF_THB_VICTIMS", key="A.PT")
    with pytest.raises(InvalidQueryError, match=r"8 dimensions: FREQ\.REF_AREA"):
        bind(short, layout)
    unknown = parse_data_query("v1", flow_ref="DF_THB_VICTIMS", key="A.XX......")
    with pytest.raises(
        StructureNotFoundError, match="XX is not a code of REF_AREA; valid codes: AL"
    ):
        bind(unknown, layout)
    bad_component = parse_data_query("v1", flow_ref="DF_THB_VICTIMS", params={"c[COLOUR]": "red"})
    with pytest.raises(InvalidQueryError, match="COLOUR is not a component"):
        bind(bad_component, layout)
    bad_dim = parse_data_query(
        "v1", flow_ref="DF_THB_VICTIMS", params={"dimensionAtObservation": "OBS_STATUS"}
    )
    with pytest.raises(InvalidQueryError, match="not a dimension"):
        bind(bad_dim, layout)
    bad_value = parse_data_query(
        "v2", resource_id="DF_THB_VICTIMS", params={"c[OBS_VALUE]": "ge:x"}
    )
    with pytest.raises(InvalidQueryError, match="not a number"):
        bind(bad_value, layout)


def test_binding_sorts_filters_by_component_kind(layout) -> None:
    q = parse_data_query(
        "v2",
        resource_id="DF_THB_VICTIMS",
        key="A.PT.*.*.*.*.*.*",
        params={
            "c[SEX]": "F",
            "c[TIME_PERIOD]": "ge:2020",
            "c[OBS_STATUS]": "A",
            "c[OBS_VALUE]": "gt:5",
            "attributes": "obs",
            "measures": "OBS_VALUE",
        },
    )
    bound = bind(q, layout)
    assert bound.keys == ({"FREQ": {"A"}, "REF_AREA": {"PT"}},)
    assert [f.component for f in bound.dimension_filters] == ["SEX"]
    assert [f.component for f in bound.time_filters] == ["TIME_PERIOD"]
    assert [f.component for f in bound.attribute_filters] == ["OBS_STATUS"]
    assert [f.component for f in bound.measure_filters] == ["OBS_VALUE"]
    assert set(bound.attributes) == {"OBS_STATUS", "CONF_STATUS", "COMMENT_OBS"}
    assert bound.measures == ("OBS_VALUE",)


def test_detail_and_attributes_measures_agree(layout) -> None:
    keys_only = parse_data_query(
        "v2", resource_id="DF_THB_VICTIMS", params={"measures": "none", "attributes": "none"}
    )
    assert keys_only.detail == "serieskeysonly" and keys_only.series_only
    bound = bind(keys_only, layout)
    assert bound.attributes == () and bound.measures == ()
    nodata = bind(
        parse_data_query("v1", flow_ref="DF_THB_VICTIMS", params={"detail": "nodata"}), layout
    )
    assert "OBS_STATUS" not in nodata.attributes and "UNIT_MEASURE" in nodata.attributes


def test_filter_values_may_hold_colons() -> None:
    flt = parse_filter("TIME_PERIOD", "ge:2020-01-01T10:00:00")
    assert flt.alternatives == ((Condition("ge", "2020-01-01T10:00:00"),),)
