"""Every YAML settings file (validation rules, disclosure) fails the same clear way."""

from __future__ import annotations

import pytest

from mosy_sdmx.disclosure.rules import load_disclosure_rules
from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.structures.rules import load_additive_groups, load_rules

LOADERS = {
    "additivity": load_additive_groups,
    "rules": load_rules,
    "disclosure": load_disclosure_rules,
}


@pytest.mark.parametrize("loader", LOADERS.values(), ids=list(LOADERS))
def test_broken_yaml_names_file_and_line(tmp_path, loader) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("a: 1\nb: [unclosed\nc: 2\n", encoding="utf-8")
    with pytest.raises(StructureError) as caught:
        loader(path)
    assert caught.value.location.source == str(path)
    assert caught.value.location.line is not None and caught.value.location.line >= 2


@pytest.mark.parametrize("loader", LOADERS.values(), ids=list(LOADERS))
def test_a_document_that_is_not_a_mapping_is_refused(tmp_path, loader) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(StructureError, match="mapping"):
        loader(path)
