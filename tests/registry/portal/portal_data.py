"""The portal tests' store: THB structures, restricted and public data, tokens.

The public data is what publication makes of the restricted data: the loads
are published (``registry.publication``) before the tests read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from registry_data import PROVIDERS, load, victims

from registry.bootstrap import prepare_store
from registry.publication.frames import current_frame
from registry.publication.publish import publish_pending
from registry.settings import Settings, load_settings
from registry.store.observations import FlowRef
from registry.store.structures import StructureCache
from registry.store.tokens import Role, create_token

PUBLIC_FLOW = "DF_THB_VICTIMS_PUB"


@dataclass
class PortalStore:
    settings: Settings
    #: Token secrets by name: "admin", "AT_MOI" (submitter), "expired".
    tokens: dict[str, str] = field(default_factory=dict)
    public_rows: int = 0


def public_rows(engine, structures) -> int:
    """Observations the public dataflow holds, as publication wrote them."""
    layout = structures.layout(PUBLIC_FLOW)
    with engine.connect() as conn:
        return sum(
            len(current_frame(conn, FlowRef.of_layout(layout), provider, layout))
            for provider in PROVIDERS
        )


def make_portal_store(folder: Path, database_url: str | None = None) -> PortalStore:
    settings = load_settings({}, data_dir=folder / "data", database_url=database_url)
    engine = prepare_store(settings).engine
    with engine.connect() as conn:
        structures = StructureCache().get(conn).structures
    store = PortalStore(settings)
    files = folder / "files"
    files.mkdir()
    for seed, provider in enumerate(PROVIDERS, start=7):
        load(engine, structures, victims(structures, provider, seed), files, provider=provider)
    publish_pending(engine)
    store.public_rows = public_rows(engine, structures)
    assert store.public_rows > 0
    with engine.begin() as conn:
        _, store.tokens["admin"] = create_token(conn, name="portal-admin", role=Role.ADMIN)
        _, store.tokens["AT_MOI"] = create_token(
            conn, name="at-moi-portal", role=Role.SUBMITTER, provider="AT_MOI"
        )
        _, store.tokens["expired"] = create_token(
            conn,
            name="expired-portal",
            role=Role.SUBMITTER,
            provider="AT_MOI",
            expires_in=timedelta(seconds=-1),
        )
    engine.dispose()
    return store


def victims_file(folder: Path, *, bad: bool = False) -> Path:
    """AT_MOI's victims file as the store holds it (valid: nothing changes when sent), or
    with an unknown area on row 4 and a miscased source on row 8 (invalid)."""
    from registry_data import write

    from mosy_sdmx.structures import builtin_structures

    structures = builtin_structures()
    path = folder / ("victims-bad.csv" if bad else "victims.csv")
    write(victims(structures, "AT_MOI", 7), structures, path)
    if bad:
        lines = path.read_text(encoding="utf-8").splitlines()
        lines[3] = re.sub(r'(^|,)("?)AT\2(,)', r"\1\2AU\2\3", lines[3], count=1)
        lines[7] = re.sub(r'(,)("?)BORD\2(,)', r"\1\2bord\2\3", lines[7], count=1)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
