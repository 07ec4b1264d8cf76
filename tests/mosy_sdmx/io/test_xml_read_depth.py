"""The depth limit holds wherever the nesting sits, and errors say where.

Regression: series read on the fast path were not counted on the way in but
were on the way out, so each series lowered the depth counter and nesting
placed after a few series escaped the limit.
"""

from __future__ import annotations

import pytest
from io_samples import thb_dataset

from mosy_sdmx import read_data, write_data
from mosy_sdmx.exceptions import ParseError
from mosy_sdmx.safe_xml import MAX_DEPTH

pytestmark = pytest.mark.usefixtures("both_xml_paths")

FORMATS = ["sdmx-ml-2.1-ss", "sdmx-ml-3.0", "sdmx-ml-2.1-generic"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_nesting_after_many_series_is_refused_at_its_line(fmt) -> None:
    message = write_data(thb_dataset(n_series=40), None, fmt)
    closing = b"</generic:Series>" if "generic" in fmt else b"</Series>"
    at = message.rindex(closing) + len(closing)
    depth = MAX_DEPTH + 5
    nested = b"\n" + b"<deep>\n" * depth + b"</deep>" * depth
    data = message[:at] + nested + message[at:]
    with pytest.raises(ParseError, match="nested too deeply") as caught:
        read_data(data, flow="DF_THB_VICTIMS")
    first_deep_line = data[:at].count(b"\n") + 2
    # The element that crossed the limit: the first <deep> sits under the DataSet.
    assert first_deep_line < caught.value.location.line <= first_deep_line + depth


@pytest.mark.parametrize("fmt", FORMATS)
def test_moderate_nesting_under_the_dataset_is_read(fmt) -> None:
    """Legitimate SDMX depth (~10) is far below the limit: normal files read."""
    dataset = thb_dataset(n_series=40)
    back = read_data(write_data(dataset, None, fmt), flow="DF_THB_VICTIMS")
    assert len(back.data) == len(dataset.data)


def test_binary_structure_file_is_called_binary(tmp_path) -> None:
    from mosy_sdmx.structures import load_structures

    path = tmp_path / "structure.xml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ParseError, match="binary data") as caught:
        load_structures(path)
    assert caught.value.location.line == 1
