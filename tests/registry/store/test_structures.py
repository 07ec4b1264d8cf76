"""The structure store: versioning rules, references, revisions, the change log."""

from __future__ import annotations

import pytest

from mosy_sdmx.structures.fragments import Fragment
from mosy_sdmx.structures.references import ArtefactRef
from registry.db.engine import make_engine
from registry.store.changes import Actor, list_changes
from registry.store.revisions import STRUCTURES, get_revision
from registry.store.structures import (
    Outcome,
    StructureCache,
    delete_artefact,
    list_fragments,
    save_structures,
)

ALICE = Actor("alice")
CL_SEX = ArtefactRef("codelist", "MOSY", "CL_SEX_THB", "1.0.0")


@pytest.fixture
def engine(fresh_settings):
    engine = make_engine(fresh_settings.effective_database_url)
    yield engine
    engine.dispose()


def _stored(engine, ref: ArtefactRef) -> Fragment:
    with engine.connect() as conn:
        return next(
            f for f in list_fragments(conn) if f.key == (ref.type, ref.agency, ref.id, ref.version)
        )


def _variant(fragment: Fragment, **changes) -> Fragment:
    values = {
        "type": fragment.type,
        "agency": fragment.agency,
        "id": fragment.id,
        "version": fragment.version,
        "is_final": fragment.is_final,
        "content": fragment.content,
    }
    values.update(changes)
    return Fragment(**values)


def _new_version(fragment: Fragment, version: str) -> Fragment:
    old = f"{fragment.id}({fragment.version})".encode()
    content = fragment.content.replace(
        f'version="{fragment.version}"'.encode(), f'version="{version}"'.encode()
    )
    return _variant(
        fragment,
        version=version,
        content=content.replace(old, f"{fragment.id}({version})".encode()),
    )


def test_a_stable_artefact_cannot_change_and_nothing_is_written(engine) -> None:
    old = _stored(engine, CL_SEX)
    changed = _variant(old, content=old.content.replace(b"Female", b"Women"))
    with engine.begin() as conn:
        before = get_revision(conn, STRUCTURES)
        report = save_structures(conn, [changed], actor=ALICE)
    assert not report.ok and report.status == 409
    assert report.results[0].outcome is Outcome.VERSIONING
    assert "new version" in report.results[0].message
    assert _stored(engine, CL_SEX).content == old.content
    with engine.connect() as conn:
        assert get_revision(conn, STRUCTURES) == before


def test_the_same_artefact_again_is_unchanged(engine) -> None:
    old = _stored(engine, CL_SEX)
    with engine.begin() as conn:
        before = get_revision(conn, STRUCTURES)
        report = save_structures(conn, [old], actor=ALICE)
        assert get_revision(conn, STRUCTURES) == before
    assert report.ok and report.status == 200
    assert report.results[0].outcome is Outcome.UNCHANGED


def test_a_new_version_is_created_logged_and_bumps_the_revision(engine) -> None:
    old = _stored(engine, CL_SEX)
    new = _new_version(old, "1.1.0")
    with engine.begin() as conn:
        before = get_revision(conn, STRUCTURES)
        report = save_structures(conn, [new], actor=ALICE)
    assert report.ok and report.status == 201
    with engine.connect() as conn:
        after = get_revision(conn, STRUCTURES)
        log = list_changes(conn, limit=1)
    assert after.number == before.number + 1
    assert log[0].actor == "alice" and log[0].action == "create"
    assert log[0].target == "codelist=MOSY:CL_SEX_THB(1.1.0)"


def test_a_reference_to_an_unknown_artefact_is_refused(engine) -> None:
    flow = _stored(engine, ArtefactRef("dataflow", "MOSY", "DF_THB_VICTIMS", "1.0.0"))
    orphan = _variant(
        flow,
        id="DF_ORPHAN",
        content=flow.content.replace(b'id="DF_THB_VICTIMS"', b'id="DF_ORPHAN"').replace(
            b'id="DSD_THB_PERSONS"', b'id="DSD_NOWHERE"'
        ),
    )
    with engine.begin() as conn:
        report = save_structures(conn, [orphan], actor=ALICE)
    assert report.status == 409
    assert report.results[0].outcome is Outcome.MISSING_REFERENCE
    assert "DSD_NOWHERE" in report.results[0].message


def test_a_referenced_artefact_cannot_be_deleted(engine) -> None:
    with engine.begin() as conn:
        report = delete_artefact(conn, CL_SEX, actor=ALICE, force=True)
    assert report.status == 409 and report.results[0].outcome is Outcome.REFERENCED
    assert "DSD_THB_PERSONS" in report.results[0].message


def test_deleting_what_is_not_there_is_404(engine) -> None:
    with engine.begin() as conn:
        report = delete_artefact(conn, ArtefactRef("codelist", "X", "Y", "1.0"), actor=ALICE)
    assert report.status == 404


def test_cache_follows_changes_made_through_another_engine(engine, fresh_settings) -> None:
    cache = StructureCache()
    other = make_engine(fresh_settings.effective_database_url)
    with engine.connect() as conn:
        first = cache.get(conn)
        assert cache.get(conn) is first  # unchanged revision: the same parsed view
    old = _stored(engine, CL_SEX)
    new = _new_version(old, "2.0.0")
    with other.begin() as conn:
        assert save_structures(conn, [new], actor=ALICE).ok
    other.dispose()
    with engine.connect() as conn:
        second = cache.get(conn)
    assert second is not first
    assert ArtefactRef("codelist", "MOSY", "CL_SEX_THB", "2.0.0") in second.graph.artefacts
