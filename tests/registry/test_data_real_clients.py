"""Real clients over real HTTP: sdmx1's Client and pysdmx's RestService, unmodified."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from registry_data import FLOW, PROVIDERS, victims

from mosy_sdmx.structures import builtin_structures


@pytest.fixture(scope="module")
def stored() -> pd.DataFrame:
    structures = builtin_structures()
    frames = [victims(structures, p).data for p in PROVIDERS]
    return pd.concat(frames, ignore_index=True).astype({"TIME_PERIOD": str})


def _want(stored: pd.DataFrame, area: str, years: tuple[int, int] | None = None) -> pd.Series:
    dims = list(builtin_structures().layout(FLOW).key_columns())
    part = stored[area == stored.REF_AREA]
    if years:
        year = part.TIME_PERIOD.astype(int)
        part = part[(year >= years[0]) & (year <= years[1])]
    index = pd.MultiIndex.from_frame(part[dims].astype(str))
    return pd.Series(part["OBS_VALUE"].to_numpy(dtype=float), index=index).sort_index()


@pytest.fixture(scope="module")
def sdmx1_client(data_server, data_admin):
    import sdmx
    from sdmx.source import add_source, sources

    source_id = f"MOSY_DATA_{data_server.port}"
    if source_id not in sources:
        add_source(
            {
                "id": source_id,
                "url": data_server.url + "/sdmx/2.1",
                "name": "MoSy registry under test",
                "supports": {"availableconstraint": True},
            }
        )
    client = sdmx.Client(source_id)
    client.session.headers["Authorization"] = f"Bearer {data_admin}"  # a restricted dataflow
    return client


def test_sdmx1_gets_data_by_key_and_period(sdmx1_client, stored) -> None:
    import sdmx

    message = sdmx1_client.data(
        FLOW, key="A.AT......", params={"startPeriod": "2018", "endPeriod": "2020"}
    )
    got = sdmx.to_pandas(message.data[0])
    got.index = got.index.reorder_levels(list(_want(stored, "AT").index.names))
    got = got.astype(float).sort_index()
    want = _want(stored, "AT", (2018, 2020))
    assert len(got) == len(want) > 0
    pd.testing.assert_series_equal(got, want, check_names=False)


def test_sdmx1_series_keys_and_availability(sdmx1_client, stored) -> None:
    keys = sdmx1_client.series_keys(FLOW)
    dims = list(builtin_structures().layout(FLOW).dimensions)
    assert len(keys) == len(stored.drop_duplicates(dims))
    message = sdmx1_client.get("availableconstraint", FLOW, key="A.BG......")
    constraint = next(iter(message.constraint.values()))
    region = constraint.data_content_region[0]
    areas = {
        getattr(v, "value", None)
        for dim, member in region.member.items()
        if dim.id == "REF_AREA"
        for v in member.values
    }
    assert areas == {"BG"}


@pytest.fixture(scope="module")
def pysdmx_services(data_server):
    from pysdmx.api.qb import ApiVersion, RestService
    from pysdmx.io.format import AvailabilityFormat, DataFormat, StructureFormat

    v1 = RestService(
        data_server.url + "/sdmx/2.1",
        ApiVersion.V1_5_0,
        data_format=DataFormat.SDMX_CSV_1_0_0,
        structure_format=StructureFormat.SDMX_ML_2_1,
        avail_format=AvailabilityFormat.SDMX_ML_2_1,
    )
    v2 = RestService(
        data_server.url + "/sdmx/3.0",
        ApiVersion.V2_1_0,
        data_format=DataFormat.SDMX_CSV_2_0_0,
    )
    return v1, v2


def _pysdmx_frame(raw: bytes) -> pd.DataFrame:
    from pysdmx.io import read_sdmx

    message = read_sdmx(io.BytesIO(raw), validate=False)
    return message.data[0].data


PUBLIC = "DF_THB_VICTIMS_PUB"


def _served(client, path: str, **params) -> pd.DataFrame:
    """What the registry serves anyone for a query, as SDMX-CSV 2.0."""
    accept = {"accept": "application/vnd.sdmx.data+csv;version=2.0.0"}
    response = client.get(path, params=params, headers=accept)
    assert response.status_code == 200, response.text[:300]
    return pd.read_csv(io.StringIO(response.text), dtype=str, keep_default_na=False)


def _total(values: pd.Series) -> float:
    """The sum of the published values (hidden ones are empty)."""
    return float(pd.to_numeric(values.astype(object), errors="coerce").astype(float).sum())


def test_pysdmx_data_queries_in_both_generations(pysdmx_services, public_data_client) -> None:
    """Harvesters read the public dataflow without a token, as the registry serves it."""
    from pysdmx.api.dc.query import Operator, TextFilter
    from pysdmx.api.qb import DataQuery
    from pysdmx.api.qb.data import DataContext

    v1, v2 = pysdmx_services
    raw = v1.data(
        DataQuery(agency_id="MOSY", resource_id=PUBLIC, version="1.0.0", key="A.BG......")
    )
    frame = _pysdmx_frame(raw)
    want = _served(
        public_data_client, f"/sdmx/3.0/data/dataflow/MOSY/{PUBLIC}/1.0.0/A.BG.*.*.*.*.*.*"
    )
    assert len(frame) == len(want) > 0
    assert _total(frame["OBS_VALUE"]) == _total(want["OBS_VALUE"]) > 0

    query = DataQuery(
        context=DataContext.DATAFLOW,
        agency_id="MOSY",
        resource_id=PUBLIC,
        version="1.0.0",
        key="A.AT.*.*.*.*.*.*",
        components=TextFilter(field="SEX", operator=Operator.IN, value=["F", "M"]),
    )
    frame = _pysdmx_frame(v2.data(query))
    part = _served(
        public_data_client,
        f"/sdmx/3.0/data/dataflow/MOSY/{PUBLIC}/1.0.0/A.AT.*.*.*.*.*.*",
        **{"c[SEX]": "F,M"},
    )
    assert len(frame) == len(part) > 0 and set(frame["SEX"]) == {"F", "M"}
    assert _total(frame["OBS_VALUE"]) == _total(part["OBS_VALUE"]) > 0


def test_pysdmx_cannot_read_a_restricted_dataflow(pysdmx_services) -> None:
    from pysdmx.api.qb import DataQuery

    v1, _ = pysdmx_services
    with pytest.raises(Exception, match=r"401|Unauthori|Restricted"):
        v1.data(DataQuery(agency_id="MOSY", resource_id=FLOW, version="1.0.0", key="A.BG......"))


def test_pysdmx_availability_in_both_generations(pysdmx_services) -> None:
    import json

    from pysdmx.api.dc.query import Operator, TextFilter
    from pysdmx.api.qb import AvailabilityQuery
    from pysdmx.api.qb.data import DataContext

    v1, v2 = pysdmx_services
    query = AvailabilityQuery(
        context=DataContext.DATAFLOW,
        agency_id="MOSY",
        resource_id=PUBLIC,
        version="1.0.0",
        key="A.*.*.*.*.*.*.*",
        components=TextFilter(field="REF_AREA", operator=Operator.EQUALS, value="AT"),
    )
    doc = json.loads(v2.availability(query))
    region = doc["data"]["dataConstraints"][0]["cubeRegions"][0]["keyValues"]
    assert {"id": "REF_AREA", "values": ["AT"]} in region
    v1_query = AvailabilityQuery(
        agency_id="MOSY", resource_id=PUBLIC, version="1.0.0", key="A.BG......"
    )
    xml = v1.availability(v1_query)
    assert b'type="Actual"' in xml and b"<common:Value>BG</common:Value>" in xml
