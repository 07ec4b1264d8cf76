"""SDMX-ML forms real agencies publish: explicit measures, a DataSet outside the
message namespace, footers, several data sets, observations missing a dimension.

Every structure-specific case runs on both read paths (``both_xml_paths``);
the explicit-measure cross-section is also compared with sdmx1.
"""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
import real_messages as rm
import sdmx

from mosy_sdmx import read_data
from mosy_sdmx.deviations import DeviationWarning
from mosy_sdmx.exceptions import ParseError
from mosy_sdmx.io.sdmx_ml import _fast_body, generic_reader, ss_reader
from mosy_sdmx.structures import AttachmentLevel, load_structures
from mosy_sdmx.structures.layout import described_layout

KEY = ["FREQ", "GEO", "INDIC_DE", "TIME_PERIOD"]


@pytest.fixture(scope="module")
def demography(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demography")
    return load_structures(rm.write_demography_structure(folder))


def _expected() -> pd.DataFrame:
    rows = pd.DataFrame(rm.cross_section_rows())
    rows["OBS_VALUE"] = rows["OBS_VALUE"].astype(float)
    return rows.sort_values(KEY).reset_index(drop=True)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if col != "OBS_VALUE":
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out.sort_values(KEY).reset_index(drop=True)


# -- explicit measures --------------------------------------------------------


@pytest.mark.usefixtures("both_xml_paths")
@pytest.mark.parametrize("form", ["xsi", "type", "attribute"])
@pytest.mark.parametrize("with_structure", [True, False])
def test_cross_section_measure_dimension_is_filled(demography, form, with_structure):
    layout = demography.layout("DF_DEMO_XS") if with_structure else None
    data = rm.explicit_cross_section(form=form)
    dataset = ss_reader.read(io.BytesIO(data), layout=layout, source_name="xs.xml")
    got = _plain(dataset.data)
    want = _expected()
    assert got[KEY].values.tolist() == want[KEY].values.tolist()
    assert got["OBS_VALUE"].tolist() == want["OBS_VALUE"].tolist()
    flags = want["OBS_FLAG"].astype(object)
    assert got["OBS_FLAG"].tolist() == flags.where(flags.notna(), None).tolist()
    # No key is shared: the measure dimension separates the observations.
    assert not dataset.data.duplicated(KEY).any()
    assert "type" not in dataset.data.columns
    assert not any(c.startswith("{") for c in dataset.data.columns)
    assert isinstance(dataset.data["INDIC_DE"].dtype, pd.CategoricalDtype)


def test_cross_section_matches_sdmx1(demography, tmp_path):
    path = tmp_path / "xs.xml"
    path.write_bytes(rm.explicit_cross_section())
    theirs = sdmx.to_pandas(
        sdmx.read_sdmx(path, structure=demography.dsd("DEMO_XS")).data[0], attributes="o"
    ).reset_index()
    ours = read_data(path, demography.layout("DF_DEMO_XS")).data
    assert len(ours) == len(theirs) == len(rm.cross_section_rows())
    ours, theirs = _plain(ours), theirs.sort_values(KEY).reset_index(drop=True)
    assert ours[KEY].values.tolist() == theirs[KEY].astype(str).values.tolist()
    for got, want in zip(ours["OBS_VALUE"], theirs["value"], strict=True):
        assert math.isclose(got, float(want))


@pytest.mark.usefixtures("both_xml_paths")
def test_large_cross_section_takes_the_patterns(demography, monkeypatch):
    """xsi:type is read by the whole-buffer patterns too, not left to callbacks."""
    monkeypatch.setattr(_fast_body, "REGION_OBS", 16)
    read_by_patterns = []
    original = _fast_body.read_region

    def spy(*args, **kwargs):
        found = original(*args, **kwargs)
        read_by_patterns.append(found is not None)
        return found

    monkeypatch.setattr(_fast_body, "read_region", spy)
    data = rm.explicit_cross_section(years=40)
    dataset = ss_reader.read(io.BytesIO(data), layout=demography.layout("DF_DEMO_XS"))
    assert len(dataset) == 40 * len(rm.GEOS) * len(rm.MEASURES)
    assert set(dataset.data["INDIC_DE"]) == set(rm.MEASURES)
    if _fast_body.MIN_BYTES == 0:  # the whole-buffer run
        assert read_by_patterns and all(read_by_patterns)


@pytest.mark.usefixtures("both_xml_paths")
@pytest.mark.parametrize("form", ["xsi", "type"])
def test_flat_explicit_measures_need_the_structure(demography, form):
    data = rm.explicit_flat(form=form)
    dataset = ss_reader.read(io.BytesIO(data), layout=demography.layout("DF_DEMO_XS"))
    assert (
        _plain(dataset.data)["INDIC_DE"].tolist()
        == _expected().query("TIME_PERIOD == '2015'")["INDIC_DE"].tolist()
    )
    with pytest.raises(ParseError, match="give the data structure") as err:
        ss_reader.read(io.BytesIO(data), layout=None)
    assert err.value.title == "Measure dimension unknown"


@pytest.mark.usefixtures("both_xml_paths")
def test_type_contradicting_the_stated_dimension_is_refused(demography):
    data = rm.explicit_cross_section().replace(
        b'xsi:type="ns:JAN" OBS_VALUE="102.5"',
        b'xsi:type="ns:JAN" INDIC_DE="TFRNSI" OBS_VALUE="102.5"',
    )
    assert b'INDIC_DE="TFRNSI"' in data
    with pytest.raises(ParseError, match="type says 'JAN'") as err:
        ss_reader.read(io.BytesIO(data), layout=demography.layout("DF_DEMO_XS"))
    assert err.value.location.component == "INDIC_DE"


@pytest.mark.usefixtures("both_xml_paths")
def test_plain_obs_type_is_an_annotation(demography):
    """``xsi:type="ns:ObsType"`` names the ordinary observation type, not a measure."""
    data = (
        rm.several_datasets_ss(actions=("Replace",))
        .replace(b"<Obs TIME", b'<Obs xsi:type="ns:ObsType" TIME')
        .replace(b"xmlns:xsi=", b'xmlns:ns="urn:x" xmlns:xsi=')
    )
    dataset = ss_reader.read(io.BytesIO(data))
    assert len(dataset) == 4 and set(dataset.data.columns) >= {"TIME_PERIOD", "OBS_VALUE"}
    assert not any(c.startswith("{") for c in dataset.data.columns)


# -- DataSet outside the message namespace ------------------------------------


@pytest.mark.usefixtures("both_xml_paths")
def test_dataset_in_structure_namespace_reads_with_a_warning(demography):
    layout = demography.layout("DF_DEMO_XS")
    regular = ss_reader.read(io.BytesIO(rm.explicit_cross_section()), layout=layout)
    assert regular.deviations == []
    with pytest.warns(DeviationWarning, match="DataSet element outside the message namespace"):
        eurostat = ss_reader.read(
            io.BytesIO(rm.explicit_cross_section(dataset_prefix="ns")), layout=layout
        )
    pd.testing.assert_frame_equal(eurostat.data, regular.data)
    (deviation,) = eurostat.deviations
    assert deviation.code == "dataset-outside-message-namespace"
    assert deviation.location.line == 4
    assert "DEMO_XS(1.0):ObsLevelDim:INDIC_DE" in deviation.message


# -- footers ------------------------------------------------------------------


@pytest.mark.usefixtures("both_xml_paths")
def test_footer_kept_on_the_dataset(demography):
    data = rm.explicit_cross_section(footer=rm.footer_xml(code="110", severity="Warning"))
    dataset = ss_reader.read(io.BytesIO(data), layout=demography.layout("DF_DEMO_XS"))
    assert len(dataset) == len(rm.cross_section_rows())
    (message,) = dataset.footer
    assert (message.code, message.severity) == ("110", "Warning")
    assert [lang for lang, _ in message.texts] == ["en", "fr"]
    assert "https://ec.europa.eu/eurostat/SDMX/1234.zip" in message.text
    assert str(message).startswith("Warning 110: Due to the large query")


@pytest.mark.parametrize("kind", ["ss", "generic"])
def test_footer_without_data_is_the_error(kind):
    reader = ss_reader if kind == "ss" else generic_reader
    with pytest.raises(ParseError) as err:
        reader.read(io.BytesIO(rm.footer_only_message(kind)), source_name="reply.xml")
    text = str(err.value)
    assert err.value.title == "No data set, only a footer"
    assert "413" in text and "https://ec.europa.eu/eurostat/SDMX/1234.zip" in text
    assert err.value.context["footer"][0]["code"] == "413"
    # read_data sniffs the format and says the same.
    with pytest.raises(ParseError, match="413"):
        read_data(rm.footer_only_message(kind))


def test_generic_footer_kept():
    data = (
        rm.several_datasets_generic(actions=("Replace",))
        .replace(b"</m:GenericData>", rm.footer_xml().encode() + b"</m:GenericData>")
        .replace(b"<m:GenericData ", f'<m:GenericData xmlns:footer="{rm.FOOTER}" '.encode())
    )
    dataset = generic_reader.read(io.BytesIO(data))
    assert [m.code for m in dataset.footer] == ["413"]
    assert len(dataset) == 4


# -- several data sets --------------------------------------------------------


@pytest.mark.usefixtures("both_xml_paths")
@pytest.mark.parametrize("kind", ["ss", "generic"])
def test_several_datasets_are_read_in_order(kind):
    reader = ss_reader if kind == "ss" else generic_reader
    build = rm.several_datasets_ss if kind == "ss" else rm.several_datasets_generic
    data = build(actions=("Replace", "Delete", "Append"))
    with pytest.raises(ParseError, match="read_datasets") as err:
        reader.read(io.BytesIO(data), source_name="multi.xml")
    assert err.value.location.line is not None
    datasets = reader.read_datasets(io.BytesIO(data), source_name="multi.xml")
    assert [d.action.value for d in datasets] == ["Replace", "Delete", "Append"]
    assert [d.attributes["COMMENT"] for d in datasets] == ["set 0", "set 1", "set 2"]
    assert [len(d) for d in datasets] == [4, 4, 4]
    assert datasets[0].data["CURRENCY"].tolist() == ["USD", "USD", "JPY", "JPY"]


@pytest.mark.usefixtures("both_xml_paths")
@pytest.mark.parametrize(
    ("bad", "title"),
    [(b'OBS_VALUE="ten"', "Not a number"), (b'OBS_VALUE="110" COLOUR="red"', "Unknown component")],
)
def test_error_in_a_later_dataset_is_located(bad, title):
    """Positions count the elements of every data set before, not just this one's."""
    layout = described_layout(
        structure_urn=None,
        dimensions=["FREQ", "CURRENCY", "SET"],
        time_dimension="TIME_PERIOD",
        measures=["OBS_VALUE"],
        attributes={"COMMENT": AttachmentLevel.DATASET},
    )
    data = rm.several_datasets_ss(actions=("Replace", "Append"))
    target = data.split(b"\n").index(b'<Obs TIME_PERIOD="2020-01" OBS_VALUE="110"/>')
    data = data.replace(b'OBS_VALUE="110"', bad)
    with pytest.raises(ParseError) as err:
        ss_reader.read_datasets(io.BytesIO(data), layout=layout, source_name="multi.xml")
    assert err.value.title == title
    assert err.value.location.line == target + 1


# -- no dimension lost --------------------------------------------------------


@pytest.mark.usefixtures("both_xml_paths")
def test_observation_without_a_dimension_is_refused(demography):
    layout = demography.layout("DF_DEMO_XS")
    data = rm.explicit_cross_section(form="attribute").replace(
        b'<Obs INDIC_DE="JAN" OBS_VALUE="112.5"', b'<Obs OBS_VALUE="112.5"', 1
    )
    with pytest.raises(ParseError) as err:
        ss_reader.read(io.BytesIO(data), layout=layout, source_name="xs.xml")
    assert err.value.title == "Dimension value missing"
    assert err.value.location.component == "INDIC_DE"
    assert err.value.location.row == 18
    # The header names INDIC_DE as the dimension at observation: without a structure too.
    with pytest.raises(ParseError, match="dimension INDIC_DE"):
        ss_reader.read(io.BytesIO(data), layout=None)


@pytest.mark.usefixtures("both_xml_paths")
def test_delete_may_leave_dimensions_out(demography):
    layout = demography.layout("DF_DEMO_XS")
    data = (
        rm.explicit_cross_section(form="attribute")
        .replace(b'<Obs INDIC_DE="JAN" OBS_VALUE="112.5"', b'<Obs OBS_VALUE="112.5"', 1)
        .replace(
            b'ss:dataScope="DataStructure"', b'ss:dataScope="DataStructure" ss:action="Delete"'
        )
    )
    dataset = ss_reader.read(io.BytesIO(data), layout=layout)
    assert dataset.action.value == "Delete"
    assert dataset.data["INDIC_DE"].isna().sum() == 1


def test_generic_observation_without_its_dimension_is_refused():
    data = rm.several_datasets_generic(actions=("Replace",)).replace(
        b'<g:ObsDimension value="2020-02"/>', b"", 1
    )
    with pytest.raises(ParseError, match="dimension TIME_PERIOD") as err:
        generic_reader.read(io.BytesIO(data), source_name="g.xml")
    assert err.value.location.row == 2


def test_generic_layout_describes_the_message():
    dataset = generic_reader.read(io.BytesIO(rm.several_datasets_generic(actions=("Replace",))))
    layout = dataset.layout
    assert layout.dimensions == ("FREQ", "CURRENCY")
    assert layout.time_dimension == "TIME_PERIOD"
    assert layout.measures == ("OBS_VALUE",)
    assert layout.components["COMMENT"].level.value == "dataset"
    assert layout.agency == "ECB" and layout.dsd_id == "ECB_EXR1"
