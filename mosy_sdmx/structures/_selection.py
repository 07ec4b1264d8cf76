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
    """The codes a selection names, in codelist order where it has one."""
    if codelist is None:
        raise fail(f"{what}: the component is not coded, so it cannot be constrained", source, line)
    if isinstance(raw, list):
        codes = [_code(c, what, source, line) for c in raw]
        _check_in(codes, codelist, what, source, line)
        return list(dict.fromkeys(codes))
    if not isinstance(raw, dict):
        raise fail(f"{what}: give a list of codes or a mapping with from/add/exclude", source, line)
    unknown_keys = set(raw) - {"from", "add", "exclude"}
    if unknown_keys:
        raise fail(
            f"{what}: unknown key(s) {', '.join(sorted(map(str, unknown_keys)))} "
            "(allowed: from, add, exclude)",
            source,
            line,
        )
    base = codelist
    if raw.get("from") is not None:
        ref = str(raw["from"])
        if ref not in codelists:
            raise fail(f"{what}: unknown codelist {ref!r}", source, line, codelist=ref)
        base = codelists[ref]
    add = [_code(c, what, source, line) for c in _as_list(raw.get("add"), what, source, line)]
    exclude = [
        _code(c, what, source, line) for c in _as_list(raw.get("exclude"), what, source, line)
    ]
    _check_in(exclude, base if base is not codelist else codelist, what, source, line)
    codes = [c.id for c in base if c.id not in set(exclude)] + add
    _check_in(codes, codelist, what, source, line)
    return list(dict.fromkeys(codes))


def _as_list(raw: Any, what: str, source: str, line: int | None) -> list:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise fail(f"{what}: 'add' and 'exclude' must be lists", source, line)
    return raw


def _code(raw: Any, what: str, source: str, line: int | None) -> str:
    if raw is None or isinstance(raw, dict | list | bool):
        raise fail(f"{what}: {raw!r} is not a code", source, line)
    return str(raw)


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
