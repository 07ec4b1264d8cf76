"""SDMX-ML structure-specific data writers (2.1 StructureSpecificData and 3.0).

The message validates against the official schemas combined with the
dataflow-specific schema of ``mosy_sdmx.structures.xsd.dataflow_schema`` (what
``mosy schema --flow ID`` writes): the header's Structure carries the
``namespace``, the DataSet carries ``xsi:type`` in that namespace, a prefixed
``structureRef``, ``action`` and (2.1) ``dataScope``.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from mosy_sdmx import namespaces as ns
from mosy_sdmx.dataset import Action, Dataset, is_multi_value
from mosy_sdmx.io.sdmx_ml._write_body import is_numeric, write_flat, write_series
from mosy_sdmx.io.sdmx_ml._write_columns import fragments, value_text
from mosy_sdmx.io.sdmx_ml._write_comps import (
    comp_fragments,
    comp_xml,
    complex_columns,
    obs_close,
)
from mosy_sdmx.io.sdmx_ml._write_envelope import (
    STRUCTURE_ID,
    STRUCTURE_PREFIX,
    check_dimension_at_observation,
    message,
    ns_for,
    require_key_columns,
    structure_ref,
)
from mosy_sdmx.io.sdmx_ml._write_plan import plan
from mosy_sdmx.structures.layout import ComponentLayout


def write_21(
    dataset: Dataset,
    stream: BinaryIO,
    *,
    layout: ComponentLayout,
    dimension_at_observation: str = "TIME_PERIOD",
    **options: Any,
) -> None:
    """SDMX-ML 2.1 StructureSpecificData.

    Options: ``data_provider=True`` adds the DataSet's DataProvider reference
    (from ``Dataset.provider``); off by default because sdmx1 cannot read it.
    """
    _write(dataset, stream, layout, dimension_at_observation, "2.1", **options)


def write_30(
    dataset: Dataset,
    stream: BinaryIO,
    *,
    layout: ComponentLayout,
    dimension_at_observation: str = "TIME_PERIOD",
    **options: Any,
) -> None:
    """SDMX-ML 3.0 structure-specific data (options as ``write_21``)."""
    _write(dataset, stream, layout, dimension_at_observation, "3.0", **options)


def dataset_attribute_values(dataset: Dataset, names: tuple[str, ...]) -> dict[str, str]:
    """Dataset-level attribute values: ``Dataset.attributes``, else a constant column."""
    out: dict[str, str] = {}
    for name in names:
        value = dataset.attributes.get(name)
        if value is None and name in dataset.data.columns:
            values = dataset.data[name].dropna().unique()
            if len(values) == 1:
                value = values[0]
        if value is not None and str(value) != "":
            out[name] = value_text(value)
    return out


def _attr_parts(dataset: Dataset, layout: ComponentLayout, names, skip=()) -> list:
    data = dataset.data
    parts = []
    for name in names:
        if name in data.columns and name not in skip:
            numeric = is_numeric(layout, data[name], name)
            parts.append(
                fragments(data[name], lambda t, name=name: f' {name}="{t}"', numeric=numeric)
            )
    return parts


def _comp_type_namer(layout: ComponentLayout):
    """The dataflow-specific Comp type of a component: ``ID_ATTRIBUTE`` (``ID_MEASURE``),
    as the SDMX-ML 3.0 samples' schemas name them, in the structure's namespace."""

    def name(component: str) -> str:
        kind = "MEASURE" if component in layout.measures else "ATTRIBUTE"
        return f"{STRUCTURE_PREFIX}:{component}_{kind}"

    return name


def _write(
    dataset: Dataset,
    stream: BinaryIO,
    layout: ComponentLayout,
    dimension_at_observation: str,
    version: str,
    data_provider: bool = False,
    **_ignored: Any,
) -> None:
    dim_at_obs = check_dimension_at_observation(layout, dimension_at_observation)
    ref = structure_ref(layout)
    where = plan(layout, dim_at_obs)
    message_ns, common_ns, ss_ns = ns_for(version)
    structure_ns = ref.namespace(dim_at_obs)
    conventional = ns.NSMAP_30_SS if version == "3.0" else ns.NSMAP_21_SS
    nsmap = {**conventional, STRUCTURE_PREFIX: structure_ns}
    require_key_columns(layout, dataset)

    ds_attrs = {
        f"{{{ss_ns}}}structureRef": STRUCTURE_ID,
        ns.XSI_TYPE: f"{STRUCTURE_PREFIX}:DataSetType",
    }
    if version == "2.1":
        ds_attrs[f"{{{ss_ns}}}dataScope"] = "Dataflow" if ref.is_dataflow else "DataStructure"
    ds_attrs[f"{{{ss_ns}}}action"] = Action.parse(dataset.action).value
    complex_attributes = {}
    for name in where.dataset_attributes:
        value = dataset.attributes.get(name)
        if is_multi_value(value):
            complex_attributes[name] = value
    simple = tuple(n for n in where.dataset_attributes if n not in complex_attributes)
    for name, value in dataset_attribute_values(dataset, simple).items():
        ds_attrs[name] = value

    comp_type = _comp_type_namer(layout)
    with message(stream, "StructureSpecificData", nsmap, message_ns, common_ns) as env:
        env.header(dataset, ref, dim_at_obs, version=version, structure_specific=True)
        with env.xf.element(f"{{{message_ns}}}DataSet", ds_attrs):
            if data_provider:
                env.data_provider("DataProvider", dataset.provider, layout.agency, version)
            env.xf.write("\n")
            env.flush()
            if complex_attributes:  # data set level Comps: an Atts element with no key
                comps = "".join(
                    comp_xml(n, v, comp_type(n), "common") for n, v in complex_attributes.items()
                )
                stream.write(f"<Atts>{comps}</Atts>\n".encode())
            write_body(dataset, stream, layout, dim_at_obs)


def write_body(
    dataset: Dataset,
    stream: BinaryIO,
    layout: ComponentLayout,
    dimension_at_observation: str,
    *,
    series_only: bool = False,
) -> None:
    """The lines between the DataSet tags (same in 2.1 and 3.0): series and observations.

    With ``series_only`` each row is one series written without observations
    (``detail=serieskeysonly`` or ``nodata``). Streaming writers call this per chunk.
    """
    where = plan(layout, dimension_at_observation)
    data = dataset.data
    # SDMX-ML 3.0: columns with several values or languages become <Comp> children
    # (write_data lets no other version get such cells).
    obs_comps = complex_columns(dataset, (*where.measures, *where.obs_attributes))
    series_comps = complex_columns(dataset, where.series_attributes)
    comp_type = _comp_type_namer(layout)

    # Flat: series and group attributes were placed on Obs by the plan.
    obs_parts: list = ["<Obs"]
    obs_parts += _attr_parts(dataset, layout, where.obs_dimensions)
    obs_parts += _attr_parts(dataset, layout, where.measures, obs_comps)
    obs_parts += _attr_parts(dataset, layout, where.obs_attributes, obs_comps)
    if obs_comps:
        opening, closing = obs_close(data, obs_comps)
        obs_parts.append(opening)
        obs_parts += [comp_fragments(data[c], c, comp_type(c), "common") for c in obs_comps]
        obs_parts.append(closing)
    else:
        obs_parts.append("/>\n")
    if where.flat:
        write_flat(stream, len(data), obs_parts)
        return
    series_parts: list = ["<Series"]
    series_parts += _attr_parts(dataset, layout, where.series_dimensions)
    series_parts += _attr_parts(dataset, layout, where.series_attributes, series_comps)
    series_parts.append(">\n")
    series_parts += [comp_fragments(data[c], c, comp_type(c), "common") for c in series_comps]
    write_series(
        stream,
        data,
        where.series_dimensions,
        series_parts,
        [] if series_only else obs_parts,
        "</Series>\n",
    )
