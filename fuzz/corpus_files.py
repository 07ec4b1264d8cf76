"""The regression corpus: every input that ever broke the contract, one file each.

A file's name says how to replay it: ``<kind>-<hint>-<hash><suffix>``, where
kind is ``data`` or ``structure`` and hint names the structure its seed reads
with (``thb``, an ECB specimen set, or ``none``). ``INDEX`` lists what each
file broke before it was fixed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from fuzz.target import Case

CORPUS = Path(__file__).resolve().parent / "corpus"
INDEX = CORPUS / "INDEX.tsv"


def corpus_name(case: Case) -> str:
    digest = hashlib.sha256(case.data).hexdigest()[:12]
    return f"{case.kind}-{case.hint or 'none'}-{digest}{case.suffix}"


def corpus_case(path: Path) -> Case:
    kind, hint, rest = path.name.split("-", 2)
    suffix = "." + rest.split(".", 1)[1] if "." in rest else ".bin"
    return Case(path.read_bytes(), kind, "" if hint == "none" else hint, suffix)


def corpus_paths(folder: Path = CORPUS) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.split("-", 1)[0] in ("data", "structure"))


def add_to_corpus(case: Case, what: str, folder: Path = CORPUS) -> Path:
    """Save ``case`` (if new) and note in the index what it broke."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / corpus_name(case)
    if not path.exists():
        path.write_bytes(case.data)
        with open(folder / INDEX.name, "a", encoding="utf-8") as index:
            index.write(f"{path.name}\t{what}\n")
    return path
