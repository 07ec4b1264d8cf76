"""Broken codelists/ or dsd/ files fail with a StructureError naming file and line.

Each case edits a copy of the built-in sources the way a statistician might
get it wrong; the expected line is found in the edited text, not assumed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.structures.resources import builtin_dir
from mosy_sdmx.structures.sources import load_thb_structures


@pytest.fixture()
def sources(tmp_path: Path) -> tuple[Path, Path]:
    cl = shutil.copytree(builtin_dir("codelists"), tmp_path / "codelists")
    dsd = shutil.copytree(builtin_dir("dsd"), tmp_path / "dsd")
    return cl, dsd


def _replace(path: Path, old: str, new: str) -> int:
    """Replace the first ``old`` and return the 1-based line where the new text sits."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text[: text.index(new)].count("\n") + 1


def _fails(sources, file: str, line: int | None, *words: str) -> StructureError:
    with pytest.raises(StructureError) as info:
        load_thb_structures(*sources)
    err = info.value
    assert err.location is not None
    assert err.location.source == file
    assert err.location.line == line
    text = str(err)
    assert file in text and (line is None or f"line {line}" in text)
    for word in words:
        assert word in text, text
    return err


def test_duplicate_code(sources):
    path = sources[0] / "CL_SEX_THB.csv"
    line = _replace(path, "UNK,Unknown", "M,Unknown")
    _fails(sources, "codelists/CL_SEX_THB.csv", line, "duplicate code 'M'", "first on line 3")


def test_code_id_with_illegal_characters(sources):
    path = sources[0] / "CL_THB_SOURCE.csv"
    line = _replace(path, "POL,Police", "POL/LE,Police")
    _fails(sources, "codelists/CL_THB_SOURCE.csv", line, "'POL/LE'", "illegal characters")


def test_missing_column(sources):
    path = sources[0] / "CL_THB_PROTECT.csv"
    _replace(path, "id,name_en,", "id,label,")
    _fails(sources, "codelists/CL_THB_PROTECT.csv", 1, "missing column name_en")


def test_parent_not_in_the_file(sources):
    path = sources[0] / "CL_AGE_THB.csv"
    line = _replace(path, "Unter 12 Jahre,Y_LT18", "Unter 12 Jahre,Y_LT15")
    _fails(sources, "codelists/CL_AGE_THB.csv", line, "parent 'Y_LT15'")


def test_too_many_values_in_a_row(sources):
    path = sources[0] / "CL_THB_OFFENCE.csv"
    line = _replace(path, "THB,Trafficking in human beings,", "THB,Trafficking, in human beings,")
    _fails(sources, "codelists/CL_THB_OFFENCE.csv", line, "values but the header has")


def test_csv_not_in_index(sources):
    (sources[0] / "CL_NEW.csv").write_text("id,name_en,parent\nA,A,\n", encoding="utf-8")
    _fails(sources, "codelists/CL_NEW.csv", None, "not listed in codelists.yaml")


def test_unknown_codelist_in_dsd(sources):
    path = sources[1] / "DSD_THB_CASES.yaml"
    line = _replace(path, "codelist: CL_THB_OFFENCE}", "codelist: CL_THB_OFFENSE}")
    _fails(sources, "dsd/DSD_THB_CASES.yaml", line, "unknown codelist 'CL_THB_OFFENSE'")


def test_unknown_codelist_in_include(sources):
    path = sources[0] / "codelists.yaml"
    line = _replace(path, "- codelist: CL_GEO_WORLD", "- codelist: CL_GEO_WORLDS")
    _fails(sources, "codelists/codelists.yaml", line, "unknown codelist 'CL_GEO_WORLDS'")


def test_dataflow_id_with_illegal_characters(sources):
    path = sources[1] / "DSD_THB_PROTECTION.yaml"
    line = _replace(path, "- id: DF_THB_PROTECTION\n", "- id: DF THB PROTECTION\n")
    _fails(sources, "dsd/DSD_THB_PROTECTION.yaml", line, "'DF THB PROTECTION'", "illegal")


def test_constraint_code_not_in_codelist(sources):
    path = sources[1] / "DSD_THB_PERSONS.yaml"
    line = _replace(
        path, "PERS_STAT: [PER_SUSP, PER_PRSC, PER_CNV]", "PERS_STAT: [PER_SUSP, PER_X]"
    )
    _fails(sources, "dsd/DSD_THB_PERSONS.yaml", line, "PER_X not in codelist CL_THB_PERS_STAT")


def test_attribute_without_attachment(sources):
    path = sources[1] / "DSD_THB_FLOWS.yaml"
    line = _replace(
        path,
        "{id: COUNT_RULE, codelist: CL_THB_COUNT_RULE, attachment: series,",
        "{id: COUNT_RULE, codelist: CL_THB_COUNT_RULE, attachment: key,",
    )
    _fails(sources, "dsd/DSD_THB_FLOWS.yaml", line, "attachment must be one of")


def test_yaml_syntax_error(sources):
    path = sources[1] / "DSD_THB_CASES.yaml"
    line = _replace(
        path, "  - {id: REF_AREA, codelist: CL_GEO}", "  - {id: REF_AREA, codelist: CL_GEO"
    )
    with pytest.raises(StructureError) as info:
        load_thb_structures(*sources)
    err = info.value
    assert err.location.source == "dsd/DSD_THB_CASES.yaml"
    # The parser notices the unclosed brace at or after the broken line.
    assert err.location.line is not None and err.location.line >= line
    assert "invalid YAML" in str(err)


def test_provider_with_unknown_country(sources):
    path = sources[1] / "providers.yaml"
    line = _replace(path, "country: CY", "country: CYP")
    _fails(sources, "dsd/providers.yaml", line, "country 'CYP'")


def test_provider_type_without_data_sources(sources):
    path = sources[1] / "providers.yaml"
    line = _replace(path, "type: NGO\n", "type: NSO\n")
    _fails(sources, "dsd/providers.yaml", line, "type 'NSO'")


def test_dimension_with_unknown_concept(sources):
    path = sources[1] / "DSD_THB_FLOWS.yaml"
    line = _replace(
        path,
        "{id: RECRUIT_AREA, codelist: CL_GEO_WORLD}",
        "{id: RECRUITMENT, codelist: CL_GEO_WORLD}",
    )
    _fails(sources, "dsd/DSD_THB_FLOWS.yaml", line, "concept 'RECRUITMENT'")


def test_statistician_adds_a_code_and_a_dataflow(sources):
    """The point of the sources: no Python needed to extend the structures."""
    with open(sources[0] / "CL_THB_PROTECT.csv", "a", encoding="utf-8") as f:
        f.write("LEGAL,Received legal aid,Aide juridique,Rechtsbeistand,,\n")
    with open(sources[1] / "DSD_THB_CASES.yaml", "a", encoding="utf-8") as f:
        f.write(
            "  - id: DF_THB_USE_SERV\n"
            "    name: {en: Use of services exacted from victims}\n"
            "    constraints:\n"
            "      OFFENCE: [USE_SERV]\n"
        )
    thb = load_thb_structures(*sources)
    assert "LEGAL" in thb.layout("DF_THB_PROTECTION").components["PROTECT"].codes
    assert thb.allowed_codes("DF_THB_USE_SERV")["OFFENCE"] == {"USE_SERV"}
    # A new restricted flow gets provision agreements for every provider by default.
    assert thb.allowed_codes("DF_THB_USE_SERV", "PT_NREM")["REF_AREA"] == {"PT"}


def test_include_cycle(sources):
    path = sources[0] / "codelists.yaml"
    line = _replace(path, "- codelist: CL_GEO_WORLD", "- codelist: CL_CITIZEN")
    _fails(sources, "codelists/codelists.yaml", line, "include cycle")
