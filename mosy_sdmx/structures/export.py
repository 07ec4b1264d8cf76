"""Structure messages out: every artefact of a StructureSet in one message.

SDMX-ML 2.1 comes from sdmx1's writer with its known defects repaired;
SDMX-ML 3.0 and SDMX-JSON 2.0 are our own serializers over the same sdmx1
objects (sdmx1 writes neither). All three validate against the official
schemas and read back in sdmx1 (XML) and pysdmx (all three).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from mosy_sdmx.formats import StructureFormat
from mosy_sdmx.structures import _export_common as common
from mosy_sdmx.structures.structure_set import StructureSet

__all__ = ["export_structures"]


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
    fmt = StructureFormat.parse(format)
    artefacts = list(common.exportable(structures.artefacts()))
    header = common.header_info(structures.message)
    if fmt is StructureFormat.SDMX_ML_21:
        from mosy_sdmx.structures._export_ml21 import write_ml21

        payload = write_ml21(artefacts, header)
    elif fmt is StructureFormat.SDMX_ML_30:
        from mosy_sdmx.structures._export_ml30 import write_ml30

        payload = write_ml30(artefacts, header)
    else:
        from mosy_sdmx.structures._export_json20 import write_json20

        payload = write_json20(artefacts, header)
    if target is None:
        return payload
    if isinstance(target, (str, os.PathLike)):
        Path(target).write_bytes(payload)
    else:
        target.write(payload)
    return None
