"""Partial item schemes merged as SDMX REST 2.x maintenance says (its own examples)."""

from __future__ import annotations

import pytest
from lxml import etree

from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.structures.partial import is_partial, merge_partial

STR = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure"
COM = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
NS = f'xmlns:str="{STR}" xmlns:com="{COM}"'


NAME = '<com:Name xml:lang="en">Decimals</com:Name>'


def _codelist(codes: str, partial: bool = False, head: str = NAME) -> bytes:
    flag = ' isPartial="true"' if partial else ""
    return (
        f'<str:Codelist {NS} agencyID="SDMX" id="CL_DECIMALS" version="1.0"{flag}>'
        f"{head}{codes}</str:Codelist>"
    ).encode()


def _code(code_id: str, name: str) -> str:
    return f'<str:Code id="{code_id}"><com:Name xml:lang="en">{name}</com:Name></str:Code>'


def _items(element: bytes) -> list[tuple[str, str]]:
    root = etree.fromstring(element)
    return [
        (item.get("id"), item.findtext(f"{{{COM}}}Name"))
        for item in root
        if etree.QName(item).localname in ("Code", "Category")
    ]


STORED = _codelist(_code("0", "Zero") + _code("1", "One") + _code("2", "Two"))


def test_the_specs_example_keeps_code_2_and_renames_code_0() -> None:
    partial = _codelist(_code("0", "No decimal") + _code("1", "One"), partial=True)
    merged = merge_partial(STORED, partial)
    assert _items(merged) == [("0", "No decimal"), ("1", "One"), ("2", "Two")]
    assert not is_partial(merged) and is_partial(partial)


def test_new_items_follow_the_item_they_were_sent_after_else_go_last() -> None:
    sent = _code("1", "One") + _code("1a", "One and a half") + _code("9", "Nine")
    partial = _codelist(sent, partial=True)
    merged = merge_partial(STORED, partial)
    assert [i for i, _ in _items(merged)] == ["0", "1", "1a", "9", "2"]  # a run after "1"
    alone = merge_partial(STORED, _codelist(_code("5", "Five"), True))
    assert [i for i, _ in _items(alone)] == ["0", "1", "2", "5"]


def test_names_are_replaced_per_language_and_annotations_replaced() -> None:
    stored = _codelist(
        _code("0", "Zero"),
        head=(
            '<com:Annotations><com:Annotation id="OLD"/></com:Annotations>'
            f'{NAME}<com:Name xml:lang="fr">Décimales</com:Name>'
        ),
    )
    partial = _codelist(
        "",
        partial=True,
        head='<com:Name xml:lang="en">Decimal places</com:Name>'
        '<com:Name xml:lang="de">Dezimalstellen</com:Name>',
    )
    root = etree.fromstring(merge_partial(stored, partial))
    names = {n.get("{http://www.w3.org/XML/1998/namespace}lang"): n.text for n in root}
    assert names["en"] == "Decimal places" and names["fr"] == "Décimales"
    assert names["de"] == "Dezimalstellen"
    assert root.find(f"{{{COM}}}Annotations") is None  # none submitted: replaced by none
    assert [i for i, _ in _items(etree.tostring(root))] == ["0"]


def _category(cat_id: str, name: str, children: str = "") -> str:
    name_el = f'<com:Name xml:lang="en">{name}</com:Name>'
    return f'<str:Category id="{cat_id}">{name_el}{children}</str:Category>'


def _scheme(categories: str, partial: bool = False) -> bytes:
    flag = ' isPartial="true"' if partial else ""
    return (
        f'<str:CategoryScheme {NS} agencyID="SDMX" id="STAT_SUBJECT_MATTER" version="1.0"{flag}>'
        f'<com:Name xml:lang="en">Domains</com:Name>{categories}</str:CategoryScheme>'
    ).encode()


def test_a_root_category_replaces_its_whole_subtree() -> None:
    stored = _scheme(
        _category("DEMO", "Demographic")
        + _category(
            "ECO",
            "Economic",
            _category("MACRO", "Macro") + _category("SECT", "Sectoral", _category("ENERGY", "E")),
        )
        + _category("ENV", "Environment")
    )
    partial = _scheme(_category("ECO", "Economic", _category("MACRO", "Macro")), partial=True)
    root = etree.fromstring(merge_partial(stored, partial))
    assert [c.get("id") for c in root.iterfind(f"{{{STR}}}Category")] == ["DEMO", "ECO", "ENV"]
    eco = root.find(f"{{{STR}}}Category[@id='ECO']")
    assert [c.get("id") for c in eco.iter(f"{{{STR}}}Category")][1:] == ["MACRO"]


def test_a_partial_scheme_of_another_type_is_refused() -> None:
    with pytest.raises(StructureError, match="cannot update"):
        merge_partial(STORED, _scheme(_category("X", "X"), partial=True))
