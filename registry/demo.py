"""Demo data for ``mosy-registry serve --demo``: THB figures a newcomer sees at once.

For each restricted THB dataflow (``DF_*``, not ``_PUB``) and a few of its
providers, ``generate_demo_files`` writes one SDMX-CSV 2.0 file of ten years
that passes the library's validation (the additive breakdowns add up: a
total series per key, and each additive dimension split into parts that sum
to it, the other dimensions at their totals). The files and a
``manifest.json`` go to ``<data dir>/demo/``.

Storing observations is the data issue's job (Registry II): it appends a
loader to ``DEMO_LOADERS`` that stores each file through the same path as
``mosy-registry data load``. Until then the files wait, ready, in the data
directory.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from mosy_sdmx import validate, write_data
from mosy_sdmx.dataset import Dataset
from mosy_sdmx.structures import StructureSet
from mosy_sdmx.structures.rules import load_additive_groups
from registry.settings import Settings

log = logging.getLogger("registry")
YEARS = [str(y) for y in range(2015, 2025)]
PROVIDERS_PER_FLOW = 3
MAX_CODES = 3


@dataclass(frozen=True, slots=True)
class DemoFile:
    flow: str
    provider: str
    path: str
    observations: int


#: Callables that store demo files (``loader(engine, settings, files)``); the
#: data issue registers its loader here.
DEMO_LOADERS: list[Callable[[Engine, Settings, list[DemoFile]], None]] = []


def load_demo(engine: Engine, settings: Settings) -> list[DemoFile]:
    """Generate the demo files (once) and hand them to every registered loader."""
    from registry.store.structures import StructureCache

    folder = settings.data_dir / "demo"
    manifest = folder / "manifest.json"
    if manifest.is_file():
        files = [DemoFile(**entry) for entry in json.loads(manifest.read_text())]
    else:
        with engine.connect() as conn:
            structures = StructureCache().get(conn).structures
        files = generate_demo_files(structures, folder)
    for loader in DEMO_LOADERS:
        loader(engine, settings, files)
    return files


def generate_demo_files(structures: StructureSet, folder: Path, seed: int = 2026) -> list[DemoFile]:
    """Valid SDMX-CSV 2.0 files per restricted dataflow and provider, and a manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    files: list[DemoFile] = []
    for flow in sorted(structures.dataflows):
        if structures.is_public(flow):
            continue
        providers = sorted(
            {
                pa.data_provider.id
                for pa in structures.message.provisionagreement.values()
                if pa.structure_usage is not None
                and pa.structure_usage.id == flow
                and pa.data_provider is not None
            }
        )
        for provider in providers[:PROVIDERS_PER_FLOW]:
            dataset = demo_dataset(structures, flow, provider, rng)
            report = validate(dataset, structures, provider=provider)
            if not report.valid:
                codes = sorted({i.code for i in report.issues})
                log.warning("demo data for %s/%s does not validate: %s", flow, provider, codes)
                continue
            path = folder / f"{flow}-{provider}.csv"
            write_data(dataset, path, "sdmx-csv-2.0", structure=structures, flow=flow)
            files.append(DemoFile(flow, provider, str(path), len(dataset.data)))
    (folder / "manifest.json").write_text(json.dumps([asdict(f) for f in files], indent=1))
    return files


def demo_dataset(
    structures: StructureSet, flow: str, provider: str, rng: np.random.Generator
) -> Dataset:
    """Ten years of additive THB figures for one provider of one dataflow."""
    layout = structures.layout(flow)
    allowed = structures.allowed_codes(flow, provider)
    country = structures.provider_country(provider)

    def codes(component: str) -> list[str]:
        pool = allowed.get(component) or layout.components[component].codes or ()
        return sorted(pool)

    groups = {}
    for group in load_additive_groups():
        pool = codes(group.dimension) if group.dimension in layout.dimensions else []
        if group.dimension not in groups and group.total in pool:
            parts = [p for p in group.parts if p in pool]
            if parts:
                groups[group.dimension] = (group.total, parts)
    fixed: dict[str, list[str]] = {}
    for dim in layout.dimensions:
        if dim in groups:
            continue
        pool = codes(dim)
        if dim == "FREQ":
            fixed[dim] = ["A"]
        elif dim == "REF_AREA" and country in pool:
            fixed[dim] = [country]
        elif dim == "DATA_SOURCE":
            fixed[dim] = pool[:1]
        else:
            fixed[dim] = pool[:MAX_CODES]
    totals = {dim: total for dim, (total, _) in groups.items()}
    rows: list[dict[str, object]] = []
    for combination in itertools.product(*fixed.values()):
        base = dict(zip(fixed, combination, strict=True)) | totals
        for year in YEARS:
            value = int(rng.integers(40, 400))
            rows.append(base | {"TIME_PERIOD": year, "OBS_VALUE": float(value)})
            for dim, (_, parts) in groups.items():
                split = rng.multinomial(value, np.full(len(parts), 1 / len(parts)))
                for part, share in zip(parts, split, strict=True):
                    rows.append(base | {dim: part, "TIME_PERIOD": year, "OBS_VALUE": float(share)})
    frame = pd.DataFrame(rows)
    for name, component in layout.components.items():
        if getattr(component, "level", None) is None or name in frame:
            continue
        level = component.level.value
        pool = codes(name)
        if level in ("observation", "series") and getattr(component, "mandatory", False):
            preferred = {"OBS_STATUS": "A", "CONF_STATUS": "F", "COUNT_RULE": "PERS_YEAR"}
            value = preferred.get(name, pool[0] if pool else "")
            frame[name] = value if value in pool or not pool else pool[0]
    if "EXPLOIT_RULE" in layout.components and "EXPLOIT" in groups:
        frame["EXPLOIT_RULE"] = "MAIN"
    if "NAT_LEGAL_BASIS" in layout.components:  # free text, required for offenders and cases
        frame["NAT_LEGAL_BASIS"] = "Criminal Code, trafficking in human beings"
    for column in frame.columns:
        if column not in ("TIME_PERIOD", "OBS_VALUE"):
            frame[column] = frame[column].astype("category")
    dataset_attributes = {
        name: (codes(name) or ["0"])[0]
        for name, component in layout.components.items()
        if getattr(component, "level", None) is not None
        and component.level.value == "dataset"
        and getattr(component, "mandatory", False)
    }
    return Dataset(
        data=frame,
        structure_urn=layout.structure_urn,
        provider=provider,
        attributes=dataset_attributes,
    )
