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


# -- shapes declared in resources/sources.schema.json ---------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "words"),
    [
        (
            "DSD_THB_CASES.yaml",
            "measure: {id: OBS_VALUE, type: integer}",
            "measure: {id: OBS_VALUE, type: int}",
            ["measure type 'int' is not one of integer, decimal, double, string"],
        ),
        (
            "DSD_THB_CASES.yaml",
            "  - {id: REF_AREA, codelist: CL_GEO}",
            "  - {id: REF_AREA}",
            ["dimension REF_AREA: 'codelist' is missing"],
        ),
        (
            "DSD_THB_CASES.yaml",
            "  - {id: REF_AREA, codelist: CL_GEO}",
            "  - REF_AREA",
            ["each dimension must be a mapping"],
        ),
        (
            "DSD_THB_CASES.yaml",
            "codelist: CL_THB_COUNT_RULE",
            "codelist: CL_THB_COUNT_RULE, text: 5",
            ["attribute COUNT_RULE: give exactly one of 'codelist: CL_ID' or 'text"],
        ),
        (
            "DSD_THB_CASES.yaml",
            "codelist: CL_THB_COUNT_RULE",
            "text: 0",
            ["attribute COUNT_RULE: 'text' must be a positive maximum length"],
        ),
        (
            "DSD_THB_CASES.yaml",
            "    public: true",
            "    public: yes please",
            ["dataflow DF_THB_CASES_PUB: 'public' must be true or false"],
        ),
        (
            "DSD_THB_PERSONS.yaml",
            "PERS_STAT: [PER_SUSP, PER_PRSC, PER_CNV]",
            "PERS_STAT: {from: CL_THB_PERS_STAT, only: [PER_SUSP]}",
            ["dataflow DF_THB_OFFENDERS, PERS_STAT: unknown key(s) only", "from, add, exclude"],
        ),
        (
            "DSD_THB_PERSONS.yaml",
            "PERS_STAT: [PER_SUSP, PER_PRSC, PER_CNV]",
            "PERS_STAT: PER_SUSP",
            ["PERS_STAT: give a list of codes or a mapping with from/add/exclude"],
        ),
        (
            "providers.yaml",
            "name: {en: Cyprus Ministry of Interior}",
            "name: {english: Cyprus Ministry of Interior}",
            ["provider CY_MOI: 'english' is not a language code"],
        ),
        (
            "providers.yaml",
            "name: {en: Cyprus Ministry of Interior}",
            "name: {fr: Ministère chypriote de l'Intérieur}",
            ["provider CY_MOI: an English name (en) is required"],
        ),
        (
            "providers.yaml",
            "- id: CY_MOI",
            "- id: CY MOI",
            ["provider id: 'CY MOI' has illegal characters"],
        ),
        (
            "providers.yaml",
            "  NGO: [NGO]",
            "  NGO: NGO",
            ["NGO: give a list of codes or a mapping with from/add/exclude"],
        ),
        (
            "concepts.yaml",
            "  - {id: FREQ,",
            "  - {id: 1FREQ,",
            ["concept id: '1FREQ' has illegal characters"],
        ),
    ],
)
def test_declared_shapes_fail_with_file_line_and_problem(sources, file, old, new, words):
    path = sources[1] / file
    line = _replace(path, old, new)
    _fails(sources, f"dsd/{file}", line, *words)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("- codelist: CL_GEO_WORLD", "- CL_GEO_WORLD", ["each include needs 'codelist: ID'"]),
        ("CL_GEO_WORLD:", "CL GEO WORLD:", ["codelist id: 'CL GEO WORLD' has illegal"]),
    ],
)
def test_declared_shapes_of_the_codelist_index(sources, old, new, words):
    line = _replace(sources[0] / "codelists.yaml", old, new)
    _fails(sources, "codelists/codelists.yaml", line, *words)


def test_a_code_without_english_name(sources):
    path = sources[0] / "CL_THB_SOURCE.csv"
    line = _replace(path, "POL,Police or law enforcement,", "POL,,")
    _fails(sources, "codelists/CL_THB_SOURCE.csv", line, "code 'POL' has no English name")


@pytest.mark.parametrize(
    "row",
    [
        {"id": "PT", "name_en": "Portugal", "parent": ""},
        {"id": "Y_LT12", "name_en": "Under 12", "parent": "Y_LT18"},
        {"id": "A@$-_1", "name_en": "x"},
        {"id": "POL/LE", "name_en": "x"},
        {"id": "PT", "name_en": ""},
        {"id": "PT", "name_en": "x", "parent": "A B"},
        {"id": "", "name_en": "x"},
        {"id": "PT", "name_en": "x", "name_fr": ""},
    ],
)
def test_the_quick_row_test_agrees_with_the_schema(row):
    from mosy_sdmx.structures._shapes import _quick_test, _validator

    assert _quick_test("code_row")(row) is _validator("code_row").is_valid(row)


def test_the_source_schema_is_a_valid_json_schema():
    import json

    from jsonschema import Draft202012Validator

    from mosy_sdmx.structures._shapes import _root

    Draft202012Validator.check_schema(_root())
    assert json.dumps(_root())  # plain JSON, shipped as package data
