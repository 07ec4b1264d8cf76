"""What a structure-specific message says of its components, once its columns are read.

Structure-specific data names each value by an XML attribute, with two
exceptions this module settles after the columns are built:

- explicit measures (SDMX-ML 2.1): an observation gives its value of the
  measure dimension by its type, ``xsi:type="ns:TFRNSI"`` (or the reserved
  ``type`` attribute), not by an XML attribute named after the dimension;
- without its DSD, the message does not tell a series' dimensions from its
  attributes: ``described`` lists what it shows, marking the guesses.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from mosy_sdmx import namespaces as ns
from mosy_sdmx.categoricals import per_row
from mosy_sdmx.exceptions import Location, ParseError
from mosy_sdmx.io.sdmx_ml._read_header import StructureRef
from mosy_sdmx.structures.layout import AttachmentLevel, ComponentLayout, described_layout

#: An observation's ``type`` attribute names its measure when explicit measures
#: are used (SDMX-ML 2.1 ObsType); a group's names the group (GroupType). The
#: base schemas reserve it, so it is never a component.
TYPE = "type"
XSI_TYPE = ns.XSI_TYPE
#: What structure-specific elements carry that is never a component.
NOT_COMPONENTS = frozenset({TYPE, XSI_TYPE})
#: The local name of the plain observation type: an ``xsi:type`` naming it is
#: an annotation, not a measure.
PLAIN_OBS_TYPE = "ObsType"
ALL_DIMENSIONS = "AllDimensions"


def expected_dimensions(layout: ComponentLayout | None, ref: StructureRef | None) -> list[str]:
    """The dimensions every observation must have: the structure's, else the one the
    header names as the dimension at observation level."""
    if layout is not None:
        return layout.key_columns()
    dim = ref.dimension_at_observation if ref is not None else None
    return [dim] if dim and dim != ALL_DIMENSIONS else []


def _measures_named_by_type(column: pd.Series) -> pd.Categorical:
    """The local names of the types (``ns:TFRNSI`` -> ``TFRNSI``), the plain
    ``ObsType`` as missing; computed on the few distinct values, not per row."""
    cat = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    local = [str(c).rsplit(":", 1)[-1] for c in cat.cat.categories]
    names = sorted({n for n in local if n != PLAIN_OBS_TYPE})
    index = {n: i for i, n in enumerate(names)}
    remap = np.array([index.get(n, -1) for n in local], dtype=np.int64)
    codes = np.asarray(cat.cat.codes, dtype=np.int64)
    return pd.Categorical.from_codes(per_row(codes, remap, -1), names)


def explicit_measures(
    frame: pd.DataFrame,
    ref: StructureRef | None,
    layout: ComponentLayout | None,
    source: str | None,
) -> pd.DataFrame:
    """Fill the measure dimension from the observations' ``xsi:type`` / ``type``.

    A cross-sectional observation (dimension at observation level: the measure
    dimension) names that dimension's value; flat data names the DSD's
    MeasureDimension, which only the structure can tell.
    """
    given = [c for c in (XSI_TYPE, TYPE) if c in frame.columns]
    if not given:
        return frame
    named = [_measures_named_by_type(frame[c]) for c in given]
    frame = frame.drop(columns=given)
    measures = pd.Series(named[0], index=frame.index)
    if len(named) > 1:  # both forms: xsi:type first, then type
        measures = measures.astype(object).where(
            measures.notna(), pd.Series(named[1]).astype(object)
        )
    if not measures.notna().any():
        return frame
    dim = ref.dimension_at_observation if ref is not None else None
    if not dim or dim == ALL_DIMENSIONS:
        dim = layout.measure_dimension if layout is not None else None
    if dim is None:
        raise ParseError(
            "Measure dimension unknown",
            "the observations name their measure by type (explicit measures), but "
            "which dimension that is only the data structure says: give the data structure",
            location=Location(source=source),
        )
    if dim in frame.columns:  # also stated as an XML attribute: both must agree
        stated = frame[dim].astype(object)
        typed = measures.astype(object)
        clash = stated.notna() & typed.notna() & (stated != typed)
        if clash.any():
            row = int(np.flatnonzero(clash.to_numpy())[0])
            raise ParseError(
                "Conflicting measure",
                f"observation {row + 1} gives {dim}={stated.iloc[row]!r} but its type "
                f"says {typed.iloc[row]!r}",
                location=Location(source=source, row=row + 1, component=dim),
                context={"component": dim},
            )
        measures = stated.where(stated.notna(), typed)
    frame[dim] = measures.astype("category")
    if layout is not None:
        order = [c for c in layout.all_columns() if c in frame.columns]
        frame = frame[order + [c for c in frame.columns if c not in order]]
    return frame


def described(
    frame: pd.DataFrame,
    *,
    series_level: Iterable[str],
    dataset_attributes: Iterable[str],
    ref: StructureRef | None,
    urn: str | None,
) -> ComponentLayout:
    """What the message shows without its DSD: where each component stands.

    The dimension at observation level and the time dimension are known; a
    series' other values may be dimensions or attributes (the message does not
    say), so they are listed as dimensions and marked as guessed, which keeps
    them in place for structure-specific and CSV output and makes generic
    SDMX-ML and SDMX-JSON output ask for the DSD. A column of several values or
    languages is never a dimension.
    """
    dim_at_obs = ref.dimension_at_observation if ref is not None else None
    dataset_attributes = list(dataset_attributes)
    measures = [m for m in ("OBS_VALUE",) if m in frame.columns]
    multi = {c for c in frame.columns if frame[c].dtype == object}
    series_level = [c for c in series_level if c in frame.columns]
    obs_level = [c for c in frame.columns if c not in series_level and c not in measures]
    dims = [c for c in series_level if c not in multi]
    if dim_at_obs == ALL_DIMENSIONS:
        dims += [c for c in obs_level if c not in dataset_attributes and c not in multi]
    elif dim_at_obs in frame.columns and dim_at_obs not in dims:
        dims.append(dim_at_obs)
    elif dim_at_obs is None and "TIME_PERIOD" in obs_level:
        dims.append("TIME_PERIOD")
    time = "TIME_PERIOD" if "TIME_PERIOD" in dims else None
    attributes = {c: AttachmentLevel.SERIES for c in series_level if c in multi}
    attributes.update({c: AttachmentLevel.OBSERVATION for c in obs_level if c not in dims})
    attributes.update({a: AttachmentLevel.DATASET for a in dataset_attributes})
    certain = {dim_at_obs, time}
    return described_layout(
        structure_urn=urn,
        dimensions=dims,
        time_dimension=time,
        measures=measures,
        attributes=attributes,
        numeric_measures={m for m in measures if frame[m].dtype == "float64"},
        guessed_dimensions=tuple(d for d in dims if d not in certain),
    )
