"""SDMX REST structure and schema queries, parsed from and rendered to URL paths.

Two generations side by side:

- ``v1``, SDMX REST 1.5.0 (SDMX 2.1): ``/{resource}/{agency}/{id}/{version}/{item}``,
  lists joined with ``+``, keywords ``all`` and ``latest``;
- ``v2``, SDMX REST 2.x (SDMX 3.0): ``/structure/{type}/{agency}/{id}/{version}/{item}``,
  lists joined with ``,``, ``*`` for all, and the semantic-version wildcards of
  ``versions.py``.

A query is an immutable ``StructureQuery`` with the resource type in SDMX 3.0
names (``dataconstraint`` for 1.5.0's ``contentconstraint``); ``render`` writes
the path (and query string) of either generation. Everything that breaks the
grammar raises ``InvalidQueryError`` saying what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlencode

from mosy_sdmx.exceptions import InvalidQueryError, StructureError
from mosy_sdmx.rest.versions import VersionQuery

if TYPE_CHECKING:
    from mosy_sdmx.structures.layout import ComponentLayout

Api = Literal["v1", "v2"]

#: REST 2.x structure types (``*`` = any), grouped as the spec does.
ITEM_SCHEME_TYPES = frozenset(
    {
        "agencyscheme",
        "categoryscheme",
        "codelist",
        "conceptscheme",
        "customtypescheme",
        "dataconsumerscheme",
        "dataproviderscheme",
        "metadataproviderscheme",
        "namepersonalisationscheme",
        "organisationunitscheme",
        "reportingtaxonomy",
        "rulesetscheme",
        "transformationscheme",
        "userdefinedoperatorscheme",
        "valuelist",
        "vtlmappingscheme",
    }
)
STRUCTURE_TYPES = ITEM_SCHEME_TYPES | {
    "categorisation",
    "categoryschememap",
    "conceptschememap",
    "dataconstraint",
    "dataflow",
    "datastructure",
    "hierarchy",
    "hierarchyassociation",
    "metadataconstraint",
    "metadataflow",
    "metadataprovisionagreement",
    "metadatastructure",
    "organisationschememap",
    "process",
    "provisionagreement",
    "reportingtaxonomymap",
    "representationmap",
    "structuremap",
    "structureset",
}
#: REST 1.5.0 resource names that differ from 2.x (v1 name -> v2 name).
V1_ALIASES = {
    "contentconstraint": "dataconstraint",
    "actualconstraint": "dataconstraint",
    "allowedconstraint": "dataconstraint",
    "attachmentconstraint": "dataconstraint",
    "hierarchicalcodelist": "hierarchy",
    "organisationscheme": "agencyscheme",
    "namealiasscheme": "namepersonalisationscheme",
    "structure": "*",
}
V1_RESOURCES = (STRUCTURE_TYPES - {"dataconstraint", "hierarchy", "valuelist"}) | set(V1_ALIASES)
V2_ONLY_TYPES = frozenset({"hierarchyassociation", "valuelist", "metadataprovisionagreement"})
#: How 1.5.0 names the 2.x types (for rendering and for ``references=``).
V1_NAME = {
    "dataconstraint": "contentconstraint",
    "hierarchy": "hierarchicalcodelist",
    "*": "structure",
}

DETAILS = (
    "full",
    "allstubs",
    "referencestubs",
    "allcompletestubs",
    "referencecompletestubs",
    "referencepartial",
    "raw",
)
REFERENCE_KEYWORDS = (
    "none",
    "parents",
    "parentsandsiblings",
    "ancestors",
    "children",
    "descendants",
    "all",
)
SCHEMA_CONTEXTS = (
    "datastructure",
    "dataflow",
    "provisionagreement",
    "metadatastructure",
    "metadataflow",
)

_AGENCY = re.compile(r"^[A-Za-z][A-Za-z\d_-]*(\.[A-Za-z][A-Za-z\d_-]*)*$")
_ID = re.compile(r"^[A-Za-z\d_@$-]+$")
_ITEM = re.compile(r"^[A-Za-z\d_@$-]+(\.[A-Za-z\d_@$-]+)*$")
_COMPONENT = re.compile(r"^[A-Za-z][A-Za-z\d_-]*$")

#: Query parameters each kind of query accepts (``format`` is the registry's for browsers).
STRUCTURE_PARAMS = {
    "v1": frozenset({"detail", "references", "format"}),
    "v2": frozenset({"detail", "references", "asOf", "updatedAfter", "format"}),
}
SCHEMA_PARAMS = {
    "v1": frozenset({"dimensionAtObservation", "explicitMeasure", "format"}),
    # explicitMeasure: REST 2.0.0 syntax, still accepted (it left the API in 2.1.0).
    "v2": frozenset({"dimensionAtObservation", "explicitMeasure", "format", "asOf"}),
}


@dataclass(frozen=True, slots=True)
class StructureQuery:
    """A structure query: what to match, how much detail, which references.

    ``agencies``, ``ids`` and ``items`` are empty for "all"; ``versions`` holds
    the version selectors (default: latest). ``references`` holds keywords or
    resource types; ``()`` means none.
    """

    api: Api
    type: str = "*"
    agencies: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    versions: tuple[VersionQuery, ...] = ()
    items: tuple[str, ...] = ()
    detail: str = "full"
    references: tuple[str, ...] = ()
    updated_after: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_item_query(self) -> bool:
        return bool(self.items)

    def render(self, api: Api | None = None) -> str:
        """The query as a path with query string, in ``api``'s syntax (default: its own)."""
        api = api or self.api
        sep, every = ("+", "all") if api == "v1" else (",", "*")
        spelling = {"~": "latest", "*": "all"} if api == "v1" else {"latest": "~", "all": "*"}
        versions = sep.join(spelling.get(v.text, v.text) for v in self.versions)
        versions = versions or ("latest" if api == "v1" else "~")
        segments = [
            sep.join(self.agencies) or every,
            sep.join(self.ids) or every,
            versions,
        ]
        if self.items:
            segments.append(sep.join(self.items))
        if api == "v1":
            path = "/" + "/".join([V1_NAME.get(self.type, self.type), *segments])
        else:
            path = "/structure/" + "/".join([self.type, *segments])
        params = {}
        if self.detail != "full":
            params["detail"] = self.detail
        if self.references:
            refs = [V1_NAME.get(r, r) if api == "v1" else r for r in self.references]
            params["references"] = ",".join(refs) if api == "v2" else refs[0]
        if self.updated_after:
            params["updatedAfter"] = self.updated_after
        return path + ("?" + urlencode(params, safe=",") if params else "")


@dataclass(frozen=True, slots=True)
class SchemaQuery:
    """A schema query: the XSD for a dataflow, DSD or provision agreement."""

    api: Api
    context: str
    agency: str
    id: str
    version: VersionQuery
    dimension_at_observation: str | None = None
    explicit_measure: bool = False


def _split(segment: str | None, api: Api) -> list[str]:
    if segment is None:
        return []
    sep = "+" if api == "v1" else ","
    values = segment.split(sep)
    if api == "v2" and len(values) == 1 and "+" in segment and not _is_version_like(segment):
        values = segment.split("+")  # REST 2.0.0 drafts joined lists with "+"
    return values


def _is_version_like(segment: str) -> bool:
    return bool(re.match(r"^[\d.+~*]+$", segment))


def _every(values: list[str], api: Api) -> bool:
    return values == [] or values == (["all"] if api == "v1" else ["*"]) or values == ["*"]


def _check(values: list[str], pattern: re.Pattern[str], what: str, example: str) -> tuple[str, ...]:
    for value in values:
        if not pattern.match(value):
            raise InvalidQueryError(
                f"Invalid {what}",
                f"{value!r} is not a valid {what} (for example {example})",
                context={what.replace(" ", "_"): value},
            )
    return tuple(values)


def resource_type(name: str, api: Api) -> str:
    """The 2.x type for a resource name of ``api``; InvalidQueryError if unknown."""
    lowered = name.lower()
    if api == "v1":
        if lowered in V1_ALIASES:
            return V1_ALIASES[lowered]
        if lowered in V1_RESOURCES:
            return lowered
        known = ", ".join(sorted(V1_RESOURCES))
    else:
        if lowered == "*" or lowered in STRUCTURE_TYPES:
            return lowered
        known = "*, " + ", ".join(sorted(STRUCTURE_TYPES))
    raise InvalidQueryError(
        "Unknown structure type",
        f"{name!r} is not an SDMX REST structure resource; use one of: {known}",
        context={"type": name},
    )


def parse_structure_query(
    api: Api,
    resource: str,
    agency: str | None = None,
    resource_id: str | None = None,
    version: str | None = None,
    item: str | None = None,
    params: Mapping[str, str] | None = None,
) -> StructureQuery:
    """Parse the path segments and query parameters of a structure query."""
    kind = resource_type(resource, api)
    params = dict(params or {})
    unknown = set(params) - STRUCTURE_PARAMS[api]
    if unknown:
        raise InvalidQueryError(
            "Unknown query parameter",
            f"{', '.join(sorted(unknown))} is not a parameter of structure queries; use "
            + ", ".join(sorted(STRUCTURE_PARAMS[api])),
            context={"parameters": sorted(unknown)},
        )
    agencies = _split(agency, api)
    ids = _split(resource_id, api)
    items = _split(item, api)
    agencies_t = () if _every(agencies, api) else _check(agencies, _AGENCY, "agency id", "MOSY")
    ids_t = () if _every(ids, api) else _check(ids, _ID, "artefact id", "CL_GEO")
    items_t = () if _every(items, api) and item != "*" else _check(items, _ITEM, "item id", "PT")
    if item is not None and _every(items, api):
        items_t = ()
    if items_t and kind not in ITEM_SCHEME_TYPES and not (api == "v1" and kind == "hierarchy"):
        raise InvalidQueryError(
            "Item query on a non-item scheme",
            f"item ids can follow item schemes only ({', '.join(sorted(ITEM_SCHEME_TYPES))}), "
            f"not {resource}",
        )
    raw_versions = _split(version, api) if version is not None else []
    versions = tuple(VersionQuery.parse(v, api) for v in raw_versions) or (
        VersionQuery.parse("latest" if api == "v1" else "~", api),
    )
    detail = params.get("detail", "full")
    if detail not in DETAILS or (api == "v1" and detail == "raw"):
        allowed = [d for d in DETAILS if api == "v2" or d != "raw"]
        raise InvalidQueryError(
            "Invalid detail", f"detail={detail!r}; use one of {', '.join(allowed)}"
        )
    references = _references(params.get("references"), api)
    return StructureQuery(
        api=api,
        type=kind,
        agencies=agencies_t,
        ids=ids_t,
        versions=versions,
        items=items_t,
        detail=detail,
        references=references,
        updated_after=params.get("updatedAfter"),
        extra={k: v for k, v in params.items() if k in ("format", "asOf")},
    )


def _references(value: str | None, api: Api) -> tuple[str, ...]:
    if value is None or value == "none":
        return ()
    values = value.split(",") if api == "v2" else [value]
    out = []
    for ref in values:
        lowered = ref.strip().lower()
        if lowered in REFERENCE_KEYWORDS and not (api == "v1" and lowered == "ancestors"):
            out.append(lowered)
            continue
        try:
            kind = resource_type(lowered, api)
        except InvalidQueryError:
            keywords = [k for k in REFERENCE_KEYWORDS if api == "v2" or k != "ancestors"]
            raise InvalidQueryError(
                "Invalid references",
                f"references={ref!r}; use one of {', '.join(keywords)} or a structure type",
            ) from None
        if kind == "*":
            raise InvalidQueryError("Invalid references", "references names one structure type")
        out.append(kind)
    if "none" in out and len(out) > 1:
        raise InvalidQueryError("Invalid references", "'none' cannot be combined")
    return tuple(r for r in out if r != "none")


def parse_schema_query(
    api: Api,
    context: str,
    agency: str,
    resource_id: str,
    version: str | None,
    params: Mapping[str, str] | None = None,
) -> SchemaQuery:
    """Parse a schema query (``/schema/{context}/{agency}/{id}/{version}``)."""
    params = dict(params or {})
    unknown = set(params) - SCHEMA_PARAMS[api]
    if unknown:
        raise InvalidQueryError(
            "Unknown query parameter",
            f"{', '.join(sorted(unknown))} is not a parameter of schema queries; use "
            + ", ".join(sorted(SCHEMA_PARAMS[api])),
        )
    if context not in SCHEMA_CONTEXTS:
        raise InvalidQueryError(
            "Invalid schema context",
            f"{context!r}; use one of {', '.join(SCHEMA_CONTEXTS)}",
        )
    _check([agency], _AGENCY, "agency id", "MOSY")
    _check([resource_id], _ID, "artefact id", "DF_THB_VICTIMS")
    text = version or ("latest" if api == "v1" else "~")
    parsed = VersionQuery.parse(text, api)
    if parsed.kind == "all":
        raise InvalidQueryError("Invalid version", "a schema is for one version, not all")
    dim = params.get("dimensionAtObservation")
    if dim is not None and not _COMPONENT.match(dim):
        raise InvalidQueryError("Invalid dimensionAtObservation", f"{dim!r} is not a component id")
    explicit = params.get("explicitMeasure", "false").lower()
    if explicit not in ("true", "false"):
        raise InvalidQueryError("Invalid explicitMeasure", "use true or false")
    return SchemaQuery(api, context, agency, resource_id, parsed, dim, explicit == "true")


def observation_dimension(layout: ComponentLayout, value: str | None) -> str:
    """The ``dimensionAtObservation`` of a schema query for ``layout``: the time
    dimension by default, else a dimension of the structure or AllDimensions.

    InvalidQueryError (400) names the dimensions when ``value`` is none of them.
    """
    from mosy_sdmx.io.sdmx_ml._write_envelope import check_dimension_at_observation

    try:
        return check_dimension_at_observation(layout, value or "TIME_PERIOD")
    except StructureError as error:
        raise InvalidQueryError("Invalid dimensionAtObservation", error.detail) from None
