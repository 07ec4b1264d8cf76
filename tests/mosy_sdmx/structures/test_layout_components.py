"""A DSD whose components a reader could not use is refused at load, in SDMX words."""

from __future__ import annotations

import pytest
from sdmx.model import v21

from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.structures.layout import check_components


def _dsd() -> v21.DataStructureDefinition:
    dsd = v21.DataStructureDefinition(id="DSD_X")
    dsd.dimensions.append(v21.Dimension(id="REF_AREA"))
    dsd.dimensions.append(v21.TimeDimension(id="TIME_PERIOD"))
    dsd.measures.append(v21.PrimaryMeasure(id="OBS_VALUE"))
    dsd.attributes.append(v21.DataAttribute(id="OBS_STATUS"))
    return dsd


def test_a_usable_dsd_passes() -> None:
    check_components(_dsd())


@pytest.mark.parametrize(
    ("move", "said"),
    [
        (lambda d: d.dimensions.append(v21.DataAttribute(id="COMMENT")), "is an attribute"),
        (lambda d: d.attributes.append(v21.TimeDimension(id="T2")), "is the time dimension"),
        (lambda d: d.measures.append(v21.Dimension(id="SEX")), "is a dimension"),
    ],
)
def test_a_component_in_the_wrong_list_is_named_in_sdmx_words(move, said) -> None:
    dsd = _dsd()
    move(dsd)
    with pytest.raises(StructureError) as err:
        check_components(dsd)
    text = str(err.value)
    assert said in text
    for sdmx1_class in ("DataAttribute", "TimeDimension", "Dimension(", "DimensionComponent"):
        assert sdmx1_class not in text
