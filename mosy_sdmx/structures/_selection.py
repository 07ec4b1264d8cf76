"""Allowed-code selections as written in the YAML sources.

A selection is a list of codes, or a mapping ``{from: CL_ID, add: [...],
exclude: [...]}`` (``from`` defaults to the component's codelist). Every code
is checked against the codelist so that a typo fails loading with its line.
"""

from __future__ import annotations

from typing import Any

from sdmx.model import common

from mosy_sdmx.structures._source_files import fail


def resolve_selection(
    raw: Any,
    codelist: common.Codelist | None,
    codelists: dict[str, common.Codelist],
    what: str,
    source: str,
    line: int | None,
) -> list[str]:
    """The codes a selection names, in codelist order where it has one.

    The selection's shape (a list of codes, or from/add/exclude) was checked
    with the file's (``_shapes``); what is checked here is what it refers to.
    """
    if codelist is None:
        raise fail(f"{what}: the component is not coded, so it cannot be constrained", source, line)
    if isinstance(raw, list):
        codes = [str(c) for c in raw]
        _check_in(codes, codelist, what, source, line)
        return list(dict.fromkeys(codes))
    base = codelist
    if raw.get("from") is not None:
        ref = str(raw["from"])
        if ref not in codelists:
            raise fail(f"{what}: unknown codelist {ref!r}", source, line, codelist=ref)
        base = codelists[ref]
    add = [str(c) for c in raw.get("add") or []]
    exclude = [str(c) for c in raw.get("exclude") or []]
    _check_in(exclude, base, what, source, line)
    codes = [c.id for c in base if c.id not in set(exclude)] + add
    _check_in(codes, codelist, what, source, line)
    return list(dict.fromkeys(codes))


def _check_in(
    codes: list[str], codelist: common.Codelist, what: str, source: str, line: int | None
) -> None:
    items = codelist.items
    missing = [c for c in codes if c not in items]
    if missing:
        raise fail(
            f"{what}: {', '.join(missing)} not in codelist {codelist.id}",
            source,
            line,
            codes=missing,
            codelist=codelist.id,
        )
