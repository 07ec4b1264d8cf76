"""``codelists/``: the index ``codelists.yaml`` plus one ``<ID>.csv`` per codelist.

Rows become sdmx1 ``Code`` objects with multilingual names and parents; an
``include`` in the index appends another codelist's codes (how CL_GEO_WORLD
and CL_CITIZEN are composed, THB-DATA-MODEL §3.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sdmx.urn
from sdmx.model import common, v21

from mosy_sdmx.structures._shapes import check_row, check_shape
from mosy_sdmx.structures._source_files import (
    LineDict,
    LineList,
    display_name,
    fail,
    names,
    read_csv,
    read_yaml,
)

INDEX = "codelists.yaml"
DEFAULT_AGENCY = "MOSY"
DEFAULT_VERSION = "1.0.0"


@dataclass(slots=True)
class CodeRow:
    id: str
    names: dict[str, str]
    descriptions: dict[str, str]
    parent: str | None
    line: int


@dataclass(slots=True)
class CodelistSpec:
    id: str
    agency: str
    version: str
    names: dict[str, str]
    descriptions: dict[str, str]
    source_note: str | None
    rows: list[CodeRow] = field(default_factory=list)
    includes: list[tuple[str, frozenset[str], int | None]] = field(default_factory=list)
    line: int | None = None


def _read_codes(path: Path) -> list[CodeRow]:
    source = display_name(path)
    header, rows = read_csv(path, ("id", "name_en"))
    name_cols = [(c, c[5:]) for c in header if c.startswith("name_")]
    desc_cols = [(c, c[12:]) for c in header if c.startswith("description_")]
    if "description" in header:
        desc_cols.insert(0, ("description", "en"))
    out: list[CodeRow] = []
    first_line: dict[str, int] = {}
    for row in rows:
        check_row(row.values, "code_row", source, row.line)
        code_id = row.values["id"]
        if code_id in first_line:
            raise fail(
                f"duplicate code {code_id!r} (first on line {first_line[code_id]})",
                source,
                row.line,
                code=code_id,
            )
        first_line[code_id] = row.line
        code_names = {lang: row.values[c] for c, lang in name_cols if row.values[c]}
        parent = row.values.get("parent") or None
        descriptions = {lang: row.values[c] for c, lang in desc_cols if row.values[c]}
        out.append(CodeRow(code_id, code_names, descriptions, parent, row.line))
    for code in out:
        if code.parent is not None and code.parent not in first_line:
            raise fail(
                f"code {code.id!r}: parent {code.parent!r} is not a code of this file",
                source,
                code.line,
                code=code.id,
            )
        if code.parent == code.id:
            raise fail(f"code {code.id!r} is its own parent", source, code.line)
    return out


def _read_index(folder: Path) -> tuple[list[CodelistSpec], str]:
    path = folder / INDEX
    source = display_name(path)
    if not path.is_file():
        raise fail(f"the codelist index {INDEX} is missing", source)
    doc = read_yaml(path)
    check_shape(doc, "codelist_index", source)
    defaults = doc.get("defaults") or {}
    entries: LineDict = doc["codelists"]
    specs = []
    for cl_id, entry in entries.items():
        spec = CodelistSpec(
            id=cl_id,
            agency=entry.get("agency", defaults.get("agency", DEFAULT_AGENCY)),
            version=str(entry.get("version", defaults.get("version", DEFAULT_VERSION))),
            names=names(entry["name"]),
            descriptions=names(entry.get("description")),
            source_note=str(entry["source"]) if entry.get("source") else None,
            line=entries.line_of(cl_id),
        )
        includes: LineList = entry.get("include") or LineList()
        for i, inc in enumerate(includes):
            exclude = frozenset(map(str, inc.get("exclude") or []))
            spec.includes.append((str(inc["codelist"]), exclude, includes.line_at(i)))
        specs.append(spec)
    return specs, source


def _compose(specs: dict[str, CodelistSpec], source: str) -> dict[str, list[CodeRow]]:
    """Each codelist's final rows: own codes, then included ones not yet present."""
    done: dict[str, list[CodeRow]] = {}

    def resolve(cl_id: str, stack: tuple[str, ...]) -> list[CodeRow]:
        if cl_id in done:
            return done[cl_id]
        spec = specs[cl_id]
        rows = list(spec.rows)
        present = {r.id for r in rows}
        for ref, exclude, line in spec.includes:
            if ref not in specs:
                raise fail(
                    f"codelist {cl_id} includes unknown codelist {ref!r}",
                    source,
                    line,
                    codelist=ref,
                )
            if ref in stack or ref == cl_id:
                raise fail(f"codelist {cl_id}: include cycle through {ref}", source, line)
            for row in resolve(ref, (*stack, cl_id)):
                if row.id not in present and row.id not in exclude:
                    rows.append(row)
                    present.add(row.id)
        done[cl_id] = [
            r
            if r.parent is None or r.parent in present
            else CodeRow(r.id, r.names, r.descriptions, None, r.line)
            for r in rows
        ]
        return done[cl_id]

    for cl_id in specs:
        resolve(cl_id, ())
    return done


def source_annotation(text: str) -> v21.Annotation:
    return v21.Annotation(id="SOURCE", type="MOSY_SOURCE", text={"en": text})


def load_codelists(
    folder: Path, agencies: dict[str, common.Agency]
) -> tuple[dict[str, common.Codelist], dict[str, CodelistSpec]]:
    """Every codelist of the folder as sdmx1 objects, keyed by id."""
    spec_list, index_source = _read_index(folder)
    specs = {s.id: s for s in spec_list}
    listed = set(specs)
    for path in sorted(folder.glob("*.csv")):
        if path.stem not in listed:
            raise fail(
                f"{path.name} is not listed in {INDEX}; add an entry '{path.stem}:' there",
                display_name(path),
                codelist=path.stem,
            )
    for spec in spec_list:
        path = folder / f"{spec.id}.csv"
        if path.is_file():
            spec.rows = _read_codes(path)
        elif not spec.includes:
            raise fail(f"codelist {spec.id} has no file {spec.id}.csv", index_source, spec.line)
    composed = _compose(specs, index_source)
    out: dict[str, common.Codelist] = {}
    for spec in spec_list:
        maintainer = agencies.get(spec.agency) or common.Agency(id=spec.agency)
        codelist = common.Codelist(
            id=spec.id,
            name=spec.names,
            description=spec.descriptions or None,
            version=spec.version,
            maintainer=maintainer,
            is_final=True,
            is_external_reference=False,
            annotations=[source_annotation(spec.source_note)] if spec.source_note else [],
        )
        codelist.urn = sdmx.urn.make(codelist)
        codes: dict[str, common.Code] = {}
        for row in composed[spec.id]:
            code = common.Code(
                id=row.id,
                name=row.names,
                description=row.descriptions or None,
            )
            codes[row.id] = code
        for row in composed[spec.id]:
            code = codes[row.id]
            if row.parent is not None:
                codes[row.parent].append_child(code)
            codelist.append(code)
            code.urn = sdmx.urn.make(code, codelist)
        out[spec.id] = codelist
    return out, specs
