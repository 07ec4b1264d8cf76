"""Names of components and codes, for label-carrying outputs.

SDMX-CSV ``labels=both`` and SDMX-JSON need human names; they come from a
StructureSet (concept names, codelists) and, as a fallback, from labels a
reader found in its input (``Dataset.labels``). Looked up once per component,
never per observation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mosy_sdmx.dataset import Dataset
from mosy_sdmx.structures import ComponentLayout


@dataclass(slots=True)
class Names:
    """Component names and code labels by component id."""

    structure: str | None = None
    components: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def component(self, comp_id: str) -> str:
        return self.components.get(comp_id) or comp_id

    def code(self, comp_id: str, code: str) -> str:
        return self.codes.get(comp_id, {}).get(code, code)


def _text(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "localized_default"):
        try:
            text = value.localized_default()
        except Exception:  # an empty InternationalString
            text = None
        return str(text) if text else None
    text = str(value)
    return text or None


def collect_names(
    layout: ComponentLayout, dataset: Dataset | None = None, structures=None
) -> Names:
    """Names for ``layout``'s components and codes from ``structures`` and ``dataset``."""
    names = Names()
    if structures is not None:
        _from_structures(names, layout, structures)
    if dataset is not None:
        for comp, mapping in dataset.labels.items():
            names.codes.setdefault(comp, {})
            for code, label in mapping.items():
                names.codes[comp].setdefault(code, label)
    return names


def _from_structures(names: Names, layout: ComponentLayout, structures) -> None:
    from mosy_sdmx.exceptions import StructureNotFoundError

    try:
        if layout.flow_id:
            flow = structures.dataflow(layout.flow_id)
            names.structure = _text(flow.name)
        dsd = structures.dsd(layout.dsd_id)
    except StructureNotFoundError:
        return
    if names.structure is None:
        names.structure = _text(dsd.name)
    for group in (dsd.dimensions, dsd.measures, dsd.attributes):
        for comp in group.components:
            concept = getattr(comp, "concept_identity", None)
            label = _text(getattr(concept, "name", None)) if concept is not None else None
            if label:
                names.components[comp.id] = label
    for comp_id, comp in layout.components.items():
        if not comp.codelist:
            continue
        try:
            codelist = structures.codelist(comp.codelist)
        except StructureNotFoundError:
            continue
        mapping = {}
        for code in codelist:
            label = _text(code.name)
            if label:
                mapping[code.id] = label
        names.codes[comp_id] = mapping
