"""The conformance corpus: every sample message of the shared folder, read as
docs/conformance.md says, and compared with sdmx1 where sdmx1 reads it.

The page is the table of record: one row per sample (the official SDMX samples
under ``sdmx-standards/`` and the published specimens under ``specimens/``)
with what mosy does with it (``read``, or ``refused: <error title>`` with the
reason) and whether sdmx1 reads it too (``compared``: then the observations,
their keys and values must be the same). A sample added to the shared folder
fails the first test until the page has a row for it. The page is written by
``tools/conformance_page.py`` from what the library does with each sample, and
the last test fails when it is out of date.
"""

from __future__ import annotations

import math
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import sdmx
from paths import ROOT, SHARED

from mosy_sdmx import read_datasets
from mosy_sdmx.exceptions import MosyError
from mosy_sdmx.structures import load_structures

sys.path.insert(0, str(ROOT / "tools"))
import conformance_page

PAGE = ROOT / "docs" / "conformance.md"
_ROW = re.compile(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|", re.MULTILINE)


@dataclass(frozen=True)
class Row:
    kind: str  # "data ..." or "structure ..." or "metadata ..."
    outcome: str  # "read" or "refused: <title>"
    sdmx1: str  # "compared" or a dash


def _table() -> dict[str, Row]:
    text = PAGE.read_text(encoding="utf-8")
    return {m[0]: Row(m[1].strip(), m[2].strip(), m[3].strip()) for m in _ROW.findall(text)}


SAMPLES = conformance_page.samples()
TABLE = _table()


def test_the_page_lists_every_sample_once():
    assert SAMPLES, "no sample found: is the shared folder beside the project?"
    listed = [m[0] for m in _ROW.findall(PAGE.read_text(encoding="utf-8"))]
    assert len(listed) == len(set(listed)), "a sample is listed twice"
    assert sorted(set(SAMPLES) - set(TABLE)) == [], "samples missing from docs/conformance.md"
    assert sorted(set(TABLE) - set(SAMPLES)) == [], "rows for samples that do not exist"


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_is_read_or_refused_as_the_page_says(name):
    row = TABLE.get(name)
    if row is None:
        pytest.fail(f"{name} has no row in docs/conformance.md")
    path = SHARED / name
    read = load_structures if row.kind.startswith("structure") else read_datasets
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deviations are checked on the datasets below
        if row.outcome == "read":
            result = read(path)
        else:
            expected = row.outcome.removeprefix("refused: ").strip()
            with pytest.raises(MosyError) as err:
                read(path)
            assert err.value.title == expected, str(err.value)
            assert "Traceback" not in str(err.value)
            return
    if read is read_datasets:
        assert result
        for dataset in result:
            assert not dataset.deviations, dataset.deviations  # the samples are conformant
    if row.sdmx1 == "compared":
        _compare_with_sdmx1(path, result)


def test_the_page_is_what_the_generator_writes_from_the_corpus():
    assert conformance_page.SHARED == SHARED
    assert PAGE.read_text(encoding="utf-8") == conformance_page.render(), (
        "docs/conformance.md is out of date: run python tools/conformance_page.py"
    )


# -- the comparison with sdmx1 ----------------------------------------------------

#: Structure-specific data reads with its DSD (sdmx1 needs it; mosy uses it too).
_DSD_FOR = [
    (
        re.compile(r"specimens/ECB_EXR/(ng|rg|sg)-.*-ss\.xml$"),
        r"specimens/ECB_EXR/\1-structure-full.xml",
    ),
    (
        re.compile(r".*/Data - Simple Data Attributes/ECB_EXR\.xml$"),
        "sdmx-standards/sdmx-ml/3.0/samples/Data Structure Definition/ECB_EXR.xml",
    ),
    (
        re.compile(r".*/Data - Complex Data Attributes/ECB_EXR_CA\.xml$"),
        "sdmx-standards/sdmx-ml/3.0/samples/Data - Complex Data Attributes/ECB_EXR_CA_DSD.xml",
    ),
]


def _dsd_file(path: Path) -> Path | None:
    name = path.relative_to(SHARED).as_posix()
    for pattern, replacement in _DSD_FOR:
        if pattern.match(name):
            return SHARED / pattern.sub(replacement, name)
    return None


def _compare_with_sdmx1(path: Path, ours_read) -> None:
    dsd_file = _dsd_file(path)
    if dsd_file is not None:
        structures = load_structures(dsd_file)
        dsd_id = next(iter(structures.data_structures))
        ours_read = read_datasets(path, structures.layout(dsd_id))
        theirs = sdmx.read_sdmx(dsd_file)
        message = sdmx.read_sdmx(path, structure=theirs.structure[dsd_id])
    else:
        message = sdmx.read_sdmx(path)
    assert len(message.data) == len(ours_read)
    for dataset, ours in zip(message.data, ours_read, strict=True):
        series = sdmx.to_pandas(dataset)
        if not isinstance(series, pd.Series):  # several observation values per key
            series = series.iloc[:, 0]
        keys = list(series.index.names)
        theirs_rows = sorted(
            (tuple(str(k) for k in (key if isinstance(key, tuple) else (key,))), _number(v))
            for key, v in series.items()
        )
        frame = ours.data
        assert set(keys) <= set(frame.columns), f"sdmx1 keys {keys} not all columns"
        ours_rows = sorted(
            (tuple(str(v) for v in key), _number(value))
            for key, value in zip(
                frame[keys].astype(object).itertuples(index=False, name=None),
                frame["OBS_VALUE"],
                strict=True,
            )
        )
        assert len(ours_rows) == len(theirs_rows)
        for (our_key, our_value), (their_key, their_value) in zip(
            ours_rows, theirs_rows, strict=True
        ):
            assert our_key == their_key
            assert _same(our_value, their_value), (our_key, our_value, their_value)


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12)
