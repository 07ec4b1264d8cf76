"""Structure messages out: every artefact of a StructureSet in one message.

SDMX-ML 2.1 comes from sdmx1's writer with its known defects repaired;
SDMX-ML 3.0 and SDMX-JSON 2.0 are our own serializers over the same sdmx1
objects (sdmx1 writes neither), SDMX-JSON 1.0 is derived from our 2.0. All
validate against the official schemas and read back in sdmx1 (XML), pysdmx
(all but SDMX-JSON 1.0, which it does not read) and our own readers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from mosy_sdmx.formats import StructureFormat
from mosy_sdmx.structures import _export_common as common
from mosy_sdmx.structures.structure_set import StructureSet

Key = tuple[str, str, str, str]

__all__ = ["export_artefacts", "export_structures"]


def export_structures(
    structures: StructureSet,
    format: StructureFormat | str,
    target: str | os.PathLike[str] | BinaryIO | None = None,
) -> bytes | None:
    """Write ``structures`` as one structure message in ``format``.

    Without ``target`` the message is returned as bytes; with a path or a
    binary stream it is written there and None is returned.
    Raises UnsupportedFormatError for an unknown format name.
    """
    payload = export_artefacts(structures.artefacts(), format, message=structures.message)
    if target is None:
        return payload
    if isinstance(target, (str, os.PathLike)):
        Path(target).write_bytes(payload)
    else:
        target.write(payload)
    return None


def export_artefacts(
    artefacts: Iterable[Any],
    format: StructureFormat | str,
    *,
    stubs: Mapping[Key, str] | None = None,
    partial: Mapping[Key, frozenset[str]] | None = None,
    message: Any = None,
) -> bytes:
    """Some artefacts (sdmx1 objects) as one structure message, some as stubs.

    ``stubs`` maps (type, agency, id, version) to "stub" (identification and
    name) or "completestub" (with description and annotations); ``partial``
    maps item schemes to the item ids to keep (``isPartial``), as SDMX REST's
    ``detail`` asks. ``message`` supplies the header's sender, if any.
    """
    fmt = StructureFormat.parse(format)
    artefacts = list(common.exportable(artefacts))
    header = common.header_info(message)
    if fmt is StructureFormat.SDMX_ML_21:
        from mosy_sdmx.structures._export_ml21 import write_ml21

        payload = write_ml21(artefacts, header)
    elif fmt is StructureFormat.SDMX_ML_30:
        from mosy_sdmx.structures._export_ml30 import write_ml30

        payload = write_ml30(artefacts, header)
    else:
        from mosy_sdmx.structures._export_json20 import write_json20

        payload = write_json20(artefacts, header)
    if fmt is StructureFormat.SDMX_JSON_10:  # derived from 2.0, after any trimming
        from mosy_sdmx.structures._export_json10 import json20_to_json10
        from mosy_sdmx.structures._trim import trim_json

        message = json.loads(payload)
        if stubs or partial:
            message = trim_json(message, stubs or {}, partial or {})
        message = json20_to_json10(message, artefacts)
        return json.dumps(message, ensure_ascii=False, indent=1).encode("utf-8")
    if not stubs and not partial:
        return payload
    from mosy_sdmx.structures._trim import trim_json, trim_xml

    if fmt is StructureFormat.SDMX_JSON_20:
        trimmed = trim_json(json.loads(payload), stubs or {}, partial or {})
        return json.dumps(trimmed, ensure_ascii=False, indent=1).encode("utf-8")
    return trim_xml(payload, stubs or {}, partial or {})
