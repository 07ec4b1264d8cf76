"""SDMX REST data queries over HTTP: slices, filters, formats, signals and bad input."""

from __future__ import annotations

import gzip
import io
import json
import time

import pandas as pd
import pytest
from registry_data import FLOW, PROVIDERS, admin_headers, load, victims
from schemas import assert_valid_json, assert_valid_xml

import mosy_sdmx as ms
from mosy_sdmx.structures import builtin_structures
from mosy_sdmx.structures.xsd import dataflow_schema
from registry.db.engine import make_engine
from registry.store.structures import StructureCache

V1 = f"/sdmx/2.1/data/MOSY,{FLOW},1.0.0"
V2 = f"/sdmx/3.0/data/dataflow/MOSY/{FLOW}/1.0.0"
CSV2 = {"accept": "application/vnd.sdmx.data+csv;version=2.0.0"}


@pytest.fixture(scope="module")
def structures():
    return builtin_structures()


@pytest.fixture(scope="module")
def stored(structures) -> pd.DataFrame:
    """What the data store holds: both providers' generated victims data."""
    frames = [victims(structures, p).data.assign(PROVIDER=p) for p in PROVIDERS]
    return pd.concat(frames, ignore_index=True).astype({"TIME_PERIOD": str})


def _csv(response) -> pd.DataFrame:
    assert response.status_code == 200, response.text[:500]
    return pd.read_csv(io.StringIO(response.text), dtype=str, keep_default_na=False)


def _keys(frame: pd.DataFrame) -> set[tuple]:
    return set(zip(frame["REF_AREA"], frame["SEX"], frame["TIME_PERIOD"], strict=True))


def test_a_key_slice_is_exactly_what_is_stored(data_client, stored) -> None:
    got = _csv(data_client.get(f"{V1}/A.AT...F...", headers=CSV2))
    want = stored[(stored.REF_AREA == "AT") & (stored.SEX == "F")]
    assert len(got) == len(want) > 0
    merged = got.merge(
        want.astype(str), on=["REF_AREA", "SEX", "AGE", "CITIZEN", "EXPLOIT", "TIME_PERIOD"]
    )
    assert (merged["OBS_VALUE_x"].astype(float) == merged["OBS_VALUE_y"].astype(float)).all()


def test_or_in_a_position_wildcards_and_providers(data_client, stored) -> None:
    both = _csv(data_client.get(f"{V1}/A.AT+BG...T+M...", headers=CSV2))
    assert set(both["REF_AREA"]) == {"AT", "BG"} and set(both["SEX"]) == {"T", "M"}
    only_bg = _csv(data_client.get(f"{V1}/A.AT+BG...T+M.../BG_NREM", headers=CSV2))
    assert set(only_bg["REF_AREA"]) == {"BG"}
    v2 = _csv(data_client.get(f"{V2}/A.AT.*.*.T.*.*.*,A.BG.*.*.M.*.*.*", headers=CSV2))
    assert _keys(v2) == {k for k in _keys(both) if k[:2] in (("AT", "T"), ("BG", "M"))}


def test_periods_and_time_filters_of_any_format(data_client, stored) -> None:
    got = _csv(
        data_client.get(f"{V1}/A.AT......?startPeriod=2018-Q3&endPeriod=2020-06", headers=CSV2)
    )
    assert set(got["TIME_PERIOD"]) == {"2018", "2019", "2020"}
    got = _csv(data_client.get(f"{V2}/*?c[TIME_PERIOD]=ge:2023&c[REF_AREA]=AT", headers=CSV2))
    assert set(got["TIME_PERIOD"]) == {"2023", "2024"}
    got = _csv(
        data_client.get(f"{V2}/*?c[TIME_PERIOD]=lt:2016,gt:2023-Q2&c[REF_AREA]=AT", headers=CSV2)
    )
    assert set(got["TIME_PERIOD"]) == {"2015", "2024"}


def test_component_filters_on_dimensions_attributes_and_values(data_client, stored) -> None:
    at = stored[stored.REF_AREA == "AT"]
    got = _csv(data_client.get(f"{V2}/A.AT.*.*.*.*.*.*?c[SEX]=ne:T+ne:UNK", headers=CSV2))
    assert set(got["SEX"]) == {"M", "F"}
    got = _csv(data_client.get(f"{V2}/A.AT.*.*.*.*.*.*?c[OBS_VALUE]=ge:100", headers=CSV2))
    assert len(got) == (at.OBS_VALUE >= 100).sum()
    got = _csv(data_client.get(f"{V2}/A.AT.*.*.*.*.*.*?c[AGE]=sw:Y_", headers=CSV2))
    assert set(got["AGE"]) == {"Y_LT18", "Y_GE18"}
    got = _csv(
        data_client.get(f"{V2}/A.AT.*.*.*.*.*.*?c[OBS_STATUS]=A&c[CONF_STATUS]=F", headers=CSV2)
    )
    assert len(got) == len(at)
    empty = data_client.get(f"{V2}/A.AT.*.*.*.*.*.*?c[OBS_STATUS]=P", headers=CSV2)
    assert empty.status_code == 204 and not empty.content


def test_first_and_last_n_observations(data_client) -> None:
    got = _csv(data_client.get(f"{V1}/A.AT...T...?lastNObservations=2", headers=CSV2))
    assert set(got["TIME_PERIOD"]) == {"2023", "2024"}
    got = _csv(
        data_client.get(f"{V1}/A.AT...T...?firstNObservations=1&lastNObservations=1", headers=CSV2)
    )
    assert set(got["TIME_PERIOD"]) == {"2015", "2024"}


@pytest.mark.parametrize(
    ("accept", "fmt", "version"),
    [
        ("", "sdmx-ml-2.1-generic", "2.1"),
        ("application/vnd.sdmx.structurespecificdata+xml;version=2.1", "sdmx-ml-2.1-ss", "2.1"),
        ("application/vnd.sdmx.data+xml;version=3.0.0", "sdmx-ml-3.0", "3.0"),
        ("application/vnd.sdmx.data+csv;version=1.0.0", "sdmx-csv-1.0", None),
        ("application/vnd.sdmx.data+csv;version=2.0.0;labels=both", "sdmx-csv-2.0", None),
        ("application/vnd.sdmx.data+json;version=1.0.0", "sdmx-json-1.0", "json1"),
        ("application/vnd.sdmx.data+json;version=2.0.0", "sdmx-json-2.0", "json2"),
    ],
)
def test_every_format_is_valid_and_holds_the_slice(
    data_client, structures, stored, accept, fmt, version, tmp_path
) -> None:
    response = data_client.get(f"{V1}/A.BG...M...", headers={"accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(ms.DataFormat(fmt).media_type.split(";")[0])
    assert response.headers["content-disposition"].endswith(
        f'filename="{FLOW}{ms.DataFormat(fmt).suffix}"'
    )
    body = response.content
    if version in ("2.1", "3.0"):
        xsd = None
        if "ss" in fmt or fmt == "sdmx-ml-3.0":
            xsd = tmp_path / "flow.xsd"
            xsd.write_bytes(dataflow_schema(structures, FLOW, version))
        assert_valid_xml(body, version, xsd)
    elif version == "json2":
        assert_valid_json(json.loads(body), "data")
    read = ms.read_data(body, structures, fmt, flow=FLOW)
    want = stored[(stored.REF_AREA == "BG") & (stored.SEX == "M")]
    assert len(read.data) == len(want)
    assert read.data["OBS_VALUE"].astype(float).sum() == want["OBS_VALUE"].sum()


def test_format_parameter_for_browsers_and_406(data_client) -> None:
    r = data_client.get(f"{V1}/A.BG......?format=csvfile")
    assert r.headers["content-type"].startswith("application/vnd.sdmx.data+csv")
    assert r.headers["content-disposition"].startswith("attachment")
    r = data_client.get(f"{V1}/A.BG......", headers={"accept": "text/csv"})
    assert r.status_code == 200 and r.text.startswith("DATAFLOW")
    r = data_client.get(f"{V1}/A.BG......", headers={"accept": "image/png"})
    assert r.status_code == 406 and b"offered" in r.content


def test_detail_and_dimension_at_observation(data_client, structures, stored, tmp_path) -> None:
    keys = data_client.get(f"{V1}/A.BG......?detail=serieskeysonly")
    assert keys.status_code == 200 and b"<generic:Obs>" not in keys.content
    assert_valid_xml(keys.content, "2.1")
    series = stored[stored.REF_AREA == "BG"].drop_duplicates(
        list(structures.layout(FLOW).dimensions)
    )
    assert keys.content.count(b"<generic:Series>") == len(series) > 0
    only = _csv(data_client.get(f"{V1}/A.BG......?detail=dataonly", headers=CSV2))
    assert "OBS_STATUS" not in only.columns and "OBS_VALUE" in only.columns
    flat = data_client.get(
        f"{V1}/A.BG...M...?dimensionAtObservation=AllDimensions",
        headers={"accept": "application/vnd.sdmx.structurespecificdata+xml;version=2.1"},
    )
    xsd = tmp_path / "flat.xsd"
    xsd.write_bytes(
        dataflow_schema(structures, FLOW, "2.1", dimension_at_observation="AllDimensions")
    )
    assert_valid_xml(flat.content, "2.1", xsd)
    assert b"<Series" not in flat.content
    cross = data_client.get(f"{V1}/A.BG...M...?dimensionAtObservation=AGE")
    assert cross.status_code == 200
    assert_valid_xml(cross.content, "2.1")


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        (f"{V1}/A.AT", 400, "8 dimensions"),
        (f"{V1}/A.AT.......X", 400, "8 dimensions"),
        (f"{V1}/A.ZZ......", 404, "valid codes: AL, AT"),
        (f"{V1}/A.AT......?startPeriod=2020-Q7", 400, "startPeriod"),
        (f"{V1}/A.AT......?startPeriod=2022&endPeriod=2020", 400, "after endPeriod"),
        (f"{V2}/*?c[SEX]=zz:F", 400, "operator"),
        (f"{V2}/*?c[NOPE]=F", 400, "not a component"),
        (f"{V1}/A.AT......?firstNObservations=-1", 400, "firstNObservations"),
        (f"{V1}/A.AT......?firstNObservations=999999999999", 400, "firstNObservations"),
        (f"{V1}/A.AT......?dimensionAtObservation=OBS_STATUS", 400, "not a dimension"),
        (f"{V1}/A.AT......?detail=serieskeysonly&format=jsondata", 406, "SDMX-ML and SDMX-CSV"),
        ("/sdmx/2.1/data/NO_SUCH_FLOW/all", 404, "no dataflow"),
        ("/sdmx/2.1/data/MOSY,DF_THB_VICTIMS,9.9/all", 404, "version"),
        (f"{V1}/A.AT......?unknown=1", 400, "unknown"),
        (f"{V2}/*?updatedAfter=2024-01-01&asOf=2023-01-01", 400, "before asOf"),
        ("/sdmx/3.0/data/datastructure/MOSY/DSD_THB_PERSONS/1.0.0/*", 501, "per dataflow"),
        (f"{V1}/" + "A." * 3000, 414, "URI"),
    ],
)
def test_bad_queries_get_the_right_status_and_a_clear_message(
    data_client, path, status, words
) -> None:
    response = data_client.get(path)
    assert response.status_code == status, response.text[:300]
    assert words.lower() in response.text.lower()
    assert b"Traceback" not in response.content
    if "json" in path:
        assert response.json()["errors"][0]["code"] == status  # an SDMX-JSON error message
    else:
        assert response.content.startswith(b"<?xml")  # an SDMX-ML error message


def test_no_results_is_404_in_v1_and_204_in_v2(data_client) -> None:
    assert data_client.get(f"{V1}/A.PT......").status_code == 404
    assert data_client.get(f"{V2}/A.PT.*.*.*.*.*.*").status_code == 204


def test_etag_and_last_modified_give_304_quickly(data_client) -> None:
    first = data_client.get(f"{V1}/A.AT......", headers=CSV2)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    times = []
    for _ in range(20):
        started = time.perf_counter()
        again = data_client.get(f"{V1}/A.AT......", headers={**CSV2, "if-none-match": etag})
        times.append(time.perf_counter() - started)
        assert again.status_code == 304 and not again.content
    assert sorted(times)[10] < 0.1  # a few milliseconds; generous for a shared machine
    assert (
        data_client.get(
            f"{V1}/A.AT......", headers={**CSV2, "if-modified-since": modified}
        ).status_code
        == 304
    )
    other = data_client.get(f"{V1}/A.BG......", headers={**CSV2, "if-none-match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_gzip_when_asked(data_client) -> None:
    plain = data_client.get(f"{V1}/A.AT......", headers={**CSV2, "accept-encoding": "identity"})
    zipped = data_client.get(f"{V1}/A.AT......", headers={**CSV2, "accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx unpacked it
    raw = data_client.get(f"{V1}/A.AT......", headers={**CSV2, "accept-encoding": "gzip"})
    assert len(gzip.compress(raw.content)) < len(plain.content)


# -- harvesting: updatedAfter, includeHistory, asOf ---------------------------------------


@pytest.fixture
def changing(fresh_settings, fresh_client, tmp_path):
    """A writable store with AT_MOI's data, and a function to load more."""
    engine = make_engine(fresh_settings.effective_database_url)
    with engine.connect() as conn:
        structures = StructureCache().get(conn).structures
    data = victims(structures, "AT_MOI")
    load(engine, structures, data, tmp_path, provider="AT_MOI")
    fresh_client.headers.update(admin_headers(engine))

    def apply(dataset, **kw):
        return load(engine, structures, dataset, tmp_path, provider="AT_MOI", **kw).result

    yield fresh_client, data, apply, structures
    engine.dispose()


def test_updated_after_has_changes_and_deletions_marked_as_the_spec_says(
    changing, tmp_path
) -> None:
    client, data, apply, structures = changing
    before = client.get(f"{V1}/all", headers=CSV2)
    etag = before.headers["etag"]
    since = before.headers["last-modified"]
    layout = structures.layout(FLOW)
    frame = data.data.copy()
    year = (frame["TIME_PERIOD"] == "2024").to_numpy()
    frame.loc[year, "OBS_VALUE"] *= 2
    apply(data.with_data(frame))
    gone = frame[frame["TIME_PERIOD"] == "2015"][layout.key_columns()].reset_index(drop=True)
    apply(data.with_data(gone), action="delete")
    assert client.get(f"{V1}/all", headers={**CSV2, "if-none-match": etag}).status_code == 200
    from email.utils import parsedate_to_datetime

    stamp = parsedate_to_datetime(since).isoformat()
    delta = _csv(client.get(f"{V2}/*", params={"updatedAfter": stamp}, headers=CSV2))
    assert set(delta.loc[delta.ACTION == "R", "TIME_PERIOD"]) == {"2024"}
    assert set(delta.loc[delta.ACTION == "D", "TIME_PERIOD"]) == {"2015"}
    assert (delta.ACTION == "D").sum() == len(gone) and (delta.ACTION == "R").sum() == year.sum()
    xml = client.get(f"{V1}/all", params={"updatedAfter": stamp})
    assert b'action="Replace"' in xml.content and b'action="Delete"' in xml.content
    assert_valid_xml(xml.content, "2.1")
    later = client.get(f"{V1}/all", headers=CSV2).headers["last-modified"]
    nothing = client.get(
        f"{V2}/*", params={"updatedAfter": parsedate_to_datetime(later).isoformat()}, headers=CSV2
    )
    assert nothing.status_code == 204


def test_a_repeated_answer_is_kept_and_a_load_replaces_it(changing) -> None:
    client, data, apply, _ = changing
    url = f"{V1}/A.AT...T..."
    first = client.get(url, headers={**CSV2, "accept-encoding": "identity"})
    again = client.get(url, headers={**CSV2, "accept-encoding": "identity"})
    packed = client.get(url, headers={**CSV2, "accept-encoding": "gzip"})
    assert first.status_code == again.status_code == packed.status_code == 200
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    assert packed.headers["content-encoding"] == "gzip" and packed.content == first.content
    assert again.headers["content-disposition"] == first.headers["content-disposition"]
    frame = data.data.copy()
    frame["OBS_VALUE"] *= 10  # sums stay sums
    apply(data.with_data(frame))
    later = client.get(url, headers=CSV2)
    assert later.headers["etag"] != first.headers["etag"]
    before, after = _csv(first), _csv(later)
    assert len(before) == len(after) > 0
    assert (after.OBS_VALUE.astype(float) == 10 * before.OBS_VALUE.astype(float)).all()
    assert (before.OBS_VALUE.astype(float) > 0).any()


def test_the_answer_cache_keeps_small_bodies_only() -> None:
    from registry.data_answers import AnswerCache

    cache = AnswerCache(max_body=10, max_bytes=25)
    assert b"".join(cache.keep("a", iter([b"12345", b"6789"]), "text/csv", {})) == b"123456789"
    assert cache.get("a", None).body == b"123456789"
    assert b"".join(cache.keep("b", iter([b"123456", b"789012"]), "text/csv", {})) == (
        b"123456789012"
    )
    assert cache.get("b", None) is None  # over max_body: streamed, not kept
    for name in "cde":
        list(cache.keep(name, iter([b"123456789"]), "text/csv", {}))
    assert cache.get("a", None) is None and cache.get("e", None) is not None  # max_bytes


def test_a_burst_of_identical_requests_makes_the_answer_once() -> None:
    """The first request claims the answer; the others wait for it to be kept."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from registry.data_answers import AnswerCache

    cache = AnswerCache(max_body=100)
    made = []
    lock = threading.Lock()

    def request() -> bytes:
        kept = cache.get_or_claim("etag", None)
        if kept is not None:
            return kept.body
        with lock:
            made.append(1)
        time.sleep(0.2)  # the answer takes a while to make
        return b"".join(cache.keep("etag", iter([b"abc", b"def"]), "text/csv", {}))

    with ThreadPoolExecutor(6) as pool:
        bodies = list(pool.map(lambda _: request(), range(6)))
    assert bodies == [b"abcdef"] * 6
    assert len(made) == 1


def test_waiters_make_their_own_answer_when_it_is_too_big_or_never_streamed() -> None:
    from registry.data_answers import AnswerCache

    cache = AnswerCache(max_body=4, wait_s=0.3)
    assert cache.get_or_claim("big", None) is None  # claimed
    stream = cache.keep("big", iter([b"abc", b"def", b"ghi"]), "text/csv", {})
    next(stream)
    next(stream)  # over max_body: the claim ends before the stream does
    started = time.monotonic()
    assert cache.get_or_claim("big", None) is None  # not kept: this caller makes it too
    assert time.monotonic() - started < 0.2
    cache.release("big")
    assert cache.get_or_claim("lost", None) is None  # claimed, and never streamed
    started = time.monotonic()
    assert cache.get_or_claim("lost", None) is None  # waits at most wait_s, then makes it
    assert time.monotonic() - started < 1.0
    started = time.monotonic()
    assert cache.get_or_claim("lost", None) is None  # the stale claim was taken over
    assert time.monotonic() - started < 0.2


def test_history_and_as_of(changing) -> None:
    client, data, apply, _ = changing
    first = client.get(f"{V1}/A.AT...T...", headers=CSV2)
    from email.utils import parsedate_to_datetime

    then = parsedate_to_datetime(first.headers["last-modified"])
    time.sleep(1.1)
    frame = data.data.copy()
    frame["OBS_VALUE"] *= 10
    apply(data.with_data(frame))
    as_of = _csv(
        client.get(f"{V2}/A.AT.*.*.T.*.*.*", params={"asOf": then.isoformat()}, headers=CSV2)
    )
    assert as_of["OBS_VALUE"].astype(float).sum() == _csv(first)["OBS_VALUE"].astype(float).sum()
    now = _csv(client.get(f"{V2}/A.AT.*.*.T.*.*.*", headers=CSV2))
    assert now["OBS_VALUE"].astype(float).sum() == 10 * as_of["OBS_VALUE"].astype(float).sum()
    history = client.get(f"{V1}/A.AT...T...?includeHistory=true")
    assert history.content.count(b"validFromDate=") == 2
    assert_valid_xml(history.content, "2.1")


def test_kept_answers_of_a_restricted_dataflow_reach_only_callers_of_the_same_query(
    data_client, data_settings
) -> None:
    """Answers are kept by ETag, which names the query as narrowed to the caller's
    provider: one provider never gets another's (or the administrator's) kept body,
    and a revoked token is refused even for a kept answer."""
    from registry.store.tokens import Role, create_token, revoke_token

    engine = make_engine(data_settings.effective_database_url, pool_size=1)
    with engine.begin() as conn:
        tokens = {
            p: create_token(conn, name=f"kept-{p}", role=Role.SUBMITTER, provider=p)
            for p in PROVIDERS
        }
    url = f"{V2}/A.*.*.*.T.*.*.*"

    def providers_seen(secret: str | None) -> set[str]:
        headers = {**CSV2, "Authorization": f"Bearer {secret}"} if secret else CSV2
        frame = _csv(data_client.get(url, headers=headers))
        return set(frame["REF_AREA"])

    everyone = providers_seen(None)  # the client's admin token: both providers
    assert everyone == {"AT", "BG"}
    for _ in range(2):  # the second round is answered from kept bodies
        assert providers_seen(tokens["AT_MOI"][1]) == {"AT"}
        assert providers_seen(tokens["BG_NREM"][1]) == {"BG"}
        assert providers_seen(None) == everyone
    with engine.begin() as conn:
        revoke_token(conn, pk=tokens["AT_MOI"][0].pk)
    engine.dispose()
    refused = data_client.get(
        url, headers={**CSV2, "Authorization": f"Bearer {tokens['AT_MOI'][1]}"}
    )
    assert refused.status_code == 401
