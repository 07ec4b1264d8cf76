"""One reading of every ``structure=`` argument: io, validation, the CLI and the registry.

The rule, the same for ``read_data``, ``write_data``, ``validate``,
``validate_file``, ``mosy ... --structure`` and the registry:

- ``None``: the built-in THB structures;
- a :class:`StructureSet` (or an object with its ``layout`` method) is used as it is;
- a :class:`ComponentLayout` is the layout itself (no StructureSet: no
  constraints, providers or labels);
- sdmx1 model objects, as sdmx1's own ``structure=`` takes them: a
  ``StructureMessage`` is used as a StructureSet; a ``Dataflow`` or a
  ``DataStructureDefinition`` is the one structure to use (it names the flow);
- an ``os.PathLike`` is the path of an SDMX-ML 2.1/3.0 or SDMX-JSON structure message;
- a ``str`` is a dataflow id or URN of the built-in THB structures when it is
  one (an SDMX id, ``[A-Za-z0-9_@$-]+``, or ``urn:...``); any other ``str``
  (``"ECB.xml"``, ``"dir/structures.xml"``) is the path of a structure
  message. An SDMX id holds no dot and no slash, so no string is both.

Anything else is a ``TypeError`` naming what is accepted. Structure messages
are parsed once per file version (resolved path, modification time, size and
inode) and the same StructureSet is handed to every caller, from any thread:
treat it as read-only. An already loaded StructureSet costs a dict look-up,
which is what the registry pays on every request.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TypeAlias

from sdmx.message import StructureMessage
from sdmx.model import common

from mosy_sdmx.exceptions import StructureError, StructureNotFoundError
from mosy_sdmx.structures.layout import ComponentLayout
from mosy_sdmx.structures.structure_set import StructureSet, read_structure_file

__all__ = [
    "StructureArg",
    "interpret_structure",
    "is_structure_reference",
    "load_structure_file",
    "resolve",
]

StructureArg: TypeAlias = (
    StructureSet
    | ComponentLayout
    | str
    | os.PathLike
    | StructureMessage
    | common.BaseDataflow
    | common.BaseDataStructureDefinition
    | None
)

#: SDMX IDType (SDMX-ML 3.0 common.xsd); a URN starts with ``urn:``.
_SDMX_ID = re.compile(r"[A-Za-z0-9_@$\-]+")

#: Structure messages kept parsed; a registry serves a handful.
CACHE_SIZE = 16

_ACCEPTED = (
    "a StructureSet, a ComponentLayout, the path of a structure message "
    "(os.PathLike, or a str that is not an SDMX id), a dataflow id or URN (str), "
    "an sdmx1 StructureMessage, Dataflow or DataStructureDefinition, or None"
)


def is_structure_reference(text: str) -> bool:
    """Whether a str names a dataflow (SDMX id or URN) rather than a structure file."""
    return text.startswith("urn:") or _SDMX_ID.fullmatch(text) is not None


def interpret_structure(
    structure: StructureArg, flow: str | None = None
) -> tuple[StructureSet | ComponentLayout | None, str | None]:
    """What a ``structure=`` argument gives: (structures or a layout, the dataflow named).

    Files are loaded (cached); a str naming a dataflow gives ``(None, ref)``,
    that is, the ref within the built-in structures. ``flow`` is the dataflow
    asked for besides; a str ``structure`` must name the same one.
    """
    if structure is None or isinstance(structure, (StructureSet, ComponentLayout)):
        return structure, flow
    if isinstance(structure, str):
        if is_structure_reference(structure):
            if flow is not None and flow != structure:
                raise ValueError(
                    f"structure={structure!r} and flow={flow!r} name different dataflows"
                )
            return None, structure
        return load_structure_file(structure), flow
    if isinstance(structure, os.PathLike):
        return load_structure_file(structure), flow
    if callable(getattr(structure, "layout", None)):  # shaped like a StructureSet
        return structure, flow
    from_sdmx1 = _sdmx1_structures(structure)
    if from_sdmx1 is not None:
        given, named = from_sdmx1
        if named is not None and flow is not None and flow != named:
            raise ValueError(f"structure {named!r} and flow={flow!r} name different dataflows")
        return given, flow or named
    raise TypeError(f"structure must be {_ACCEPTED}; got {type(structure).__name__}")


def _sdmx1_structures(structure: object) -> tuple[StructureSet, str | None] | None:
    """An sdmx1 model object as a StructureSet, and the dataflow or DSD it is (if one)."""
    if isinstance(structure, StructureMessage):
        return StructureSet(structure), None
    if isinstance(structure, (common.BaseDataflow, common.BaseDataStructureDefinition)):
        message = StructureMessage()
        message.add(structure)
        dsd = getattr(structure, "structure", None)
        if isinstance(structure, common.BaseDataflow) and dsd is not None:
            message.add(dsd)
        return StructureSet(message), structure.id
    return None


def resolve(
    structure: StructureArg = None, flow: str | None = None, *, data_flow: str | None = None
) -> tuple[StructureSet | None, ComponentLayout]:
    """The structures and the layout a call works with.

    Args:
        structure: see the module docstring for what each type means.
        flow: the dataflow (or DSD) id or URN asked for. A str ``structure``
            naming a dataflow counts as ``flow``; the two must agree.
        data_flow: the dataflow the data names (a message header,
            ``Dataset.structure_id``), used when nothing else names one. Given
            structures that lack it are asked for their only dataflow.

    Returns:
        ``(structures, layout)``; ``structures`` is None when a layout was given.

    Raises:
        TypeError: ``structure`` is of no accepted type.
        ValueError: a str ``structure`` and ``flow`` name different dataflows.
        StructureError, ParseError: a structure file cannot be read.
        StructureNotFoundError: the dataflow is unknown, or none is named and
            the structures hold several.
    """
    given, flow = interpret_structure(structure, flow)
    if isinstance(given, ComponentLayout):
        return None, given
    if given is None:
        from mosy_sdmx.structures import builtin_structures

        flow = flow or data_flow
        if flow is None:
            raise StructureNotFoundError(
                "No structure given", "name a dataflow (flow=...) or pass structure=..."
            )
        return builtin_structures(), builtin_structures().layout(flow)
    if flow is None and data_flow is not None:
        try:
            return given, given.layout(data_flow)
        except StructureNotFoundError:
            pass  # the only dataflow, or a clear "name one" error, below
    return given, given.layout(flow)


# -- parsed structure files, shared ------------------------------------------------

_lock = threading.Lock()
#: resolved path -> (file version, StructureSet), least recently used first.
_parsed: OrderedDict[str, tuple[tuple[int, int, int], StructureSet]] = OrderedDict()
#: resolved path -> lock held while that file is parsed, so threads parse it once.
_parsing: dict[str, threading.Lock] = {}


def load_structure_file(path: str | os.PathLike) -> StructureSet:
    """The StructureSet of an SDMX-ML 2.1 or 3.0 structure message, parsed once per version.

    A file changed on disk (modification time, size or inode) is parsed again.
    """
    path = Path(os.fspath(path))
    try:
        key = str(path.resolve())
        stat = os.stat(key)
    except OSError as exc:
        raise StructureError(
            "Cannot read structure file", f"{path}: {exc.strerror or exc}"
        ) from None
    version = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    found = _cached(key, version)
    if found is not None:
        return found
    with _lock:
        file_lock = _parsing.setdefault(key, threading.Lock())
    with file_lock:
        found = _cached(key, version)
        if found is None:
            try:
                found = read_structure_file(path)
                with _lock:
                    _parsed[key] = (version, found)
                    _parsed.move_to_end(key)
                    while len(_parsed) > CACHE_SIZE:
                        _parsed.popitem(last=False)
            finally:
                with _lock:
                    _parsing.pop(key, None)
    return found


def _cached(key: str, version: tuple[int, int, int]) -> StructureSet | None:
    with _lock:
        entry = _parsed.get(key)
        if entry is None or entry[0] != version:
            return None
        _parsed.move_to_end(key)
        return entry[1]


def clear_cache() -> None:
    """Forget every parsed structure file (tests; a registry reloading its structures)."""
    with _lock:
        _parsed.clear()
