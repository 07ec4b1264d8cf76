"""SDMX-ML namespace URIs and Clark-notation tag helpers, one table per SDMX-ML version.

Data readers (which match ``{ns}local`` tags), data and structure writers
(which emit them), the sdmx1 adapter and the XSD generator all use this table,
so they cannot drift apart.
"""

from __future__ import annotations

_BASE = "http://www.sdmx.org/resources/sdmxml/schemas"

#: Every SDMX-ML 2.1 / 3.0 namespace starts with these.
PREFIX_21 = f"{_BASE}/v2_1/"
PREFIX_30 = f"{_BASE}/v3_0/"

# SDMX-ML 2.1
MESSAGE_21 = f"{_BASE}/v2_1/message"
COMMON_21 = f"{_BASE}/v2_1/common"
STRUCTURE_21 = f"{_BASE}/v2_1/structure"
GENERIC_21 = f"{_BASE}/v2_1/data/generic"
SS_21 = f"{_BASE}/v2_1/data/structurespecific"
FOOTER_21 = f"{_BASE}/v2_1/message/footer"

# SDMX-ML 3.0
MESSAGE_30 = f"{_BASE}/v3_0/message"
COMMON_30 = f"{_BASE}/v3_0/common"
STRUCTURE_30 = f"{_BASE}/v3_0/structure"
SS_30 = f"{_BASE}/v3_0/data/structurespecific"
FOOTER_30 = f"{_BASE}/v3_0/message/footer"
REGISTRY_30 = f"{_BASE}/v3_0/registry"

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML = "http://www.w3.org/XML/1998/namespace"

#: Conventional prefixes for writers (``nsmap``), by version.
NSMAP_21_GENERIC = {"message": MESSAGE_21, "common": COMMON_21, "generic": GENERIC_21, "xsi": XSI}
NSMAP_21_SS = {"message": MESSAGE_21, "common": COMMON_21, "ss": SS_21, "xsi": XSI}
NSMAP_30_SS = {"message": MESSAGE_30, "common": COMMON_30, "ss": SS_30, "xsi": XSI}

#: Message namespaces a data reader accepts, mapped to the SDMX-ML version.
MESSAGE_VERSIONS = {MESSAGE_21: "2.1", MESSAGE_30: "3.0"}

#: ``xsi:type`` attribute in Clark notation.
XSI_TYPE = f"{{{XSI}}}type"


def q(ns: str, local: str) -> str:
    """Clark-notation tag ``{ns}local``, as lxml uses it."""
    return f"{{{ns}}}{local}"


def split_tag(tag: str) -> tuple[str, str]:
    """``{ns}local`` -> (ns, local); ('', tag) for a tag without namespace."""
    if tag[:1] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag
