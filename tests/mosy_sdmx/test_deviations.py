"""The tolerated deviations: one catalogue, documented, each warned about."""

from __future__ import annotations

import re
import warnings

import pytest
from paths import ROOT

from mosy_sdmx.deviations import CATALOGUE, Deviation, DeviationWarning, tolerate
from mosy_sdmx.exceptions import Location


def test_catalogue_and_documentation_name_the_same_deviations():
    page = (ROOT / "docs" / "deviations.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", page, flags=re.MULTILINE))
    assert documented == set(CATALOGUE)


def test_tolerate_warns_and_records():
    with pytest.warns(DeviationWarning, match="DataSet element outside") as caught:
        deviation = tolerate(
            "dataset-outside-message-namespace",
            "<DataSet> is in namespace urn:x",
            location=Location(source="reply.xml", line=4),
        )
    assert caught[0].filename == __file__
    assert isinstance(deviation, Deviation)
    assert deviation.to_dict() == {
        "code": "dataset-outside-message-namespace",
        "message": deviation.message,
        "location": {"source": "reply.xml", "line": 4},
    }
    assert str(deviation).endswith("(reply.xml, line 4)")


def test_only_catalogued_deviations_can_be_tolerated():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(KeyError):
            tolerate("anything-goes", "no")
