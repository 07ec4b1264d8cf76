"""Partial item schemes (``isPartial="true"``) merged into the stored scheme.

SDMX REST 2.x maintenance (``maintenance.md``, "Partially update Item
Schemes"): each submitted item replaces the stored item of the same id, in
its position, or is added after the submitted item it follows if that one is
held, else at the end. In nested schemes (categories) a root-level item
replaces the whole stored subtree. Names and descriptions of the scheme are
replaced per language or added; its annotations and attributes are replaced.
The result is a full scheme (no ``isPartial``), unless the stored one was
partial itself (as query answers with ``detail=referencepartial`` are).

Both sides are SDMX-ML 2.1 item-scheme elements, as the registry stores them
(``fragments``); the merge works on the elements, so every item keeps all it
says, whatever the scheme type.
"""

from __future__ import annotations

import copy

from lxml import etree

from mosy_sdmx import namespaces as ns
from mosy_sdmx.exceptions import StructureError
from mosy_sdmx.safe_xml import parse_bytes

_COMMON = ns.COMMON_21
_HEAD = {"Annotations", "Name", "Description"}
_LANG = f"{{{ns.XML}}}lang"


def is_partial(element: bytes) -> bool:
    """Whether an SDMX-ML 2.1 artefact element says ``isPartial="true"``."""
    head = element.partition(b">")[0]
    return b'isPartial="true"' in head


def merge_partial(stored: bytes, partial: bytes) -> bytes:
    """The stored scheme with a partial scheme's items and details applied."""
    old = parse_bytes(stored, source_name="stored scheme").getroot()
    new = parse_bytes(partial, source_name="partial scheme").getroot()
    if etree.QName(old).localname != etree.QName(new).localname:
        raise StructureError(
            "Partial scheme of another type",
            f"{etree.QName(new).localname} cannot update {etree.QName(old).localname}",
        )
    result = copy.deepcopy(old)
    result.attrib.clear()
    result.attrib.update({k: v for k, v in new.attrib.items() if k != "isPartial"})
    if old.get("isPartial") == "true":  # a partial scheme stays partial: the rest is unknown
        result.set("isPartial", "true")
    _merge_details(result, new)
    _merge_items(result, new)
    return etree.tostring(result)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _merge_details(result: etree._Element, new: etree._Element) -> None:
    for old in result.findall(f"{{{_COMMON}}}Annotations"):
        result.remove(old)
    submitted = new.find(f"{{{_COMMON}}}Annotations")
    if submitted is not None:
        result.insert(0, copy.deepcopy(submitted))
    for tag in ("Name", "Description"):
        for text in new.findall(f"{{{_COMMON}}}{tag}"):
            lang = text.get(_LANG)
            same = [t for t in result.findall(f"{{{_COMMON}}}{tag}") if t.get(_LANG) == lang]
            if same:
                same[0].text = text.text
                continue
            head = [child for child in result if _local(child) in _HEAD]
            position = result.index(head[-1]) + 1 if head else 0
            result.insert(position, copy.deepcopy(text))


def _merge_items(result: etree._Element, new: etree._Element) -> None:
    items = [child for child in result if _local(child) and _local(child) not in _HEAD]
    order = [item.get("id") for item in items]
    by_id = dict(zip(order, items, strict=True))
    previous: str | None = None
    for item in new:
        if not _local(item) or _local(item) in _HEAD:
            continue
        item_id = item.get("id")
        if item_id in by_id:
            pass  # replaced in its position
        elif previous in by_id:
            order.insert(order.index(previous) + 1, item_id)
        else:
            order.append(item_id)
        by_id[item_id] = copy.deepcopy(item)
        previous = item_id
    for item in items:
        result.remove(item)
    result.extend(by_id[item_id] for item_id in order)
