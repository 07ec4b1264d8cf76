"""Hostile and malformed input, end to end over the public entry points.

An adversarial suite independent of the readers' own tests: every case goes in
through ``read_data``, ``load_structures`` or ``validate_file`` exactly as a
partner's file would. What must hold everywhere: a ``MosyError`` (never another
exception), a position where the format has one, and nothing from the local
file system (a secret marker file that hostile entities point at) in any text
the library produces. ``validate_file`` never raises: it returns an unusable,
invalid report with one issue. Inputs that could run long (entity expansion,
decompression bombs) run in a child process under a time and memory limit.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hostile_xml import BIG_COMMENT, hostile, laughs, with_prolog
from streams import zipped

from mosy_sdmx import (
    DataFormat,
    Dataset,
    MosyError,
    ParseError,
    StructureError,
    read_data,
    validate_file,
    write_data,
)
from mosy_sdmx.structures import builtin_structures, load_structures

pytestmark = pytest.mark.usefixtures("both_xml_paths")

FLOW = "DF_THB_VICTIMS"
MARKER = "MOSY-HOSTILE-SECRET-5c1e"
XML_FORMATS = (DataFormat.SDMX_ML_21_GENERIC, DataFormat.SDMX_ML_21_SS, DataFormat.SDMX_ML_30)
CSV_FORMATS = (DataFormat.SDMX_CSV_10, DataFormat.SDMX_CSV_20)
JSON_FORMATS = (DataFormat.SDMX_JSON_10, DataFormat.SDMX_JSON_20)
#: A comment longer than any sniffing window (source.SNIFF_BYTES is 64 KiB).
#: Seconds a child process gets for entity expansion or a decompression bomb.
#: (a cold start takes over 10 s on a loaded 2-core machine; an expansion runs far longer)
CHILD_TIMEOUT = 45
#: Address space of that child: far below what a bomb would need if not bounded.
CHILD_MEMORY = 3 * 1024**3


# -- inputs ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def thb():
    return builtin_structures()


@pytest.fixture(scope="module")
def dataset(thb) -> Dataset:
    """Three observations of DF_THB_VICTIMS, valid by construction (T = M + F)."""
    layout = thb.layout(FLOW)
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
    rows = [
        dict(key, SEX=sex, OBS_VALUE=value) for sex, value in (("T", 12.0), ("M", 5.0), ("F", 7.0))
    ]
    return Dataset(
        pd.DataFrame(rows),
        structure_urn=layout.structure_urn,
        attributes={"UNIT_MULT": "0", "DECIMALS": "0"},
    )


@pytest.fixture(scope="module")
def messages(thb, dataset) -> dict[DataFormat, bytes]:
    return {fmt: write_data(dataset, None, fmt, thb, flow=FLOW) for fmt in DataFormat}


@pytest.fixture(scope="module")
def secret(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text(f"{MARKER}\n", encoding="utf-8")
    return path


HOSTILE_CASES = (
    "xxe",
    "parameter-entity",
    "billion-laughs",
    "external-dtd",
    "doctype-after-big-comment",
)
#: Cases run in-process; entity expansion runs in a child with a timeout (below).
IN_PROCESS = tuple(c for c in HOSTILE_CASES if c != "billion-laughs")


def error_text(err: BaseException) -> str:
    parts = [str(err), repr(err)]
    if isinstance(err, MosyError):
        parts.append(json.dumps(err.to_dict(), default=str))
    return "\n".join(parts)


def refused(call) -> MosyError:
    """Run ``call``; it must raise a MosyError that leaks nothing of the secret."""
    with pytest.raises(MosyError) as info:
        call()
    assert MARKER not in error_text(info.value)
    return info.value


def says_dtd(err: MosyError) -> bool:
    """A clear refusal names what was refused: a DTD or an entity."""
    text = error_text(err).lower()
    return "dtd" in text or "entit" in text or "doctype" in text


def one_issue_report(path: Path, **kwargs):
    """validate_file on a bad input: never raises; unusable, invalid, one issue, no leak."""
    report = validate_file(path, **kwargs)
    assert report.valid is False
    assert report.unusable is True
    assert len(report.issues) == 1, report.to_json()
    assert MARKER not in report.to_json()
    return report.issues[0]


def line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


# -- hostile XML: XXE, parameter entities, external DTD, late DOCTYPE -------------


@pytest.mark.parametrize("case", IN_PROCESS)
@pytest.mark.parametrize("fmt", XML_FORMATS, ids=str)
def test_read_data_refuses_hostile_xml(messages, thb, secret, fmt, case):
    data = hostile(messages[fmt], case, secret)
    err = refused(lambda: read_data(data, thb, flow=FLOW))
    assert isinstance(err, ParseError) and says_dtd(err), str(err)


@pytest.mark.parametrize("case", IN_PROCESS)
@pytest.mark.parametrize("fmt", XML_FORMATS, ids=str)
def test_read_data_refuses_hostile_xml_with_format_named(messages, thb, secret, fmt, case):
    data = hostile(messages[fmt], case, secret)
    err = refused(lambda: read_data(data, thb, fmt, flow=FLOW))
    assert err.context.get("reason") == "dtd-refused" and says_dtd(err), str(err)


@pytest.mark.parametrize("wrap", ["gzip", "zip"])
@pytest.mark.parametrize("case", IN_PROCESS)
def test_hostile_xml_inside_an_archive_is_refused(messages, thb, secret, tmp_path, case, wrap):
    data = hostile(messages[DataFormat.SDMX_ML_21_SS], case, secret)
    if wrap == "gzip":
        packed = gzip.compress(data)
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.xml", data)
        packed = buffer.getvalue()
    path = tmp_path / f"hostile.xml.{wrap}"
    path.write_bytes(packed)
    err = refused(lambda: read_data(path, thb, flow=FLOW))
    assert says_dtd(err), str(err)


@pytest.mark.parametrize("case", IN_PROCESS)
def test_read_data_refuses_hostile_ecb_specimen(specimens, ecb_structures, secret, case):
    xml = (specimens / "ECB_EXR" / "1" / "M.USD.EUR.SP00.A.xml").read_bytes()
    err = refused(lambda: read_data(hostile(xml, case, secret), ecb_structures))
    assert says_dtd(err), str(err)


@pytest.mark.parametrize("case", IN_PROCESS)
def test_load_structures_refuses_hostile_xml(specimens, secret, tmp_path, case):
    xml = (specimens / "ECB_EXR" / "1" / "structure-full.xml").read_bytes()
    path = tmp_path / "structure.xml"
    path.write_bytes(hostile(xml, case, secret))
    err = refused(lambda: load_structures(path))
    assert says_dtd(err), str(err)


@pytest.mark.parametrize("case", IN_PROCESS)
@pytest.mark.parametrize("fmt", XML_FORMATS, ids=str)
def test_validate_file_reports_hostile_xml(messages, secret, tmp_path, fmt, case):
    path = tmp_path / "hostile.xml"
    path.write_bytes(hostile(messages[fmt], case, secret))
    issue = one_issue_report(path, flow=FLOW)
    assert "dtd" in issue.message.lower() or "entit" in issue.message.lower(), issue.message


@pytest.mark.parametrize("case", IN_PROCESS)
def test_validate_file_with_hostile_structure_file(messages, specimens, secret, tmp_path, case):
    structure = tmp_path / "structure.xml"
    xml = (specimens / "ECB_EXR" / "1" / "structure-full.xml").read_bytes()
    structure.write_bytes(hostile(xml, case, secret))
    data = tmp_path / "data.csv"
    data.write_bytes(messages[DataFormat.SDMX_CSV_20])
    one_issue_report(data, structure=structure, flow=FLOW)


def xlsx_with(workbook: bytes, member: str, change) -> bytes:
    """A copy of an xlsx archive with one member's XML rewritten by ``change``."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            data = source.read(name)
            archive.writestr(name, change(data) if name == member else data)
    return out.getvalue()


def data_sheet_member(workbook: bytes) -> str:
    """The archive member of the sheet holding OBS_VALUE in its header."""
    archive = zipfile.ZipFile(io.BytesIO(workbook))
    for name in sorted(archive.namelist()):
        if name.startswith("xl/worksheets/") and b"OBS_VALUE" in archive.read(name):
            return name
    raise AssertionError("no data sheet")


def xlsx_hostile(workbook: bytes, case: str, secret: Path) -> bytes:
    member = data_sheet_member(workbook)
    uri = secret.as_uri().encode()

    def change(xml: bytes) -> bytes:
        # The entity stands in for a code cell's text, so a resolved file would be data.
        if case == "xxe":
            doctype, ref = b'<!DOCTYPE w [<!ENTITY x SYSTEM "' + uri + b'">]>', b"&x;"
        else:
            doctype, ref = laughs(), b"&l9;"
        xml = xml.replace(b"<t>PERS_YEAR</t>", b"<t>" + ref + b"</t>", 1)
        return b'<?xml version="1.0"?>' + doctype + xml

    return xlsx_with(workbook, member, change)


def test_xlsx_with_xxe_in_a_sheet_is_refused(messages, thb, secret):
    data = xlsx_hostile(messages[DataFormat.XLSX], "xxe", secret)
    err = refused(lambda: read_data(data, thb, flow=FLOW))
    assert isinstance(err, ParseError) and says_dtd(err), str(err)


def test_validate_file_reports_xlsx_with_xxe(messages, secret, tmp_path):
    path = tmp_path / "hostile.xlsx"
    path.write_bytes(xlsx_hostile(messages[DataFormat.XLSX], "xxe", secret))
    issue = one_issue_report(path, flow=FLOW)
    assert "dtd" in issue.message.lower() or "entit" in issue.message.lower(), issue.message


# -- entity expansion and decompression bombs, in a child with limits -------------


CHILD = textwrap.dedent(
    """
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
    from pathlib import Path
    from mosy_sdmx import MosyError, read_data, validate_file
    from mosy_sdmx.structures import load_structures
    out = []
    for entry, path in json.loads(sys.argv[1]):
        try:
            if entry == "read":
                read_data(path, flow="{flow}")
                out.append([entry, path, "read", ""])
            elif entry == "structures":
                load_structures(path)
                out.append([entry, path, "read", ""])
            else:
                report = validate_file(path, flow="{flow}")
                out.append([entry, path, "report", report.to_json()])
        except MosyError as exc:
            out.append([entry, path, "mosy-error", json.dumps(exc.to_dict(), default=str)])
        except BaseException as exc:
            out.append([entry, path, "bug", type(exc).__name__ + ": " + str(exc)[:300]])
    print(json.dumps(out), flush=True)
    # Skip interpreter teardown: under the address-space cap, Arrow's global thread
    # pools can abort while being destroyed ("terminate called without an active
    # exception"), after every result is printed. A crash while reading still shows.
    import os
    os._exit(0)
    """
).format(memory=CHILD_MEMORY, flow=FLOW)


def run_child(jobs: list[tuple[str, Path]]) -> list[list[str]]:
    """Run the entry points on the inputs in a child; fail if it runs out of time."""
    argv = [sys.executable, "-c", CHILD, json.dumps([[e, str(p)] for e, p in jobs])]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"not refused within {CHILD_TIMEOUT} s: {[(e, Path(p).name) for e, p in jobs]}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert MARKER not in done.stdout + done.stderr
    return json.loads(done.stdout)


def test_billion_laughs_is_refused_quickly_everywhere(messages, specimens, secret, tmp_path):
    jobs = []
    for fmt in XML_FORMATS:
        path = tmp_path / f"laughs-{fmt.value}.xml"
        path.write_bytes(hostile(messages[fmt], "billion-laughs", secret))
        jobs += [("read", path), ("validate", path)]
    structure = tmp_path / "laughs-structure.xml"
    xml = (specimens / "ECB_EXR" / "1" / "structure-full.xml").read_bytes()
    structure.write_bytes(hostile(xml, "billion-laughs", secret))
    jobs.append(("structures", structure))
    workbook = tmp_path / "laughs.xlsx"
    workbook.write_bytes(xlsx_hostile(messages[DataFormat.XLSX], "billion-laughs", secret))
    jobs += [("read", workbook), ("validate", workbook)]
    results = run_child(jobs)
    wrong = [r for r in results if r[2] not in ("mosy-error", "report")]
    assert not wrong, wrong
    for entry, path, outcome, text in results:
        if outcome == "report":
            report = json.loads(text)
            assert report["valid"] is False and len(report["issues"]) == 1, (path, text)
        assert "lollollol" not in text, (entry, path)


def gzip_bomb(path: Path, head: bytes, unit: bytes, total: int) -> int:
    """Write ``head`` then ``unit`` repeated to ``total`` bytes as a small gzip file.

    Gzip allows concatenated members, so one compressed 64 MiB member is written
    again and again: gigabytes of content for a few MB of file, built in a second.
    """
    block = gzip.compress(unit * (64 * 1024**2 // len(unit)), compresslevel=9, mtime=0)
    inflated = len(unit) * (64 * 1024**2 // len(unit))
    count = total // inflated
    with open(path, "wb") as handle:
        handle.write(gzip.compress(head, mtime=0))
        for _ in range(count):
            handle.write(block)
    return count * inflated


def test_gzip_bomb_is_refused_without_exhausting_memory(messages, tmp_path):
    ss = messages[DataFormat.SDMX_ML_21_SS]
    cut = ss.index(b"</Series>")
    obs = b'<Obs TIME_PERIOD="2023" OBS_VALUE="1" OBS_STATUS="A" CONF_STATUS="F"/>\n'
    xml_bomb = tmp_path / "bomb.xml.gz"
    size = gzip_bomb(xml_bomb, ss[:cut], obs, 16 * 1024**3)
    assert size > 8 * 1024**3 and xml_bomb.stat().st_size < 100 * 1024**2
    csv = messages[DataFormat.SDMX_CSV_20].split(b"\n")
    csv_bomb = tmp_path / "bomb.csv.gz"
    gzip_bomb(csv_bomb, csv[0] + b"\n", csv[1] + b"\n", 16 * 1024**3)
    results = run_child([("read", xml_bomb), ("read", csv_bomb)])
    assert [r[2] for r in results] == ["mosy-error", "mosy-error"], results


# -- malformed input: truncated, wrong namespace, unknown component, numbers ------


@pytest.mark.parametrize("fmt", XML_FORMATS, ids=str)
@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.97])
def test_truncated_xml_has_line_and_column(messages, thb, fmt, fraction):
    data = messages[fmt][: int(len(messages[fmt]) * fraction)]
    err = refused(lambda: read_data(data, thb, flow=FLOW))
    assert isinstance(err, ParseError)
    assert err.location is not None and err.location.line and err.location.column, str(err)
    assert err.location.line <= data.count(b"\n") + 1


@pytest.mark.parametrize("fmt", XML_FORMATS, ids=str)
def test_wrong_namespace_is_a_clear_error_with_its_line(messages, thb, fmt):
    data = messages[fmt].replace(
        b"http://www.sdmx.org/resources/sdmxml/schemas/", b"http://example.org/not-sdmx/"
    )
    for given in (None, fmt):
        err = refused(lambda given=given: read_data(data, thb, given, flow=FLOW))
        assert "namespace" in str(err).lower(), str(err)
        root_line = line_of(data, b"<message:")
        assert err.location is not None and err.location.line == root_line, str(err)


@pytest.mark.parametrize("fmt", XML_FORMATS, ids=str)
def test_unknown_component_in_xml_is_named_with_position(messages, thb, fmt):
    good = messages[fmt]
    if fmt is DataFormat.SDMX_ML_21_GENERIC:
        data = good.replace(b'id="CONF_STATUS"', b'id="NOT_A_COMPONENT"', 2)
    else:
        data = good.replace(b'CONF_STATUS="F"', b'NOT_A_COMPONENT="F"', 2)
    err = refused(lambda: read_data(data, thb, flow=FLOW))
    assert isinstance(err, ParseError) and "NOT_A_COMPONENT" in str(err)
    assert err.location.line == line_of(data, b"NOT_A_COMPONENT"), str(err)
    assert err.location.column, str(err)


@pytest.mark.parametrize("fmt", XML_FORMATS, ids=str)
def test_non_numeric_obs_value_in_xml_has_its_line(messages, thb, fmt):
    good = messages[fmt]
    old, new = (
        (b'value="5"', b'value="five"')
        if fmt is DataFormat.SDMX_ML_21_GENERIC
        else (b'OBS_VALUE="5"', b'OBS_VALUE="five"')
    )
    assert good.count(old) == 1
    data = good.replace(old, new)
    err = refused(lambda: read_data(data, thb, flow=FLOW))
    assert isinstance(err, ParseError) and "five" in str(err)
    assert err.location.line == line_of(data, b"five") and err.location.column, str(err)
    assert err.location.component == "OBS_VALUE"


@pytest.mark.parametrize("fmt", XML_FORMATS, ids=str)
def test_deep_nesting_is_refused_with_its_line(messages, thb, fmt):
    good = messages[fmt]
    at = good.index(b"<generic:Series>" if fmt is DataFormat.SDMX_ML_21_GENERIC else b"<Series")
    data = good[:at] + b"<deep>\n" * 10_000 + b"</deep>" * 10_000 + good[at:]
    err = refused(lambda: read_data(data, thb, flow=FLOW))
    assert isinstance(err, ParseError) and "deep" in str(err).lower(), str(err)
    assert err.location is not None and err.location.line, str(err)


def test_deep_nesting_in_a_structure_file_is_refused(specimens, tmp_path):
    xml = (specimens / "ECB_EXR" / "1" / "structure-full.xml").read_bytes()
    at = xml.index(b"<mes:Structures>")
    path = tmp_path / "deep.xml"
    path.write_bytes(xml[:at] + b"<d>" * 10_000 + b"</d>" * 10_000 + xml[at:])
    err = refused(lambda: load_structures(path))
    assert isinstance(err, ParseError) and err.location.line, str(err)


@pytest.mark.parametrize("fmt", JSON_FORMATS, ids=str)
@pytest.mark.parametrize("given", [False, True], ids=["sniffed", "named"])
def test_deep_nesting_in_json_is_a_parse_error(thb, fmt, given):
    data = b'{"meta": {}, "data": {"dataSets": [' + b"[" * 10_000 + b"]" * 10_000 + b"]}}"
    err = refused(lambda: read_data(data, thb, fmt if given else None, flow=FLOW))
    assert isinstance(err, ParseError), str(err)


@pytest.mark.parametrize("fmt", JSON_FORMATS, ids=str)
def test_absurdly_long_number_in_json_is_a_parse_error(messages, thb, fmt):
    good = messages[fmt]
    assert good.count(b"[12") == 1
    data = good.replace(b"[12", b"[1" + b"0" * 5000)
    err = refused(lambda: read_data(data, thb, flow=FLOW))
    # Refused while decoding, with the JSON path of the value (the first of its observation).
    assert isinstance(err, ParseError) and "out of range" in str(err), str(err)
    assert err.context["path"].endswith("][0]")


def test_big_leading_comment_alone_is_harmless(messages, thb):
    """A > 64 KiB leading comment alone is harmless: the message is still read."""
    data = with_prolog(messages[DataFormat.SDMX_ML_21_SS], BIG_COMMENT)
    read = read_data(data, thb, flow=FLOW)
    assert read.data["OBS_VALUE"].tolist() == [12.0, 5.0, 7.0]


# -- CSV: BOM, line endings, missing column, numbers, encoding --------------------


@pytest.mark.parametrize("fmt", [*CSV_FORMATS, *XML_FORMATS, *JSON_FORMATS], ids=str)
def test_utf8_bom_gives_the_same_data(messages, thb, fmt):
    plain = read_data(messages[fmt], thb, flow=FLOW)
    with_bom = read_data(b"\xef\xbb\xbf" + messages[fmt], thb, flow=FLOW)
    pd.testing.assert_frame_equal(with_bom.data, plain.data)


@pytest.mark.parametrize("fmt", [*CSV_FORMATS, *XML_FORMATS], ids=str)
@pytest.mark.parametrize("endings", ["crlf", "cr", "mixed"])
def test_line_endings_give_the_same_data(messages, thb, fmt, endings):
    plain = read_data(messages[fmt], thb, flow=FLOW)
    lines = messages[fmt].split(b"\n")
    if endings == "crlf":
        data = b"\r\n".join(lines)
    elif endings == "cr":
        data = b"\r".join(lines)
    else:
        data = b"".join(line + (b"\r\n", b"\n", b"\r")[i % 3] for i, line in enumerate(lines))
    pd.testing.assert_frame_equal(read_data(data, thb, flow=FLOW).data, plain.data)


def csv_rows(message: bytes) -> list[list[bytes]]:
    return [line.split(b",") for line in message.split(b"\n") if line]


def csv_bytes(rows: list[list[bytes]]) -> bytes:
    return b"".join(b",".join(row) + b"\n" for row in rows)


@pytest.mark.parametrize("fmt", CSV_FORMATS, ids=str)
def test_csv_row_with_a_missing_cell_names_its_row(messages, thb, fmt):
    rows = csv_rows(messages[fmt])
    del rows[2][rows[0].index(b"SEX")]  # second data row
    err = refused(lambda: read_data(csv_bytes(rows), thb, flow=FLOW))
    assert isinstance(err, ParseError) and err.location.row == 2, str(err)


@pytest.mark.parametrize("fmt", CSV_FORMATS, ids=str)
def test_csv_without_a_dimension_column_names_it(messages, thb, fmt, tmp_path):
    rows = csv_rows(messages[fmt])
    k = rows[0].index(b"SEX")
    data = csv_bytes([row[:k] + row[k + 1 :] for row in rows])
    err = refused(lambda: read_data(data, thb, flow=FLOW))
    assert isinstance(err, ParseError) and "SEX" in str(err), str(err)
    path = tmp_path / "no-sex.csv"
    path.write_bytes(data)
    assert "SEX" in one_issue_report(path, flow=FLOW).message


@pytest.mark.parametrize("fmt", CSV_FORMATS, ids=str)
def test_non_numeric_obs_value_in_csv_names_its_row(messages, thb, fmt, tmp_path):
    rows = csv_rows(messages[fmt])
    rows[3][rows[0].index(b"OBS_VALUE")] = b"seven"  # third data row
    data = csv_bytes(rows)
    err = refused(lambda: read_data(data, thb, flow=FLOW))
    assert isinstance(err, ParseError) and "seven" in str(err)
    assert err.location.row == 3 and err.location.component == "OBS_VALUE", str(err)
    path = tmp_path / "seven.csv"
    path.write_bytes(data)
    assert one_issue_report(path, flow=FLOW).location.row == 3


@pytest.mark.parametrize("fmt", CSV_FORMATS, ids=str)
def test_unknown_csv_column_is_named(messages, thb, fmt):
    rows = csv_rows(messages[fmt])
    rows = [[*row, b"NOT_A_COMPONENT" if i == 0 else b"x"] for i, row in enumerate(rows)]
    err = refused(lambda: read_data(csv_bytes(rows), thb, flow=FLOW))
    assert "NOT_A_COMPONENT" in str(err) and err.location.component == "NOT_A_COMPONENT"


@pytest.mark.parametrize("fmt", CSV_FORMATS, ids=str)
def test_invalid_utf8_in_csv_names_its_row(messages, thb, fmt):
    rows = csv_rows(messages[fmt])
    rows[2][rows[0].index(b"COUNT_RULE")] = b"PERS_\xe9YEAR"  # Latin-1, second data row
    err = refused(lambda: read_data(csv_bytes(rows), thb, flow=FLOW))
    assert isinstance(err, ParseError) and err.location.row == 2, str(err)


# -- Excel -----------------------------------------------------------------------


def test_non_numeric_obs_value_in_xlsx_names_sheet_and_cell(messages, thb, tmp_path):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(messages[DataFormat.XLSX]))
    sheet = next(
        s for s in book.worksheets if "OBS_VALUE" in [c.value for c in next(s.iter_rows(max_row=1))]
    )
    column = next(c.column_letter for c in sheet[1] if c.value == "OBS_VALUE")
    sheet[f"{column}3"] = "five"
    path = tmp_path / "five.xlsx"
    book.save(path)
    err = refused(lambda: read_data(path, thb, flow=FLOW))
    assert isinstance(err, ParseError) and "five" in str(err)
    assert (err.location.sheet, err.location.cell) == (sheet.title, f"{column}3"), str(err)
    issue = one_issue_report(path, flow=FLOW)
    assert (issue.location.sheet, issue.location.cell) == (sheet.title, f"{column}3")


def test_xlsx_with_a_broken_sheet_is_a_parse_error(messages, thb):
    workbook = messages[DataFormat.XLSX]
    data = xlsx_with(workbook, data_sheet_member(workbook), lambda xml: xml[: len(xml) // 2])
    err = refused(lambda: read_data(data, thb, flow=FLOW))
    assert isinstance(err, ParseError) and err.location.sheet, str(err)


def test_truncated_xlsx_is_a_parse_error(messages, thb):
    data = messages[DataFormat.XLSX]
    err = refused(lambda: read_data(data[: len(data) // 2], thb, flow=FLOW))
    assert isinstance(err, ParseError)


# -- empty, garbage, archives ----------------------------------------------------


GARBAGE = bytes(range(256)) * 40 + b"\x00\xff" * 1000


@pytest.mark.parametrize(
    "content",
    [b"", b"\xef\xbb\xbf", b" \r\n\t\n", GARBAGE],
    ids=["empty", "bom-only", "whitespace", "garbage"],
)
@pytest.mark.parametrize("fmt", [None, *DataFormat], ids=str)
def test_empty_and_garbage_input_every_format(thb, content, fmt):
    err = refused(lambda: read_data(content, thb, fmt, flow=FLOW))
    if content.strip(b"\xef\xbb\xbf \r\n\t"):
        assert "empty" not in str(err).lower(), str(err)
    elif fmt is None:
        assert isinstance(err, ParseError) and "empty" in str(err).lower(), str(err)


@pytest.mark.parametrize("content", [b"", GARBAGE], ids=["empty", "garbage"])
def test_validate_file_on_empty_and_garbage(tmp_path, content):
    path = tmp_path / "input.bin"
    path.write_bytes(content)
    one_issue_report(path, flow=FLOW)


def test_zip_with_two_members_is_refused(messages, thb, tmp_path):
    csv = messages[DataFormat.SDMX_CSV_20]
    path = tmp_path / "two.zip"
    path.write_bytes(zipped({"a.csv": csv, "b.csv": csv}))
    err = refused(lambda: read_data(path, thb, flow=FLOW))
    assert isinstance(err, ParseError) and "a.csv" in str(err) and "b.csv" in str(err)
    one_issue_report(path, flow=FLOW)


@pytest.mark.parametrize("member", ["../../etc/passwd", "/tmp/../../x.csv", "..\\..\\evil.csv"])
def test_zip_member_path_tricks_write_nothing(messages, thb, tmp_path, monkeypatch, member):
    csv = messages[DataFormat.SDMX_CSV_20]
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    archive = work / "tricky.zip"
    archive.write_bytes(zipped({member: csv}))
    before = sorted(p for p in tmp_path.rglob("*"))
    try:
        read = read_data(archive, thb, flow=FLOW)
    except MosyError as err:
        assert "root:x:" not in error_text(err)
    else:
        pd.testing.assert_frame_equal(read.data, read_data(csv, thb, flow=FLOW).data)
    report = validate_file(archive, flow=FLOW)
    assert "root:x:" not in report.to_json()
    assert sorted(p for p in tmp_path.rglob("*")) == before


# -- structure files that are not structure messages -----------------------------


@pytest.mark.parametrize(
    "kind",
    [DataFormat.SDMX_ML_21_GENERIC, DataFormat.SDMX_ML_21_SS, DataFormat.SDMX_ML_30],
    ids=str,
)
def test_data_message_as_structure_file(messages, tmp_path, kind):
    path = tmp_path / "data-not-structure.xml"
    path.write_bytes(messages[kind])
    err = refused(lambda: load_structures(path))
    assert isinstance(err, StructureError) and "structure" in str(err).lower(), str(err)


@pytest.mark.parametrize("kind", ["csv", "json", "xlsx", "garbage", "empty", "gzip"])
def test_non_xml_structure_file(messages, specimens, tmp_path, kind):
    content = {
        "csv": messages[DataFormat.SDMX_CSV_20],
        "json": messages[DataFormat.SDMX_JSON_20],
        "xlsx": messages[DataFormat.XLSX],
        "garbage": GARBAGE,
        "empty": b"",
        "gzip": gzip.compress(GARBAGE),
    }[kind]
    path = tmp_path / "structure.xml"
    path.write_bytes(content)
    err = refused(lambda: load_structures(path))
    assert isinstance(err, (ParseError, StructureError))
    if content:
        assert "empty" not in str(err).lower(), str(err)
    data = tmp_path / "data.csv"
    data.write_bytes(messages[DataFormat.SDMX_CSV_20])
    one_issue_report(data, structure=path, flow=FLOW)
