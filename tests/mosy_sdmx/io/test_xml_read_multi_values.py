"""SDMX-ML 3.0 multi-valued and multilingual components keep every value and language."""

from __future__ import annotations

import io

import pytest
import real_messages as rm

from mosy_sdmx.dataset import LocalisedText
from mosy_sdmx.io.sdmx_ml import ss_reader
from mosy_sdmx.safe_xml import feed_stream

NOTE = LocalisedText({"en": "Note", "de": "Notiz"})


def _check(dataset) -> None:
    data = dataset.data
    usd = data["CURRENCY"] == "USD"
    assert dataset.attributes["DS_NOTE"] == NOTE
    assert str(dataset.attributes["DS_NOTE"]) == "Note"
    assert data.loc[usd, "OBS_STATUS"].tolist() == [("A", "F"), "A", "E"]
    assert data.loc[~usd, "OBS_STATUS"].isna().all()
    # "a;b" stays one value: nothing is joined, so nothing can be split wrongly.
    assert data.loc[usd, "G_SRC"].tolist() == [("a;b", "c")] * 3
    assert data.loc[~usd, "G_SRC"].isna().all()
    assert data.loc[usd, "SRC"].tolist() == [("4F0", "4D0")] * 3
    assert data.loc[~usd, "SRC"].isna().all()
    assert data["OBS_VALUE"].dtype == "float64"


@pytest.mark.usefixtures("both_xml_paths")
def test_values_and_languages_kept_at_every_level():
    dataset = ss_reader.read(io.BytesIO(rm.multi_valued_30(series=40)), source_name="mv.xml")
    assert len(dataset) == 3 + 39
    _check(dataset)


def test_values_kept_across_input_chunks(monkeypatch):
    """A <Comp> that arrives after its observation was turned into Arrow still lands."""
    for size in (64, 97, 131):
        monkeypatch.setitem(feed_stream.__kwdefaults__, "chunk_size", size)
        _check(ss_reader.read(io.BytesIO(rm.multi_valued_30(series=3))))


def test_localised_text_behaves_as_a_value():
    text = LocalisedText([("fr", "Taux"), ("en", "Rate")])
    assert str(text) == "Rate" and text["fr"] == "Taux" and list(text) == ["fr", "en"]
    assert text == {"fr": "Taux", "en": "Rate"} and hash(text) == hash(LocalisedText(text))
    assert str(LocalisedText({"de": "Kurs"})) == "Kurs"
    with pytest.raises(KeyError):
        text["de"]


@pytest.mark.usefixtures("both_xml_paths")
@pytest.mark.parametrize("component", ["OBS_STATUS", "OBS_VALUE", "SRC"])
def test_a_group_comp_named_like_an_observation_column_is_no_key(component):
    """Found by the fuzzer: without a structure, a group's <Comp> named like a column
    was taken for a key dimension, and several values compared with a column raised
    a ValueError. A <Comp> is never a dimension; cells with their own value keep it."""
    message = rm.multi_valued_30().replace(
        b'<Comp id="G_SRC">', f'<Comp id="{component}">'.encode()
    )
    dataset = ss_reader.read(io.BytesIO(message), source_name="mv.xml")
    data = dataset.data
    usd = data["CURRENCY"] == "USD"
    assert len(data) == 4 and data["OBS_VALUE"].dtype == "float64"
    assert data["OBS_VALUE"].tolist() == [1.5, 1.6, 1.7, 1.0]  # no measure from a group
    if component != "OBS_VALUE":
        assert data.loc[~usd, component].isna().all()
    if component == "OBS_STATUS":  # every USD observation has its own status
        assert data.loc[usd, "OBS_STATUS"].tolist() == [("A", "F"), "A", "E"]
