"""Where each component goes in a data message, for one dimension at observation.

Shared by the writers and the dataflow-specific XSD generator so that what is
written and what the schema allows cannot drift apart.

Group attributes are written at series level (or on the observation when
flat): a ComponentLayout does not name the DSD's groups, and SDMX allows an
attribute to be stated on the series it applies to.
"""

from __future__ import annotations

from dataclasses import dataclass

from mosy_sdmx.structures.layout import AttachmentLevel, ComponentLayout

ALL_DIMENSIONS = "AllDimensions"


@dataclass(frozen=True, slots=True)
class Plan:
    dimension_at_observation: str
    series_dimensions: tuple[str, ...]  # empty when flat
    obs_dimensions: tuple[str, ...]
    dataset_attributes: tuple[str, ...]
    series_attributes: tuple[str, ...]  # series + group attributes (on Obs when flat)
    obs_attributes: tuple[str, ...]
    measures: tuple[str, ...]

    @property
    def flat(self) -> bool:
        return self.dimension_at_observation == ALL_DIMENSIONS


def plan(layout: ComponentLayout, dimension_at_observation: str) -> Plan:
    """Place every dimension, measure and attribute of ``layout``."""
    keys = layout.key_columns()
    flat = dimension_at_observation == ALL_DIMENSIONS
    obs_dims = tuple(keys) if flat else (dimension_at_observation,)
    series_dims = () if flat else tuple(k for k in keys if k != dimension_at_observation)
    dataset_attrs, series_attrs, obs_attrs = [], [], []
    for attr in layout.attributes:
        comp = layout.components[attr]
        if comp.level is AttachmentLevel.DATASET:
            dataset_attrs.append(attr)
        elif comp.level is AttachmentLevel.OBSERVATION or flat:
            obs_attrs.append(attr)
        elif dimension_at_observation in comp.related_dimensions:
            obs_attrs.append(attr)  # varies along the observation dimension
        else:
            series_attrs.append(attr)
    if flat:
        series_attrs, obs_attrs = [], obs_attrs
    return Plan(
        dimension_at_observation,
        series_dims,
        obs_dims,
        tuple(dataset_attrs),
        tuple(series_attrs),
        tuple(obs_attrs),
        tuple(layout.measures),
    )
