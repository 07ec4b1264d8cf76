"""Data answers: from a parsed query to a streamed, negotiated, conditional HTTP response.

The route handlers parse with ``mosy_sdmx.rest.data``; this module resolves
the dataflow, checks the client's copy (``ETag``/``If-None-Match``,
``Last-Modified``/``If-Modified-Since``: one indexed read of the dataflow's
data revision, the same in every process), then streams the observations
from the store through the library's streaming writers. Formats and their
media types come from the library's ``DataFormat`` table.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC

import numpy as np
import pandas as pd
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from mosy_sdmx.dataset import Action, Header
from mosy_sdmx.exceptions import StructureNotFoundError
from mosy_sdmx.formats import DataFormat
from mosy_sdmx.io.streaming import DataSetPart, stream_data
from mosy_sdmx.rest.data import BoundQuery, DataQuery, bind
from mosy_sdmx.structures import StructureSet
from registry.app_state import state_cache
from registry.compression import choose_encoding, compress_bytes
from registry.conditional import make_etag
from registry.conditional import not_modified as client_is_current
from registry.conditional import validators as revision_validators
from registry.data_access import data_reader
from registry.errors import ApiError
from registry.negotiation import Offer, choose
from registry.store.data_queries import (
    AttributeSets,
    Selection,
    load_times,
    observation_statement,
    resolve,
    selection_batches,
)
from registry.store.observations import FlowRef
from registry.store.revisions import Revision, get_revision
from registry.store.series_keys import SeriesKeys
from registry.store.structures import StructureView


def _offer(fmt: DataFormat, *aliases: str) -> Offer:
    return Offer(fmt.value, fmt.media_type, aliases)


GENERIC21 = _offer(DataFormat.SDMX_ML_21_GENERIC, "genericdata", "generic")
SS21 = _offer(DataFormat.SDMX_ML_21_SS, "structurespecificdata", "structurespecific")
ML30 = _offer(DataFormat.SDMX_ML_30, "xml")
CSV10 = _offer(DataFormat.SDMX_CSV_10, "csv10")
CSV20 = _offer(DataFormat.SDMX_CSV_20, "csv", "csvfile", "csvdata")
JSON10 = _offer(DataFormat.SDMX_JSON_10, "json10")
JSON20 = _offer(DataFormat.SDMX_JSON_20, "json", "jsondata")
TEXT_CSV = Offer("text-csv", "text/csv", ())
#: Data formats by API generation, default first (SDMX REST 1.5.0: generic 2.1).
DATA_OFFERS = {
    "v1": (GENERIC21, SS21, CSV10, JSON10, ML30, CSV20, JSON20, TEXT_CSV),
    "v2": (ML30, CSV20, JSON20, SS21, GENERIC21, CSV10, JSON10, TEXT_CSV),
}
_FORMAT_OF = {o.name: DataFormat(o.name) for o in DATA_OFFERS["v1"] if o is not TEXT_CSV}


@dataclass
class Negotiated:
    offer: Offer
    format: DataFormat
    options: dict = field(default_factory=dict)


def negotiate(request: Request, query: DataQuery) -> Negotiated:
    """Format and writer options from ``format=``, ``Accept`` and media-type parameters."""
    accept = request.headers.get("accept")
    offer = choose(DATA_OFFERS[query.api], accept, query.extra.get("format"))
    options: dict = {}
    labels = query.extra.get("labels")
    time_format = query.extra.get("timeFormat")
    for part in (accept or "").split(","):
        for param in part.split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key == "labels" and "csv" in part:
                labels = labels or value
            elif key == "timeFormat" and "csv" in part:
                time_format = time_format or value
    if offer is TEXT_CSV:
        fmt = DataFormat.SDMX_CSV_20 if query.api == "v2" else DataFormat.SDMX_CSV_10
        offer = CSV20 if query.api == "v2" else CSV10
    else:
        fmt = _FORMAT_OF[offer.name]
    if labels not in (None, "id", "both"):
        raise ApiError(406, "Labels not offered", f"labels={labels!r}; use id or both")
    if labels == "both":
        if fmt not in (DataFormat.SDMX_CSV_10, DataFormat.SDMX_CSV_20):
            raise ApiError(406, "Labels not offered", "labels=both is for SDMX-CSV")
        options["labels"] = "both"
    if time_format not in (None, "original", "normalized"):
        raise ApiError(406, "Time format not offered", "timeFormat is original or normalized")
    if time_format == "normalized":
        raise ApiError(
            406, "Time format not offered", "timeFormat=normalized is not offered; use original"
        )
    if query.series_only and fmt in (DataFormat.SDMX_JSON_10, DataFormat.SDMX_JSON_20):
        raise ApiError(
            406,
            "Detail not offered in SDMX-JSON",
            f"detail={query.detail} is offered in SDMX-ML and SDMX-CSV",
        )
    return Negotiated(offer, fmt, options)


# -- dataflow and revision ------------------------------------------------------------------


def find_dataflow(structures: StructureSet, query: DataQuery) -> str:
    """The id of the one dataflow the query names (agency and version checked)."""
    if query.context != "dataflow":
        raise ApiError(
            501,
            "Not implemented",
            f"data are served per dataflow; context {query.context!r} is not offered",
        )
    if query.id is None:
        raise ApiError(
            501,
            "Not implemented",
            "name one dataflow: /data/dataflow/{agency}/{id}/{version}/{key}",
        )
    if query.id not in structures.dataflows:
        raise StructureNotFoundError(
            "Unknown dataflow",
            f"no dataflow {query.id!r}; the registry holds "
            + ", ".join(sorted(structures.dataflows)),
        )
    flow = structures.dataflow(query.id)
    agency = flow.maintainer.id if flow.maintainer else None
    if query.agency not in (None, "all") and query.agency != agency:
        raise StructureNotFoundError(
            "Unknown dataflow", f"{query.id} is maintained by {agency}, not {query.agency}"
        )
    if query.version is not None and query.version not in ("latest", "all"):
        held = str(flow.version)
        if not (query.version == held or held.startswith(query.version + ".")):
            raise StructureNotFoundError(
                "Unknown dataflow version",
                f"{query.id} is held in version {held}, not {query.version}",
            )
    return query.id


@dataclass
class Prepared:
    """Everything an answer needs that does not touch observations yet."""

    bound: BoundQuery
    flow: FlowRef
    #: The dataflow's data revision (its number) at the later of the data's and the
    #: structures' change times: what the validators are made of.
    revision: Revision
    etag: str
    #: A restricted dataflow's answer is for its caller only: no shared HTTP caches
    #: (``Cache-Control: private``). Kept answers are still shared inside the process:
    #: ``prepare`` checks the caller first and the ETag names the query as narrowed
    #: to the caller's provider, so a kept body only ever reaches callers of that query.
    restricted: bool = False


def prepare(
    request: Request, view: StructureView, conn, query: DataQuery, fmt: Negotiated, kind: str
) -> Prepared:
    flow_id = find_dataflow(view.structures, query)
    query = data_reader(request, conn, view.structures, flow_id, query)
    layout = view.structures.layout(flow_id)
    bound = bind(query, layout)
    flow = FlowRef.of_layout(layout)
    data = get_revision(conn, flow.scope)
    moment = max(data.updated_at, view.revision.updated_at).astimezone(UTC)
    revision = Revision(flow.scope, data.number, moment)
    target = request.url.path + "?" + "&".join(sorted(str(request.query_params).split("&")))
    options = repr(sorted(fmt.options.items())) + repr(query.providers)
    etag = make_etag(
        revision, kind, target, fmt.offer.media_type, options, f"s{view.revision.number}"
    )
    restricted = not view.structures.is_public(flow_id)
    return Prepared(bound, flow, revision, etag, restricted)


def not_modified(request: Request, prepared: Prepared) -> bool:
    """True when the client's copy is current (``registry.conditional``)."""
    return client_is_current(request, prepared.revision, prepared.etag)


def validators(prepared: Prepared) -> dict[str, str]:
    headers = revision_validators(prepared.revision, prepared.etag)
    headers["Cache-Control"] = "private, no-cache" if prepared.restricted else "no-cache"
    headers["Vary"] = "Accept, Accept-Encoding"
    return headers


# -- observations to frames -----------------------------------------------------------------


def _frames(
    engine: Engine,
    selection: Selection,
    attribute_sets: AttributeSets,
    series_keys: SeriesKeys | None = None,
) -> Iterator[tuple[DataSetPart, pd.DataFrame]]:
    """Chunks of the answer as (data set part, frame of components), read in one connection.

    Observations come as Arrow tables; their keys from the process's series codes
    (``SeriesKeys``), periods and attributes as categoricals, so a chunk costs a few
    numpy operations per column whatever its size.
    """
    bound = selection.bound
    layout = bound.layout
    dims = list(layout.dimensions)
    keys = series_keys if series_keys is not None else SeriesKeys()
    # Look-ups (series keys, attribute sets) go through a second connection: the
    # first may be busy streaming rows (PostgreSQL's COPY holds it until the end).
    with engine.connect() as conn, engine.connect() as lookup:
        times = load_times(lookup, selection.flow_pk) if selection.history else {}
        if bound.query.series_only:
            yield from _series_frames(conn, selection, attribute_sets, keys)
            return
        for rows in selection_batches(conn, selection):
            numbers = rows["series_pk"].to_numpy()
            known, positions = keys.of(lookup, selection.flow_pk, dims, numbers)
            frame: dict[str, object] = dict(known.key_columns(positions, dims))
            periods = rows["period"].dictionary_encode().combine_chunks()
            frame[layout.time_dimension] = pd.Categorical.from_codes(
                periods.indices.to_numpy(zero_copy_only=False),
                categories=pd.Index(periods.dictionary.to_pylist(), dtype=object),
            )
            deleted = rows["deleted"].to_numpy(zero_copy_only=False)
            if layout.primary_measure in bound.measures:
                values = rows["value"].to_numpy(zero_copy_only=False)
                texts = rows["value_text"]
                if texts.null_count < len(texts):
                    text_values = texts.to_numpy(zero_copy_only=False)
                    values = np.where(pd.notna(text_values), text_values, values)
                frame[layout.primary_measure] = values
            pks = rows["attrset_pk"].to_numpy(zero_copy_only=False)
            attribute_sets.load(lookup, pks)
            frame.update(attribute_sets.columns(pks, bound.attributes))
            data = pd.DataFrame(frame, copy=False)
            if selection.history:
                loads = rows["created_load"].to_numpy(zero_copy_only=False)
                for load in pd.unique(loads):
                    mask = loads == load
                    for is_deleted in (False, True):
                        part_mask = mask & (deleted == is_deleted)
                        if part_mask.any():
                            action = Action.DELETE if is_deleted else Action.REPLACE
                            moment = times.get(int(load))
                            part = (
                                DataSetPart(action, valid_to=moment)
                                if is_deleted
                                else DataSetPart(action, valid_from=moment)
                            )
                            yield part, data[part_mask].reset_index(drop=True)
            elif bound.query.updated_after is not None:
                if (~deleted).any():
                    yield DataSetPart(Action.REPLACE), data[~deleted].reset_index(drop=True)
                if deleted.any():
                    gone = data[deleted].drop(columns=[layout.primary_measure], errors="ignore")
                    yield DataSetPart(Action.DELETE), gone.reset_index(drop=True)
            else:
                yield DataSetPart(Action.INFORMATION), data


def _series_frames(conn, selection: Selection, attribute_sets: AttributeSets, keys: SeriesKeys):
    """``serieskeysonly``/``nodata``: one row per series that has observations."""
    from sqlalchemy import select

    bound = selection.bound
    dims = list(bound.layout.dimensions)
    stmt = observation_statement(selection).order_by(None).limit(None).offset(None).subquery()
    having = np.array(
        sorted(conn.execute(select(stmt.c.series_pk).distinct()).scalars().all()), dtype=np.int64
    )
    if not len(having):
        return
    known, positions = keys.of(conn, selection.flow_pk, dims, having)
    frame = pd.DataFrame(known.key_columns(positions, dims))
    if bound.attributes:
        latest = select(stmt.c.series_pk, stmt.c.attrset_pk).order_by(
            stmt.c.series_pk, stmt.c.period_start.desc()
        )
        rows = pd.DataFrame(conn.execute(latest).all(), columns=["series_pk", "attrset_pk"])
        rows = rows.drop_duplicates("series_pk")
        pks = (
            rows.set_index("series_pk")["attrset_pk"]
            .reindex(having)
            .fillna(-1)
            .to_numpy(dtype=np.int64)
        )
        attribute_sets.load(conn, pks)
        series_level = tuple(
            a
            for a in bound.attributes
            if bound.layout.components[a].level is not None
            and bound.layout.components[a].level.value in ("series", "group", "dataset")
        )
        for name, column in attribute_sets.columns(pks, series_level).items():
            frame[name] = column
    yield DataSetPart(Action.INFORMATION), frame


def data_response(
    request: Request,
    engine: Engine,
    view: StructureView,
    prepared: Prepared,
    negotiated: Negotiated,
    selection: Selection | None,
    attribute_sets: AttributeSets,
    series_keys: SeriesKeys | None = None,
    answers: AnswerCache | None = None,
) -> Response:
    """The streamed answer; 204 (v2) or 404 (v1) when nothing matches.

    With ``answers``, a body that turns out small is kept for the next identical
    request (same ETag: same query, format and revisions)."""
    bound = prepared.bound
    query = bound.query
    chunks: Iterator = iter(())
    first = None
    if selection is not None and not selection.empty:
        chunks = _frames(engine, selection, attribute_sets, series_keys)
        first = next(chunks, None)  # the first chunk decides between 200 and 204/404
    empty = first is None
    headers = validators(prepared)
    if empty:
        if query.api == "v1":
            raise ApiError(
                404,
                "No results found",
                f"no observations of {prepared.flow} match the query",
                code="no-results",
            )
        return Response(status_code=204, headers=headers)
    layout = bound.layout
    suffix = negotiated.format.suffix
    disposition = "attachment" if query.extra.get("format") else "inline"
    headers["Content-Disposition"] = f'{disposition}; filename="{layout.flow_id}{suffix}"'
    options = dict(negotiated.options)
    if negotiated.format in (
        DataFormat.SDMX_CSV_10,
        DataFormat.SDMX_CSV_20,
        DataFormat.SDMX_JSON_10,
        DataFormat.SDMX_JSON_20,
    ):
        options["labels_from"] = view.structures
    body = stream_data(
        itertools.chain([first], chunks),
        negotiated.format,
        layout,
        header=Header(id=f"MOSY-{prepared.flow.id}", sender="MOSY"),
        dimension_at_observation=bound.dimension_at_observation,
        series_only=query.series_only,
        **options,
    )
    media_type = negotiated.offer.media_type
    if answers is not None:
        body = answers.keep(prepared.etag, body, media_type, headers)
    return StreamingResponse(body, media_type=media_type, headers=headers)


class SelectionCache:
    """This process's resolved selections (compiled SQL, recent loads) by query and revisions.

    A selection depends on the query, the structures and the dataflow's data;
    keyed by both revision numbers, an entry is never stale, and repeated
    queries (harvesters, explorer pages) skip the SQL compilation.
    """

    MAX_SERIES = 20_000

    def __init__(self, size: int = 128) -> None:
        self._entries: OrderedDict[tuple, Selection | None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(
        self, conn, prepared: Prepared, structures_revision: int, *, with_series: bool = True
    ) -> Selection | None:
        """The selection (``resolve``); ``with_series=False`` for answers that read each
        chunk's keys from ``SeriesKeys`` (the data API), so a big one costs nothing here."""
        key = (
            repr(prepared.bound.query),
            prepared.revision.number,
            structures_revision,
            with_series,
        )
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        selection = resolve(conn, prepared.bound, prepared.flow, with_series=with_series)
        if selection is not None and with_series and len(selection.series) > self.MAX_SERIES:
            return selection  # big series frames are cheap to redo relative to their use
        with self._lock:
            self._entries[key] = selection
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return selection


def app_attribute_sets(request: Request) -> AttributeSets:
    """The process's attribute-set cache (shared by the API and the portal)."""
    return state_cache(request, "attribute_sets", AttributeSets)


def app_selections(request: Request) -> SelectionCache:
    """The process's selection cache (shared by the API and the portal)."""
    return state_cache(request, "data_selections", SelectionCache)


def answer(
    request: Request,
    engine: Engine,
    view: StructureView,
    query: DataQuery,
    attribute_sets: AttributeSets,
    selections: SelectionCache | None = None,
    series_keys: SeriesKeys | None = None,
    answers: AnswerCache | None = None,
) -> Response:
    """The whole data answer: negotiate, 304 if current, a kept body, else stream."""
    negotiated = negotiate(request, query)
    with engine.connect() as conn:
        prepared = prepare(request, view, conn, query, negotiated, "data")
        if not_modified(request, prepared):
            return Response(status_code=304, headers=validators(prepared))
        if answers is not None:
            encoding = choose_encoding(request.headers.get("accept-encoding", ""))
            kept = answers.get_or_claim(prepared.etag, encoding)
            if kept is not None:
                return kept
        try:
            if selections is None:
                selection = resolve(conn, prepared.bound, prepared.flow, with_series=False)
            else:
                selection = selections.get(conn, prepared, view.revision.number, with_series=False)
        except BaseException:
            if answers is not None:
                answers.release(prepared.etag)
            raise
    try:
        response = data_response(
            request,
            engine,
            view,
            prepared,
            negotiated,
            selection,
            attribute_sets,
            series_keys,
            answers,
        )
    except BaseException:
        if answers is not None:
            answers.release(prepared.etag)
        raise
    if answers is not None and not isinstance(response, StreamingResponse):
        answers.release(prepared.etag)  # nothing to keep (204): waiters make their own
    return response


class AnswerCache:
    """Small data answers of this process, by ETag, with their compressed forms.

    An ETag names the query, the format and both revisions, so a kept body is
    never stale; harvesters polling a slice and pages showing popular ones get
    it without touching observations. Only bodies up to ``max_body`` are kept
    (streamed answers are gathered only up to that size), ``max_bytes`` in all.

    A burst of identical requests makes the answer once per process: the first
    claims it (``get_or_claim``), the others wait until it is kept, or until it
    turns out too big to keep, or at most ``wait_s`` (a claim older than that
    is taken over: a request that never streamed cannot hold the others back).
    """

    def __init__(
        self, max_body: int = 1 << 20, max_bytes: int = 64 << 20, wait_s: float = 5.0
    ) -> None:
        self.max_body = max_body
        self.max_bytes = max_bytes
        self.wait_s = wait_s
        self._entries: OrderedDict[tuple[str, str | None], tuple[bytes, str, dict]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        #: Answers being made: ETag -> (set when kept or given up, when claimed).
        self._making: dict[str, tuple[threading.Event, float]] = {}

    def get_or_claim(self, etag: str, encoding: str | None) -> Response | None:
        """The kept answer; else, while another request makes it, that answer once kept;
        None: the caller makes it (``keep`` or ``release`` ends its claim)."""
        kept = self.get(etag, encoding)
        if kept is not None:
            return kept
        with self._lock:
            making = self._making.get(etag)
            if making is None or time.monotonic() - making[1] >= self.wait_s:
                self._making[etag] = (threading.Event(), time.monotonic())
                return None
        making[0].wait(self.wait_s)
        return self.get(etag, encoding)  # None: not kept (too big, failed): make it too

    def release(self, etag: str) -> None:
        """End the claim on ``etag``: its waiters look again (and make it if not kept)."""
        with self._lock:
            making = self._making.pop(etag, None)
        if making is not None:
            making[0].set()

    def get(self, etag: str, encoding: str | None) -> Response | None:
        with self._lock:
            plain = self._entries.get((etag, None))
            if plain is None:
                return None
            self._entries.move_to_end((etag, None))
            packed = self._entries.get((etag, encoding)) if encoding else None
        body, media_type, headers = plain
        if encoding and len(body) >= 1024:
            if packed is None:
                packed = (compress_bytes(body, encoding), media_type, headers)
                self._put((etag, encoding), packed)
            headers = {**packed[2], "Content-Encoding": encoding}
            return Response(packed[0], media_type=media_type, headers=headers)
        return Response(body, media_type=media_type, headers=dict(headers))

    def keep(
        self, etag: str, body: Iterator[bytes], media_type: str, headers: dict[str, str]
    ) -> Iterator[bytes]:
        """Pass ``body`` through; keep it if it ends within ``max_body`` bytes. The
        claim on ``etag`` ends as soon as the body is kept or too big, or the
        stream ends otherwise (an error, a client gone)."""
        parts: list[bytes] | None = []
        size = 0
        try:
            for part in body:
                if parts is not None:
                    size += len(part)
                    if size > self.max_body:
                        parts = None
                        self.release(etag)  # too big to keep: waiters make their own
                    else:
                        parts.append(part)
                yield part
            if parts is not None:
                self._put((etag, None), (b"".join(parts), media_type, dict(headers)))
        finally:
            self.release(etag)

    def _put(self, key: tuple[str, str | None], entry: tuple[bytes, str, dict]) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old[0])
            self._entries[key] = entry
            self._size += len(entry[0])
            while self._size > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped[0])
