"""SDMX-JSON data messages, typed section by section and checked as they are decoded.

msgspec decodes the message straight into these structs, so a value of the
wrong JSON type anywhere the reader looks is a ParseError naming its JSON path
(``$.data.dataSets[0].series[...].observations[...][2]``) before any reader code
indexes into it; members the reader does not use are skipped unread. What
SDMX-JSON 1.0 and 2.0 allow is typed in: observations and attribute lists
hold numbers, strings, booleans and nulls (values and value indices), and
also localised texts and value arrays, which the reader takes or refuses by
name; a component value is a code object or a plain value.

msgspec skips unknown members by recursion, so nesting is checked first, by
``check_depth``: the same limit as for XML (``mosy_sdmx.limits``), found by
one vectorised pass over the brackets outside strings.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import numpy as np

from mosy_sdmx.exceptions import Location, ParseError
from mosy_sdmx.limits import get_limits

Scalar = str | int | float | bool | None
#: Localised text: language -> text.
Localised = dict[str, str]
#: What an observation array or an attribute list may hold: a scalar, a
#: localised text or a value array (``check_depth`` bounds their nesting).
Value = Scalar | dict[str, Any] | list[Any]


class ComponentValue(msgspec.Struct):
    """One value of a component: a code (``id``, ``name``), a plain ``value`` or several."""

    id: Scalar | msgspec.UnsetType = msgspec.UNSET
    value: Scalar | Localised | list[Any] | msgspec.UnsetType = msgspec.UNSET
    values: list[Any] | msgspec.UnsetType = msgspec.UNSET  # 2.0: several values
    name: str | Localised | msgspec.UnsetType | None = msgspec.UNSET


class Component(msgspec.Struct):
    id: str
    values: list[Scalar | ComponentValue] | None = None
    roles: list[str] | None = None
    role: str | list[str] | None = None  # 1.0 has one role, some services send a list
    keyPosition: int | None = None


class Dimensions(msgspec.Struct):
    dataSet: list[Component] | None = None
    series: list[Component] | None = None
    observation: list[Component] | None = None


class Attributes(msgspec.Struct):
    dataSet: list[Component] | None = None
    dimensionGroup: list[Component] | None = None
    series: list[Component] | None = None
    observation: list[Component] | None = None


class Measure(msgspec.Struct):
    id: str


class Measures(msgspec.Struct):
    observation: list[Measure] | None = None


class Link(msgspec.Struct):
    rel: str | None = None
    urn: str | None = None
    href: str | None = None


class Structure(msgspec.Struct):
    dimensions: Dimensions | None = None
    attributes: Attributes | None = None
    measures: Measures | None = None
    links: list[Link] | None = None


class Series(msgspec.Struct):
    attributes: list[Value] | None = None
    observations: dict[str, list[Value]] | None = None


class DataSet(msgspec.Struct):
    structure: int = 0
    action: str | None = None
    attributes: list[Value] | None = None
    series: dict[str, Series | None] | None = None
    observations: dict[str, list[Value]] | None = None
    dimensionGroupAttributes: dict[str, list[Value]] | None = None
    links: list[Link] | None = None


class Data(msgspec.Struct):
    structures: list[Structure] | None = None
    structure: Structure | None = None
    dataSets: list[DataSet] | None = None


class Message(msgspec.Struct):
    """Any of the three envelopes: 2.0, 1.0, and early 1.0 (top-level members)."""

    meta: dict[str, Any] | None = None
    header: dict[str, Any] | None = None
    data: Data | None = None
    structure: Structure | None = None
    dataSets: list[DataSet] | None = None


_DECODER = msgspec.json.Decoder(Message)
_AT_PATH = re.compile(r"\s*-\s*at\s*`([^`]*)`\s*$")
_AT_BYTE = re.compile(r"\(byte (\d+)\)")
_KEEP_ONLY_STRUCTURE = bytes(set(range(256)) - set(b'[]{}"'))


def decode(raw: bytes, source: str | None) -> Message:
    """The message, typed; a syntax or type error is a ParseError with its position."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    check_depth(raw, source)
    try:
        return _DECODER.decode(raw)
    except msgspec.ValidationError as exc:
        text = str(exc)
        match = _AT_PATH.search(text)
        path = match.group(1) if match else "$"
        what = text[: match.start()] if match else text
        raise ParseError(
            "Not an SDMX-JSON data message",
            f"{what} at {path}",
            location=Location(source=source),
            context={"path": path},
        ) from None
    except msgspec.DecodeError as exc:
        text = str(exc)
        if "UTF-8" in text or "utf-8" in text:
            raise ParseError("Not UTF-8", text, location=Location(source=source)) from None
        match = _AT_BYTE.search(text)
        line = column = None
        if match:
            offset = int(match.group(1))
            line = raw.count(b"\n", 0, offset) + 1
            column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
        raise ParseError(
            "Malformed JSON",
            _AT_BYTE.sub("", text).replace("JSON is malformed: ", "").strip(),
            location=Location(source=source, line=line, column=column),
        ) from None
    except RecursionError:  # pragma: no cover - check_depth stops this first
        raise too_deep(source) from None


def json_depth(raw: bytes) -> int:
    """How deep arrays and objects nest, brackets inside strings not counted."""
    data = raw
    if b"\\" in data:  # escaped backslashes first, then escaped quotes: neither ends a string
        data = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = np.frombuffer(data.translate(None, _KEEP_ONLY_STRUCTURE), dtype=np.uint8)
    if not len(kept):
        return 0
    inside = (np.cumsum(kept == ord('"'), dtype=np.int64) & 1).astype(bool)
    step = (
        (kept == ord("[")).view(np.int8)
        + (kept == ord("{")).view(np.int8)
        - (kept == ord("]")).view(np.int8)
        - (kept == ord("}")).view(np.int8)
    )
    step[inside] = 0
    return int(np.cumsum(step, dtype=np.int64).max(initial=0))


def check_depth(raw: bytes, source: str | None) -> None:
    if json_depth(raw) > get_limits().max_depth:
        raise too_deep(source)


def too_deep(source: str | None) -> ParseError:
    limit = get_limits().max_depth
    return ParseError(
        "JSON nested too deeply",
        f"more than {limit} levels of arrays and objects",
        location=Location(source=source),
        context={"limit": limit},
    )
