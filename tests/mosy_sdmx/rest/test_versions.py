"""Version queries follow querying_versions.md of SDMX REST 2.2.2."""

from __future__ import annotations

import pytest

from mosy_sdmx.exceptions import InvalidQueryError
from mosy_sdmx.rest.versions import VersionQuery

HELD = ["1.0", "1.0.0", "1.1.0", "1.2.0-draft", "2.0.0", "2.1.3", "0.9.0", "3.0.0-rc1"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("+", ["2.1.3"]),  # latest stable: three parts, no extension
        ("~", ["3.0.0-rc1"]),  # latest of any kind
        ("*", HELD),
        ("1.+.0", ["1.1.0"]),
        ("1.1+.0", ["1.1.0"]),
        ("2+.0.0", ["2.1.3"]),
        ("2.0.3+", []),
        ("~.0", ["1.0"]),  # two-part versions only
        ("*.0", ["1.0"]),
        ("1.*.0", ["1.0.0", "1.1.0", "1.2.0-draft"]),
        ("1.2~.0", ["1.2.0-draft"]),
        ("1.0", ["1.0"]),
        ("1.2.0-draft", ["1.2.0-draft"]),
        ("2.1.0", []),
    ],
)
def test_v2_selectors(query, expected) -> None:
    assert VersionQuery.parse(query).select(HELD) == expected


@pytest.mark.parametrize(
    "query", ["+.2.3", "1.+.3", "~.2", "~.2.3", "*.2", "+.0", "2.3+", "~.0.*", "3.2*.1+", "a.b"]
)
def test_unsupported_syntax_is_refused_with_advice(query) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        VersionQuery.parse(query)
    assert query in caught.value.detail


def test_v1_keywords() -> None:
    assert VersionQuery.parse("latest", "v1").select(["1.0", "1.10", "1.9"]) == ["1.10"]
    assert VersionQuery.parse("all", "v1").select(["1.0", "2.0"]) == ["1.0", "2.0"]
    with pytest.raises(InvalidQueryError):
        VersionQuery.parse("~", "v1")
