"""Search a StructureSet's artefacts and items (codes, concepts, providers) by id or name.

Matching ignores case and accents and looks at every language a name is held
in, so "Traite" finds "Traite des êtres humains" and "exploit" finds both
codes and the codelists they belong to. The index is built once per
StructureSet; each search is a scan of plain strings (a few thousand entries
for the THB structures), with the best matches first: the exact id, then ids
and names that start with the text, then any that contain it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from mosy_sdmx.structures.references import ArtefactRef, ref_of
from mosy_sdmx.structures.structure_set import StructureSet


@dataclass(frozen=True, slots=True)
class Match:
    """One artefact (``item`` None) or one item of an item scheme that matched."""

    ref: ArtefactRef
    item: str | None
    names: dict[str, str] = field(hash=False, compare=False)
    rank: int = 3

    @property
    def id(self) -> str:
        return self.item or self.ref.id


@dataclass(frozen=True, slots=True)
class _Entry:
    ref: ArtefactRef
    item: str | None
    id: str
    texts: tuple[str, ...]  # folded id first, then folded names
    names: dict[str, str]


def fold(text: str) -> str:
    """Lower case without accents: what searching compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _names(artefact) -> dict[str, str]:
    name = getattr(artefact, "name", None)
    values = getattr(name, "localizations", None) or {}
    return {lang: str(text) for lang, text in values.items() if text}


def _index(structures: StructureSet) -> list[_Entry]:
    cached = structures.__dict__.get("_search_index")
    if cached is not None:
        return cached
    entries = []
    for artefact in structures.artefacts():
        try:
            ref = ref_of(artefact)
        except TypeError:
            continue
        names = _names(artefact)
        entries.append(
            _Entry(ref, None, artefact.id, (fold(artefact.id), *map(fold, names.values())), names)
        )
        items = getattr(artefact, "items", None)
        if not isinstance(items, dict):
            continue
        for item in items.values():
            item_names = _names(item)
            texts = (fold(item.id), *map(fold, item_names.values()))
            entries.append(_Entry(ref, item.id, item.id, texts, item_names))
    structures.__dict__["_search_index"] = entries
    return entries


def search(structures: StructureSet, text: str, *, limit: int = 200) -> list[Match]:
    """Artefacts and items whose id or any name contains ``text``, best first."""
    wanted = fold(text.strip())
    if not wanted:
        return []
    found = []
    for entry in _index(structures):
        rank = _rank(entry.texts, wanted)
        if rank is not None:
            found.append((rank, entry.item is not None, entry.ref, entry.id, entry))
    found.sort(key=lambda row: row[:4])
    return [Match(e.ref, e.item, e.names, rank) for rank, _, _, _, e in found[:limit]]


def _rank(texts: tuple[str, ...], wanted: str) -> int | None:
    """0 exact id, 1 id or name starts with it, 2 a word starts with it, 3 contains it."""
    if texts[0] == wanted:
        return 0
    best = None
    for text in texts:
        position = text.find(wanted)
        if position < 0:
            continue
        if position == 0:
            return 1
        rank = 2 if not text[position - 1].isalnum() else 3
        best = rank if best is None else min(best, rank)
    return best
