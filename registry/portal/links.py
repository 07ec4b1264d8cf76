"""The SDMX REST URLs a page links to: each artefact and each data selection in every
format the registry offers, so that a visitor learns the API by using the pages."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from mosy_sdmx.rest.query import V1_NAME
from mosy_sdmx.structures.references import ArtefactRef


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str
    note: str = ""


def artefact_path(ref: ArtefactRef) -> str:
    """The portal page of an artefact."""
    return f"/structures/{ref.type}/{ref.agency}/{ref.id}/{ref.version}"


def structure_links(ref: ArtefactRef) -> list[Link]:
    """The artefact over SDMX REST 1.5.0 and 2.x, in SDMX-ML 2.1, 3.0 and SDMX-JSON 2.0."""
    v1 = f"/sdmx/2.1/{V1_NAME.get(ref.type, ref.type)}/{ref.agency}/{ref.id}/{ref.version}"
    v2 = f"/sdmx/3.0/structure/{ref.type}/{ref.agency}/{ref.id}/{ref.version}"
    links = [
        Link("SDMX-ML 2.1", v1, "SDMX REST 1.5.0"),
        Link("SDMX-ML 3.0", v2, "SDMX REST 2.1.0"),
        Link("SDMX-JSON 2.0", v2 + "?format=sdmx-json-2.0", "SDMX REST 2.1.0"),
        Link("SDMX-ML 3.0 with what it refers to", v2 + "?references=descendants"),
    ]
    if ref.type in ("dataflow", "datastructure"):
        links.append(
            Link(
                "XML schema (XSD) of its data",
                f"/sdmx/3.0/schema/{ref.type}/{ref.agency}/{ref.id}/{ref.version}",
            )
        )
    return links


#: (label, format= value) of every data format, SDMX REST 2.x names.
DATA_FORMATS = (
    ("SDMX-CSV 2.0", "csvfile"),
    ("SDMX-CSV 1.0", "sdmx-csv-1.0"),
    ("SDMX-ML 3.0", "sdmx-ml-3.0"),
    ("SDMX-ML 2.1 structure-specific", "sdmx-ml-2.1-ss"),
    ("SDMX-ML 2.1 generic", "sdmx-ml-2.1-generic"),
    ("SDMX-JSON 2.0", "sdmx-json-2.0"),
    ("SDMX-JSON 1.0", "sdmx-json-1.0"),
)


def data_url(flow: ArtefactRef, key: str, params: dict[str, str], fmt: str | None = None) -> str:
    """``/sdmx/3.0/data/dataflow/{agency}/{id}/{version}/{key}`` with the query's parameters."""
    query = dict(params)
    if fmt is not None:
        query["format"] = fmt
    base = f"/sdmx/3.0/data/dataflow/{flow.agency}/{flow.id}/{flow.version}/{key}"
    return base + ("?" + urlencode(query, safe=":*,+[]") if query else "")


def data_links(flow: ArtefactRef, key: str, params: dict[str, str]) -> list[Link]:
    return [Link(label, data_url(flow, key, params, fmt)) for label, fmt in DATA_FORMATS]
