"""``mosy schema``: writes the dataflow-specific XSD; errors exit 2 without a traceback."""

from __future__ import annotations

from lxml import etree
from paths import SPECIMENS
from typer.testing import CliRunner

from mosy_sdmx.cli import _register, app

ECB = SPECIMENS / "ECB_EXR" / "1" / "structure-full.xml"
runner = CliRunner()
_register()


def test_schema_to_file(tmp_path):
    out = tmp_path / "exr.xsd"
    args = ["schema", "--flow", "EXR", "--version", "3.0", "--structure", str(ECB), "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    root = etree.parse(str(out)).getroot()
    assert root.get("targetNamespace").endswith("Dataflow=ECB:EXR(1.0):ObsLevelDim:TIME_PERIOD")
    assert "v3_0" in root.nsmap["dsd"]


def test_schema_to_stdout_builtin_flat():
    result = runner.invoke(
        app, ["schema", "--flow", "DF_THB_VICTIMS", "--dimension-at-observation", "AllDimensions"]
    )
    assert result.exit_code == 0, result.output
    root = etree.fromstring(result.stdout_bytes)
    assert root.get("targetNamespace").endswith("DF_THB_VICTIMS(1.0.0):ObsLevelDim:AllDimensions")


def test_unknown_flow_exits_2():
    result = runner.invoke(app, ["schema", "--flow", "NOPE", "--structure", str(ECB)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
