"""SDMX REST data and availability queries, parsed from and rendered to URL paths.

Two generations side by side:

- ``v1``, SDMX REST 1.5.0: ``/data/{flowRef}/{key}/{providerRef}`` with
  ``flowRef`` = ``ID``, ``AGENCY,ID`` or ``AGENCY,ID,VERSION``; a key's
  positions hold codes joined with ``+`` (empty = any), ``all`` = every key;
  ``startPeriod``, ``endPeriod``, ``detail`` and the rest as query parameters;
- ``v2``, SDMX REST 2.x: ``/data/{context}/{agency}/{id}/{version}/{key}``
  where ``key`` is one or more keys joined with ``,`` (``*`` = any code), and
  ``c[COMPONENT]=op:value`` filters (``,`` = OR, ``+`` = AND, as ``data.md``
  tabulates), ``attributes``, ``measures``.

``parse_data_query`` gives an immutable ``DataQuery``; ``bind`` checks it
against a dataflow's ``ComponentLayout`` (positions, codes, components) and
raises what a client must fix: ``InvalidQueryError`` for the grammar,
``StructureNotFoundError`` for a code the structure does not know (with the
valid codes named). Availability queries share the same grammar
(``parse_availability_query``). Nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from mosy_sdmx.exceptions import InvalidQueryError, StructureNotFoundError
from mosy_sdmx.periods import parse_datetime, query_period
from mosy_sdmx.structures.layout import AttachmentLevel, ComponentLayout

Api = Literal["v1", "v2"]
OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "co", "nc", "sw", "ew")
CONTEXTS = ("dataflow", "datastructure", "provisionagreement", "*")
DETAILS = ("full", "dataonly", "serieskeysonly", "nodata")
ALL_DIMENSIONS = "AllDimensions"
#: Largest firstNObservations / lastNObservations / limit accepted.
MAX_COUNT = 10_000_000
#: Most key alternatives (v2 ``,``) or codes per position accepted.
MAX_CODES = 1_000

_ID = re.compile(r"^[A-Za-z0-9_@$-]+$")
_AGENCY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z][A-Za-z0-9_-]*)*$")
_VERSION = re.compile(r"^(\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?|[\d.+~*]+|latest|all)$")
_FILTER_PARAM = re.compile(r"^c\[([A-Za-z][A-Za-z0-9_-]*)\]$")

COMMON_PARAMS = frozenset({"startPeriod", "endPeriod", "updatedAfter", "format"})
DATA_PARAMS = {
    "v1": COMMON_PARAMS
    | {"firstNObservations", "lastNObservations", "dimensionAtObservation", "detail"}
    | {"includeHistory", "labels", "timeFormat"},
    "v2": COMMON_PARAMS
    | {"firstNObservations", "lastNObservations", "dimensionAtObservation"}
    | {"attributes", "measures", "includeHistory", "asOf", "offset", "limit", "sort"}
    | {"labels", "timeFormat", "detail"},
}
AVAILABILITY_PARAMS = {
    "v1": COMMON_PARAMS | {"mode", "references"},
    "v2": COMMON_PARAMS | {"mode", "references", "asOf"},
}
AVAILABILITY_REFERENCES = (
    "none",
    "all",
    "datastructure",
    "conceptscheme",
    "codelist",
    "dataproviderscheme",
    "dataflow",
)


@dataclass(frozen=True, slots=True)
class Condition:
    """One comparison of a ``c[...]`` filter: ``op`` applied to ``value``."""

    op: str
    value: str


@dataclass(frozen=True, slots=True)
class ComponentFilter:
    """``c[COMPONENT]=...``: any alternative matches, all conditions of one must hold."""

    component: str
    alternatives: tuple[tuple[Condition, ...], ...]

    def render(self) -> str:
        return ",".join(
            "+".join(f"{c.op}:{c.value}" if c.op != "eq" else c.value for c in alt)
            for alt in self.alternatives
        )

    def simple_codes(self) -> frozenset[str] | None:
        """The codes of a pure OR of equalities (``A,B``); None for anything else."""
        codes = set()
        for alt in self.alternatives:
            if len(alt) != 1 or alt[0].op != "eq":
                return None
            codes.add(alt[0].value)
        return frozenset(codes)


#: One key: a set of codes per dimension position, None = any code.
Key = tuple[frozenset[str] | None, ...]


@dataclass(frozen=True, slots=True)
class DataQuery:
    """A data (or availability) query, in either generation's terms.

    ``keys`` holds alternatives (v2 lists keys with ``,``); ``()`` means all
    data. ``agency``/``id``/``version`` None mean "any"/"latest".
    """

    api: Api
    context: str = "dataflow"
    agency: str | None = None
    id: str | None = None
    version: str | None = None
    keys: tuple[Key, ...] = ()
    providers: tuple[str, ...] = ()
    filters: tuple[ComponentFilter, ...] = ()
    start_period: str | None = None
    end_period: str | None = None
    updated_after: datetime | None = None
    as_of: datetime | None = None
    include_history: bool = False
    first_n: int | None = None
    last_n: int | None = None
    dimension_at_observation: str | None = None
    detail: str = "full"
    attributes: tuple[str, ...] = ("dsd",)
    measures: tuple[str, ...] = ("all",)
    offset: int = 0
    limit: int | None = None
    mode: str = "exact"
    references: str = "none"
    component: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def series_only(self) -> bool:
        """No observations wanted: ``serieskeysonly``/``nodata``, or ``measures=none``
        with only series-level attributes."""
        return self.detail in ("serieskeysonly", "nodata")

    def render(self, api: Api | None = None) -> str:
        """The query as a path and query string of ``api`` (default: its own)."""
        api = api or self.api
        params: dict[str, str] = {}
        if api == "v1":
            ref = ",".join(x for x in (self.agency, self.id, self.version) if x) or "all"
            if self.agency is None and self.version is None:
                ref = self.id or "all"
            key = _render_v1_key(self.keys)
            path = f"/data/{ref}/{key}"
            if self.providers:
                path += "/" + "+".join(self.providers)
            if self.detail != "full":
                params["detail"] = self.detail
        else:
            path = "/data/" + "/".join(
                [self.context, self.agency or "*", self.id or "*", self.version or "~"]
            )
            path += "/" + _render_v2_keys(self.keys)
            for flt in self.filters:
                params[f"c[{flt.component}]"] = flt.render()
            if self.attributes != ("dsd",):
                params["attributes"] = ",".join(self.attributes)
            if self.measures != ("all",):
                params["measures"] = ",".join(self.measures)
        for name, value in (
            ("startPeriod", self.start_period),
            ("endPeriod", self.end_period),
            ("firstNObservations", self.first_n),
            ("lastNObservations", self.last_n),
            ("dimensionAtObservation", self.dimension_at_observation),
        ):
            if value is not None:
                params[name] = str(value)
        if self.updated_after is not None:
            params["updatedAfter"] = self.updated_after.isoformat()
        if self.include_history:
            params["includeHistory"] = "true"
        if not params:
            return path
        query = "&".join(
            f"{quote(k, safe='[]')}={quote(v, safe=',+:*')}" for k, v in params.items()
        )
        return f"{path}?{query}"


def _render_v1_key(keys: tuple[Key, ...]) -> str:
    if not keys:
        return "all"
    return ".".join("+".join(sorted(codes)) if codes else "" for codes in keys[0])


def _render_v2_keys(keys: tuple[Key, ...]) -> str:
    if not keys:
        return "*"
    return ",".join(
        ".".join(next(iter(codes)) if codes and len(codes) == 1 else "*" for codes in key)
        for key in keys
    )


# -- parsing ------------------------------------------------------------------------------


def _bad(title: str, detail: str, **context: object) -> InvalidQueryError:
    return InvalidQueryError(title, detail, context=dict(context))


def _check_id(value: str, what: str, pattern: re.Pattern[str] = _ID) -> str:
    if not pattern.match(value):
        raise _bad(f"Invalid {what}", f"{value!r} is not a valid {what}", value=value)
    return value


def parse_flow_ref(flow_ref: str) -> tuple[str | None, str, str | None]:
    """v1 ``flowRef``: ``ID``, ``AGENCY,ID`` or ``AGENCY,ID,VERSION`` (``all``/``latest``)."""
    parts = [p.strip() for p in flow_ref.split(",")]
    if len(parts) > 3 or not all(parts):
        raise _bad(
            "Invalid flow reference",
            f"{flow_ref!r}: write ID, AGENCY,ID or AGENCY,ID,VERSION "
            "(e.g. MOSY,DF_THB_VICTIMS,1.0.0)",
        )
    if len(parts) == 1:
        return None, _check_id(parts[0], "dataflow id"), None
    agency = None if parts[0] == "all" else _check_id(parts[0], "agency id", _AGENCY)
    version = None
    if len(parts) == 3 and parts[2] not in ("latest", "all"):
        version = _check_id(parts[2], "version", _VERSION)
    return agency, _check_id(parts[1], "dataflow id"), version


def parse_filter(component: str, text: str) -> ComponentFilter:
    """``c[COMPONENT]`` value: alternatives joined with ``,``, conditions with ``+``."""
    if not text.strip():
        raise _bad("Invalid filter", f"c[{component}] has no value", component=component)
    alternatives = []
    for alt in text.split(","):
        conditions = []
        for part in alt.split("+"):
            part = part.strip()
            op, sep, value = part.partition(":")
            if sep and op in OPERATORS:
                condition = Condition(op, value)
            elif sep and re.fullmatch(r"[a-z]{2}", op) and component != "TIME_PERIOD":
                raise _bad(
                    "Invalid filter operator",
                    f"c[{component}]={text!r}: {op!r} is not one of {', '.join(OPERATORS)}",
                    component=component,
                )
            else:
                condition = Condition("eq", part)
            if not condition.value:
                raise _bad(
                    "Invalid filter",
                    f"c[{component}]={text!r} has an empty value",
                    component=component,
                )
            conditions.append(condition)
        alternatives.append(tuple(conditions))
    if sum(len(a) for a in alternatives) > MAX_CODES:
        raise _bad("Filter too long", f"c[{component}] has more than {MAX_CODES} values")
    return ComponentFilter(component, tuple(alternatives))


def _positions(key: str, sep: str, wildcard: str) -> Key:
    out = []
    for position in key.split("."):
        position = position.strip()
        if position in ("", wildcard, "*"):
            out.append(None)
            continue
        codes = [c.strip() for c in position.split(sep)]
        for code in codes:
            _check_id(code, "code in the key")
        out.append(frozenset(codes))
    return tuple(out)


def parse_key(key: str | None, api: Api) -> tuple[Key, ...]:
    """A v1 key (``+`` ORs codes in a position) or v2 keys (``,`` lists whole keys)."""
    if key is None or key.strip() in ("", "all", "*"):
        return ()
    if len(key) > 4000:
        raise _bad("Key too long", "a key is at most 4000 characters; use c[...] filters")
    if api == "v1":
        return (_positions(key, "+", ""),)
    keys = tuple(_positions(k, "+", "*") for k in key.split(","))
    if len(keys) > MAX_CODES:
        raise _bad("Too many keys", f"at most {MAX_CODES} keys per query")
    return keys


def _count(params: Mapping[str, str], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1 or int(value) > MAX_COUNT:
        raise _bad(
            f"Invalid {name}",
            f"{name}={value!r}: give a whole number from 1 to {MAX_COUNT}",
            parameter=name,
        )
    return int(value)


def _boolean(params: Mapping[str, str], name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise _bad(f"Invalid {name}", f"{name}={value!r}: use true or false")
    return value == "true"


def _split_params(
    params: Mapping[str, str], allowed: frozenset[str]
) -> tuple[dict[str, str], tuple[ComponentFilter, ...]]:
    plain: dict[str, str] = {}
    filters: list[ComponentFilter] = []
    for name, value in params.items():
        match = _FILTER_PARAM.match(name)
        if match:
            # A literal '+' (AND) reaches a server as a space when the client did not
            # percent-encode it, as most do not: both mean AND.
            filters.append(parse_filter(match[1], value.replace(" ", "+")))
        elif name in allowed:
            plain[name] = value
        else:
            raise _bad(
                "Unknown query parameter",
                f"{name!r} is not a parameter of this query; use "
                + ", ".join(sorted(allowed | {"c[COMPONENT]"})),
                parameter=name,
            )
    return plain, tuple(filters)


def _common(plain: dict[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, attr in (("startPeriod", "start_period"), ("endPeriod", "end_period")):
        if name in plain:
            query_period(plain[name], name)  # refuse a bad period now
            out[attr] = plain[name].strip()
    if "startPeriod" in plain and "endPeriod" in plain:
        start = query_period(plain["startPeriod"], "startPeriod")[0]
        end = query_period(plain["endPeriod"], "endPeriod")[1]
        if start >= end:
            raise _bad(
                "Invalid period range",
                f"startPeriod={plain['startPeriod']} is after endPeriod={plain['endPeriod']}",
            )
    if "updatedAfter" in plain:
        out["updated_after"] = parse_datetime(plain["updatedAfter"], "updatedAfter")
    if "asOf" in plain:
        out["as_of"] = parse_datetime(plain["asOf"], "asOf")
    if "updated_after" in out and "as_of" in out and out["updated_after"] > out["as_of"]:  # type: ignore[operator]
        raise _bad("Invalid asOf", "updatedAfter must be before asOf")
    return out


def _list(value: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    items = tuple(v.strip() for v in value.replace("+", ",").split(",") if v.strip())
    return items or default


def parse_data_query(
    api: Api,
    *,
    flow_ref: str | None = None,
    context: str = "dataflow",
    agency: str | None = None,
    resource_id: str | None = None,
    version: str | None = None,
    key: str | None = None,
    provider_ref: str | None = None,
    params: Mapping[str, str] | None = None,
    availability: bool = False,
    component: str | None = None,
) -> DataQuery:
    """Parse a data query's path segments and query parameters (v1: ``flow_ref``)."""
    params = dict(params or {})
    allowed = (AVAILABILITY_PARAMS if availability else DATA_PARAMS)[api]
    plain, filters = _split_params(params, allowed)
    fields: dict[str, object] = {"api": api, "filters": filters, **_common(plain)}
    if api == "v1":
        if flow_ref is None:
            raise _bad("Missing flow reference", "name the dataflow: /data/{flowRef}/{key}")
        fields["agency"], fields["id"], fields["version"] = parse_flow_ref(flow_ref)
        if provider_ref and provider_ref not in ("all", ""):
            providers = []
            for ref in provider_ref.split("+"):
                provider = ref.split(",")[-1].strip()
                providers.append(_check_id(provider, "data provider id"))
            fields["providers"] = tuple(providers)
    else:
        if context not in CONTEXTS:
            raise _bad("Invalid context", f"{context!r}; use one of {', '.join(CONTEXTS)}")
        fields["context"] = "dataflow" if context == "*" else context
        if agency not in (None, "*"):
            fields["agency"] = _check_id(agency, "agency id", _AGENCY)
        if resource_id not in (None, "*"):
            fields["id"] = _check_id(resource_id, "artefact id")
        if version not in (None, "*", "~", "+", "latest"):
            fields["version"] = _check_id(version, "version", _VERSION)
    fields["keys"] = parse_key(key, api)
    fields["first_n"] = _count(plain, "firstNObservations")
    fields["last_n"] = _count(plain, "lastNObservations")
    if "dimensionAtObservation" in plain:
        fields["dimension_at_observation"] = _check_id(
            plain["dimensionAtObservation"], "dimensionAtObservation"
        )
    detail = plain.get("detail", "full")
    if detail not in DETAILS:
        raise _bad("Invalid detail", f"detail={detail!r}; use one of {', '.join(DETAILS)}")
    fields["detail"] = detail
    fields["include_history"] = _boolean(plain, "includeHistory")
    fields["attributes"] = _list(plain.get("attributes"), ("dsd",))
    fields["measures"] = _list(plain.get("measures"), ("all",))
    if fields["measures"] == ("none",) and detail == "full":
        attributes = fields["attributes"]
        fields["detail"] = "serieskeysonly" if attributes == ("none",) else "nodata"
    elif fields["attributes"] == ("none",) and detail == "full":
        fields["detail"] = "dataonly"
    offset = plain.get("offset")
    if offset is not None:
        if not offset.isdigit():
            raise _bad("Invalid offset", f"offset={offset!r}: give a whole number")
        fields["offset"] = int(offset)
    fields["limit"] = _count(plain, "limit")
    if "sort" in plain and plain["sort"] not in ("series_key", "series_key:asc"):
        raise InvalidQueryError(
            "Sort not supported", "data come sorted by series key; sort= takes series_key only"
        )
    mode = plain.get("mode", "exact")
    if mode not in ("exact", "available"):
        raise _bad("Invalid mode", f"mode={mode!r}; use exact or available")
    fields["mode"] = mode
    references = plain.get("references", "none").lower()
    if references not in AVAILABILITY_REFERENCES and availability:
        raise _bad(
            "Invalid references",
            f"references={references!r}; use one of {', '.join(AVAILABILITY_REFERENCES)}",
        )
    fields["references"] = references
    if component not in (None, "", "all", "*"):
        fields["component"] = _check_id(component, "component id")
    fields["extra"] = {k: v for k, v in plain.items() if k in ("format", "labels", "timeFormat")}
    return DataQuery(**fields)  # type: ignore[arg-type]


# -- binding to a structure -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BoundQuery:
    """A query checked against a dataflow: keys by dimension id, filters by kind."""

    query: DataQuery
    layout: ComponentLayout
    #: Alternatives of {dimension: codes}; () = every key.
    keys: tuple[dict[str, frozenset[str]], ...]
    dimension_filters: tuple[ComponentFilter, ...]
    time_filters: tuple[ComponentFilter, ...]
    attribute_filters: tuple[ComponentFilter, ...]
    measure_filters: tuple[ComponentFilter, ...]
    dimension_at_observation: str
    #: Attributes and measures the answer carries.
    attributes: tuple[str, ...]
    measures: tuple[str, ...]


def _valid_codes(layout: ComponentLayout, dim: str, limit: int = 30) -> str:
    codes = sorted(layout.components[dim].codes or ())
    shown = ", ".join(codes[:limit])
    return shown + (f" and {len(codes) - limit} more" if len(codes) > limit else "")


def bind(query: DataQuery, layout: ComponentLayout) -> BoundQuery:
    """Check ``query`` against ``layout``; what a client must fix is raised."""
    dims = list(layout.dimensions)
    keys = []
    for key in query.keys:
        if len(key) != len(dims):
            raise _bad(
                "Wrong number of key positions",
                f"the key has {len(key)} positions; {layout.flow_id or layout.dsd_id} has "
                f"{len(dims)} dimensions: {'.'.join(dims)}",
                positions=len(key),
            )
        bound = {}
        for dim, codes in zip(dims, key, strict=True):
            if codes is None:
                continue
            known = layout.components[dim].codes
            unknown = sorted(codes - known) if known is not None else []
            if unknown:
                raise StructureNotFoundError(
                    "Unknown code in the key",
                    f"{', '.join(unknown)} is not a code of {dim}; valid codes: "
                    + _valid_codes(layout, dim),
                    context={"dimension": dim, "codes": unknown},
                )
            bound[dim] = codes
        keys.append(bound)
    dim_filters, time_filters, attr_filters, measure_filters = [], [], [], []
    for flt in query.filters:
        comp = flt.component
        if comp in dims:
            dim_filters.append(flt)
        elif comp == layout.time_dimension:
            for alt in flt.alternatives:
                for cond in alt:
                    if cond.op in ("eq", "ne", "lt", "le", "gt", "ge"):
                        query_period(cond.value, f"c[{comp}]")
            time_filters.append(flt)
        elif comp in layout.attributes:
            attr_filters.append(flt)
        elif comp in layout.measures:
            for alt in flt.alternatives:
                for cond in alt:
                    if cond.op in ("lt", "le", "gt", "ge", "eq", "ne"):
                        try:
                            float(cond.value)
                        except ValueError:
                            raise _bad(
                                "Invalid filter",
                                f"c[{comp}]: {cond.value!r} is not a number",
                            ) from None
            measure_filters.append(flt)
        else:
            raise _bad(
                "Unknown component",
                f"c[{comp}]: {comp} is not a component of {layout.flow_id or layout.dsd_id}; "
                "use one of " + ", ".join(layout.all_columns()),
                component=comp,
            )
    dim_at_obs = query.dimension_at_observation or layout.time_dimension or ALL_DIMENSIONS
    allowed = [*dims, *([layout.time_dimension] if layout.time_dimension else [])]
    if dim_at_obs != ALL_DIMENSIONS and dim_at_obs not in allowed:
        raise _bad(
            "Invalid dimensionAtObservation",
            f"{dim_at_obs!r} is not a dimension; use AllDimensions or one of " + ", ".join(allowed),
        )
    return BoundQuery(
        query=query,
        layout=layout,
        keys=tuple(keys),
        dimension_filters=tuple(dim_filters),
        time_filters=tuple(time_filters),
        attribute_filters=tuple(attr_filters),
        measure_filters=tuple(measure_filters),
        dimension_at_observation=dim_at_obs,
        attributes=_attributes(query, layout),
        measures=_measures(query, layout),
    )


def _attributes(query: DataQuery, layout: ComponentLayout) -> tuple[str, ...]:
    if query.detail in ("dataonly", "serieskeysonly"):
        return ()
    wanted = query.attributes
    levels = {
        "dataset": {AttachmentLevel.DATASET},
        "series": {AttachmentLevel.SERIES, AttachmentLevel.GROUP},
        "obs": {AttachmentLevel.OBSERVATION},
    }
    out = []
    for attr in layout.attributes:
        level = layout.components[attr].level
        if query.detail == "nodata" and level is AttachmentLevel.OBSERVATION:
            continue
        every = "dsd" in wanted or "all" in wanted
        if every or attr in wanted or any(level in levels.get(w, set()) for w in wanted):
            out.append(attr)
    unknown = [
        w
        for w in wanted
        if w not in ("dsd", "all", "none", "msd", *levels) and w not in layout.attributes
    ]
    if unknown:
        raise _bad(
            "Unknown attribute",
            f"attributes={','.join(unknown)}: not attributes of {layout.flow_id or layout.dsd_id}",
        )
    return tuple(out)


def _measures(query: DataQuery, layout: ComponentLayout) -> tuple[str, ...]:
    if query.series_only:
        return ()
    wanted = query.measures
    if "all" in wanted:
        return tuple(layout.measures)
    if "none" in wanted:
        return ()
    unknown = [m for m in wanted if m not in layout.measures]
    if unknown:
        raise _bad(
            "Unknown measure",
            f"measures={','.join(unknown)}; use all, none or one of {', '.join(layout.measures)}",
        )
    return tuple(m for m in layout.measures if m in wanted)


def with_defaults(query: DataQuery, **changes: object) -> DataQuery:
    """A copy with some fields changed (for the registry's own derived queries)."""
    return replace(query, **changes)  # type: ignore[arg-type]
