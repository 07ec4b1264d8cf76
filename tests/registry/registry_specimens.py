"""The ECB EXR structures as the registry accepts them.

The specimen's categorisation points to a category scheme the message
neither holds nor declares external, and its SDMX:AGENCIES agency scheme
would replace the registry's without the agencies of the THB structures: the
registry refuses both (409 each, the rest stored: 207). Tests that need the
ECB structures stored whole (201) take this copy without them.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from paths import SPECIMENS

ECB_FILE = SPECIMENS / "ECB_EXR/1/structure-full.xml"


def ecb_storable() -> bytes:
    root = etree.parse(str(ECB_FILE)).getroot()
    for box in [*root.iter("{*}Categorisations", "{*}OrganisationSchemes")]:
        box.getparent().remove(box)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def ecb_storable_file(folder: Path) -> Path:
    path = folder / "ecb-structures.xml"
    path.write_bytes(ecb_storable())
    return path
