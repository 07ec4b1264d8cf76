"""The ECB EXR structures as the registry accepts them.

The specimen's categorisation points to a category scheme the message
neither holds nor declares external, which the registry refuses (409, a
missing reference); tests that need ECB structures stored take this copy
without it.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from paths import SPECIMENS

ECB_FILE = SPECIMENS / "ECB_EXR/1/structure-full.xml"


def ecb_storable() -> bytes:
    root = etree.parse(str(ECB_FILE)).getroot()
    for box in root.iter("{*}Categorisations"):
        box.getparent().remove(box)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def ecb_storable_file(folder: Path) -> Path:
    path = folder / "ecb-structures.xml"
    path.write_bytes(ecb_storable())
    return path
