"""Structures in the database: one row per maintainable artefact.

Rows hold an artefact's identity, whether it is stable, and its SDMX-ML 2.1
element (``mosy_sdmx.structures.fragments``). ``save_structures`` applies the
maintenance rules of SDMX REST 2.x (``maintenance.md``) to a whole upload in
one transaction: a stable artefact is not silently overwritten, and no
artefact may be left referring to one the store does not hold. Every change
bumps the ``structures`` revision and is written to the change log.

``StructureCache`` keeps each process's parsed StructureSet keyed by that
revision, so reading is one indexed query per request and a change made
through any process is seen by every other on its next request.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, Engine, delete, insert, select, update

from mosy_sdmx.safe_xml import parse_bytes
from mosy_sdmx.structures import StructureSet
from mosy_sdmx.structures.fragments import (
    Fragment,
    canonical_fragment,
    join_fragments,
    missing_items,
    storable_fragments,
)
from mosy_sdmx.structures.partial import is_partial, merge_partial
from mosy_sdmx.structures.references import ArtefactRef, ReferenceGraph, describe_item
from mosy_sdmx.structures.structure_set import read_structure_bytes, read_structure_parts
from registry.db.tables import artefacts
from registry.store.changes import Actor, record_change
from registry.store.revisions import STRUCTURES, Revision, _aware, bump_revision, get_revision, now

_STABLE_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def is_stable(fragment: Fragment) -> bool:
    """Final in SDMX 2.1 terms, or a semantic version without extension (SDMX 3.0)."""
    return fragment.is_final or bool(_STABLE_SEMVER.match(fragment.version))


class Outcome(StrEnum):
    """What happened to one submitted artefact; ``status`` is its HTTP code."""

    CREATED = "created"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    VERSIONING = "versioning-rule"
    MISSING_REFERENCE = "missing-reference"
    REFERENCED = "still-referenced"
    NOT_FOUND = "not-found"

    @property
    def status(self) -> int:
        return {
            "created": 201,
            "replaced": 200,
            "unchanged": 200,
            "deleted": 200,
            "not-found": 404,
        }.get(self.value, 409)

    @property
    def ok(self) -> bool:
        return self.status < 400


@dataclass(frozen=True, slots=True)
class ArtefactResult:
    ref: ArtefactRef
    action: str  # Append, Replace or Delete, as SubmitStructureResponse says
    outcome: Outcome
    message: str


@dataclass
class SaveReport:
    """Per-artefact results of one maintenance request.

    ``applied`` says whether the artefacts that passed were stored: always when
    all passed; with failures, only when the caller accepted partial success.
    """

    results: list[ArtefactResult] = field(default_factory=list)
    revision: Revision | None = None
    applied: bool = False

    @property
    def ok(self) -> bool:
        return all(r.outcome.ok for r in self.results)

    @property
    def status(self) -> int:
        """201 if anything was created, 200 otherwise; 207 when some passed and were
        stored while others failed; else the first failure's code."""
        failures = [r for r in self.results if not r.outcome.ok]
        if failures:
            if self.applied and len(failures) < len(self.results):
                return 207
            return failures[0].outcome.status
        if any(r.outcome is Outcome.CREATED for r in self.results):
            return 201
        return 200


@dataclass(frozen=True, slots=True)
class StoredArtefact:
    ref: ArtefactRef
    is_final: bool
    created_at: datetime
    updated_at: datetime


def fragments_of(structures: StructureSet) -> list[Fragment]:
    """The artefacts of a StructureSet as storable fragments (``storable_fragments``)."""
    return storable_fragments(structures)


def external_refs(message: bytes) -> frozenset[ArtefactRef]:
    """Artefacts the message declares held elsewhere (``isExternalReference="true"``).

    References to them are accepted although the registry does not hold them,
    as the sender said they live elsewhere; any other unresolved reference is
    refused (409).
    """
    from mosy_sdmx.structures.fragments import declared_external

    return frozenset(ArtefactRef(*key) for key in declared_external(message))


def _ref(fragment: Fragment) -> ArtefactRef:
    return ArtefactRef(fragment.type, fragment.agency, fragment.id, fragment.version)


def list_fragments(conn: Connection) -> list[Fragment]:
    rows = conn.execute(
        select(
            artefacts.c.type,
            artefacts.c.agency,
            artefacts.c.id,
            artefacts.c.version,
            artefacts.c.is_final,
            artefacts.c.content,
        )
    )
    return [Fragment(r.type, r.agency, r.id, r.version, r.is_final, bytes(r.content)) for r in rows]


def list_artefacts(conn: Connection) -> list[StoredArtefact]:
    rows = conn.execute(
        select(
            artefacts.c.type,
            artefacts.c.agency,
            artefacts.c.id,
            artefacts.c.version,
            artefacts.c.is_final,
            artefacts.c.created_at,
            artefacts.c.updated_at,
        ).order_by(artefacts.c.type, artefacts.c.agency, artefacts.c.id, artefacts.c.version)
    )
    return [
        StoredArtefact(
            ArtefactRef(r.type, r.agency, r.id, r.version),
            r.is_final,
            _aware(r.created_at),
            _aware(r.updated_at),
        )
        for r in rows
    ]


def count_artefacts(conn: Connection) -> int:
    from sqlalchemy import func

    return conn.execute(select(func.count()).select_from(artefacts)).scalar_one()


def save_structures(
    conn: Connection,
    fragments: Iterable[Fragment],
    *,
    actor: Actor,
    external: frozenset[ArtefactRef] = frozenset(),
    replace_stable: bool = False,
    only_new: bool = False,
    partial_success: bool = False,
    refused: Mapping[ArtefactRef, str] | None = None,
) -> SaveReport:
    """Create or replace artefacts inside the caller's transaction.

    All or nothing by default. With ``partial_success`` (SDMX REST's POST, 207)
    each artefact is judged on its own: those that pass are stored, those that
    fail are not, nor any submitted artefact that needs one of them.

    A stable artefact may be submitted again unchanged, but not changed
    (``replace_stable`` lifts that rule, for an administrator's command line
    only). ``only_new`` refuses any artefact that exists (POST of creation).
    The references of the resulting store are checked before anything is
    written: no reference (to an artefact, or to an item of a scheme, such as
    a categorisation's category) may dangle that did not before, unless its
    target is in ``external``.
    A partial item scheme (``isPartial``) is merged into the stored one
    (``mosy_sdmx.structures.partial``); one the store lacks is created as it
    is (still partial), as a POST creates (a PUT of it is a 404 before this).
    ``refused`` are artefacts of the message already found to refer to what it
    lacks (``read_structure_parts``): each is reported as a missing reference,
    and whatever needs it fails with it.
    """
    submitted = {_ref(f): f for f in fragments}
    stored = {_ref(f): f for f in list_fragments(conn)}
    report = SaveReport()
    for ref, why in (refused or {}).items():
        action = "Replace" if ref in stored else "Append"
        why = f"{why}: add the item to that scheme, or submit {ref} without it"
        report.results.append(ArtefactResult(ref, action, Outcome.MISSING_REFERENCE, why))
    for ref, fragment in list(submitted.items()):
        old = stored.get(ref)
        if old is not None and is_partial(fragment.content):
            fragment = canonical_fragment(
                replace(fragment, content=merge_partial(old.content, fragment.content))
            )
        fragment = _with_stability(fragment)
        submitted[ref] = fragment
        if old is None:
            report.results.append(ArtefactResult(ref, "Append", Outcome.CREATED, f"{ref} created"))
        elif _unchanged(old, fragment):
            report.results.append(
                ArtefactResult(ref, "Replace", Outcome.UNCHANGED, f"{ref} is unchanged")
            )
        elif only_new or (old.is_final and not replace_stable):
            why = (
                "exists already; replace it with PUT"
                if only_new and not old.is_final
                else "is stable (final) and cannot change; submit it as a new version"
            )
            report.results.append(
                ArtefactResult(ref, "Replace", Outcome.VERSIONING, f"{ref} {why}")
            )
        else:
            report.results.append(
                ArtefactResult(ref, "Replace", Outcome.REPLACED, f"{ref} replaced")
            )
    _check_references(stored, submitted, external, report)
    if not report.ok and not partial_success:
        return report
    report.applied = True
    changed = [r for r in report.results if r.outcome in (Outcome.CREATED, Outcome.REPLACED)]
    if not changed:
        return report
    at = now()
    for result in changed:
        fragment = submitted[result.ref]
        if result.outcome is Outcome.CREATED:
            conn.execute(
                insert(artefacts).values(
                    type=fragment.type,
                    agency=fragment.agency,
                    id=fragment.id,
                    version=fragment.version,
                    is_final=fragment.is_final,
                    created_at=at,
                    updated_at=at,
                    content=fragment.content,
                )
            )
        else:
            conn.execute(
                update(artefacts)
                .where(*_identity(result.ref))
                .values(is_final=fragment.is_final, updated_at=at, content=fragment.content)
            )
        record_change(
            conn,
            actor=actor,
            action="create" if result.outcome is Outcome.CREATED else "replace",
            scope=STRUCTURES,
            target=str(result.ref),
            at=at,
        )
    report.revision = bump_revision(conn, STRUCTURES, at)
    return report


def delete_artefact(
    conn: Connection, ref: ArtefactRef, *, actor: Actor, force: bool = False
) -> SaveReport:
    """Delete one artefact unless it is stable or another artefact refers to it."""
    stored = {_ref(f): f for f in list_fragments(conn)}
    report = SaveReport()
    fragment = stored.get(ref)
    if fragment is None:
        report.results.append(ArtefactResult(ref, "Delete", Outcome.NOT_FOUND, f"no {ref}"))
        return report
    if fragment.is_final and not force:
        report.results.append(
            ArtefactResult(
                ref, "Delete", Outcome.VERSIONING, f"{ref} is stable (final) and cannot be deleted"
            )
        )
        return report
    remaining = {r: f for r, f in stored.items() if r != ref}
    referrers = sorted(
        str(src) for src, targets in _new_dangling(stored, remaining).items() if ref in targets
    )
    if referrers:
        report.results.append(
            ArtefactResult(
                ref,
                "Delete",
                Outcome.REFERENCED,
                f"{ref} is referred to by {', '.join(referrers[:5])}"
                + (f" and {len(referrers) - 5} more" if len(referrers) > 5 else ""),
            )
        )
        return report
    at = now()
    conn.execute(delete(artefacts).where(*_identity(ref)))
    record_change(conn, actor=actor, action="delete", scope=STRUCTURES, target=str(ref), at=at)
    report.results.append(ArtefactResult(ref, "Delete", Outcome.DELETED, f"{ref} deleted"))
    report.applied = True
    report.revision = bump_revision(conn, STRUCTURES, at)
    return report


def _unchanged(old: Fragment, new: Fragment) -> bool:
    """Whether a submitted artefact equals the stored one.

    SDMX 3.0 formats (SDMX-ML 3.0, SDMX-JSON 2.0) cannot say that an artefact
    with a version such as ``2.1`` is final; sending a final artefact again in
    one of them, otherwise identical, changes nothing (it stays final).
    """
    stored, submitted = old.content.rstrip(), new.content.rstrip()  # rows of old kept a tail
    if stored == submitted:
        return True
    if not old.is_final or new.is_final:
        return False
    head, sep, rest = submitted.partition(b">")
    return head.replace(b' isFinal="false"', b' isFinal="true"', 1) + sep + rest == stored


def _identity(ref: ArtefactRef):
    return (
        artefacts.c.type == ref.type,
        artefacts.c.agency == ref.agency,
        artefacts.c.id == ref.id,
        artefacts.c.version == ref.version,
    )


def _with_stability(fragment: Fragment) -> Fragment:
    stable = is_stable(fragment)
    if stable == fragment.is_final:
        return fragment
    return Fragment(
        fragment.type, fragment.agency, fragment.id, fragment.version, stable, fragment.content
    )


def _graph(fragments: dict[ArtefactRef, Fragment]) -> ReferenceGraph:
    """The reference graph of a set of rows; a row referring to an item that a held
    scheme lacks (which sdmx1 cannot read) is left out and recorded as missing it."""
    if not fragments:
        return ReferenceGraph()
    lacking = missing_items((f.key, parse_bytes(f.content).getroot()) for f in fragments.values())
    readable = [f for f in fragments.values() if f.key not in lacking]
    structures = read_structure_bytes(join_fragments(readable), "store")
    graph = ReferenceGraph.build(structures.artefacts())
    for key, items in lacking.items():
        source = ArtefactRef(*key)
        for scheme, item_id in items:
            graph.missing_items.setdefault(source, {}).setdefault(ArtefactRef(*scheme), set()).add(
                item_id
            )
        graph.artefacts.setdefault(source, None)  # held, if unreadable: others may use it
    return graph


def _new_dangling(
    before: dict[ArtefactRef, Fragment] | ReferenceGraph, after: dict[ArtefactRef, Fragment]
) -> dict[ArtefactRef, dict[ArtefactRef, list[str]]]:
    """References that dangle in ``after`` but did not in ``before``:
    referrer -> {missing artefact, or scheme missing an item: what, in words}."""
    was = before if isinstance(before, ReferenceGraph) else _graph(before)
    graph = _graph(after)
    out: dict[ArtefactRef, dict[ArtefactRef, list[str]]] = {}
    for source, targets in graph.missing.items():
        for target in targets - was.missing.get(source, set()):
            out.setdefault(source, {})[target] = graph.what_is_missing(source, [target])
    for source, schemes in graph.missing_items.items():
        for scheme, items in schemes.items():
            new = items - was.missing_items.get(source, {}).get(scheme, set())
            if new:
                out.setdefault(source, {})[scheme] = [
                    f"{describe_item(scheme, item)}, which that scheme does not hold"
                    for item in sorted(new)
                ]
    for source, agency in graph.unmaintained.items():  # an agency scheme dropped its agency
        scheme = was.agency_schemes.get(agency)
        if scheme is not None and source not in was.unmaintained:
            out.setdefault(source, {})[scheme] = [
                f"its maintainer, agency {agency} of {scheme}, which that scheme would no "
                "longer hold"
            ]
    return out


def _check_references(
    stored: dict[ArtefactRef, Fragment],
    submitted: dict[ArtefactRef, Fragment],
    external: frozenset[ArtefactRef],
    report: SaveReport,
) -> None:
    """Refuse submitted artefacts whose references would dangle, or that would break
    the references of others, until what remains is whole."""
    by_ref = {r.ref: i for i, r in enumerate(report.results)}
    before = _graph(stored)
    while True:
        accepted = {
            ref: fragment
            for ref, fragment in submitted.items()
            if ref in by_ref and report.results[by_ref[ref]].outcome.ok
        }
        dangling = {
            source: {t: words for t, words in targets.items() if t not in external}
            for source, targets in _new_dangling(before, {**stored, **accepted}).items()
        }
        refused = False
        broken: dict[ArtefactRef, list[str]] = {}
        for source, targets in sorted(dangling.items()):
            if not targets:
                continue
            names = "; ".join(w for words in targets.values() for w in words)
            if source in accepted:
                _fail(
                    report,
                    by_ref[source],
                    Outcome.MISSING_REFERENCE,
                    f"{source} refers to {names}, which the registry does not hold: submit "
                    "them first or in the same message",
                )
                refused = True
                continue
            for target in set(targets) & set(accepted):  # a replacement drops what is used
                broken.setdefault(target, []).append(f"{source} (refers to {names})")
        for target, victims in sorted(broken.items()):
            more = f" and {len(victims) - 3} more" if len(victims) > 3 else ""
            _fail(
                report,
                by_ref[target],
                Outcome.REFERENCED,
                f"{target} would break {'; '.join(victims[:3])}{more}",
            )
            refused = True
        if not refused:
            return


def _fail(report: SaveReport, index: int, outcome: Outcome, message: str) -> None:
    old = report.results[index]
    report.results[index] = ArtefactResult(old.ref, old.action, outcome, message)


class StructureCache:
    """This process's parsed view of the stored structures, keyed by revision.

    ``get`` costs one indexed read when nothing changed; after a change
    (through any process) the first request rebuilds the StructureSet once,
    under a lock, while other threads wait for it rather than rebuild too.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._revision: int | None = None
        self._view: StructureView | None = None

    def get(self, conn: Connection) -> StructureView:
        revision = get_revision(conn, STRUCTURES)
        view = self._view
        if view is not None and view.revision.number == revision.number:
            return view
        with self._lock:
            view = self._view
            if view is not None and view.revision.number == revision.number:
                return view
            # Rows may move on between the revision read and these reads; the
            # view keeps the older number, so the next request rebuilds rather
            # than serve rows newer than its validators say (never older).
            fragments = list_fragments(conn)
            updated = {row.ref: row.updated_at for row in list_artefacts(conn)}
            self._view = StructureView.build(revision, fragments, updated)
            return self._view

    def clear(self) -> None:
        with self._lock:
            self._view = None


@dataclass
class StructureView:
    """The stored structures at one revision: parsed set, graph and row facts."""

    revision: Revision
    structures: StructureSet
    graph: ReferenceGraph
    #: When each artefact last changed (for ``updatedAfter``).
    updated: dict[ArtefactRef, datetime] = field(default_factory=dict)
    #: Per-process memo of rendered answers, dropped with the view.
    rendered: dict = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        revision: Revision,
        fragments: list[Fragment],
        updated: dict[ArtefactRef, datetime] | None = None,
    ) -> StructureView:
        from sdmx.message import StructureMessage

        if fragments:
            structures = read_structure_bytes(join_fragments(fragments), "store")
        else:
            structures = StructureSet(StructureMessage(), source="store")
        graph = ReferenceGraph.build(structures.artefacts())
        return cls(revision, structures, graph, dict(updated or {}))


def load_structure_file(
    engine: Engine, path, *, actor: Actor, replace_stable: bool = False
) -> SaveReport:
    """Load an SDMX-ML 2.1/3.0 or SDMX-JSON structure message from a file.

    As a POST does: what passes is stored, what fails (and what needs it) is not.
    """
    from pathlib import Path

    from mosy_sdmx.exceptions import StructureError

    try:
        message = Path(path).read_bytes()
    except OSError as exc:
        raise StructureError("Cannot read structure file", f"{path}: {exc.strerror}") from None
    structures, refused = read_structure_parts(message, str(path))
    with engine.begin() as conn:
        report = save_structures(
            conn,
            fragments_of(structures),
            actor=actor,
            external=external_refs(message),
            replace_stable=replace_stable,
            partial_success=True,
            refused={ArtefactRef(*key): why for key, why in refused.items()},
        )
        if not report.applied:
            conn.rollback()
        return report
