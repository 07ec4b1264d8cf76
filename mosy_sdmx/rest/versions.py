"""Version queries of SDMX REST: exact versions, ``latest``/``all`` (1.5.0) and the
semantic-version wildcards of 2.x (``+``, ``~``, ``*``, ``1.+.0``, ``2.3~.1``...).

The rules are those of ``querying_versions.md`` (SDMX REST 2.2.2): ``+`` picks
the latest *stable* version (three numeric parts, no extension, major > 0),
``~`` the latest of any kind, ``*`` every version; a wildcard may sit in one
part only, with ``N+``/``N~``/``N*`` meaning "from N on"; parts after a bare
wildcard must be ``0``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from mosy_sdmx.exceptions import InvalidQueryError

Kind = Literal["exact", "stable", "latest", "all"]
_EXACT = re.compile(r"^\d+(\.\d+)*(-[0-9A-Za-z][0-9A-Za-z.-]*)?$")
_PART = re.compile(r"^(\d*)([+~*]?)$")
_VERSION = re.compile(r"^(\d+(?:\.\d+)*)(?:-([0-9A-Za-z.-]+))?$")


@dataclass(frozen=True, slots=True)
class Version:
    """A version as held: numeric parts and an optional extension (``1.0.0-draft``)."""

    parts: tuple[int, ...]
    extension: str | None

    @classmethod
    def parse(cls, text: str) -> Version | None:
        match = _VERSION.match(text)
        if match is None:
            return None
        return cls(tuple(int(p) for p in match.group(1).split(".")), match.group(2))

    @property
    def is_stable(self) -> bool:
        """Semantic, three parts, no extension (SDMX 3.0's definition of stable)."""
        return len(self.parts) == 3 and self.extension is None

    def sort_key(self) -> tuple:
        # A version with an extension comes before the same version without one.
        return (self.parts, self.extension is None, self.extension or "")


@dataclass(frozen=True, slots=True)
class VersionQuery:
    """One version selector; ``select`` applies it to the versions held."""

    text: str
    kind: Kind
    #: Where the wildcard sits (index of the part) and the query's numeric parts.
    position: int = 0
    numbers: tuple[int, ...] = ()
    #: Number of parts a matching version has (None: any form).
    width: int | None = None

    @classmethod
    def parse(cls, text: str, api: str = "v2") -> VersionQuery:
        """Parse one version selector of the ``api`` generation ("v1" or "v2")."""
        if api == "v1":
            if text == "latest":
                return cls(text, "latest")
            if text == "all":
                return cls(text, "all")
            if re.match(r"^\d+(\.\d+)*$", text):
                return cls(text, "exact")
            raise _bad(text, "use latest, all or a version such as 1.0")
        if text in ("*", "~", "+"):
            kind: Kind = {"*": "all", "~": "latest", "+": "stable"}[text]
            width = 3 if text == "+" else None
            return cls(text, kind, 0, (1,) if text == "+" else (), width)
        if text == "latest":  # REST 2.0.0 keyword, as ``~``
            return cls(text, "latest")
        if _EXACT.match(text):
            return cls(text, "exact")
        parts = text.split(".")
        if len(parts) > 3:
            raise _bad(text, "a version has at most three parts")
        wild = [i for i, p in enumerate(parts) if p and p[-1] in "+~*"]
        if len(wild) != 1:
            raise _bad(text, "use one of the wildcards +, ~ or * once, e.g. 1.+.0 or 2.3~.0")
        position = wild[0]
        numbers = []
        for i, part in enumerate(parts):
            match = _PART.match(part)
            if match is None or (i != position and (match.group(2) or not match.group(1))):
                raise _bad(text, f"part {i + 1} ({part!r}) is not a number")
            numbers.append(int(match.group(1) or 0))
            if i > position and not parts[position][:-1] and numbers[-1] != 0:
                raise _bad(text, "after a bare wildcard every part is 0, e.g. 1.+.0 or ~.0.0")
        operator = parts[position][-1]
        if operator == "+" and len(parts) != 3:
            raise _bad(text, "+ asks for stable versions, which have three parts (e.g. 2.3+.0)")
        kind = {"+": "stable", "~": "latest", "*": "all"}[operator]
        if kind == "stable" and position == 0 and numbers[0] == 0:
            numbers[0] = 1
        return cls(text, kind, position, tuple(numbers), len(parts))

    def matches(self, version: str) -> bool:
        if self.kind == "exact":
            return version == self.text
        if self.width is None and not self.numbers:
            return True
        held = Version.parse(version)
        if held is None or (self.width is not None and len(held.parts) != self.width):
            return False
        if self.kind == "stable" and not held.is_stable:
            return False
        if held.parts[: self.position] != self.numbers[: self.position]:
            return False
        return held.parts[self.position :] >= self.numbers[self.position :]

    def select(self, versions: list[str]) -> list[str]:
        """The versions this query returns: all matches for ``*``, the latest otherwise."""
        matching = [v for v in versions if self.matches(v)]
        if self.kind in ("exact", "all") or len(matching) <= 1:
            return matching
        return [max(matching, key=_sort_key)]


def _sort_key(version: str) -> tuple:
    parsed = Version.parse(version)
    return (1, parsed.sort_key()) if parsed else (0, ((), False, version))


def _bad(text: str, hint: str) -> InvalidQueryError:
    return InvalidQueryError(
        "Invalid version", f"{text!r} is not a version query: {hint}", context={"version": text}
    )
