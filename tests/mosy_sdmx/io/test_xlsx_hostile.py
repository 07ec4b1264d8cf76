"""Hostile workbooks: every part is vetted before the workbook reader parses it.

A DTD in any part, a part in a wide encoding, a bomb-like member, a broken or
badly typed sheet: each is a ParseError (never an expat, zipfile or Python
error), names the sheet when one is at fault, and never reads the local file a
hostile entity points at.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from streams import OneWay

from mosy_sdmx import DataFormat, Dataset, MosyError, ParseError, read_data, write_data
from mosy_sdmx.io.xlsx import archive as xlsx_archive
from mosy_sdmx.limits import limits_override
from mosy_sdmx.structures import builtin_structures

pytestmark = pytest.mark.usefixtures("both_books")

FLOW = "DF_THB_VICTIMS"
MARKER = "MOSY-XLSX-SECRET-93ab"


@pytest.fixture(scope="module")
def thb():
    return builtin_structures()


@pytest.fixture(scope="module")
def workbook(thb) -> bytes:
    key = dict(
        FREQ="A",
        REF_AREA="PT",
        DATA_SOURCE="NREM",
        PERS_STAT="PER_VICT",
        AGE="TOTAL",
        CITIZEN="TOTAL",
        EXPLOIT="_T",
        TIME_PERIOD="2023",
        OBS_STATUS="A",
        CONF_STATUS="F",
        UNIT_MEASURE="NR",
        COUNT_RULE="PERS_YEAR",
    )
    rows = [dict(key, SEX=s, OBS_VALUE=v) for s, v in (("T", 12.0), ("M", 5.0), ("F", 7.0))]
    dataset = Dataset(
        pd.DataFrame(rows),
        structure_urn=thb.layout(FLOW).structure_urn,
        attributes={"UNIT_MULT": "0", "DECIMALS": "0"},
    )
    return write_data(dataset, None, DataFormat.XLSX, thb, flow=FLOW)


@pytest.fixture(scope="module")
def secret(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xlsx-secret") / "secret.txt"
    path.write_text(MARKER, encoding="utf-8")
    return path


def rewrite(workbook: bytes, member: str, change, extra: dict[str, bytes] | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, change(data) if name == member else data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def data_sheet(workbook: bytes) -> str:
    archive = zipfile.ZipFile(io.BytesIO(workbook))
    return next(
        n
        for n in sorted(archive.namelist())
        if n.startswith("xl/worksheets/") and b"OBS_VALUE" in archive.read(n)
    )


def with_doctype(doctype: bytes):
    def change(xml: bytes) -> bytes:
        body = re.sub(rb"^<\?xml[^>]*\?>", b"", xml)
        return b'<?xml version="1.0" encoding="UTF-8"?>' + doctype + body

    return change


def read_error(data: bytes, thb) -> ParseError:
    with pytest.raises(MosyError) as info:
        read_data(data, thb, flow=FLOW)
    err = info.value
    assert isinstance(err, ParseError), repr(err)
    text = str(err) + json.dumps(err.to_dict(), default=str)
    assert MARKER not in text
    return err


@pytest.mark.parametrize(
    "member",
    [
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "DATA_SHEET",
    ],
)
def test_xxe_in_any_part_is_refused_before_any_sheet_is_read(
    workbook, thb, secret, member, monkeypatch
):
    member = data_sheet(workbook) if member == "DATA_SHEET" else member
    assert member in zipfile.ZipFile(io.BytesIO(workbook)).namelist()
    doctype = b'<!DOCTYPE x [<!ENTITY e SYSTEM "' + secret.as_uri().encode() + b'">]>'
    data = rewrite(workbook, member, with_doctype(doctype))

    def never(*args, **kwargs):
        raise AssertionError("the workbook reader was handed a workbook with a DTD")

    monkeypatch.setattr("mosy_sdmx.io.xlsx.books.BOOK", never)
    err = read_error(data, thb)
    assert err.context.get("reason") == "dtd-refused"
    assert member in err.detail
    if member.startswith("xl/worksheets/"):
        assert err.location.sheet == "Data"


def test_doctype_far_into_a_part_is_found(workbook, thb):
    padding = b"<!-- " + b"x" * (3 * xlsx_archive.SCAN_CHUNK + 7) + b" -->"
    data = rewrite(workbook, "xl/styles.xml", with_doctype(padding + b"<!DOCTYPE s>"))
    assert read_error(data, thb).context.get("reason") == "dtd-refused"


@pytest.mark.parametrize(
    "encode",
    [
        lambda xml: b"\xff\xfe" + xml.decode("utf-8").encode("utf-16-le"),
        lambda xml: xml.decode("utf-8").encode("utf-16-be"),
        lambda xml: b'<?xml version="1.0" encoding="cp037"?>' + xml.decode().encode("cp037"),
        lambda xml: b'<?xml version="1.0"' + b" " * 300 + b'encoding="cp037"?>' + xml,
    ],
    ids=["utf16-bom", "utf16-no-bom", "ebcdic-declared", "declaration-past-the-head"],
)
def test_part_in_a_non_ascii_compatible_encoding_is_refused(workbook, thb, encode):
    data = rewrite(workbook, data_sheet(workbook), encode)
    err = read_error(data, thb)
    assert err.context.get("reason") == "encoding-refused" and "UTF-8" in err.detail


def test_bomb_like_member_is_refused_before_inflating(workbook, thb, monkeypatch):
    data = rewrite(workbook, "", bytes, {"xl/media/zeros.bin": bytes(4 * 1024**2)})
    inflated = []
    original = xlsx_archive._scan_member
    monkeypatch.setattr(xlsx_archive, "_scan_member", lambda *a: inflated.append(a) or original(*a))
    with limits_override(ratio_floor=64 * 1024, max_ratio=100):
        err = read_error(data, thb)
    assert "zeros.bin" in err.detail and "fold" in err.detail
    assert inflated == []


def test_workbook_unpacking_past_the_cap_is_refused(workbook, thb):
    with limits_override(max_unpacked_bytes=1000):
        err = read_error(workbook, thb)
    assert err.context.get("limit") == 1000


def test_broken_sheet_names_its_sheet_and_position(workbook, thb):
    data = rewrite(workbook, data_sheet(workbook), lambda xml: xml[: len(xml) // 2])
    err = read_error(data, thb)
    assert err.location.sheet == "Data"
    assert re.search(r"line \d+, column \d+", err.detail), err.detail


def test_badly_typed_cell_is_a_parse_error_on_its_sheet(workbook, thb):
    # Well-formed XML openpyxl cannot convert: a numeric cell holding text.
    def change(xml: bytes) -> bytes:
        new, n = re.subn(rb"(<c [^>]*?)t=\"[^\"]*\"([^>]*><v>)", rb'\1t="n"\2', xml, count=1)
        new, m = re.subn(rb'(t="n"[^>]*><v>)[^<]*', rb"\1not-a-number", new, count=1)
        assert n and m
        return new

    err = read_error(rewrite(workbook, data_sheet(workbook), change), thb)
    assert err.location.sheet == "Data" and err.title == "Not a readable Excel workbook"
    assert "sheet 'Data' is broken" in err.detail


def test_workbook_without_its_workbook_part_is_a_parse_error(workbook, thb):
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if name != "xl/workbook.xml":
                target.writestr(name, source.read(name))
    read_error(out.getvalue(), thb)


def test_clean_workbook_from_an_unseekable_stream_still_reads(workbook, thb):
    dataset = read_data(io.BufferedReader(OneWay(workbook)), thb, flow=FLOW)
    assert sorted(dataset.data["OBS_VALUE"].tolist()) == [5.0, 7.0, 12.0]
