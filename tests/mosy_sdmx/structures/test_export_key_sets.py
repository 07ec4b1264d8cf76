"""A constraint's DataKeySet, which SDMX-ML 2.1 and 3.0 spell in different namespaces."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from lxml import etree
from sdmx.model import common, v21

from mosy_sdmx.structures import _export_common as c
from mosy_sdmx.structures import _export_ml21, _export_ml30


def constraint_with_keys():
    freq, area = common.Dimension(id="FREQ"), common.Dimension(id="REF_AREA")
    key = v21.DataKey(
        included=True,
        key_value={
            freq: common.ComponentValue(value_for=freq, value="A"),
            area: common.ComponentValue(value_for=area, value="PT"),
        },
    )
    return SimpleNamespace(data_content_keys=v21.DataKeySet(included=False, keys=[key]))


@pytest.mark.parametrize(
    ("module", "ns_key"),
    [(_export_ml21, _export_ml21.NS_COM), (_export_ml30, _export_ml30.NS_STR)],
)
def test_key_sets_are_written_in_each_versions_namespaces(module, ns_key):
    parent = etree.Element("constraint")
    c.write_data_key_set(parent, constraint_with_keys(), module.NS_STR, ns_key)
    (box,) = parent
    assert box.tag == f"{{{module.NS_STR}}}DataKeySet" and box.get("isIncluded") == "false"
    (key,) = box
    assert key.tag == f"{{{module.NS_STR}}}Key"
    pairs = [(kv.tag, kv.get("id"), kv[0].tag, kv[0].text) for kv in key]
    assert pairs == [
        (f"{{{ns_key}}}KeyValue", "FREQ", f"{{{ns_key}}}Value", "A"),
        (f"{{{ns_key}}}KeyValue", "REF_AREA", f"{{{ns_key}}}Value", "PT"),
    ]


def test_no_key_set_no_element():
    parent = etree.Element("constraint")
    c.write_data_key_set(parent, SimpleNamespace(data_content_keys=None), "urn:s", "urn:k")
    c.write_data_key_set(parent, SimpleNamespace(), "urn:s", "urn:k")
    assert len(parent) == 0
