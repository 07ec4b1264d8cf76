"""``mosy structures list`` / ``export``: built-in THB or --structure FILE; bad files exit 2."""

from __future__ import annotations

import json

import pytest
from paths import SPECIMENS
from schemas import assert_valid_json, assert_valid_xml
from typer.testing import CliRunner

from mosy_sdmx.cli import _register, app
from mosy_sdmx.structures import load_structures

ECB = SPECIMENS / "ECB_EXR" / "1" / "structure-full.xml"
ECB_DATA = SPECIMENS / "ECB_EXR" / "1" / "M.USD.EUR.SP00.A.xml"
runner = CliRunner()
_register()


def _ids(structures) -> set[str]:
    return {a.id for a in structures.artefacts()}


@pytest.mark.parametrize("path", [None, ECB], ids=["builtin", "ecb"])
def test_list_shows_every_artefact(path):
    args = ["structures", "list"] + (["--structure", str(path)] if path else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    listed = {line.split("│")[2].strip() for line in result.stdout.splitlines() if "│" in line}
    assert listed == _ids(load_structures(path))


def test_list_counts_codes():
    result = runner.invoke(app, ["structures", "list", "--structure", str(ECB)])
    row = next(line for line in result.stdout.splitlines() if "CL_CURRENCY" in line)
    count = row.split("│")[-2].strip()
    assert int(count) == len(load_structures(ECB).codelist("CL_CURRENCY"))


@pytest.mark.parametrize(
    ("fmt", "version"), [("sdmx-ml-2.1", "2.1"), ("sdmx-ml-3.0", "3.0"), ("sdmx-json-2.0", None)]
)
def test_export_to_stdout_with_structure_file(fmt, version):
    result = runner.invoke(app, ["structures", "export", "--format", fmt, "--structure", str(ECB)])
    assert result.exit_code == 0, result.output
    if version:
        assert_valid_xml(result.stdout_bytes, version)
    else:
        doc = json.loads(result.stdout_bytes)
        assert_valid_json(doc, "structure")
        exported = {a["id"] for container in doc["data"].values() for a in container}
        assert exported == {
            a.id for a in load_structures(ECB).artefacts() if not a.is_external_reference
        }


def test_export_builtin_to_file(tmp_path):
    out = tmp_path / "thb.xml"
    result = runner.invoke(app, ["structures", "export", "--format", "sdmx-ml-3.0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert_valid_xml(out.read_bytes(), "3.0")
    assert str(out) in result.output


def test_unknown_format_is_a_usage_error():
    result = runner.invoke(app, ["structures", "export", "--format", "sdmx-ml-9"])
    assert result.exit_code == 2
    assert "sdmx-ml-9" in result.output


def _bad_files(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("this is not XML\n", encoding="utf-8")
    xxe = tmp_path / "xxe.xml"
    xxe.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        "<Structure>&x;</Structure>\n",
        encoding="utf-8",
    )
    broken = tmp_path / "broken.xml"
    broken.write_text("<Structure>\n  <Header>\n</Structure>\n", encoding="utf-8")
    return {
        "data-message": (ECB_DATA, "Not an SDMX structure message"),
        "not-xml": (text, "Not an XML document"),
        "xxe": (xxe, "Refused XML input"),
        "broken": (broken, "line 3"),
    }


@pytest.mark.parametrize("case", ["data-message", "not-xml", "xxe", "broken"])
@pytest.mark.parametrize("command", ["list", "export"])
def test_bad_structure_file_exits_2_with_a_clear_message(tmp_path, case, command):
    path, expected = _bad_files(tmp_path)[case]
    args = ["structures", command, "--structure", str(path)]
    if command == "export":
        args += ["--format", "sdmx-ml-2.1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert expected in result.output
    assert path.name in result.output
    assert "Traceback" not in result.output
    assert b"<?xml" not in result.stdout_bytes  # no partial message written
