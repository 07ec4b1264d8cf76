"""Format sniffing on every specimen and on the awkward starts real files have."""

from __future__ import annotations

import json

import pytest

from mosy_sdmx.exceptions import UnsupportedFormatError
from mosy_sdmx.formats import DataFormat, sniff_data_format


def expected_format(path) -> DataFormat | None:
    """What each specimen is, from its published name (None: not a data message)."""
    name, folder = path.name, path.parent.name
    if path.suffix == ".csv":
        return DataFormat.SDMX_CSV_20
    if folder in ("structure", "metadata") or "structure" in name or name.startswith("common"):
        return None
    if path.suffix == ".json":
        return DataFormat.SDMX_JSON_20 if folder == "data" else DataFormat.SDMX_JSON_10
    return DataFormat.SDMX_ML_21_SS if name.endswith("-ss.xml") else DataFormat.SDMX_ML_21_GENERIC


def specimen_files(root):
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix in (".xml", ".json", ".csv", ".xsd")
    )


def test_every_specimen_is_sniffed_as_published(specimens):
    files = specimen_files(specimens)
    assert len(files) > 60
    for path in files:
        head = path.read_bytes()[:65536]
        expected = expected_format(path)
        if expected is None:
            with pytest.raises(UnsupportedFormatError):
                sniff_data_format(head, path.name)
        else:
            assert sniff_data_format(head, path.name) is expected, path


def test_structure_message_says_what_it_is(specimens):
    head = (specimens / "ECB_EXR" / "1" / "structure.xml").read_bytes()[:4096]
    with pytest.raises(UnsupportedFormatError, match="Structure"):
        sniff_data_format(head)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xef\xbb\xbfSTRUCTURE,STRUCTURE_ID,ACTION\n", DataFormat.SDMX_CSV_20),
        (b'"STRUCTURE","STRUCTURE_ID"\r\n', DataFormat.SDMX_CSV_20),
        (b"STRUCTURE[;];STRUCTURE_ID;ACTION\n", DataFormat.SDMX_CSV_20),
        (b"structure,structure_id\n", DataFormat.SDMX_CSV_20),
        (b"  \r\nDATAFLOW;DIM_1\n", DataFormat.SDMX_CSV_10),
        (b"DATAFLOW\tDIM_1\n", DataFormat.SDMX_CSV_10),
        (
            b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- a comment with <Tags> -->\n'
            b'<mes:GenericData xmlns:mes="x">',
            DataFormat.SDMX_ML_21_GENERIC,
        ),
        (
            b"<message:StructureSpecificData xmlns:message="
            b'"http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message">',
            DataFormat.SDMX_ML_30,
        ),
        (
            b'{"meta": {"schema": "https://x/schemas/1.0/sdmx-json-data-schema.json"}, "data": {}}',
            DataFormat.SDMX_JSON_10,
        ),
        (
            b'{"meta": {"id": "A"}, "data": {"structure": {}, "dataSets": []}}',
            DataFormat.SDMX_JSON_10,
        ),
        (
            b'{"meta": {"id": "A"}, "data": {"structures": [], "dataSets": []}}',
            DataFormat.SDMX_JSON_20,
        ),
        (b'{"header": {"id": "A"}, "structure": {}, "dataSets": []}', DataFormat.SDMX_JSON_10),
        (b"PK\x03\x04rest", DataFormat.XLSX),
    ],
)
def test_awkward_starts(head, expected):
    assert sniff_data_format(head) is expected


@pytest.mark.parametrize(
    "head",
    [
        b"a,b,c\n1,2,3\n",
        b"STRUCTUREX,b\n",
        b"<html><body>",
        b"\xff\xfeS\x00T\x00",
        b'{"meta": {"schema": "https://x/sdmx-json-structure-schema.json"}, '
        b'"data": {"codelists": []}}',
        b"[1, 2]",
    ],
)
def test_not_data_messages_are_refused(head):
    with pytest.raises(UnsupportedFormatError):
        sniff_data_format(head)


def test_our_json_writers_output_is_sniffed_back():
    from io_samples import thb_dataset

    from mosy_sdmx.io import write_data

    for fmt in (DataFormat.SDMX_JSON_10, DataFormat.SDMX_JSON_20):
        data = write_data(thb_dataset(n_series=2, years=1), None, fmt)
        assert sniff_data_format(data[:65536]) is fmt
    legacy = write_data(thb_dataset(n_series=2, years=1), None, "sdmx-json-1.0", envelope="legacy")
    assert sniff_data_format(legacy) is DataFormat.SDMX_JSON_10
    assert json.loads(legacy)["header"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("SDMX-CSV-2.0", DataFormat.SDMX_CSV_20),
        ("application/vnd.sdmx.data+json;version=1.0.0", DataFormat.SDMX_JSON_10),
        ("application/vnd.sdmx.data+csv", DataFormat.SDMX_CSV_20),
    ],
)
def test_format_names_and_media_types(name, expected):
    assert DataFormat.parse(name) is expected
