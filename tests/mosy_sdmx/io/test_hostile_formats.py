"""Malformed input the fuzzer found, as classes: each refused with a ParseError that says where.

Workbooks that name far cells, broken zip and gzip wrappers, JSON of the
wrong shape or nesting, numbers outside the standard's spelling, structure
files that load but could not be used, and the last-resort catch-all of
``validate_file`` (logged, so that a reader bug never passes as the user's).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import re
import zipfile

import pyarrow as pa
import pytest
from fuzzing import thb_seeds

from mosy_sdmx import MosyError, ParseError, StructureError, read_data, validate_file
from mosy_sdmx.formats import sniff_data_format
from mosy_sdmx.io.numbers import parse_doubles
from mosy_sdmx.io.sdmx_json._messages import json_depth
from mosy_sdmx.io.xlsx.extent import SheetExtent
from mosy_sdmx.limits import limits_override
from mosy_sdmx.structures import load_structures

FLOW = "DF_THB_VICTIMS"


@pytest.fixture(scope="module")
def seeds() -> dict[str, bytes]:
    out = {}
    for case in thb_seeds(structures=False):
        out.setdefault(case.suffix, case.data)
        if b"GenericData" in case.data:
            out["generic.xml"] = case.data
        if b"StructureSpecificData" in case.data[:300]:
            out.setdefault("ss.xml", case.data)
        if b'"structures"' in case.data:
            out["json2"] = case.data
    return out


def _edit_sheet(workbook: bytes, edit) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            target.writestr(info.filename, data)
    return out.getvalue()


# -- workbooks: no size taken on trust --------------------------------------------------


@pytest.mark.parametrize(
    "edit, limit",
    [
        (lambda x: x.replace(b'<c r="B3"', b'<c r="XFD1048576"', 1), "max_sheet_columns"),
        (lambda x: x.replace(b'<c r="B3"', b'<c r="B99999999"', 1), "max_sheet_rows"),
        (lambda x: x.replace(b'<c r="B3"', b'<c r="AMJ1000000"', 1), "max_sheet_cells"),
        (lambda x: x.replace(b'<c r="B3"', b'<c r="B200000"', 1), "max_sheet_sparseness"),
        (
            lambda x: x.replace(b"</sheetPr>", b'</sheetPr><dimension ref="A1:XFD9"/>', 1),
            "max_sheet_columns",
        ),
        # Cells without a reference count on from the last one, as a reader counts them.
        (
            lambda x: x.replace(b'<c r="B3"', b'<c r="AMJ3"/>' + b"<c/>" * 3 + b'<c r="B4"', 1),
            "max_sheet_columns",
        ),
    ],
)
def test_workbook_naming_far_cells_is_refused_before_any_sheet_reader(seeds, edit, limit):
    data = _edit_sheet(seeds[".xlsx"], edit)
    with pytest.raises(ParseError, match="Workbook sheet too large") as err:
        read_data(data, flow=FLOW)
    assert err.value.context["limit"] == limit
    assert err.value.location.sheet == "Data"


def test_workbook_limits_can_be_raised(seeds):
    data = _edit_sheet(seeds[".xlsx"], lambda x: x.replace(b'<c r="B3"', b'<c r="B3000"', 1))
    with limits_override(max_sheet_rows=100), pytest.raises(ParseError, match="row 3000"):
        read_data(data, flow=FLOW)
    try:  # within the defaults the sheet is read (and the moved cell found out of place)
        read_data(data, flow=FLOW)
    except ParseError as exc:
        assert exc.title != "Workbook sheet too large"


@pytest.mark.parametrize(
    "xml, extent",
    [
        (b'<row r="1"><c r="A1"/><c r="C7"/></row>', (3, 7, 2)),
        (b'<row r="4"><c/><c/><c t="s"/></row><row><c/></row>', (3, 5, 4)),
        (b'<x:row r="2"><x:c r="$D$9"/></x:row>', (4, 9, 1)),
        (b'<row r="1048576" s="2" customFormat="1"/>', (0, 0, 0)),  # formatting only
        (b"<!-- " + b"<c r='XFD9'/>" * 10 + b" -->", (0, 0, 0)),
    ],
)
def test_extent_counts_cells_as_a_sheet_reader_places_them(xml, extent):
    scan = SheetExtent()
    data = b"<worksheet><sheetData>" + xml + b"</sheetData></worksheet>"
    for i in range(0, len(data), 7):  # tags straddle chunks
        scan.feed(data[i : i + 7])
    scan.close()
    if b"<!--" in xml:
        return  # comments are not skipped by the scan: counting them is only cautious
    assert (scan.max_col, scan.max_row, scan.cells) == extent


# -- zip and gzip wrappers --------------------------------------------------------------


def _zipped_csv(csv: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.csv", csv)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda z: z[:-6] + b"\xff\xff\xff\xff\0\0",  # central directory offset
        lambda z: z[:-10] + b"\0\0\0\0" + z[-6:],  # central directory size
        lambda z: z[:26] + b"\xff\xff" + z[28:],  # local header's name length
    ],
)
def test_broken_zip_wrapper_is_a_parse_error(seeds, corrupt):
    data = corrupt(_zipped_csv(seeds[".csv"]))
    with pytest.raises(ParseError):
        read_data(io.BufferedReader(io.BytesIO(data)))


def test_zip_member_with_a_bad_crc_is_a_parse_error(seeds):
    packed = bytearray(_zipped_csv(seeds[".csv"]))
    crc_at = packed.index(b"PK\x01\x02") + 16  # the central directory's CRC
    packed[crc_at : crc_at + 4] = b"\1\2\3\4"
    local = 14
    packed[local : local + 4] = b"\1\2\3\4"
    with pytest.raises(ParseError, match=r"Broken compressed input|Bad CRC|Broken zip"):
        read_data(bytes(packed))


@pytest.mark.parametrize("where", [-8, -4])
def test_gzip_with_a_bad_crc_or_size_is_a_parse_error(seeds, where):
    packed = bytearray(gzip.compress(seeds[".csv"]))
    packed[where] ^= 0xFF
    with pytest.raises(ParseError, match="Broken compressed input"):
        read_data(bytes(packed))


# -- SDMX-JSON: shapes at the boundary, one depth limit ---------------------------------


@pytest.mark.parametrize(
    "path, value, at",
    [
        (("data", "dataSets"), 3, "$.data.dataSets"),
        (("data", "structures", 0, "dimensions", "series"), {"id": "X"}, "$.data.structures[0]"),
        (("data", "dataSets", 0, "action"), 7, "$.data.dataSets[0].action"),
        (("data", "dataSets", 0, "series"), [], "$.data.dataSets[0].series"),
        (("data", "structures", 0, "dimensions", "series", 0, "id"), None, "].id"),
    ],
)
def test_json_value_of_the_wrong_type_names_its_path(seeds, path, value, at):
    doc = json.loads(seeds["json2"])
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    with pytest.raises(ParseError) as err:
        read_data(json.dumps(doc).encode(), flow=FLOW)
    assert at in err.value.context["path"] and at in str(err.value)


@pytest.mark.parametrize("extra", [64, 65])
def test_json_and_xml_share_one_depth_limit(seeds, extra):
    doc = json.loads(seeds[".json"])
    base = json_depth(seeds[".json"])
    doc["meta"]["nested"] = json.loads("[" * (extra - 2) + "]" * (extra - 2))
    data = json.dumps(doc).encode()
    assert json_depth(data) == max(base, extra)
    if extra > 64:
        with pytest.raises(ParseError, match="nested too deeply") as err:
            read_data(data, flow=FLOW)
        assert err.value.context["limit"] == 64
    else:
        read_data(data, flow=FLOW)
    with limits_override(max_depth=10), pytest.raises(ParseError, match="nested too deeply"):
        read_data(
            seeds[".xml"].replace(
                b"<message:Header>", b"<a>" * 12 + b"</a>" * 12 + b"<message:Header>", 1
            ),
            flow=FLOW,
        )


def test_brackets_and_escapes_in_strings_do_not_count_as_nesting():
    assert json_depth(b'{"a": "[[[{{", "b": "\\\\\\"[[[", "c": [1]}') == 2


def test_sniffing_deep_json_iterates_never_recurses():
    data = b'{"data": {' + b'"x": [' * 50_000 + b"]" * 50_000 + b"}}"
    assert sniff_data_format(data).value == "sdmx-json-2.0"
    with pytest.raises(ParseError, match="nested too deeply"):
        read_data(data)


# -- numbers as the standard spells them ------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("12", 12.0),
        (" 12 ", 12.0),
        ("+5", 5.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("1E3", 1000.0),
        ("NaN", "nan"),
        ("INF", float("inf")),
        ("-INF", float("-inf")),
        ("1e999", float("inf")),
        ("", None),
        ("1_000", "bad"),
        ("nan", "bad"),
        ("inf", "bad"),
        ("Infinity", "bad"),
        ("0x10", "bad"),
        ("\u0661\u0662", "bad"),
        ("12abc", "bad"),
    ],
)
def test_numbers_follow_xsd_double(text, value):
    parsed, bad = parse_doubles(pa.array(["1", text]))
    if value == "bad":
        assert parsed is None and bad == 1
        return
    got = parsed.to_pylist()[1]
    if value == "nan":
        assert got != got
    else:
        assert got == value


@pytest.mark.parametrize("fmt", [".csv", "ss.xml", "generic.xml"])
def test_number_python_takes_but_sdmx_does_not_is_refused_with_its_position(seeds, fmt):
    data = seeds[fmt]
    pattern = rb'OBS_VALUE="([^"]+)"|ObsValue value="([^"]+)"'
    first = re.search(pattern, data) if fmt != ".csv" else None
    if fmt == ".csv":
        header, first_row, rest = data.split(b"\n", 2)
        column = header.split(b",").index(b"OBS_VALUE")
        cells = first_row.split(b",")
        cells[column] = b"1_000"
        data = b"\n".join([header, b",".join(cells), rest])
    else:
        assert first is not None
        group = 1 if first.group(1) else 2
        data = data[: first.start(group)] + b"1_000" + data[first.end(group) :]
    with pytest.raises(ParseError, match="1_000") as err:
        read_data(data, flow=FLOW)
    where = err.value.location
    assert where.row == 1 or where.line is not None


# -- structure files: usable if they load -------------------------------------------------


def test_structure_with_a_measure_among_its_attributes_is_refused_at_load(specimens, tmp_path):
    text = (specimens / "ECB_EXR" / "ng-structure-full.xml").read_bytes()
    pattern = rb'(<structure:Attribute [^>]*id=")[A-Z_]+(")'
    broken = re.sub(pattern, rb"\1OBS_VALUE\2", text, count=1)
    assert broken != text
    path = tmp_path / "broken.xml"
    path.write_bytes(broken)
    with pytest.raises(StructureError) as err:
        load_structures(path)
    assert err.value.context == {"structure": "ECB_EXR_NG", "component": "OBS_VALUE"}
    assert "ECB_EXR_NG" in str(err.value) and "OBS_VALUE" in str(err.value)


# -- validate_file's last resort ----------------------------------------------------------


def test_catch_all_logs_the_reader_bug_and_still_reports(monkeypatch, tmp_path, caplog):
    import mosy_sdmx.io as io_module

    def broken_reader(*args, **kwargs):
        raise TypeError("a reader bug")

    monkeypatch.setattr(io_module, "read_data", broken_reader)
    path = tmp_path / "data.csv"
    path.write_text("STRUCTURE,STRUCTURE_ID\n")
    with caplog.at_level(logging.ERROR, logger="mosy_sdmx.validation"):
        report = validate_file(path, flow=FLOW)
    assert not report.valid and "TypeError" in report.issues[0].message
    assert any("failed unexpectedly" in r.getMessage() for r in caplog.records)


def test_mosy_error_is_the_only_exception_class_readers_raise_here(seeds):
    for data in (b"\x1f\x8b" + b"\0" * 20, b"PK\x03\x04" + b"\0" * 40, b'{"data": 1}', b"<x"):
        with pytest.raises(MosyError):
            read_data(data)
