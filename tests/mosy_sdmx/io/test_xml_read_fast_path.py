"""The structure-specific reader's fast paths: generated start callback and bulk Arrow strings."""

from __future__ import annotations

import io

import pyarrow as pa
import pytest

from mosy_sdmx.io.sdmx_ml import ss_reader
from mosy_sdmx.io.sdmx_ml._read_columns import strings_to_arrow

pytestmark = pytest.mark.usefixtures("both_xml_paths")

MSG21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
SS21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
AREAS = ["AT", "BE", "CY", "DE", "EE", "FR", "GR"]


def series_message(n_series: int, obs_per_series: int) -> tuple[bytes, list[tuple[str, str, str]]]:
    """A message whose series differ in REF_AREA and SEX; also the expected rows."""
    parts = [
        f'<message:StructureSpecificData xmlns:message="{MSG21}" xmlns:ss="{SS21}">',
        '<message:DataSet ss:structureRef="S1">',
    ]
    expected = []
    for s in range(n_series):
        area, sex = AREAS[s % len(AREAS)], "MF"[s // len(AREAS) % 2]
        parts.append(f'<Series REF_AREA="{area}" SEX="{sex}">')
        for k in range(obs_per_series):
            # Attribute order varies: the fast path must go by name, not position.
            if (s + k) % 3:
                parts.append(f'<Obs TIME_PERIOD="{2000 + k}" OBS_VALUE="{s}.{k}"/>')
            else:
                parts.append(f'<Obs OBS_VALUE="{s}.{k}" TIME_PERIOD="{2000 + k}"/>')
            expected.append((area, sex, f"{2000 + k}", f"{s}.{k}"))
        parts.append("</Series>")
    parts += ["</message:DataSet>", "</message:StructureSpecificData>"]
    return "\n".join(parts).encode(), expected


def test_series_values_land_on_their_observations_across_many_chunks():
    data, expected = series_message(n_series=9_000, obs_per_series=7)
    assert len(data) > 3 * (1 << 20)  # several 1 MB chunks, so several flushes
    frame = ss_reader.read(io.BytesIO(data), layout=None, source_name="t.xml").data
    got = list(
        zip(
            frame["REF_AREA"].astype(str),
            frame["SEX"].astype(str),
            frame["TIME_PERIOD"],
            frame["OBS_VALUE"].astype(str),
            strict=True,
        )
    )
    assert got == expected


def test_same_attribute_count_with_other_names_leaves_the_fast_path():
    data, _ = series_message(n_series=2, obs_per_series=3)
    text = data.decode().replace('OBS_VALUE="1.1"', 'OBS_STATUS="E"', 1)
    frame = ss_reader.read(io.BytesIO(text.encode()), layout=None, source_name="t.xml").data
    row = frame.index[frame["OBS_STATUS"].astype(object) == "E"].tolist()
    assert row == [4]
    assert frame["OBS_VALUE"].isna().tolist() == [i == 4 for i in range(6)]


@pytest.mark.parametrize(
    "values",
    [
        ["2008", "A", "", "12.5"],
        ["é", "日本", "x", ""],  # non-ASCII: offsets count bytes
        ["a", None, "b"],  # missing values
        ["only"],
        [],
        ["a\x00b", "c"],  # a NUL (never from XML) must not split a value
    ],
)
def test_strings_to_arrow_equals_arrow_conversion(values):
    array = strings_to_arrow(values)
    array.validate(full=True)
    assert array.equals(pa.array(values, pa.string()))
