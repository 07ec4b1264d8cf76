"""Mutations that make malformed and hostile inputs from well-formed messages.

Byte-level ones work on anything (flips, truncation, deleted and duplicated
chunks, NUL bytes, broken quotes, numbers that ``float()`` takes but the
standard does not); format-aware ones change a parsed JSON value to another
type, nest deeply, edit the parts inside a workbook (huge cell references and
dimensions included) and break zip and gzip wrappers.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import re
import struct
import zipfile
from collections.abc import Callable

Mutator = Callable[[bytes, random.Random], bytes]

#: Numbers Python's float() takes but SDMX does not, and other odd numerals.
ODD_NUMBERS = [
    b"1_000",
    b"nan",
    b"NaN",
    b"inf",
    b"-Infinity",
    b"0x10",
    b"1e999",
    b"-0",
    b" 12 ",
    b"1,5",
    b"\xd9\xa1\xd9\xa2",
    b"12abc",
    b"9" * 60,
    b"1e-400",
    b"+5",
    b".5",
    b"5.",
    b"",
    b"-1",
    b"4294967296",
    b"2147483648",
]
ODD_TEXT = [
    b"\x00",
    b'"',
    b"'",
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&#0;",
    b"&#x110000;",
    b"]]>",
    b"\r",
    b"\n",
    b",",
    b";",
    b":",
    b"\t",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xc3",
    b"{",
    b"}",
    b"[",
    b"]",
    b"null",
    b"true",
    b"XFD1048576",
    b"STRUCTURE",
    b"OBS_VALUE",
    b"TIME_PERIOD",
    b"\xe2\x80\xae",
]
ODD_JSON = [
    0,
    -1,
    1.5,
    2**40,
    "x",
    "",
    "0:0",
    [],
    {},
    None,
    True,
    [None],
    [[]],
    {"id": 1},
    {"id": None},
    "nan",
    float("nan"),
    "1_000",
    "0x10",
    "inf",
]
HUGE_REFS = [b"XFD1048576", b"A1048576", b"XFD1", b"ZZZZ1", b"A99999999999", b"AAAAAAAA1", b"A0"]

_DIGITS = re.compile(rb"\d+(?:\.\d+)?")
_XML_ATTR = re.compile(rb'(\s[\w:.-]+=")([^"]*)(")')
_XML_ELEMENT = re.compile(rb"<([\w:.-]+)[^<>]*/>")
_CELL_REF = re.compile(rb'\br="([A-Z]+\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"')


def _pos(data: bytes, rng: random.Random) -> int:
    return rng.randrange(len(data) + 1)


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: _pos(data, rng)]


def delete_chunk(data: bytes, rng: random.Random) -> bytes:
    a = _pos(data, rng)
    return data[:a] + data[a + rng.randint(1, 256) :]


def duplicate_chunk(data: bytes, rng: random.Random) -> bytes:
    a = _pos(data, rng)
    chunk = data[a : a + rng.randint(1, 512)]
    b = _pos(data, rng)
    return data[:b] + chunk + data[b:]


def insert_odd_text(data: bytes, rng: random.Random) -> bytes:
    a = _pos(data, rng)
    return data[:a] + rng.choice(ODD_TEXT) + data[a:]


def insert_nul(data: bytes, rng: random.Random) -> bytes:
    a = _pos(data, rng)
    return data[:a] + b"\x00" * rng.randint(1, 8) + data[a:]


def odd_number(data: bytes, rng: random.Random) -> bytes:
    """Replace a number of the input by one float() takes and SDMX does not (or worse)."""
    found = list(_DIGITS.finditer(data))
    if not found:
        return insert_odd_text(data, rng)
    m = rng.choice(found)
    return data[: m.start()] + rng.choice(ODD_NUMBERS) + data[m.end() :]


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([80, 300, 1500, 20000])
    a = _pos(data, rng)
    if data.lstrip()[:1] == b"<":
        a = data.find(b">", data.find(b"<", data.find(b"?>") + 1)) + 1
        return data[:a] + b"<x>" * depth + b"</x>" * depth + data[a:]
    return data[:a] + b"[" * depth + b"]" * depth + data[a:]


def xml_attribute(data: bytes, rng: random.Random) -> bytes:
    found = list(_XML_ATTR.finditer(data[:200_000]))
    if not found:
        return flip_bits(data, rng)
    m = rng.choice(found)
    value = rng.choice(
        [rng.choice(ODD_NUMBERS), rng.choice(ODD_TEXT), m.group(2) * 2, b"", b"x" * 5000]
    )
    if rng.random() < 0.2:
        return data[: m.start()] + data[m.end() :]  # the attribute removed
    return data[: m.start(2)] + value + data[m.end(2) :]


def xml_element(data: bytes, rng: random.Random) -> bytes:
    found = list(_XML_ELEMENT.finditer(data[:200_000]))
    if not found:
        return duplicate_chunk(data, rng)
    m = rng.choice(found)
    if rng.random() < 0.5:
        return data[: m.end()] + m.group(0) * rng.randint(1, 3) + data[m.end() :]
    return data[: m.start()] + data[m.end() :]


def csv_header(data: bytes, rng: random.Random) -> bytes:
    """Repeat, drop or garble a header column (NUL bytes included)."""
    end = data.find(b"\n")
    if end < 0:
        return insert_odd_text(data, rng)
    head, rest = data[:end], data[end:]
    cols = head.split(b",")
    i = rng.randrange(len(cols))
    choice = rng.randrange(4)
    if choice == 0:
        cols.insert(rng.randrange(len(cols) + 1), cols[i])
    elif choice == 1 and len(cols) > 1:
        cols.pop(i)
    elif choice == 2:
        cols[i] = cols[i] + b"\x00" + rng.choice(cols)
    else:
        cols[i] = rng.choice(ODD_TEXT) + cols[i]
    return b",".join(cols) + rest


def json_value(data: bytes, rng: random.Random) -> bytes:
    """A value of the parsed document replaced by one of another type, or a key dropped."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return flip_bits(data, rng)
    slots: list[tuple[object, object]] = []

    def walk(node: object, depth: int) -> None:
        if depth > 12 or len(slots) > 20_000:
            return
        if isinstance(node, dict):
            for key, value in node.items():
                slots.append((node, key))
                walk(value, depth + 1)
        elif isinstance(node, list):
            for index, value in enumerate(node[:50]):
                slots.append((node, index))
                walk(value, depth + 1)

    walk(doc, 0)
    if not slots:
        return flip_bits(data, rng)
    for _ in range(rng.randint(1, 3)):
        parent, key = rng.choice(slots)
        try:
            if isinstance(parent, dict) and rng.random() < 0.15:
                parent.pop(key, None)
            else:
                parent[key] = rng.choice(ODD_JSON)  # type: ignore[index]
        except (IndexError, KeyError):
            pass
    return json.dumps(doc).encode()


def _rezip(members: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, content in members:
            archive.writestr(info.filename, content)
    return out.getvalue()


def zip_member(data: bytes, rng: random.Random) -> bytes:
    """Edit a part inside a zip archive or workbook (a sheet's cell references included)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [(i, archive.read(i)) for i in archive.infolist()]
    except Exception:
        return flip_bits(data, rng)
    if not members:
        return data
    sheets = [k for k, (i, _) in enumerate(members) if "worksheets/" in i.filename]
    k = rng.choice(sheets) if sheets and rng.random() < 0.6 else rng.randrange(len(members))
    info, content = members[k]
    choice = rng.randrange(6)
    if choice == 0 and _CELL_REF.search(content):
        refs = list(_CELL_REF.finditer(content))
        m = rng.choice(refs)
        content = content[: m.start(1)] + rng.choice(HUGE_REFS) + content[m.end(1) :]
    elif choice == 1 and _DIMENSION.search(content):
        ref = b"A1:" + rng.choice(HUGE_REFS)
        content = _DIMENSION.sub(b'<dimension ref="' + ref + b'"', content, count=1)
    elif choice == 2 and len(members) > 1 and rng.random() < 0.3:
        members.pop(k)
        return _rezip(members)
    else:
        mutate_bytes = rng.choice(
            [
                flip_bits,
                truncate,
                delete_chunk,
                duplicate_chunk,
                insert_odd_text,
                odd_number,
                xml_attribute,
                xml_element,
                deep_nesting,
            ]
        )
        content = mutate_bytes(content, rng)
    members[k] = (info, content)
    return _rezip(members)


def zip_wrapper(data: bytes, rng: random.Random) -> bytes:
    """Corrupt a zip archive's own bytes: CRCs, sizes, offsets, compressed data."""
    out = bytearray(data)
    headers = [m.start() for m in re.finditer(rb"PK\x03\x04|PK\x01\x02|PK\x05\x06", data)]
    if not headers:
        return flip_bits(data, rng)
    at = rng.choice(headers)
    sig = data[at : at + 4]
    if sig == b"PK\x03\x04":
        field = rng.choice([14, 18, 22, 26, 28])  # crc, sizes, name and extra lengths
    elif sig == b"PK\x01\x02":
        field = rng.choice([16, 20, 24, 28, 42])  # crc, sizes, name length, local offset
    else:
        field = rng.choice([8, 10, 12, 16])  # entry counts, directory size and offset
    if at + field + 4 <= len(out):
        value = rng.choice([0, 1, 0xFFFF, 0xFFFFFFFF, rng.randrange(1 << 32)])
        width = 2 if field in (26, 28) and sig == b"PK\x03\x04" else 4
        if sig == b"PK\x05\x06" and field in (8, 10):
            width = 2
        out[at + field : at + field + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(
            width, "little"
        )
    elif rng.random() < 0.5:
        return flip_bits(data, rng)
    if rng.random() < 0.3:  # and a bit flipped in the compressed data
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def gzip_wrapper(data: bytes, rng: random.Random) -> bytes:
    """Gzip the input (if not yet) and break the wrapper: CRC, size, body or end."""
    packed = data if data[:2] == b"\x1f\x8b" else gzip.compress(data, mtime=0)
    out = bytearray(packed)
    choice = rng.randrange(4)
    if choice == 0 and len(out) > 8:
        out[-8:-4] = struct.pack("<I", rng.randrange(1 << 32))  # CRC
    elif choice == 1 and len(out) > 8:
        out[-4:] = struct.pack("<I", rng.choice([0, 1, 0xFFFFFFFF]))  # size
    elif choice == 2:
        return bytes(out[: rng.randrange(len(out) + 1)])
    elif len(out) > 20:
        i = rng.randrange(10, len(out) - 8)
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def zip_single(data: bytes, rng: random.Random) -> bytes:
    """The input as the one member of a zip archive, then that archive mutated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(rng.choice(["data.xml", "data.csv", "data.json", "x"]), data)
    return zip_wrapper(out.getvalue(), rng) if rng.random() < 0.7 else out.getvalue()


BYTE_LEVEL: list[Mutator] = [
    flip_bits,
    truncate,
    delete_chunk,
    duplicate_chunk,
    insert_odd_text,
    insert_nul,
    odd_number,
    odd_number,
]


def mutators_for(data: bytes) -> list[Mutator]:
    """The mutations that make sense for ``data`` (by its first bytes)."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if data[:4] == b"PK\x03\x04":
        return [zip_member, zip_member, zip_member, zip_wrapper, flip_bits, truncate]
    if data[:2] == b"\x1f\x8b":
        return [gzip_wrapper, flip_bits, truncate]
    extra: list[Mutator] = [gzip_wrapper, zip_single, deep_nesting]
    if head == b"{":
        extra += [json_value, json_value, json_value, json_value]
    elif head == b"<":
        extra += [xml_attribute, xml_attribute, xml_element]
    else:
        extra += [csv_header, csv_header]
    return BYTE_LEVEL + extra


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three mutations; wrappers (gzip, zip) only as the last one."""
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        data = rng.choice(mutators_for(data))(data, rng)
        if data[:2] == b"\x1f\x8b" or (data[:4] == b"PK\x03\x04" and b"xl/" not in data[:2000]):
            break
    return data
