"""Hostile and malformed input through the ``mosy`` command line.

Every command that reads a user's file (``convert``, ``validate``, ``protect``
for data; ``structures list/export``, ``schema``, ``template`` and the others'
``--structure`` for structure messages) must answer a bad file with exit code
2, a readable message naming the problem (and its position where the format
has one), no traceback, and nothing of the local file system: a secret marker
file that hostile entities point at must never show in stdout, stderr or any
file written. Most cases run in-process through Typer's CliRunner; entity
expansion, an unexpected-exception probe and a decompression bomb run the real
console entry point in a child process, under a timeout, where a traceback
would really reach the terminal.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hostile_xml import hostile, laughs
from streams import zipped
from typer.testing import CliRunner

from mosy_sdmx import DataFormat, Dataset, write_data
from mosy_sdmx.cli import _register, app
from mosy_sdmx.structures import builtin_structures

FLOW = "DF_THB_VICTIMS"
MARKER = "MOSY-CLI-SECRET-91d4"
#: Seconds a real `mosy` process gets: a cold start imports pandas, pyarrow and sdmx1 and
#: builds the THB structures, which takes over 10 s on a loaded 2-core machine; an
#: entity expansion or a bomb would run far longer.
CHILD_TIMEOUT = 45
runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def commands():
    _register()


# -- inputs ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def messages() -> dict[DataFormat, bytes]:
    structures = builtin_structures()
    layout = structures.layout(FLOW)
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
    dataset = Dataset(
        pd.DataFrame(rows),
        structure_urn=layout.structure_urn,
        attributes={"UNIT_MULT": "0", "DECIMALS": "0"},
    )
    return {fmt: write_data(dataset, None, fmt, structures, flow=FLOW) for fmt in DataFormat}


@pytest.fixture(scope="module")
def secret(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("secret") / "secret.txt"
    path.write_text(f"{MARKER}\n", encoding="utf-8")
    return path


HOSTILE = ("xxe", "parameter-entity", "external-dtd", "doctype-after-big-comment")


def xlsx_sheet_rewritten(workbook: bytes, change) -> bytes:
    """The workbook with the XML of the sheet holding OBS_VALUE rewritten."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            data = source.read(name)
            if name.startswith("xl/worksheets/") and b"OBS_VALUE" in data:
                data = change(data)
            archive.writestr(name, data)
    return out.getvalue()


def xlsx_sheet_xml(workbook: bytes) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(workbook))
    return next(
        archive.read(n)
        for n in sorted(archive.namelist())
        if n.startswith("xl/worksheets/") and b"OBS_VALUE" in archive.read(n)
    )


def csv_rows(message: bytes) -> list[list[bytes]]:
    return [line.split(b",") for line in message.split(b"\n") if line]


def csv_bytes(rows: list[list[bytes]]) -> bytes:
    return b"".join(b",".join(row) + b"\n" for row in rows)


def line_of(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


def bad_data_files(messages, secret: Path) -> dict[str, tuple[bytes, str, list[str]]]:
    """name -> (content, file suffix, words the message must contain)."""
    ss = messages[DataFormat.SDMX_ML_21_SS]
    csv = messages[DataFormat.SDMX_CSV_20]
    files: dict[str, tuple[bytes, str, list[str]]] = {}
    for case in HOSTILE:
        files[case] = (hostile(ss, case, secret), ".xml", [])
    files["xxe-gzip"] = (gzip.compress(hostile(ss, "xxe", secret)), ".xml.gz", [])
    deep_at = ss.index(b"<Series")
    deep = ss[:deep_at] + b"<d>\n" * 10_000 + b"</d>" * 10_000 + ss[deep_at:]
    files["deep-nesting"] = (deep, ".xml", ["deep", "line"])
    truncated = ss[: len(ss) * 2 // 3]
    files["truncated-xml"] = (truncated, ".xml", ["line", "column"])
    wrong_ns = ss.replace(
        b"http://www.sdmx.org/resources/sdmxml/schemas/", b"http://example.org/x/"
    )
    files["wrong-namespace"] = (wrong_ns, ".xml", ["namespace", "line 2"])
    unknown = ss.replace(b'CONF_STATUS="F"', b'NOT_A_COMPONENT="F"')
    files["unknown-component-xml"] = (
        unknown,
        ".xml",
        ["NOT_A_COMPONENT", f"line {line_of(unknown, b'NOT_A_COMPONENT')}"],
    )
    five = ss.replace(b'OBS_VALUE="5"', b'OBS_VALUE="five"')
    files["non-numeric-xml"] = (five, ".xml", ["five", f"line {line_of(five, b'five')}", "column"])
    files["empty"] = (b"", ".csv", ["empty"])
    files["bom-only"] = (b"\xef\xbb\xbf", ".csv", ["empty"])
    files["garbage"] = (bytes(range(256)) * 40, ".bin", [])
    rows = csv_rows(csv)
    del rows[2][rows[0].index(b"SEX")]
    files["csv-missing-cell"] = (csv_bytes(rows), ".csv", ["row 2"])
    rows = csv_rows(csv)
    k = rows[0].index(b"SEX")
    files["csv-missing-column"] = (csv_bytes([r[:k] + r[k + 1 :] for r in rows]), ".csv", ["SEX"])
    rows = csv_rows(csv)
    rows[3][rows[0].index(b"OBS_VALUE")] = b"seven"
    files["csv-non-numeric"] = (csv_bytes(rows), ".csv", ["seven", "row 3"])
    rows = csv_rows(csv)
    rows[2][rows[0].index(b"COUNT_RULE")] = b"PERS_\xe9YEAR"
    files["csv-not-utf8"] = (csv_bytes(rows), ".csv", ["row 2"])
    files["zip-two-members"] = (zipped({"a.csv": csv, "b.csv": csv}), ".zip", ["a.csv", "b.csv"])
    book = messages[DataFormat.XLSX]
    obs_cell = rb'<c r="([A-Z]+)3" t="n"><v>5</v></c>'
    sheet = xlsx_sheet_xml(book)
    cell = re.search(obs_cell, sheet).group(1).decode() + "3"
    files["xlsx-non-numeric"] = (
        xlsx_sheet_rewritten(
            book,
            lambda x: re.sub(obs_cell, rb'<c r="\g<1>3" t="inlineStr"><is><t>five</t></is></c>', x),
        ),
        ".xlsx",
        ["five", f"cell {cell}"],
    )
    doctype = b'<!DOCTYPE w [<!ENTITY x SYSTEM "' + secret.as_uri().encode() + b'">]>'
    files["xlsx-xxe"] = (
        xlsx_sheet_rewritten(
            book,
            lambda x: (
                b'<?xml version="1.0"?>'
                + doctype
                + x.replace(b"<t>PERS_YEAR</t>", b"<t>&x;</t>", 1)
            ),
        ),
        ".xlsx",
        [],
    )
    files["xlsx-broken-sheet"] = (
        xlsx_sheet_rewritten(book, lambda x: x[: len(x) // 2]),
        ".xlsx",
        ["sheet"],
    )
    return files


@pytest.fixture(scope="module")
def bad_files(messages, secret, tmp_path_factory) -> dict[str, tuple[Path, list[str]]]:
    folder = tmp_path_factory.mktemp("bad")
    out = {}
    for name, (content, suffix, words) in bad_data_files(messages, secret).items():
        path = folder / f"{name}{suffix}"
        path.write_bytes(content)
        out[name] = (path, words)
    return out


BAD = [
    *HOSTILE,
    "xxe-gzip",
    "deep-nesting",
    "truncated-xml",
    "wrong-namespace",
    "unknown-component-xml",
    "non-numeric-xml",
    "empty",
    "bom-only",
    "garbage",
    "csv-missing-cell",
    "csv-missing-column",
    "csv-non-numeric",
    "csv-not-utf8",
    "zip-two-members",
    "xlsx-non-numeric",
    "xlsx-xxe",
    "xlsx-broken-sheet",
]


def flat(text: str) -> str:
    """Output with Rich's line wrapping undone and JSON positions as words.

    ``"line": 7`` in a JSON report reads as ``line 7``, like the text renderings.
    """
    text = " ".join(text.split())
    return re.sub(r'"(line|row|column|cell|sheet)": "?([^",}]*)"?', r"\1 \2", text)


def check_unusable(result, words: list[str], written: list[Path] = (), quiet: bool = False) -> str:
    """Exit 2, no traceback, no leak, a message with ``words``; returns the output.

    ``quiet``: the command was asked to write its report to a file instead.
    """
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"uncaught {type(result.exception).__name__}: {result.exception}"
    )
    assert result.exit_code == 2, output
    assert "Traceback" not in output
    assert MARKER not in output
    for path in written:
        if path.exists():
            assert MARKER.encode() not in path.read_bytes()
    text = flat(output)
    if not quiet:
        assert len(text) > 20 and ("error" in text.lower() or "refused" in text.lower()), output
    for word in words:
        assert word.lower() in text.lower(), f"{word!r} not in: {text}"
    return text


# -- data inputs: convert, validate, protect --------------------------------------


@pytest.mark.parametrize("name", BAD)
def test_convert_bad_input_exits_2(bad_files, tmp_path, name):
    path, words = bad_files[name]
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["convert", str(path), str(out), "--flow", FLOW])
    text = check_unusable(result, words, [out])
    assert not out.exists()
    if name in HOSTILE or name == "xxe-gzip":
        assert "DTD" in text or "entit" in text, text


@pytest.mark.parametrize("name", BAD)
def test_convert_to_stdout_leaks_nothing(bad_files, name):
    path, words = bad_files[name]
    result = runner.invoke(app, ["convert", str(path), "-", "--to", "sdmx-csv-2.0", "--flow", FLOW])
    check_unusable(result, words)
    assert "dataflow," not in result.stdout  # no half-written data


@pytest.mark.parametrize("report_format", ["json", "text"])
@pytest.mark.parametrize("name", BAD)
def test_validate_bad_input_exits_2(bad_files, tmp_path, name, report_format):
    path, words = bad_files[name]
    annotated = tmp_path / "annotated.csv"
    result = runner.invoke(
        app,
        [
            "validate",
            str(path),
            "--flow",
            FLOW,
            "--format",
            report_format,
            "--annotate",
            str(annotated),
        ],
    )
    text = check_unusable(result, words, [annotated])
    if report_format == "json":
        report = json.loads(result.stdout)
        assert report["valid"] is False and len(report["issues"]) == 1, result.stdout
    if name in HOSTILE or name == "xxe-gzip":
        assert "DTD" in text or "entit" in text, text


@pytest.mark.parametrize(
    "name", [*HOSTILE, "truncated-xml", "empty", "garbage", "csv-non-numeric", "xlsx-xxe"]
)
def test_protect_bad_input_exits_2(bad_files, tmp_path, name):
    path, words = bad_files[name]
    out, audit = tmp_path / "public.csv", tmp_path / "audit.csv"
    result = runner.invoke(
        app, ["protect", str(path), str(out), "--flow", FLOW, "--audit", str(audit)]
    )
    check_unusable(result, words, [out, audit])
    assert not out.exists()


@pytest.mark.parametrize("name", ["xxe", "xlsx-xxe"])
def test_validate_report_file_leaks_nothing(bad_files, tmp_path, name):
    path, _ = bad_files[name]
    report = tmp_path / "report.html"
    result = runner.invoke(
        app, ["validate", str(path), "--flow", FLOW, "--format", "html", "-o", str(report)]
    )
    check_unusable(result, [], [report], quiet=True)
    html = report.read_text(encoding="utf-8")
    assert MARKER not in html and ("DTD" in html or "entit" in html), html[-2000:]


def test_zip_member_path_trick_writes_nothing_outside(messages, tmp_path, monkeypatch):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    csv = messages[DataFormat.SDMX_CSV_20]
    (work / "tricky.zip").write_bytes(zipped({"../../etc/passwd": csv}))
    before = sorted(tmp_path.rglob("*"))
    result = runner.invoke(app, ["convert", "tricky.zip", "out.json", "--flow", FLOW])
    assert "Traceback" not in result.output and "root:x:" not in result.output
    assert result.exit_code in (0, 2), result.output
    assert sorted(tmp_path.rglob("*")) == sorted(
        {*before, *([work / "out.json"] if result.exit_code == 0 else [])}
    )
    result = runner.invoke(app, ["validate", "tricky.zip", "--flow", FLOW])
    assert "Traceback" not in result.output and "root:x:" not in result.output


# -- structure inputs: --structure on every command that takes it -----------------


def bad_structure_files(messages, specimens: Path, secret: Path) -> dict[str, bytes]:
    ecb = (specimens / "ECB_EXR" / "1" / "structure-full.xml").read_bytes()
    at = ecb.index(b"<mes:Structures>")
    files = {case: hostile(ecb, case, secret) for case in (*HOSTILE, "billion-laughs")}
    files["deep-nesting"] = ecb[:at] + b"<d>" * 10_000 + b"</d>" * 10_000 + ecb[at:]
    files["truncated"] = ecb[: len(ecb) // 2]
    files["data-message"] = messages[DataFormat.SDMX_ML_21_GENERIC]
    files["csv"] = messages[DataFormat.SDMX_CSV_20]
    files["json"] = messages[DataFormat.SDMX_JSON_20]
    files["garbage"] = bytes(range(256)) * 40
    files["empty"] = b""
    return files


STRUCTURE_CASES = [
    *HOSTILE,
    "billion-laughs",
    "deep-nesting",
    "truncated",
    "data-message",
    "csv",
    "json",
    "garbage",
    "empty",
]


@pytest.fixture(scope="module")
def bad_structures(messages, specimens, secret, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("structures")
    out = {}
    for name, content in bad_structure_files(messages, specimens, secret).items():
        out[name] = folder / f"{name}.xml"
        out[name].write_bytes(content)
    return out


def structure_commands(structure: Path, tmp: Path, good_csv: Path) -> dict[str, list[str]]:
    s = ["--structure", str(structure)]
    return {
        "structures-list": ["structures", "list", *s],
        "structures-export": [
            "structures",
            "export",
            "-f",
            "sdmx-ml-2.1",
            *s,
            "-o",
            str(tmp / "export.xml"),
        ],
        "schema": ["schema", "--flow", FLOW, *s, "-o", str(tmp / "schema.xsd")],
        "template": ["template", "-o", str(tmp / "template.xlsx"), "--flow", FLOW, *s],
        "convert": ["convert", str(good_csv), str(tmp / "out.json"), "--flow", FLOW, *s],
        "validate": ["validate", str(good_csv), "--flow", FLOW, "--format", "json", *s],
        "protect": ["protect", str(good_csv), str(tmp / "public.csv"), "--flow", FLOW, *s],
    }


COMMANDS = [
    "structures-list",
    "structures-export",
    "schema",
    "template",
    "convert",
    "validate",
    "protect",
]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", STRUCTURE_CASES)
def test_bad_structure_file_exits_2(bad_structures, messages, tmp_path, case, command):
    good_csv = tmp_path / "good.csv"
    good_csv.write_bytes(messages[DataFormat.SDMX_CSV_20])
    argv = structure_commands(bad_structures[case], tmp_path, good_csv)[command]
    result = runner.invoke(app, argv)
    written = [p for p in tmp_path.iterdir() if p != good_csv]
    text = check_unusable(result, [], written)
    assert not [p for p in written if p.suffix in (".xml", ".xsd", ".xlsx", ".json")], written
    if case in (*HOSTILE, "billion-laughs"):
        assert "DTD" in text or "entit" in text, text
    if case in ("truncated", "deep-nesting"):
        assert "line" in text, text
    if case in ("garbage", "csv", "json"):
        assert "empty" not in text.lower(), text


# -- the real console entry point, in a child process -----------------------------


def mosy(*argv: str, timeout: int = CHILD_TIMEOUT, memory: int | None = None):
    """Run ``mosy`` as a user would; fail (not hang) when it takes too long.

    With ``memory``, the child's address space is capped at that many bytes.
    """
    code = "from mosy_sdmx.cli import main; main()"
    if memory is not None:
        # Under the address-space cap, Arrow's global thread pools can abort while
        # being destroyed at interpreter exit ("terminate called without an active
        # exception"), after mosy has answered: exit straight away with its code.
        code = (
            "import os, resource, sys\n"
            f"resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))\n"
            "from mosy_sdmx.cli import main\n"
            "try:\n    main()\nexcept SystemExit as done:\n"
            "    sys.stdout.flush(); sys.stderr.flush()\n"
            "    os._exit(done.code if isinstance(done.code, int) else 1)\n"
        )
    try:
        return subprocess.run(
            [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"mosy {' '.join(argv[:2])} did not finish within {timeout} s")


def assert_clean_exit_2(done: subprocess.CompletedProcess) -> None:
    both = done.stdout + done.stderr
    assert "Traceback" not in both, done.stderr[-3000:]
    assert MARKER not in both
    assert done.returncode == 2, both[-3000:]
    assert "error" in both.lower() or "refused" in both.lower(), both


def test_billion_laughs_in_a_real_process(messages, secret, tmp_path):
    data = tmp_path / "laughs.xml"
    data.write_bytes(hostile(messages[DataFormat.SDMX_ML_30], "billion-laughs", secret))
    book = tmp_path / "laughs.xlsx"
    book.write_bytes(
        xlsx_sheet_rewritten(
            messages[DataFormat.XLSX],
            lambda x: laughs() + x.replace(b"<t>PERS_YEAR</t>", b"<t>&l9;</t>", 1),
        )
    )
    for path in (data, book):
        assert_clean_exit_2(mosy("validate", str(path), "--flow", FLOW))
        assert_clean_exit_2(mosy("convert", str(path), str(tmp_path / "o.csv"), "--flow", FLOW))


def test_xxe_in_a_workbook_in_a_real_process(bad_files, tmp_path):
    path, _ = bad_files["xlsx-xxe"]
    assert_clean_exit_2(mosy("convert", str(path), str(tmp_path / "o.csv"), "--flow", FLOW))


def test_gzip_bomb_in_a_real_process(messages, tmp_path):
    """A few MB of gzip that unpack to 16 GiB: refused in bounded time and memory."""
    csv = messages[DataFormat.SDMX_CSV_20].split(b"\n")
    unit = (csv[1] + b"\n") * (64 * 1024**2 // (len(csv[1]) + 1))
    block = gzip.compress(unit, compresslevel=9, mtime=0)
    path = tmp_path / "bomb.csv.gz"
    with open(path, "wb") as handle:
        handle.write(gzip.compress(csv[0] + b"\n", mtime=0))
        for _ in range(16 * 1024**3 // len(unit)):
            handle.write(block)
    assert path.stat().st_size < 100 * 1024**2
    done = mosy("validate", str(path), "--flow", FLOW, "--format", "json", memory=3 * 1024**3)
    assert_clean_exit_2(done)
