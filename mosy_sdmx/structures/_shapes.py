"""The declared shapes of the structure sources, checked with JSON Schema.

``resources/sources.schema.json`` declares, per kind of file, what a
statistician may write: which keys, which are lists or mappings, which values
are ids, enumerations or names. ``check_shape`` validates a loaded YAML
document (or a CSV row) against it and turns the first problem, in file
order, into the same StructureError the loaders raise: file, line and a
message in the statistician's terms, taken from the schema's ``message`` /
``messages`` annotations. What the files refer to (a codelist, a concept, a
code) is checked by the loaders, which know the other files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mosy_sdmx.structures._source_files import LineDict, LineList, fail

_SCHEMA_FILE = "resources/sources.schema.json"


@cache
def _root() -> dict[str, Any]:
    text = resources.files("mosy_sdmx").joinpath(_SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


@cache
def _definition(kind: str) -> dict[str, Any]:
    """``$defs/<kind>`` with every ``$ref`` replaced by its target (the schema has no cycles).

    A reference's sibling keywords join its target's; their ``messages`` win
    (a message given where a definition is used is more precise). Inlined, the
    schema validates about a third faster (no reference look-ups).
    """
    root = _root()

    def inline(node: Any) -> Any:
        if isinstance(node, list):
            return [inline(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {key: inline(value) for key, value in node.items() if key != "$ref"}
        if "$ref" in node:
            target = inline(_resolve(root, node["$ref"]))
            messages = {**target.get("messages", {}), **out.get("messages", {})}
            out = {**target, **out}
            if messages:
                out["messages"] = messages
        return out

    return inline(root["$defs"][kind])


@cache
def _validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(_definition(kind))


def check_shape(doc: Any, kind: str, source: str, line: int | None = None) -> None:
    """Raise the StructureError of the first shape problem of ``doc`` (a ``$defs`` kind).

    ``line`` is where ``doc`` starts when it does not know (a CSV row).
    """
    errors = list(_validator(kind).iter_errors(doc))
    if not errors:
        return
    located = [_locate(kind, doc, error, line) for error in errors]
    first = min(located, key=lambda e: (e.line or 0, -e.depth))
    raise fail(first.message, source, first.line)


def check_row(row: dict[str, str], kind: str, source: str, line: int) -> None:
    """``check_shape`` for one CSV row, with a quick test first (jsonschema costs ~0.1 ms a row).

    The quick test is derived from the same schema (string properties with a
    pattern or a minimum length); jsonschema runs, for its message, only on a
    row the quick test rejects.
    """
    quick = _quick_test(kind)
    if quick is None or not quick(row):
        check_shape(row, kind, source, line)


@cache
def _quick_test(kind: str) -> Callable[[dict], bool] | None:
    """A fast equivalent of a flat schema of string properties; None for a richer one."""
    node = _definition(kind)
    allowed = {"type", "entity", "properties", "message", "messages"}
    if set(node) - allowed or node["type"] != "object":
        return None
    tests: list[tuple[str, re.Pattern | None, int]] = []
    for name, prop in node["properties"].items():
        if set(prop) - {"type", "pattern", "minLength", "message", "messages"}:
            return None
        if prop.get("type") != "string":
            return None
        pattern = re.compile(prop["pattern"]) if "pattern" in prop else None
        tests.append((name, pattern, prop.get("minLength", 0)))

    def quick(row: dict) -> bool:
        for name, pattern, min_length in tests:
            value = row.get(name)
            if value is None:
                continue
            if not isinstance(value, str) or len(value) < min_length:
                return False
            if pattern is not None and pattern.search(value) is None:
                return False
        return True

    return quick


@dataclass(frozen=True, slots=True)
class _Located:
    message: str
    line: int | None
    depth: int


def _locate(kind: str, doc: Any, error: ValidationError, line: int | None) -> _Located:
    path = list(error.absolute_path)
    nodes, owner, entities = _walk_schema(kind, error)
    fields = {
        "value": error.instance,
        "key": _key(path),
        "missing": _missing(error),
        "extra": _extra(error),
        **_what(doc, path, entities, error),
    }
    template = _template(error, nodes, owner)
    where = [*path, error.instance] if owner is not None else path  # a key: its own line
    return _Located(_render(template, fields), _line_of(doc, where, line), len(path))


def _walk_schema(kind: str, error: ValidationError):
    """Follow the error's schema path from ``$defs/<kind>``.

    Returns the schema nodes that apply to the failing instance, the node
    holding ``propertyNames`` when the failure is about a key, and the entities
    passed on the way as (entity, depth in the instance path, keyword that led
    there).
    """
    node: dict = _definition(kind)
    steps = list(error.schema_path)
    nodes: list[dict] = []
    entities: list[tuple[str, int, str]] = []
    owner = None
    depth, via, i = 0, "", 0

    def arrive(at: dict | bool) -> None:
        if not isinstance(at, dict):  # ``false``: nothing allowed here
            return
        nodes.append(at)
        if "entity" in at:
            entities.append((at["entity"], depth, via))

    arrive(node)
    while i < len(steps):
        step = steps[i]
        if step in ("properties", "patternProperties", "prefixItems"):
            i += 1
            node, depth, via, nodes = node[step][steps[i]], depth + 1, step, []
        elif step in ("items", "additionalProperties") and i + 1 < len(steps):
            node, depth, via, nodes = node[step], depth + 1, step, []
        elif step == "propertyNames":
            owner, node, via, nodes = node, node[step], step, []
        elif step in ("allOf", "anyOf", "oneOf") and i + 1 < len(steps):
            i += 1
            node = node[step][steps[i]]
        else:  # the failing keyword itself
            break
        arrive(node)
        i += 1
    return nodes, owner, entities


def _resolve(root: dict, ref: str) -> dict:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _template(error: ValidationError, nodes: Iterable[dict], owner: dict | None) -> str | None:
    for node in nodes:
        messages = node.get("messages", {})
        if error.validator in messages:
            return messages[error.validator]
        if "message" in node:
            return node["message"]
    if owner is not None:
        return owner.get("messages", {}).get("propertyNames")
    return None


def _what(doc: Any, path: Sequence[Any], entities, error: ValidationError) -> dict[str, Any]:
    """``{what}`` (entity and id) and ``{id}`` of the innermost entity around the failure."""
    if not entities:
        return {"what": "", "id": None}
    entity, depth, via = entities[-1]
    instance = doc
    for part in path[:depth]:
        instance = instance[part]
    ident = instance.get("id") if isinstance(instance, dict) else None
    if ident is None and via == "additionalProperties" and depth:
        ident = path[depth - 1]
    if ident is None and via == "propertyNames":
        ident = error.instance
    # About the id itself (or a key naming the entity): the id is the value, not a name.
    about_id = via == "propertyNames" or path[depth:] == ["id"]
    what = f"{entity} {ident}" if isinstance(ident, str) and not about_id else entity
    return {"what": what, "id": ident}


def _key(path: Sequence[Any]) -> Any:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return None


def _missing(error: ValidationError) -> str | None:
    if error.validator != "required" or not isinstance(error.instance, dict):
        return None
    return next((k for k in error.validator_value if k not in error.instance), None)


def _extra(error: ValidationError) -> str | None:
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return None
    allowed = set(error.schema.get("properties", {}))
    return ", ".join(sorted(str(k) for k in error.instance if k not in allowed))


def _render(template: str | None, fields: dict[str, Any]) -> str:
    if template is None:
        return f"{fields['what'] or 'the file'}: {fields['key'] or 'a value'} is not valid"
    return template.format(**fields)


def _line_of(doc: Any, path: Sequence[Any], line: int | None) -> int | None:
    """The line of the innermost part of ``path`` whose line is known."""
    found = getattr(doc, "line", None) or line
    node = doc
    for part in path:
        if isinstance(node, LineDict):
            found = node.line_of(part) or found
        elif isinstance(node, LineList) and isinstance(part, int):
            found = node.line_at(part) or found
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return found
