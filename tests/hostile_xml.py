"""Hostile XML for the tests: XXE, parameter entities, billion laughs, external DTDs.

Shared by the library's and the CLI's hostile-input tests, which feed the same
attacks to different entry points.
"""

from __future__ import annotations

import re
from pathlib import Path

#: A comment large enough to push a DOCTYPE past any first-bytes sniffing.
BIG_COMMENT = b"<!--" + b"padding " * 9000 + b"-->\n"


def with_prolog(xml: bytes, prolog: bytes, entity: bytes | None = None) -> bytes:
    """``xml`` with ``prolog`` after its XML declaration and ``&entity;`` in the first ID."""
    if entity is not None:
        xml = re.sub(rb"(<(?:\w+:)?ID>)", rb"\1&" + entity + b";", xml, count=1)
        assert b"&" + entity in xml
    declaration = re.match(rb"<\?xml[^>]*\?>", xml)
    at = declaration.end() if declaration else 0
    return xml[:at] + b"\n" + prolog + b"\n" + xml[at:]


def laughs() -> bytes:
    """The billion-laughs internal subset: &l9; expands to 10**9 'lol's."""
    lines = [b'<!ENTITY l0 "lol">']
    lines += [b'<!ENTITY l%d "%s">' % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10)]
    return b"<!DOCTYPE m [" + b"".join(lines) + b"]>"


def hostile(xml: bytes, case: str, secret: Path) -> bytes:
    """``xml`` turned into the attack ``case``, aimed at the file ``secret``."""
    uri = secret.as_uri().encode()
    doctype = b'<!DOCTYPE m [<!ENTITY x SYSTEM "' + uri + b'">]>'
    if case == "xxe":
        return with_prolog(xml, doctype, b"x")
    if case == "parameter-entity":
        return with_prolog(xml, b'<!DOCTYPE m [<!ENTITY % p SYSTEM "' + uri + b'"> %p;]>')
    if case == "billion-laughs":
        return with_prolog(xml, laughs(), b"l9")
    if case == "external-dtd":
        return with_prolog(xml, b'<!DOCTYPE m SYSTEM "' + uri + b'">')
    if case == "doctype-after-big-comment":
        return with_prolog(xml, BIG_COMMENT + doctype, b"x")
    raise AssertionError(case)
