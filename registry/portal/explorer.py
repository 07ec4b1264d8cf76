"""The data explorer: pick codes per dimension and a period range, see the table
(paginated, sortable), download exactly that selection in every format.

The form is turned into an SDMX REST 2.x data query (key with ``*``,
``c[DIM]=A,B`` for several codes, ``c[TIME_PERIOD]=ge:...+le:...``), parsed
and bound by the library exactly as ``/sdmx/3.0/data/...`` parses it, and
resolved through the API's selection cache: the page shows what the download
links (that very URL with ``format=``) return. Only public dataflows are
explored here; restricted ones stay with their providers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from mosy_sdmx.exceptions import MosyError
from mosy_sdmx.rest.data import bind, parse_data_query
from mosy_sdmx.structures.references import ref_of
from registry.app_state import state_cache
from registry.data_answers import Prepared, SelectionCache, app_attribute_sets, app_selections
from registry.deps import EngineDep, StructuresDep
from registry.errors import ApiError
from registry.portal.identity import identify
from registry.portal.links import artefact_path, data_links, data_url
from registry.portal.rendering import language, localised, render
from registry.store.data_queries import Selection, series_counts
from registry.store.explorer import (
    TIME,
    VALUE,
    ExplorerCache,
    codes_present,
    observation_order,
    ordered_series,
    page_rows_by_series,
    page_rows_in_order,
)
from registry.store.observations import FlowRef, flow_pk
from registry.store.revisions import get_revision

router = APIRouter(include_in_schema=False, dependencies=[Depends(identify)])

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_SIZE = 50
_PERIOD = re.compile(r"^\d{4}(-(Q[1-4]|S[12]|M?\d{2}|W\d{2}|\d{2}-\d{2}))?$")
#: Observation attributes shown beside the value (when the structure has them).
SHOWN_ATTRIBUTES = ("OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "UNIT_MULT")


def _cache(request: Request) -> ExplorerCache:
    return state_cache(request, "explorer_cache", ExplorerCache)


def _orders(request: Request) -> ExplorerCache:
    """Orders of whole selections by time or value: a few, as each holds every row's key."""
    return state_cache(request, "explorer_orders", lambda: ExplorerCache(size=8))


@router.get("/explore")
def explore_index(request: Request, view: StructuresDep) -> Response:
    lang = language(request)
    flows = [
        {
            "id": flow_id,
            "name": localised(flow.name, lang) or flow_id,
            "description": localised(getattr(flow, "description", None), lang),
            "structure_path": artefact_path(ref_of(flow)),
        }
        for flow_id, flow in sorted(view.structures.dataflows.items())
        if view.structures.is_public(flow_id)
    ]
    return render(request, "explore_index.html", {"flows": flows})


@dataclass
class Form:
    """The explorer's form, read from the query string and checked."""

    picked: dict[str, list[str]]
    start: str
    end: str
    sort: str
    descending: bool
    page: int
    size: int
    problems: list[str]

    def query_params(self, **changes) -> str:
        values: list[tuple[str, str]] = []
        for dim, codes in self.picked.items():
            values.extend((dim, code) for code in codes)
        state = {
            "start": self.start,
            "end": self.end,
            "sort": self.sort,
            "order": "desc" if self.descending else "asc",
            "page": str(self.page),
            "size": str(self.size),
        }
        state.update({k: str(v) for k, v in changes.items()})
        values.extend((k, v) for k, v in state.items() if v and v not in ("asc", "1", "50"))
        return urlencode(values)


def read_form(request: Request, dimensions: tuple[str, ...], sortable: set[str]) -> Form:
    params = request.query_params
    problems = []
    picked = {dim: sorted(set(params.getlist(dim))) for dim in dimensions if params.getlist(dim)}
    start = params.get("start", "").strip()
    end = params.get("end", "").strip()
    for label, value in (("From", start), ("To", end)):
        if value and not _PERIOD.match(value):
            problems.append(
                f"{label}: {value!r} is not a period; write a year such as 2019 "
                "(or 2019-Q1, 2019-03)"
            )
    if start and end and _PERIOD.match(start) and _PERIOD.match(end) and start[:4] > end[:4]:
        problems.append(f"From ({start}) is after To ({end}); swap them")
    sort = params.get("sort", "")
    if sort and sort not in sortable:
        problems.append(f"cannot sort by {sort!r}; the table sorts by its columns")
        sort = ""
    descending = params.get("order") == "desc"
    size = _whole(params.get("size"), DEFAULT_SIZE)
    if size not in PAGE_SIZES:
        size = DEFAULT_SIZE
    page = max(1, _whole(params.get("page"), 1))
    return Form(picked, start, end, sort, descending, page, size, problems)


def _whole(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and len(text) < 9 else default


def rest_query(form: Form, dimensions: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    """The form as an SDMX REST 2.x key and query parameters."""
    positions = []
    params: dict[str, str] = {}
    for dim in dimensions:
        codes = form.picked.get(dim, [])
        if len(codes) == 1:
            positions.append(codes[0])
        else:
            positions.append("*")
            if codes:
                params[f"c[{dim}]"] = ",".join(codes)
    bounds = [f"ge:{form.start}"] if form.start else []
    bounds += [f"le:{form.end}"] if form.end else []
    if bounds:
        params[f"c[{TIME}]"] = "+".join(bounds)
    key = ".".join(positions)
    if all(p == "*" for p in positions):
        key = "*"
    return key, params


@router.get("/explore/{flow_id}")
def explore_flow(
    request: Request, flow_id: str, view: StructuresDep, engine: EngineDep
) -> Response:
    structures = view.structures
    if flow_id not in structures.dataflows or not structures.is_public(flow_id):
        raise ApiError(
            404,
            "No public dataflow of that name",
            f"{flow_id!r} is not a public dataflow; the data explorer lists them at /explore",
        )
    lang = language(request)
    flow = structures.dataflow(flow_id)
    layout = structures.layout(flow_id)
    ref = FlowRef.of_layout(layout)
    dims = layout.dimensions
    attributes = [a for a in SHOWN_ATTRIBUTES if a in layout.components]
    form = read_form(request, dims, {*dims, TIME, VALUE})
    key, params = rest_query(form, dims)
    flow_ref = ref_of(flow)
    cache = _cache(request)
    selections: SelectionCache = app_selections(request)
    context: dict = {
        "flow": {
            "id": flow_id,
            "name": localised(flow.name, lang) or flow_id,
            "path": artefact_path(flow_ref),
        },
        "form": form,
        "dims": dims,
        "attributes": attributes,
        "rows": [],
        "total": None,
        "api_url": data_url(flow_ref, key, params),
        "downloads": data_links(flow_ref, key, params),
        "sizes": PAGE_SIZES,
        "time": TIME,
        "value": VALUE,
    }
    with engine.connect() as conn:
        data_revision = get_revision(conn, ref.scope)
        stored = cache.get(("flow-pk", ref, data_revision.number), lambda: flow_pk(conn, ref))
        present = (
            cache.get(
                ("codes", ref, data_revision.number),
                lambda: codes_present(conn, stored, dims),
            )
            if stored is not None
            else {dim: [] for dim in dims}
        )
        static = cache.get(
            ("choices", flow_id, lang, data_revision.number, view.revision.number),
            lambda: _choices(structures, layout, present, lang),
        )
        context["choices"] = _with_picked(static, form)
        if form.problems:
            return render(request, "explore.html", context, status=400)
        try:
            query = parse_data_query(
                "v2",
                context="dataflow",
                agency=ref.agency,
                resource_id=ref.id,
                version=ref.version,
                key=key,
                params=params,
            )
            bound = bind(query, layout)
        except MosyError as exc:
            form.problems.append(f"{exc.title}: {exc.detail}")
            return render(request, "explore.html", context, status=400)
        prepared = Prepared(bound, ref, data_revision, "")
        here = (repr(query), data_revision.number, view.revision.number)
        # The API's cache keeps small selections; this one keeps the explorer's big ones too.
        selection = cache.get(
            ("selection", *here), lambda: selections.get(conn, prepared, view.revision.number)
        )
        if selection is None or selection.empty:
            context["total"] = 0
            return render(request, "explore.html", context)
        counts = cache.get(("counts", *here), lambda: series_counts(conn, selection))
        total = int(counts["n"].sum())
        context["total"] = total
        if not total:
            return render(request, "explore.html", context)
        pages = max(1, math.ceil(total / form.size))
        form.page = min(form.page, pages)
        sort = ((form.sort, form.descending),) if form.sort else ()
        offset = (form.page - 1) * form.size
        compiled = cache.get(("sql", *here), dict)
        if all(name in dims for name, _ in sort):
            order = cache.get(
                ("order", *here, sort), lambda: ordered_series(selection, counts, sort)
            )
            rows = page_rows_by_series(
                conn, selection, order, offset=offset, limit=form.size, compiled=compiled
            )
        else:
            order = _orders(request).get(
                ("order", *here, sort), lambda: observation_order(conn, selection, sort)
            )
            rows = page_rows_in_order(
                conn, selection, order, offset=offset, limit=form.size, compiled=compiled
            )
        sets = app_attribute_sets(request)
        titles = {
            dim: {c["code"]: c["name"] for c in context["choices"][dim]["codes"]} for dim in dims
        }
        context["rows"] = _table(conn, selection, rows, sets, attributes, titles)
        context["pages"] = pages
    context["sort_links"] = {
        col: form.query_params(
            sort=col, order="asc" if form.sort != col or form.descending else "desc", page=1
        )
        for col in (*dims, TIME, VALUE)
    }
    context["page_link"] = lambda n: form.query_params(page=n)
    return render(request, "explore.html", context)


def _with_picked(static: dict[str, dict], form: Form) -> dict[str, dict]:
    """The cached code lists with this form's choices marked."""
    out = {}
    for dim, choice in static.items():
        picked = set(form.picked.get(dim, []))
        codes = choice["codes"]
        if picked:
            codes = [{**c, "selected": c["code"] in picked} for c in codes]
        out[dim] = {"label": choice["label"], "codes": codes}
    return out


def _choices(structures, layout, present, lang: str) -> dict[str, dict]:
    """Per dimension: its concept's name and the codes present, with their names."""
    out = {}
    for dim in layout.dimensions:
        component = layout.components[dim]
        codelist = None
        if component.codelist:
            try:
                codelist = structures.get(component.codelist)
            except MosyError:
                codelist = None
        names = {}
        if codelist is not None:
            names = {code.id: localised(code.name, lang) for code in codelist}
        codes = present.get(dim) or []
        out[dim] = {
            "label": _concept_name(structures, layout, dim, lang),
            "codes": [{"code": c, "name": names.get(c, c), "selected": False} for c in codes],
        }
    return out


def _concept_name(structures, layout, dim: str, lang: str) -> str:
    try:
        dsd = structures.dsd(layout.dsd_id)
        component = dsd.dimensions.get(dim)
        concept = component.concept_identity
        return localised(concept.name, lang) or dim
    except (MosyError, KeyError, AttributeError):
        return dim


def _table(
    conn, selection: Selection, rows: pd.DataFrame, sets, attributes, titles: dict
) -> list[dict]:
    """The page's rows as plain strings (columns converted once, not cell by cell)."""
    if rows.empty:
        return []
    series = selection.series
    dims = selection.bound.layout.dimensions
    positions = pd.Index(series["pk"].to_numpy()).get_indexer(rows["series_pk"].to_numpy())
    keys = []
    for dim in dims:
        column = series[dim]
        names = [str(code) for code in column.cat.categories]
        keys.append([names[c] for c in column.cat.codes.to_numpy()[positions]])
    pks = rows["attrset_pk"].fillna(-1).to_numpy(dtype=np.int64)
    sets.load(conn, pks)
    shown_attributes = [[sets.value(int(pk), a) for pk in pks] for a in attributes]
    values = rows["value"].tolist()
    texts = rows["value_text"].tolist()
    periods = rows["period"].tolist()
    out = []
    for i in range(len(rows)):
        text, value = texts[i], values[i]
        if isinstance(text, str):
            shown = text
        elif value is None or value != value:  # NULL or NaN: suppressed or missing
            shown = None
        else:
            shown = _number(value)
        out.append(
            {
                "key": [
                    (column[i], titles[d].get(column[i], column[i]))
                    for d, column in zip(dims, keys, strict=True)
                ],
                "period": periods[i],
                "value": shown,
                "attributes": [column[i] for column in shown_attributes],
            }
        )
    return out


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
