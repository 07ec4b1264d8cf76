"""SDMX-ML data readers on generated THB-shaped data and on bad or hostile input."""

from __future__ import annotations

import io
import itertools

import pytest

from mosy_sdmx.exceptions import ParseError
from mosy_sdmx.io.sdmx_ml import generic_reader, ss_reader
from mosy_sdmx.structures.layout import (
    AttachmentLevel,
    Component,
    ComponentLayout,
    ValueKind,
)

pytestmark = pytest.mark.usefixtures("both_xml_paths")

DIMS = {
    "FREQ": ["A"],
    "REF_AREA": ["AT", "BE", "CY", "DE", "EE"],
    "DATA_SOURCE": ["NREM", "POL"],
    "OFFENCE": ["THB", "USE"],
    "CJ_STAGE": ["INV", "PRS", "CNV"],
    "EXPLOIT": ["_T", "SEX", "LAB"],
}
SS21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"
MSG21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"


def thb_layout() -> ComponentLayout:
    comps = {d: Component(d, ValueKind.CODED, codes=frozenset(v)) for d, v in DIMS.items()}
    comps["TIME_PERIOD"] = Component("TIME_PERIOD", ValueKind.TIME)
    comps["OBS_VALUE"] = Component("OBS_VALUE", ValueKind.INTEGER)
    for name in ("OBS_STATUS", "CONF_STATUS"):
        comps[name] = Component(name, ValueKind.CODED, level=AttachmentLevel.OBSERVATION)
    comps["UNIT_MEASURE"] = Component("UNIT_MEASURE", ValueKind.CODED, level=AttachmentLevel.SERIES)
    comps["DECIMALS"] = Component("DECIMALS", ValueKind.CODED, level=AttachmentLevel.DATASET)
    return ComponentLayout(
        dsd_urn="urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure=MOSY:DSD_THB_CASES(1.0)",
        dsd_id="DSD_THB_CASES",
        agency="MOSY",
        version="1.0",
        dimensions=tuple(DIMS),
        time_dimension="TIME_PERIOD",
        measures=("OBS_VALUE",),
        attributes=("OBS_STATUS", "CONF_STATUS", "UNIT_MEASURE", "DECIMALS"),
        components=comps,
    )


def thb_ss_xml(n_obs: int, bad: dict[int, str] | None = None, newline: str = "\n") -> str:
    """A THB-shaped structure-specific message; ``bad`` replaces some obs' attributes."""
    bad = bad or {}
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<message:StructureSpecificData xmlns:message="{MSG21}" xmlns:ss="{SS21}">',
        "<message:Header><message:ID>T1</message:ID><message:Test>true</message:Test>"
        '<message:Sender id="PT_NREM"/><message:Structure structureID="S1" '
        'dimensionAtObservation="TIME_PERIOD"><common:Structure xmlns:common='
        '"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">'
        '<Ref agencyID="MOSY" id="DSD_THB_CASES" version="1.0"/></common:Structure>'
        "</message:Structure></message:Header>",
        '<message:DataSet ss:structureRef="S1" ss:action="Append" DECIMALS="0">',
    ]
    i = 0
    for key in itertools.cycle(itertools.product(*DIMS.values())):
        if i >= n_obs:
            break
        attrs = " ".join(f'{d}="{v}"' for d, v in zip(DIMS, key, strict=True))
        parts.append(f'  <Series {attrs} UNIT_MEASURE="PERS">')
        for year in range(2014, 2024):
            if i >= n_obs:
                break
            obs = bad.get(i) or f'OBS_VALUE="{i * 7 % 500}" OBS_STATUS="A" CONF_STATUS="F"'
            parts.append(f'    <Obs TIME_PERIOD="{year}" {obs}/>')
            i += 1
        parts.append("  </Series>")
    parts += ["</message:DataSet>", "</message:StructureSpecificData>", ""]
    return newline.join(parts)


def read_ss(text: str | bytes, layout=None):
    data = text.encode() if isinstance(text, str) else text
    return ss_reader.read(io.BytesIO(data), layout=layout, source_name="t.xml")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_generated_message_reads_every_value():
    text = thb_ss_xml(2_500)
    dataset = read_ss(text, thb_layout())
    data = dataset.data
    assert len(data) == 2_500
    assert data["OBS_VALUE"].tolist() == [float(i * 7 % 500) for i in range(2_500)]
    assert data["TIME_PERIOD"].tolist()[:11] == [str(y) for y in range(2014, 2024)] + ["2014"]
    assert list(data.columns[:7]) == [*DIMS, "TIME_PERIOD"]
    assert set(data["UNIT_MEASURE"].astype(str)) == {"PERS"}
    assert dataset.attributes == {"DECIMALS": "0"}
    assert dataset.action.value == "Append"
    assert dataset.header.test is True and dataset.header.sender == "PT_NREM"
    assert dataset.structure_urn.endswith("DSD_THB_CASES(1.0)")


def test_bad_number_far_into_the_file_has_its_line():
    # Past several 1 MB chunks, so the position comes from the retained input window.
    n = 40_000
    bad_at = 35_123
    text = thb_ss_xml(n, bad={bad_at: 'OBS_VALUE="12a" OBS_STATUS="A" CONF_STATUS="F"'})
    assert len(text) > 3 * (1 << 20)
    with pytest.raises(ParseError) as caught:
        read_ss(text, thb_layout())
    error = caught.value
    assert error.title == "Not a number"
    assert "12a" in error.detail
    assert error.location.line == line_of(text, 'OBS_VALUE="12a"')
    assert error.location.component == "OBS_VALUE"


def test_bad_number_with_carriage_return_line_endings():
    text = thb_ss_xml(30, bad={17: 'OBS_VALUE="n/a"'}, newline="\r")
    with pytest.raises(ParseError) as caught:
        read_ss(text, thb_layout())
    assert caught.value.location.line == text[: text.index("n/a")].count("\r") + 1


def test_unknown_component_is_refused_with_a_layout():
    text = thb_ss_xml(25, bad={21: 'OBS_VALUE="1" OBS_STATUS="A" COLOUR="red"'})
    with pytest.raises(ParseError) as caught:
        read_ss(text, thb_layout())
    assert caught.value.title == "Unknown component"
    assert caught.value.location.component == "COLOUR"
    assert caught.value.location.line == line_of(text, 'COLOUR="red"')
    # Without a structure the same message is self-describing: a new column.
    data = read_ss(text).data
    assert data["COLOUR"].astype(object).tolist().count("red") == 1


def test_missing_and_extra_observation_attributes_keep_columns_aligned():
    bad = {3: 'OBS_VALUE="5"', 7: 'OBS_VALUE="" OBS_STATUS="M" CONF_STATUS="F"'}
    text = thb_ss_xml(12, bad=bad)
    data = read_ss(text, thb_layout()).data
    assert data["OBS_STATUS"].isna().tolist() == [i == 3 for i in range(12)]
    assert data["OBS_VALUE"].isna().tolist() == [i == 7 for i in range(12)]
    assert data["OBS_STATUS"][7] == "M"


def test_utf8_bom_and_mixed_line_endings_are_accepted():
    text = thb_ss_xml(15).replace("\n", "\r\n", 5)
    data = read_ss(b"\xef\xbb\xbf" + text.encode(), thb_layout()).data
    assert len(data) == 15


@pytest.mark.parametrize("cut", [200, 900, -60])
def test_truncated_xml_is_a_parse_error_with_position(cut):
    text = thb_ss_xml(20)
    with pytest.raises(ParseError) as caught:
        read_ss(text[:cut], thb_layout())
    assert caught.value.title == "Malformed XML"
    assert caught.value.location.line is not None
    assert caught.value.location.column is not None


def test_truncated_generic_message(specimens):
    raw = (specimens / "ECB_EXR" / "sg-ts.xml").read_bytes()
    with pytest.raises(ParseError) as caught:
        generic_reader.read(io.BytesIO(raw[: len(raw) // 2]), layout=None, source_name="g.xml")
    assert caught.value.location.line is not None


@pytest.mark.parametrize("reader", [ss_reader.read, generic_reader.read])
@pytest.mark.parametrize("data", [b"", b"   \n\t", b"\xef\xbb\xbf"])
def test_empty_input(reader, data):
    with pytest.raises(ParseError) as caught:
        reader(io.BytesIO(data), layout=None, source_name="empty.xml")
    assert caught.value.title == "Empty input"


def test_wrong_namespace_is_refused():
    text = thb_ss_xml(3).replace(MSG21, "http://example.org/not-sdmx")
    with pytest.raises(ParseError) as caught:
        read_ss(text)
    assert caught.value.title == "Not the expected SDMX-ML data message"
    assert caught.value.context["namespace"] == "http://example.org/not-sdmx"


def test_generic_message_given_to_ss_reader_and_back(specimens):
    generic = (specimens / "ECB_EXR" / "sg-ts.xml").read_bytes()
    with pytest.raises(ParseError, match="Generic"):
        read_ss(generic)
    with pytest.raises(ParseError, match="StructureSpecificData"):
        generic_reader.read(io.BytesIO(thb_ss_xml(3).encode()), layout=None, source_name="x")


def test_generic_bad_number_and_unknown_component(specimens):
    raw = (specimens / "ECB_EXR" / "sg-ts.xml").read_text(encoding="utf-8")
    from mosy_sdmx.structures import load_structures

    structures = load_structures(specimens / "ECB_EXR" / "sg-structure-full.xml")
    layout = structures.layout("ECB_EXR_SG")
    bad = raw.replace('value="1.3089"', 'value="one"', 1)
    with pytest.raises(ParseError) as caught:
        generic_reader.read(io.BytesIO(bad.encode()), layout=layout, source_name="g.xml")
    assert caught.value.location.line == line_of(bad, 'value="one"')
    unknown = raw.replace('id="OBS_STATUS"', 'id="OBS_MOOD"', 1)
    with pytest.raises(ParseError) as caught:
        generic_reader.read(io.BytesIO(unknown.encode()), layout=layout, source_name="g.xml")
    assert caught.value.location.component == "OBS_MOOD"


def test_xxe_is_refused_and_reads_no_file(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doctype = f'<!DOCTYPE m [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
    text = (
        thb_ss_xml(2)
        .replace("<message:StructureSpecificData", f"{doctype}\n<message:StructureSpecificData")
        .replace('OBS_STATUS="A"', 'OBS_STATUS="&x;"', 1)
    )
    for reader in (ss_reader.read, generic_reader.read):
        with pytest.raises(ParseError) as caught:
            reader(io.BytesIO(text.encode()), layout=None, source_name="xxe.xml")
        assert caught.value.context["reason"] == "dtd-refused"
        assert "TOP-SECRET" not in str(caught.value)


def test_entity_expansion_is_refused():
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    text = f'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY l0 "lol">{lol}]><m>&l9;</m>'
    with pytest.raises(ParseError) as caught:
        read_ss(text)
    assert caught.value.context["reason"] == "dtd-refused"


def test_doctype_hidden_after_the_first_chunk_is_refused():
    text = thb_ss_xml(20_000)  # > 1 MB
    cut = text.index("</message:DataSet>")
    text = text[:cut] + '<!DOCTYPE x [<!ENTITY e "e">]>' + text[cut:]
    with pytest.raises(ParseError) as caught:
        read_ss(text)
    assert caught.value.context.get("reason") == "dtd-refused"


def test_deep_nesting_is_refused():
    inner = "<Comp>" * 100 + "</Comp>" * 100
    text = thb_ss_xml(2).replace("<message:Header>", f"{inner}<message:Header>")
    with pytest.raises(ParseError) as caught:
        read_ss(text)
    assert caught.value.title == "XML nested too deeply"
