"""The built-in THB structures, built from the editable files in codelists/ and dsd/.

``load_thb_structures()`` reads the CSV and YAML sources (THB-DATA-MODEL §3)
into sdmx1 model objects and wraps them in a StructureSet. A broken source
raises StructureError whose Location names the file and line.
"""

from __future__ import annotations

from pathlib import Path

from sdmx.message import Header, StructureMessage
from sdmx.model.common import Agency

from mosy_sdmx.exceptions import Location, MosyError, StructureError
from mosy_sdmx.structures._codelists import load_codelists
from mosy_sdmx.structures._dsds import constraint_for, load_concepts, load_dsds
from mosy_sdmx.structures._providers import agency_scheme, load_providers
from mosy_sdmx.structures.resources import builtin_dir
from mosy_sdmx.structures.structure_set import StructureSet

__all__ = ["load_thb_structures"]


def load_thb_structures(
    codelists_dir: str | Path | None = None, dsd_dir: str | Path | None = None
) -> StructureSet:
    """Every THB artefact as one StructureSet (default: the built-in folders)."""
    cl_dir = Path(codelists_dir) if codelists_dir is not None else builtin_dir("codelists")
    d_dir = Path(dsd_dir) if dsd_dir is not None else builtin_dir("dsd")
    try:
        return _build(cl_dir, d_dir)
    except MosyError:
        raise
    except Exception as exc:  # a case the checks missed: still no bare traceback
        raise StructureError(
            "Broken structure source",
            f"{type(exc).__name__}: {exc}",
            location=Location(source=f"{cl_dir.name}/ or {d_dir.name}/"),
        ) from exc


def _build(cl_dir: Path, d_dir: Path) -> StructureSet:
    agencies_scheme, agencies = agency_scheme()
    mosy = agencies["MOSY"]
    codelists, _ = load_codelists(cl_dir, agencies)
    concepts = load_concepts(d_dir, mosy)
    dsds, flows = load_dsds(d_dir, codelists, concepts, mosy)
    providers, agreements, pa_constraints, _ = load_providers(d_dir, codelists, flows, mosy)

    message = StructureMessage(
        header=Header(id="MOSY_THB_STRUCTURES", test=False, sender=Agency(id=mosy.id))
    )
    message.add(agencies_scheme)
    message.add(providers)
    for codelist in codelists.values():
        message.add(codelist)
    message.add(concepts)
    for dsd in dsds:
        message.add(dsd)
    for info in flows:
        message.add(info.flow)
        dsd = info.flow.structure
        components = {c.id: c for c in dsd.dimensions.components + dsd.attributes.components}
        order = {
            cid: list(comp.local_representation.enumerated.items)
            for cid, comp in components.items()
            if comp.local_representation is not None
            and comp.local_representation.enumerated is not None
        }
        message.add(
            constraint_for(
                f"CC_{info.flow.id}",
                info.flow,
                components,
                info.allowed,
                order,
                mosy,
                f"Codes allowed in {info.flow.id}",
            )
        )
    for cc in pa_constraints:
        message.add(cc)
    for pa in agreements:
        message.add(pa)
    return StructureSet(message, source=f"{cl_dir.name}/ + {d_dir.name}/")
