"""The scan: confidential and small values go in, and no public endpoint gives them out.

Provider data with two confidential cells (CONF_STATUS C, distinctive
values) and a small count, then a revision of it, is loaded and published;
then every GET route of the app (the test fails when a route is not
covered) is read without a token, for every dataflow, in every data format
and with history, ``updatedAfter`` and flat observations. No body may hold
a confidential value (as text); every data answer is read back with the
library and may not hold the small or confidential cells' values; restricted
dataflows answer 401, never data.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from publication_data import KEY, sensitive_victims
from registry_data import load, victims

import mosy_sdmx as ms
from registry.app import create_app
from registry.data_answers import DATA_OFFERS
from registry.db.engine import make_engine
from registry.publication.publish import publish_pending
from registry.publication.releases import list_releases
from registry.routers import ROUTERS
from registry.store.structures import StructureCache

PUBLIC = ["DF_THB_VICTIMS_PUB", "DF_THB_RATES_PUB", "DF_THB_OFFENDERS_PUB"]
RESTRICTED = ["DF_THB_VICTIMS", "DF_THB_OFFENDERS"]
FLOWS = PUBLIC + RESTRICTED
DATA_MEDIA = sorted({offer.media_type for api in DATA_OFFERS.values() for offer in api})
STRUCTURE_MEDIA = [
    None,
    "application/vnd.sdmx.structure+xml;version=2.1",
    "application/vnd.sdmx.structure+json;version=2.0.0",
]
VARIANTS = [
    {"updatedAfter": "2000-01-01T00:00:00Z"},
    {"includeHistory": "true"},
    {"dimensionAtObservation": "AllDimensions"},
    {"asOf": "2000-01-01T00:00:00Z"},
]
SKIP = {"/docs", "/redoc", "/docs/oauth2-redirect"}


@pytest.fixture
def published(fresh_settings, tmp_path):
    """A store with sensitive victims data of AT_MOI, published, then revised and published."""
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.connect() as conn:
        structures = StructureCache().get(conn).structures
    data, sensitive = sensitive_victims(victims(structures, "AT_MOI"))
    load(engine, structures, data, tmp_path, provider="AT_MOI")
    publish_pending(engine)
    frame = data.data.copy()
    cell = sensitive[sensitive.KIND == "primary"].iloc[0]
    small = _mask(frame, cell)
    female = _mask(frame, cell.copy().replace({cell["SEX"]: "F"}))
    assert small.sum() == female.sum() == 1
    frame.loc[small, "OBS_VALUE"] = 4.0  # a revision that stays small
    frame.loc[female, "OBS_VALUE"] -= 1.0
    revised = data.with_data(frame[small | female].reset_index(drop=True))
    load(engine, structures, revised, tmp_path, provider="AT_MOI")
    publish_pending(engine)
    with engine.connect() as conn:
        releases = [r.pk for r in list_releases(conn)]
    engine.dispose()
    sensitive = pd.concat(
        [sensitive, sensitive[sensitive.KIND == "primary"].assign(OBS_VALUE=4.0)],
        ignore_index=True,
    )
    return fresh_settings, structures, sensitive, releases


def _mask(frame: pd.DataFrame, cell: pd.Series) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    for column in [*KEY, "TIME_PERIOD"]:
        mask &= (frame[column].astype(str) == str(cell[column])).to_numpy()
    return mask


def _candidates(releases: list[int]) -> dict[str, list[str]]:
    """Values for each path parameter; the first is used while another one varies."""
    return {
        "resource": ["dataflow", "codelist", "provisionagreement", "contentconstraint"],
        "structureType": ["dataflow", "datastructure", "dataconstraint"],
        "structure_type": ["dataflow"],
        "agencyID": ["MOSY", "all"],
        "resourceID": FLOWS,
        "version": ["latest", "1.0.0", "*"],
        "itemID": ["all"],
        "context": ["dataflow", "*"],
        "flow_ref": [f"MOSY,{flow},1.0.0" for flow in FLOWS] + ["DF_THB_VICTIMS"],
        "key": ["all", "*", "A.AT......", "A.AT.*.*.*.*.*.*"],
        "provider_ref": ["AT_MOI", "all"],
        "agency": ["MOSY", "*"],
        "resource_id": FLOWS,
        "component_id": ["SEX"],
        "component": ["SEX"],
        "release_id": [str(pk) for pk in releases] + ["999"],
        "flow_id": FLOWS,
        "uid": ["00000000-0000-0000-0000-000000000000"],
        "path": ["all"],
        "registration_id": ["0" * 32],
        "submission_id": ["1", "999"],
        "kind": ["dataflow", "codelist"],
        "artefact_id": FLOWS,
        "fmt": ["csv", "xlsx", "json"],
        "name": ["victims", "rates", "exploitation", "sex", "age", "justice"],
        "provider_agency": ["MOSY", "*"],
        "provider_id": ["AT_MOI", "*"],
        "rest": ["MOSY/DF_THB_VICTIMS"],
    }


def _urls(path: str, candidates: dict[str, list[str]]) -> list[str]:
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    base = {name: candidates[name][0] for name in names}
    assignments = [base] + [
        base | {name: value} for name in names for value in candidates[name][1:]
    ]
    urls = []
    for values in assignments:
        url = re.sub(r"{(\w+)(?::\w+)?}", lambda m, v=values: v[m.group(1)], path)
        urls.append(url)
    return list(dict.fromkeys(urls))


def _get_routes(routers, prefix: str = "") -> list[tuple[str, object]]:
    """(path, route) of every GET route, through included routers."""
    out = []
    for router in routers:
        for route in router.routes:
            if hasattr(route, "original_router"):  # an included router (FastAPI >= 0.16x)
                inner = prefix + route.include_context.prefix
                out += _get_routes([route.original_router], inner)
            elif "GET" in route.methods and prefix + route.path not in SKIP:
                out.append((prefix + route.path, route))
    return out


def _requests(releases: list[int]) -> tuple[list[tuple[str, dict, str | None]], set[str]]:
    """(url, params, Accept) to read, and the route paths they cover."""
    candidates = _candidates(releases)
    out, covered = [], set()
    for path, _ in _get_routes(ROUTERS):
        covered.add(path)
        data = _is_data(path)
        availability = "/availab" in path
        urls = _urls(path, candidates)
        if "/structure" in path or "/schema/" in path or "{resource" in path:
            urls = urls[:1] + [u for u in urls if any(f in u for f in FLOWS)]  # no data
        for url in urls:
            out.append((url, {}, None))
            # Every format and variant where the sensitive data lives (the victims).
            sweep = path.endswith(("{flow_ref}", "{key}")) and "VICTIMS" in url
            if data and sweep:
                out += [(url, {}, media) for media in DATA_MEDIA]
                out += [(url, params, None) for params in VARIANTS]
            if availability and sweep:
                out += [(url, {}, media) for media in STRUCTURE_MEDIA[1:]]
    for extra in ("/openapi.json",):
        out.append((extra, {}, None))
    return out, covered


def _is_data(url: str) -> bool:
    return "/data/" in url or url.endswith("/data")


def _secrets(sensitive: pd.DataFrame) -> list[bytes]:
    confidential = sensitive[sensitive.KIND == "confidential"]["OBS_VALUE"]
    return [str(int(v)).encode() for v in confidential]


def _read_back(body: bytes, structures, flow_hint: str | None) -> pd.DataFrame | None:
    """Every data set of a message, read by the library (history has several)."""
    try:
        datasets = ms.read_datasets(body, structures)
    except ms.exceptions.MosyError:
        return None
    return pd.concat([d.data for d in datasets], ignore_index=True)


def test_no_public_endpoint_gives_out_confidential_or_small_values(published) -> None:
    settings, structures, sensitive, releases = published
    requests, covered = _requests(releases)
    assert covered == {path for path, _ in _get_routes(ROUTERS)} and len(covered) > 50
    secrets = _secrets(sensitive)
    assert len(secrets) == 2
    read_back = 0
    statuses: dict[int, int] = {}
    with TestClient(create_app(settings)) as client:
        for url, params, media in requests:
            headers = {"accept": media} if media else {}
            response = client.get(url, params=params, headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            where = f"{url} {params} {media}: {response.status_code}"
            assert response.status_code < 500 or response.status_code == 501, where
            for secret in secrets:
                assert secret not in response.content, where
            restricted = any(flow in url for flow in RESTRICTED if f"{flow}_PUB" not in url)
            if restricted and (_is_data(url) or "/availab" in url):
                assert response.status_code in (401, 400, 404, 406), where
            if response.status_code != 200 or not _is_data(url):
                continue
            frame = _read_back(response.content, structures, None)
            assert frame is not None, where
            if "OBS_VALUE" not in frame.columns or "SEX" not in frame.columns:
                continue
            read_back += 1
            for _, cell in sensitive.iterrows():
                rows = frame[_mask(frame, cell)]
                values = pd.to_numeric(rows["OBS_VALUE"], errors="coerce")
                assert values.isna().all(), f"{where}: {cell.to_dict()}"
    assert statuses.get(200, 0) > 50 and statuses.get(401, 0) > 10, statuses
    assert read_back > 20, read_back
